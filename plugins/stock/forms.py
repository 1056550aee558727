"""Forms of the stock pages: a receipt, an adjustment, a product's tracking, a warehouse and a file of initial
stock."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, FileField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from core.entry.forms import LookupField
from core.figures import QUANTITY
from core.forms import FixedPoint, PortalForm
from plugins.stock.lots import LOT_MAX
from plugins.stock.services import REASON_MAX, REFERENCE_MAX
from plugins.stock.warehouses import CODE_MAX, NAME_MAX


def warehouse_id(value: object) -> int | None:
    """A warehouse choice: its id, or None (the default warehouse, before the company has any)."""
    return int(str(value)) if value not in (None, "") else None


class ReceiptForm(PortalForm):
    product_id = LookupField(_l("Product"), validators=[InputRequired()], kind="product")
    quantity = DecimalField(_l("Quantity received"), places=None,
                            validators=[InputRequired(), FixedPoint(QUANTITY)])
    warehouse_id = SelectField(_l("Warehouse"), coerce=warehouse_id, validators=[Optional()])
    lot = StringField(_l("Lot or serial number"), validators=[Optional(), Length(max=LOT_MAX)])
    reference = StringField(_l("Delivery note"), validators=[Optional(), Length(max=REFERENCE_MAX)])


class AdjustmentForm(PortalForm):
    product_id = LookupField(_l("Product"), validators=[InputRequired()], kind="product")
    quantity = DecimalField(_l("Change (negative takes away)"), places=None,
                            validators=[InputRequired(), FixedPoint(QUANTITY)])
    warehouse_id = SelectField(_l("Warehouse"), coerce=warehouse_id, validators=[Optional()])
    lot = StringField(_l("Lot or serial number"), validators=[Optional(), Length(max=LOT_MAX)])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=REASON_MAX)])


class TrackingForm(PortalForm):
    product_id = LookupField(_l("Product"), validators=[InputRequired()], kind="product")
    tracking = SelectField(_l("Tracking"), validators=[InputRequired()])  # choices: the labelled Tracking


class WarehouseForm(PortalForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=CODE_MAX)])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=NAME_MAX)])


class StockImportForm(PortalForm):
    # FlaskForm reads the request's files with its fields: the data is the upload (a FileStorage).
    file = FileField(_l("Stock file (CSV in UTF-8 or GB18030, or Excel .xlsx)"))

    def validate_file(self, field: FileField) -> None:
        if not getattr(field.data, "filename", None):
            raise ValidationError(_l("Choose the file to import."))
