"""Forms of the stock pages: a receipt, an adjustment and a file of initial stock."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, FileField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from core.entry.forms import LookupField
from core.figures import QUANTITY
from core.forms import FixedPoint, PortalForm
from plugins.stock.services import REASON_MAX, REFERENCE_MAX


class ReceiptForm(PortalForm):
    product_id = LookupField(_l("Product"), validators=[InputRequired()], kind="product")
    quantity = DecimalField(_l("Quantity received"), places=None,
                            validators=[InputRequired(), FixedPoint(QUANTITY)])
    reference = StringField(_l("Delivery note"), validators=[Optional(), Length(max=REFERENCE_MAX)])


class AdjustmentForm(PortalForm):
    product_id = LookupField(_l("Product"), validators=[InputRequired()], kind="product")
    quantity = DecimalField(_l("Change (negative takes away)"), places=None,
                            validators=[InputRequired(), FixedPoint(QUANTITY)])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=REASON_MAX)])


class StockImportForm(PortalForm):
    # FlaskForm reads the request's files with its fields: the data is the upload (a FileStorage).
    file = FileField(_l("Stock file (CSV in UTF-8 or GB18030, or Excel .xlsx)"))

    def validate_file(self, field: FileField) -> None:
        if not getattr(field.data, "filename", None):
            raise ValidationError(_l("Choose the file to import."))
