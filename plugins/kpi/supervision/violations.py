"""The confidential channel: any staff member reports a suspected violation; supervisors alone read the
reports, follow them up and record the outcome.

Confidential means: the reporter's identity is read by supervisors only, never by an administrator (who
could otherwise grant themselves the right: whoever manages users or roles is refused whatever their
permissions), and the general audit log records each step without the reporter's name or the report's
text. Services raise; the caller commits.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.auth.context import check
from core.errors import NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.models import Order, User, utcnow
from plugins.kpi.supervision.models import CLOSED, ViolationFollowUp, ViolationReport, ViolationStatus

REPORT = "kpi.violations.report"
HANDLE = "kpi.violations.handle"
# Whoever holds one of these can make themselves anything: they never read the channel.
ADMINISTERING = ("admin.users", "admin.roles")
ENTITY = "violation_report"
SUBJECT_MAX = 200
TEXT_MAX = 5000


def may_handle(user: User) -> bool:
    """Whether ``user`` reads the channel: a supervisor's permission, and no power over users or roles."""
    return user.can(HANDLE) and not any(user.can(name) for name in ADMINISTERING)


def require_handler(user: User) -> None:
    check(user, HANDLE)
    if not may_handle(user):
        raise PermissionDenied(_("the violation channel is for supervisors only; whoever manages users or roles "
                                 "never reads it"), permissions=(HANDLE,))


def _text(value: str | None, field: str, most: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("%(field)s is required", field=field), field=field)
    if len(text) > most:
        raise ValidationError(_("%(field)s is longer than %(most)s characters", field=field, most=most), field=field)
    return text


def report(reporter: User, *, subject: str | None, description: str | None,
           order_number: str | None = None) -> ViolationReport:
    """File a report; the audit log learns that one was made, not by whom nor what it says."""
    check(reporter, REPORT)
    order_id = None
    if order_number and order_number.strip():
        order_id = db.session.execute(select(Order.id).where(
            Order.company_id == reporter.company_id, Order.number == order_number.strip()[:32])).scalar()
        if order_id is None:
            raise ValidationError(_("No order is numbered %(number)s", number=order_number.strip()[:32]),
                                  field="order")
    filed = ViolationReport(company_id=reporter.company_id, reporter_id=reporter.id, reported_at=utcnow(),
                            order_id=order_id, subject=_text(subject, "subject", SUBJECT_MAX),
                            description=_text(description, "description", TEXT_MAX), status=ViolationStatus.OPEN)
    db.session.add(filed)
    db.session.flush()
    audit.record(company_id=reporter.company_id, entity=ENTITY, entity_id=filed.id, action="violation_reported",
                 actor=None)
    return filed


def reports_for(handler: User) -> list[ViolationReport]:
    """The company's latest reports, newest first, for the API."""
    require_handler(handler)
    return list(db.session.execute(select(ViolationReport).where(
        ViolationReport.company_id == handler.company_id).order_by(ViolationReport.id.desc()).limit(200)).scalars())


def get_report(handler: User, report_id: int) -> ViolationReport:
    require_handler(handler)
    found = db.session.get(ViolationReport, report_id)
    if found is None or found.company_id != handler.company_id:
        raise NotFound(_("No such report."))
    return found


def follow_up(handler: User, filed: ViolationReport, note: str | None) -> ViolationFollowUp:
    """Record what a supervisor did; an open report is under investigation from then on."""
    require_handler(handler)
    if filed.status in CLOSED:
        raise ValidationError(_("The report is closed."), field="note")
    step = ViolationFollowUp(report=filed, author_id=handler.id, at=utcnow(), note=_text(note, "note", TEXT_MAX))
    db.session.add(step)
    filed.status = ViolationStatus.INVESTIGATING
    audit.record(company_id=filed.company_id, entity=ENTITY, entity_id=filed.id, action="violation_followed_up",
                 actor=handler)
    return step


def close(handler: User, filed: ViolationReport, status: ViolationStatus, outcome: str | None) -> ViolationReport:
    """Record the outcome: substantiated or unfounded, and what was found."""
    require_handler(handler)
    if status not in CLOSED:
        raise ValidationError(_("status must be one of: %(values)s", values=", ".join(CLOSED)), field="status")
    if filed.status in CLOSED:
        raise ValidationError(_("The report is closed."), field="status")
    filed.outcome = _text(outcome, "outcome", TEXT_MAX)
    filed.status = status
    filed.closed_at = utcnow()
    filed.closed_by_id = handler.id
    audit.record(company_id=filed.company_id, entity=ENTITY, entity_id=filed.id, action="violation_closed",
                 actor=handler, after={"status": status.value})
    return filed
