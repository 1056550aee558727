"""Portal pages of supervision: the audit browser and its two standing views, stuck orders, and the
confidential violation channel (a report form for every staff member, the reports for supervisors)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from core.auth.context import require_actor, requires
from core.errors import NotFound
from core.extensions import db
from core.keyset import Kind
from core.listview import Column, Filter, FilterKind, ListSpec, list_response
from core.models import User
from core.web import attempt, flash_form_errors, required
from plugins.kpi.supervision import violations
from plugins.kpi.supervision.access import confidential
from plugins.kpi.supervision.audit_lists import CHANGES, ESCALATIONS, audit_spec, narrowed
from plugins.kpi.supervision.forms import CloseForm, FollowUpForm, ReportForm
from plugins.kpi.supervision.models import MonthlyReport, ViolationReport, ViolationStatus
from plugins.kpi.supervision.stuck import parse_stuck, stuck_spec

bp = Blueprint("kpi_supervision", __name__)

SUPERVISE = "kpi.supervise"
VIEWS = {
    "audit": (None, _l("Audit log")),
    "escalations": (ESCALATIONS, _l("Late steps and escalations")),
    "changes": (CHANGES, _l("Changes, overrides and credit-hold releases")),
}


def _audit_page(view: str) -> Any:
    user = require_actor()
    actions, title = VIEWS[view]
    narrow = narrowed(request.args)
    return list_response(audit_spec(f"audit-{view}", actions, narrow), user, "kpi/supervision/audit.html",
                         title=title, view=view, views=VIEWS, narrow=narrow)


@bp.route("/supervision/audit")
@requires(SUPERVISE)
def audit():
    return _audit_page("audit")


@bp.route("/supervision/escalations")
@requires(SUPERVISE)
def escalations():
    return _audit_page("escalations")


@bp.route("/supervision/changes")
@requires(SUPERVISE)
def changes():
    return _audit_page("changes")


@bp.route("/supervision/stuck")
@requires(SUPERVISE)
def stuck():
    user = require_actor()
    asked = parse_stuck(user.company, request.args.get("as_of"), request.args.get("days"))
    return list_response(stuck_spec(user.company, asked), user, "kpi/supervision/stuck.html", asked=asked,
                         views=VIEWS)


# --- the monthly reports -------------------------------------------------------------------


@bp.route("/supervision/monthly-reports")
@requires(SUPERVISE)
def monthly_reports():
    user = require_actor()
    made = [{"id": id_, "month": f"{month:%Y-%m}", "locale": locale, "made_at": made_at}
            for id_, month, locale, made_at in db.session.execute(
                select(MonthlyReport.id, MonthlyReport.month, MonthlyReport.locale, MonthlyReport.made_at)
                .where(MonthlyReport.company_id == user.company_id)
                .order_by(MonthlyReport.month.desc(), MonthlyReport.locale).limit(120))]
    return render_template("kpi/supervision/monthly_reports.html", made=made, views=VIEWS)


@bp.route("/supervision/documents/monthly/<id:monthly_id>")
@requires(SUPERVISE)
def monthly_report(monthly_id: int):
    user = require_actor()
    found = db.session.get(MonthlyReport, monthly_id)
    if found is None or found.company_id != user.company_id:
        raise NotFound(_("No such report."))
    return Response(found.content, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="supervision-{found.month:%Y-%m}-{found.locale}.pdf"',
        "ETag": f'"{found.sha256}"'})


# --- the confidential channel ---------------------------------------------------------------


@bp.route("/violations/report", methods=["GET", "POST"])
@requires(violations.REPORT)
def report():
    user = require_actor()
    form = ReportForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_form_errors(form)
        elif attempt(lambda: violations.report(user, subject=form.subject.data, description=form.description.data,
                                               order_number=form.order.data)) is not None:
            flash(_("Your report is with the supervisors. Only they can see who made it."), "success")
            return redirect(url_for("kpi_supervision.report"))
    return render_template("kpi/supervision/report.html", form=form)


def _reports_spec(user: User) -> ListSpec:
    def source(reader: User) -> Select[Any]:
        return select(ViolationReport).join(User, User.id == ViolationReport.reporter_id).where(
            ViolationReport.company_id == reader.company_id)

    return ListSpec(
        name="violation-reports",
        source=source,
        id=ViolationReport.id,
        columns=(
            Column("id", _l("No."), ViolationReport.id, Kind.INT,
                   href=lambda row: url_for("kpi_supervision.violation", report_id=row.id)),
            Column("reported_at", _l("Reported"), ViolationReport.reported_at, Kind.DATETIME, sortable=True),
            Column("subject", _l("Subject"), ViolationReport.subject),
            Column("reporter", _l("Reported by"), User.name),
            Column("status", _l("Status"), ViolationReport.status, Kind.CODE, badge=True),
        ),
        search=(ViolationReport.subject, User.name),
        filters=(Filter("status", _l("Status"), ViolationReport.status, FilterKind.CHOICE, choices=ViolationStatus),),
        default_sort="-id",
    )


@bp.route("/violations")
@confidential
@requires(violations.HANDLE)
def reports():
    user = require_actor()
    return list_response(_reports_spec(user), user, "kpi/supervision/violations.html")


@bp.route("/violations/<id:report_id>")
@confidential
@requires(violations.HANDLE)
def violation(report_id: int):
    user = require_actor()
    filed = violations.get_report(user, report_id)
    return render_template("kpi/supervision/violation.html", filed=filed, follow_up_form=FollowUpForm(),
                           close_form=CloseForm())


@bp.route("/violations/<id:report_id>/follow-ups", methods=["POST"])
@confidential
@requires(violations.HANDLE)
def follow_up(report_id: int):
    user = require_actor()
    filed = violations.get_report(user, report_id)
    form = FollowUpForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: violations.follow_up(user, filed, form.note.data)) is not None:
        flash(_("The follow-up is recorded."), "success")
    return redirect(url_for("kpi_supervision.violation", report_id=report_id))


@bp.route("/violations/<id:report_id>/close", methods=["POST"])
@confidential
@requires(violations.HANDLE)
def close(report_id: int):
    user = require_actor()
    filed = violations.get_report(user, report_id)
    form = CloseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: violations.close(user, filed, ViolationStatus(required(form.status.data)),
                                          form.outcome.data)) is not None:
        flash(_("The outcome is recorded."), "success")
    return redirect(url_for("kpi_supervision.violation", report_id=report_id))
