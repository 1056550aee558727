"""Forms of the stock pages: a receipt and an adjustment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, StringField
from wtforms.validators import InputRequired, Length, Optional

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
