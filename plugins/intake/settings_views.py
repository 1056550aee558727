"""Intake's settings page: how the company takes orders (numbering, duplicates, customers' portal orders).

The same settings as ``GET``/``PUT /api/v1/intake/settings``, changed through the
same service, which checks and audits them.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.entry.forms import attempt_on
from core.models import Company, utcnow
from plugins.intake.settings import format_number, settings_for, update_settings
from plugins.intake.settings_forms import IntakeSettingsForm

bp = Blueprint("intake_settings", __name__)


def _sample(company: Company, number_format: str) -> str | None:
    """The first order number of today under ``number_format``, or None when it cannot be read."""
    try:
        return format_number(number_format, company.order_prefix, utcnow().astimezone(company.zone).date(), 1)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        return None


@bp.route("/intake/settings", methods=["GET", "POST"])
@requires("intake.settings")
def settings():
    user = require_actor()
    saved = settings_for(user.company_id)
    form = IntakeSettingsForm(obj=saved)
    if form.validate_on_submit() and attempt_on(form, lambda: update_settings(user.company, {
            "number_format": form.number_format.data, "duplicate_window_days": form.duplicate_window_days.data,
            "portal_submits_directly": bool(form.portal_submits_directly.data)}, user)) is not None:
        flash(_("The intake settings are saved."), "success")
        return redirect(url_for("intake_settings.settings"))
    return render_template("intake/settings.html", form=form,
                           sample=_sample(user.company, saved.number_format))
