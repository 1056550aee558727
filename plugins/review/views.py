"""Portal pages of the review plugin: the review queue, a step's page and decision, the order panel's forms,
and the settings page."""
from __future__ import annotations

from datetime import date, time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from wtforms import FieldList
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core import calendar
from core.auth.context import require_actor, requires
from core.contracts import StepPolicy
from core.db import fail_request
from core.errors import NotFound, OrdoError, ValidationError
from core.extensions import db
from core.companies import all_permissions
from core.labels import PERMISSION, ROLE, label
from core.listview import Column, Kind, ListSpec, list_response, order_column
from core.models import Customer, Holiday, Order, Role, User, WorkingCalendar, utcnow
from core.orders.queries import get_order
from core.portal import order_url
from core.web import attempt, flash_form_errors, required
from plugins.review import change_views, changes, labels, policy, services, sweep
from plugins.review.forms import (
    CalendarForm, CapacityForm, DecisionForm, GeneralForm, ReasonForm, ReasonsForm, StepsForm, offer_choices,
)
from plugins.review.models import ReviewStep, StepStatus
from plugins.review.services import StepDecision

bp = Blueprint("review", __name__)
CONFIGURE = "review.configure"
DECIDING = "review.decide."  # the prefix of the permissions that decide a step


def _done(decision: StepDecision, step: str, number: str, settled: bool) -> str:
    if decision == StepDecision.APPROVE and settled:
        return _("The %(step)s step of order %(number)s is approved.", step=step, number=number)
    if decision == StepDecision.APPROVE:
        return _("Your approval of the %(step)s step of order %(number)s is recorded.", step=step, number=number)
    if decision == StepDecision.REJECT:
        return _("Order %(number)s is rejected.", number=number)
    return _("Order %(number)s is sent back for information.", number=number)


# --- the queue --------------------------------------------------------------------------


def _queue(user: User) -> Select[Any]:
    return services.waiting_for(user).join(Customer, Customer.id == Order.customer_id)


def _step_name(row: Any) -> str:
    return labels.department(row.step, row.step_label)


def _escalation(row: Any) -> str:
    return _("escalated, level %(level)s", level=row.escalation) if row.escalation else ""


def _step_link(row: Any) -> str:
    return url_for("review.step", step_id=row.id)


QUEUE = ListSpec(
    name="reviews",
    source=_queue,
    id=ReviewStep.id,
    columns=(
        order_column(),
        Column("customer", _l("Customer"), Customer.name),
        Column("step", _l("Step"), ReviewStep.department, text=_step_name, href=_step_link),
        Column("requested_date", _l("Requested date"), Order.requested_date, Kind.DATE, sortable=True),
        Column("opened_at", _l("Opened"), ReviewStep.opened_at, Kind.DATETIME, sortable=True),
        Column("due_at", _l("Due"), ReviewStep.due_at, Kind.DATETIME, sortable=True, deadline=True),
        Column("escalation", _l("Escalation"), ReviewStep.escalation_level, Kind.INT, text=_escalation),
    ),
    search=(Order.number, Customer.name, Customer.code, ReviewStep.label),
    default_sort="due_at",
    carry={"order_id": ReviewStep.order_id, "step_label": ReviewStep.label},
)


@bp.route("/reviews")
@requires("review.view")
def queue():
    """The open steps the user may decide, late first, a page at a time (the list view)."""
    return list_response(QUEUE, require_actor(), "review/queue.html")


# Fields of the decision form a person fills in: an error there is shown beside the field, with their choices kept.
DECISION_FIELDS = ("decision", "reason_code", "reason")


@bp.route("/reviews/<id:step_id>")
@requires("review.view")
def step(step_id: int):
    """One review step of an order and, when it is the user's to decide, its form; a change's step is its page's."""
    user = require_actor()
    found = services.step_for(user, step_id)
    record = changes.deciding([found]).get(found.id)
    if record is not None:
        return redirect(url_for("review_changes.change", change_id=record.id))
    return _step_page(found, user)


def _step_page(found: ReviewStep, user: User, posted: DecisionForm | None = None) -> str:
    decidable = found in services.steps_to_decide(found.order, user)
    return render_template("review/step.html", step=found, order=found.order, decidable=decidable,
                           approvable=services.may_approve(user, found),
                           reasons=policy.reason_choices(found.company_id) if decidable else [],
                           posted=posted, now=utcnow(), review_labels=labels)


@bp.route("/reviews/<id:step_id>/decide", methods=["POST"])
@requires("review.view")
def decide(step_id: int):
    """Record the user's decision; a choice missing or refused is shown again beside its field, nothing lost."""
    user = require_actor()
    found = services.step_for(user, step_id)
    record = changes.deciding([found]).get(found.id)
    back = url_for("review_changes.change", change_id=record.id) if record else order_url(found.order_id)
    number, name = found.order.display_number, labels.department(found.department, found.label)
    form = DecisionForm()
    if form.validate_on_submit():
        decision = StepDecision(form.decision.data)
        version = int(form.version.data) if form.version.data else None
        try:
            decided = services.decide(found, decision, form.reason.data, actor=user, expected_version=version,
                                      reason_code=form.reason_code.data)
        except OrdoError as error:
            fail_request()
            if not (isinstance(error, ValidationError) and error.field in DECISION_FIELDS):
                flash(error.message, "error")
                return redirect(back)
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            flash(_done(decision, name, number, decided.status != StepStatus.OPEN), "success")
            return redirect(back)
    elif any(field not in DECISION_FIELDS for field in form.errors):
        flash_form_errors(form)  # a stale page or a forged form: nothing the person chose to fix
        return redirect(back)
    if record is not None:
        return change_views.change_page(record, user, posted=form, posted_step=found.id), 422
    return _step_page(found, user, posted=form), 422


@bp.route("/reviews/findings/<id:finding_id>/override", methods=["POST"])
@requires("review.view")
def override(finding_id: int):
    user = require_actor()
    finding = services.finding_for(user, finding_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.override(finding, form.reason.data, actor=user)) is not None:
        flash(_("The finding is overridden; the step may be approved."), "success")
    return redirect(order_url(finding.order_id))


@bp.route("/reviews/<id:step_id>/delay", methods=["POST"])
@requires("review.view")
def delay(step_id: int):
    user = require_actor()
    step = services.step_for(user, step_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: sweep.report_delay(step, form.reason.data, actor=user)) is not None:
        flash(_("The delay is recorded and your superior is told."), "success")
    return redirect(order_url(step.order_id))


# --- settings -------------------------------------------------------------------


def _offer_choices(form: StepsForm, company_id: int, rows: list[policy.StepRow]) -> None:
    """The pickers of the steps' rows: deciding permissions, roles and staff, each by its label or name."""
    deciding = [p.name for p in all_permissions() if p.name.startswith(DECIDING)]
    deciding += sorted({row.permission for row in rows} - set(deciding))
    roles = db.session.execute(select(Role.name, Role.label).where(Role.company_id == company_id)
                               .order_by(Role.id)).all()
    staff = db.session.execute(select(User.id, User.name, User.username).where(
        User.company_id == company_id, User.customer_id.is_(None)).order_by(User.name, User.id)).all()
    offer_choices(form, permissions=[SelectChoice(code, label(code, PERMISSION)) for code in deciding],
                  roles=[SelectChoice(name, label(name, ROLE, text)) for name, text in roles],
                  users=[SelectChoice(ident, f"{name} ({username})") for ident, name, username in staff])


def _sample(user: User, number: str | None):
    """The sample order of the preview, by number, and what its review would be; nothing is written."""
    if not number:
        return None, None
    order = db.session.execute(select(Order).where(Order.company_id == user.company_id,
                                                   Order.number == number.strip())).scalar_one_or_none()
    if order is None:
        return None, _("There is no order %(number)s.", number=number.strip())
    try:
        order = get_order(user, order.id)
    except NotFound:
        return None, _("There is no order %(number)s.", number=number.strip())
    return services.plan(order), None


@bp.route("/reviews/settings")
@requires(CONFIGURE)
def settings():
    """The company's review steps, policy, reason codes, capacity and calendar, with a preview on a sample order."""
    user = require_actor()
    company_id = user.company_id
    rows = policy.step_rows(company_id)
    steps = StepsForm(data={"steps": [
        {"department": r.department, "label": r.label, "permission": r.permission, "sequence": r.sequence,
         "hours": r.hours, "policy": r.policy.value, "quorum": r.quorum, "roles": list(r.roles),
         "users": list(r.users), "enabled": r.enabled} for r in rows]
        + [{"policy": StepPolicy.ANY.value, "quorum": 1, "enabled": True}]})
    _offer_choices(steps, company_id, rows)
    own = policy.reason_codes(company_id)
    reasons = ReasonsForm(data={"reasons": [{"code": r.code, "label_en": r.label_en, "label_zh": r.label_zh}
                                            for r in own] + [{}]})
    chosen = policy.settings_for(company_id)
    general = GeneralForm(data={"allow_self_approval": chosen.allow_self_approval,
                                "max_discount": chosen.max_discount})
    work = db.session.get(WorkingCalendar, company_id)
    holidays = db.session.execute(select(Holiday).where(Holiday.company_id == company_id)
                                  .order_by(Holiday.day)).scalars()
    calendar_form = CalendarForm(data={
        "weekdays": work.weekdays if work else list(range(1, 8)),
        "day_start": work.day_start if work else time(0, 0), "day_end": work.day_end if work else time(0, 0),
        "holidays": "\n".join(f"{h.day.isoformat()} {h.name}".strip() for h in holidays)})
    sample = request.args.get("order", "")[:32]
    preview, missing = _sample(user, sample)
    return render_template("review/settings.html", steps_form=steps, reasons_form=reasons, general_form=general,
                           capacity_form=CapacityForm(), calendar_form=calendar_form,
                           capacity_lines=policy.capacity_lines(company_id), calendar_24x7=work is None,
                           sample=sample, preview=preview, preview_missing=missing, review_labels=labels)


def _flash_rows(rows: FieldList) -> None:
    """The errors of a table's rows, each named by its row and column."""
    for number, entry in enumerate(rows.entries, start=1):
        for name, messages in entry.form.errors.items():
            for message in messages:
                flash(_("row %(row)s, %(field)s: %(message)s", row=number, field=entry.form[name].label.text,
                        message=message), "error")


def _back():
    return redirect(url_for("review.settings"))


@bp.route("/reviews/settings/general", methods=["POST"])
@requires(CONFIGURE)
def save_general():
    user = require_actor()
    form = GeneralForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: policy.save_settings(user.company_id, allow_self_approval=bool(form.allow_self_approval.data),
                                              max_discount=required(form.max_discount.data), actor=user)) is not None:
        flash(_("The review settings are saved."), "success")
    return _back()


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _step_rows(form: StepsForm) -> list[policy.StepRow]:
    rows: list[policy.StepRow] = []
    for entry in form.steps.entries:
        data = entry.form.data
        if not data["department"]:
            continue  # the blank row for adding a step
        rows.append(policy.StepRow(
            department=data["department"], label=data["label"] or data["department"],
            permission=data["permission"] or f"{DECIDING}{data['department']}",
            sequence=data["sequence"] if data["sequence"] is not None else 10 * (len(rows) + 1),
            hours=data["hours"] or 24, policy=StepPolicy(data["policy"] or StepPolicy.ANY.value),
            quorum=data["quorum"] or 1, roles=tuple(data["roles"] or ()), users=tuple(data["users"] or ()),
            enabled=bool(data["enabled"])))
    return rows


@bp.route("/reviews/settings/steps", methods=["POST"])
@requires(CONFIGURE)
def save_steps():
    user = require_actor()
    form = StepsForm()
    _offer_choices(form, user.company_id, policy.step_rows(user.company_id))
    if not form.validate_on_submit():
        _flash_rows(form.steps)
    elif attempt(lambda: policy.save_steps(user.company_id, _step_rows(form), actor=user)) is not None:
        flash(_("The review steps are saved; new orders go through them."), "success")
    return _back()


@bp.route("/reviews/settings/reasons", methods=["POST"])
@requires(CONFIGURE)
def save_reasons():
    user = require_actor()
    form = ReasonsForm()
    if not form.validate_on_submit():
        _flash_rows(form.reasons)
    else:
        reasons = [policy.Reason(e.form.data["code"], e.form.data["label_en"] or "", e.form.data["label_zh"] or "")
                   for e in form.reasons.entries if e.form.data["code"]]
        if attempt(lambda: policy.save_reasons(user.company_id, reasons, actor=user)) is not None:
            flash(_("The reason codes are saved."), "success")
    return _back()


@bp.route("/reviews/settings/capacity", methods=["POST"])
@requires(CONFIGURE)
def save_capacity():
    user = require_actor()
    form = CapacityForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: policy.save_capacity_line(
            user.company_id, code=form.code.data or "", label_=form.label.data or "",
            products=_split(form.products.data), units_per_day=required(form.units_per_day.data),
            lead_days=form.lead_days.data or 0, actor=user)) is not None:
        flash(_("The product line's capacity is saved."), "success")
    return _back()


def _holidays(text: str | None) -> dict[date, str]:
    found: dict[date, str] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        day, _space, name = line.strip().partition(" ")
        try:
            found[date.fromisoformat(day)] = name.strip()[:120]
        except ValueError:
            raise ValidationError(_("%(line)s: a holiday starts with its date, YYYY-MM-DD", line=line.strip()[:40]),
                                  field="holidays") from None
    return found


@bp.route("/reviews/settings/calendar", methods=["POST"])
@requires(CONFIGURE)
def save_calendar():
    user = require_actor()
    form = CalendarForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif not form.weekdays.data:
        flash(_("Working days: choose at least one."), "error")
    elif attempt(lambda: calendar.set_calendar(user.company_id, weekdays=list(form.weekdays.data or []),
                                               day_start=required(form.day_start.data),
                                               day_end=required(form.day_end.data),
                                               holidays=_holidays(form.holidays.data), actor=user)) is not None:
        flash(_("The working-hours calendar is saved."), "success")
    return _back()
