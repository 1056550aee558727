"""The forms of logistics' settings page: the shipping settings and the delay notices' setting."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TextAreaField

from core.forms import PortalForm


def carrier_names(text: str | None) -> list[str]:
    """The carriers typed one per line, blank lines left out; the service checks each name."""
    return [name.strip() for name in (text or "").splitlines() if name.strip()]


class ShippingSettingsForm(PortalForm):
    """What ``shipments.services.update_settings`` changes; the view fills the check modes."""

    carriers = TextAreaField(
        _l("Carriers"),
        description=_l("One per line. When the company lists carriers, a shipment's carrier is one of them; "
                       "with none listed, any name is taken."))
    partial_delivery = BooleanField(
        _l("Orders may leave in parts"),
        description=_l("A shipment may carry some lines and quantities; an order may still ask to be delivered "
                       "whole."))
    check_mode = SelectField(
        _l("Pre-dispatch check"),
        description=_l("Block: a line not checked or failed holds the shipment back. Warn: it leaves and the "
                       "warning is recorded."))


class DelayNoticeSettingsForm(PortalForm):
    """What ``incidents.sweep.set_notify_at_once`` changes."""

    notify_at_once = BooleanField(
        _l("Tell the customer a new expected date at once"),
        description=_l("When the sweep finds that an order can no longer make its promised date, the customer is "
                       "emailed the new date straight away. Otherwise the salesperson who entered the order "
                       "confirms it first."))
