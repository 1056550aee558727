"""Logistics' settings page (*Settings → Logistics settings*): the same settings as
``/api/v1/logistics/settings`` and ``/api/v1/delay-notice-settings``, changed through the same
services, which check and audit them. Each part is its own form, shown to whoever may change it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.entry.forms import attempt_on
from core.labels import choices
from core.models import User
from plugins.logistics.incidents import sweep
from plugins.logistics.settings.forms import DelayNoticeSettingsForm, ShippingSettingsForm, carrier_names
from plugins.logistics.shipments import services as shipping
from plugins.logistics.shipments.models import CheckMode

bp = Blueprint("logistics_settings", __name__)

SHIPPING = "logistics.settings"
NOTICES = sweep.SETTINGS
READERS = (SHIPPING, NOTICES)


def shipping_form(user: User, *, posted: bool = False) -> ShippingSettingsForm:
    """The shipping settings' form: as saved, or as posted (an unticked box is sent as nothing: off)."""
    if posted:
        form = ShippingSettingsForm(prefix="shipping")
    else:
        saved = shipping.settings_for(user.company_id)
        form = ShippingSettingsForm(formdata=None, prefix="shipping", carriers="\n".join(saved.carriers or []),
                                    partial_delivery=saved.partial_delivery,
                                    check_mode=CheckMode(saved.check_mode).value)
    form.check_mode.choices = choices(CheckMode)
    return form


def notice_form(user: User, *, posted: bool = False) -> DelayNoticeSettingsForm:
    """The delay notices' form: as saved, or as posted (an unticked box is sent as nothing: off)."""
    if posted:
        return DelayNoticeSettingsForm(prefix="notices")
    return DelayNoticeSettingsForm(formdata=None, prefix="notices",
                                   notify_at_once=sweep.notifies_at_once(user.company_id))


def _page(user: User, shipping_settings: ShippingSettingsForm | None = None,
          notices: DelayNoticeSettingsForm | None = None) -> str:
    """The page with the forms the user may send; a form sent with errors shown as it was sent."""
    return render_template(
        "logistics/settings.html",
        shipping_form=(shipping_settings or shipping_form(user)) if user.can(SHIPPING) else None,
        notice_form=(notices or notice_form(user)) if user.can(NOTICES) else None)


@bp.route("/logistics/settings")
@requires(READERS)
def settings():
    return _page(require_actor())


@bp.route("/logistics/settings/shipping", methods=["POST"])
@requires(SHIPPING)
def save_shipping():
    user = require_actor()
    form = shipping_form(user, posted=True)
    if form.validate_on_submit() and attempt_on(form, lambda: shipping.update_settings(user.company, {
            "carriers": carrier_names(form.carriers.data), "partial_delivery": bool(form.partial_delivery.data),
            "check_mode": form.check_mode.data}, user)) is not None:
        flash(_("The shipping settings are saved."), "success")
        return redirect(url_for("logistics_settings.settings"))
    return _page(user, shipping_settings=form)


@bp.route("/logistics/settings/delay-notices", methods=["POST"])
@requires(NOTICES)
def save_notices():
    user = require_actor()
    form = notice_form(user, posted=True)
    if form.validate_on_submit() and attempt_on(form, lambda: sweep.set_notify_at_once(
            user, bool(form.notify_at_once.data))) is not None:
        flash(_("The delay notices' setting is saved."), "success")
        return redirect(url_for("logistics_settings.settings"))
    return _page(user, notices=form)
