"""The inspection plugin's page: the orders waiting for an inspection."""
from __future__ import annotations

from flask import Blueprint, render_template

from core.auth.context import current_actor, requires
from tests.core.samples.inspection import services

bp = Blueprint("inspection", __name__, template_folder="templates")


@bp.route("/inspections")
@requires(services.PERMISSION)
def inspections():
    return render_template("inspection/inspections.html", orders=services.awaiting_inspection(current_actor()))
