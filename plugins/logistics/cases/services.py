"""Problem cases: opened by a refusal or a reservation at acceptance, or reported later by the customer;
routed by type to a department with a time limit in working hours; resolved once.

A resolution is a replacement (a new shipment of the case's quantity, through the shipments'
own service), a repair, a return, a credit (no more than the line's value less the credits already
granted on it, by this case or another, approved by someone with ``logistics.credit``; the plugins
pinned on the order hear of it through ``credit_granted``, and billing, where it keeps credit
notes, answers) or a rejection with a
reason. A refused quantity settled otherwise than by a replacement is owed no more, and the order
is delivered when nothing else is left. The customer is told, in their language.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, insert, select, type_coerce
from sqlalchemy.orm import contains_eager

from core import audit, outbox
from core.auth.context import check
from core.calendar import add_working_hours
from core.contracts import CaseOpened, CaseResolved, Credit, GoodsReturned
from core.db import flush
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.labels import label
from core.models import Company, Order, OrderStatus, User, utcnow
from core.models.types import Money
from core.orders import events
from core.orders.queries import get_order, visible_to
from plugins.logistics.acceptance.models import DEFAULT_REOPEN_DAYS, AcceptanceSetting, LineAcceptance, Verdict
from plugins.logistics.cases.models import CaseSource, CaseStatus, CaseType, ProblemCase, Resolution
from plugins.logistics.shipments import services as shipments
from plugins.logistics.shipments.models import Shipment

DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
NOTICE_KIND = "logistics.case_resolved"
ZERO = Decimal("0.00")
# Who handles a case of each type (a role of the company), and in how many working hours.
DEPARTMENTS: dict[CaseType, str] = {
    CaseType.QUALITY: "production",
    CaseType.QUANTITY_SHORT: "logistics",
    CaseType.WRONG_ITEM: "logistics",
    CaseType.DAMAGED: "logistics",
    CaseType.LATE: "customer_service",
    CaseType.OTHER: "customer_service",
}
LIMIT_HOURS: dict[CaseType, int] = {
    CaseType.QUALITY: 16, CaseType.QUANTITY_SHORT: 8, CaseType.WRONG_ITEM: 8, CaseType.DAMAGED: 8,
    CaseType.LATE: 8, CaseType.OTHER: 16,
}
# A problem is reported later against goods the customer has.
REPORTABLE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})
# A return of goods from these cases: their check failed (``GoodsReturned.sound`` is false).
UNSOUND = frozenset({CaseType.QUALITY, CaseType.DAMAGED})


def acceptance_settings(company_id: int) -> AcceptanceSetting:
    """The company's acceptance settings (the reopen window); defaults when it has none (a read never writes)."""
    return db.session.get(AcceptanceSetting, company_id) or AcceptanceSetting(
        company_id=company_id, refusal_reasons=[], reopen_days=DEFAULT_REOPEN_DAYS)


# --- queries -------------------------------------------------------------------------


def visible_cases(user: User) -> Select[ProblemCase]:
    return select(ProblemCase).join(Order, ProblemCase.order_id == Order.id).where(
        ProblemCase.company_id == user.company_id, visible_to(user))


def get_case(user: User, case_id: int) -> ProblemCase:
    """One case the user may see, or NotFound (also another company's or another customer's)."""
    found = db.session.execute(visible_cases(user).where(ProblemCase.id == case_id)).scalar_one_or_none()
    if found is None:
        raise NotFound(_("case %(id)s does not exist", id=case_id))
    return found


def cases_of(order: Order) -> list[ProblemCase]:
    return list(db.session.execute(
        select(ProblemCase).where(ProblemCase.company_id == order.company_id, ProblemCase.order_id == order.id)
        .order_by(ProblemCase.id)).scalars())


def _open_for(user: User) -> Select[ProblemCase]:
    return visible_cases(user).where(ProblemCase.status == CaseStatus.OPEN, ProblemCase.department.in_(user.role_names))


def open_cases(user: User, limit: int | None = None) -> list[ProblemCase]:
    """The first ``limit`` open cases of the user's departments (roles), the most urgent first, with their
    orders, in one statement."""
    return list(db.session.execute(
        _open_for(user).options(contains_eager(ProblemCase.order))
        .order_by(ProblemCase.due_at, ProblemCase.id).limit(limit)).scalars())


def count_open_cases(user: User, now: datetime) -> tuple[int, int]:
    """How many cases ``open_cases`` would list, and how many of them are past their time limit: one query."""
    total, late = db.session.execute(
        _open_for(user).with_only_columns(func.count(), func.count(case((ProblemCase.due_at < now, 1))))
    ).one()
    return total, late


def case_type_for(reason: str | None) -> CaseType:
    """A refusal reason that names a case type opens a case of that type; any other reason, ``other``."""
    try:
        return CaseType(reason or "other")
    except ValueError:
        return CaseType.OTHER


# --- opening -------------------------------------------------------------------------


def open_for_verdicts(shipment: Shipment, verdicts: Sequence[LineAcceptance], actor: User,
                      now: datetime) -> int:
    """Open a case for each refused line and each line accepted with reservations, in one statement."""
    wanted = [row for row in verdicts if row.verdict in (Verdict.REFUSED, Verdict.RESERVED)]
    if not wanted:
        return 0
    order = shipment.order
    count = _count_of(order)
    due: dict[CaseType, datetime] = {}
    values: list[dict[str, Any]] = []
    for index, row in enumerate(wanted, start=1):
        refused = row.verdict == Verdict.REFUSED
        kind = case_type_for(row.refusal_reason) if refused else CaseType.OTHER
        if kind not in due:
            due[kind] = add_working_hours(order.company_id, now, LIMIT_HOURS[kind])
        values.append({
            "company_id": order.company_id, "order_id": order.id, "number": f"{order.display_number}-C{count + index}",
            "case_type": kind, "source": CaseSource.REFUSAL if refused else CaseSource.RESERVATION,
            "department": DEPARTMENTS[kind], "order_line_id": row.order_line_id, "shipment_id": shipment.id,
            "shipment_line_id": row.shipment_line_id, "quantity": row.refused_quantity if refused else None,
            "description": row.note, "status": CaseStatus.OPEN, "opened_at": now, "opened_by_id": actor.id,
            "due_at": due[kind], "resolution": None, "resolution_note": None, "credit_amount": None,
            "replacement_shipment_id": None, "resolved_at": None, "resolved_by_id": None, "escalation_level": 0,
            "version": 1})
    db.session.execute(insert(ProblemCase), values)
    opened = [CaseOpened(number=value["number"], case_type=value["case_type"].value, source=value["source"].value,
                         department=value["department"], opened_at=now, due_at=value["due_at"],
                         order_line_id=value["order_line_id"], opened_by_id=actor.id) for value in values]
    audit.record(company_id=order.company_id, order_id=order.id, entity="shipment", entity_id=shipment.id,
                 action="cases_opened", actor=actor, after={"cases": [
                     {"number": value["number"], "case_type": value["case_type"].value,
                      "source": value["source"].value, "department": value["department"],
                      "order_line_id": value["order_line_id"],
                      "quantity": shipments._plain(value["quantity"]) if value["quantity"] is not None else None,
                      CaseOpened.hook: each.as_record()}
                     for value, each in zip(values, opened, strict=True)]})
    events.notify(order, CaseOpened.hook, cases=tuple(opened))
    return len(values)


def report_problem(order: Order, actor: User, data: Mapping[str, Any]) -> ProblemCase:
    """The customer (or staff for them) reports a problem with goods received: type, what, which line."""
    check(actor, "logistics.cases")
    order = get_order(actor, order.id)
    if order.status not in REPORTABLE:
        raise Conflict(_("order %(number)s is %(status)s; a problem is reported once goods are delivered",
                         number=order.display_number, status=label(order.status)))
    try:
        kind = CaseType(str(data.get("case_type")))
    except ValueError:
        raise ValidationError(_("the type is quality, quantity_short, wrong_item, damaged, late or other"),
                              field="case_type") from None
    description = shipments._text(data.get("description"), "description", DESCRIPTION_MAX)
    if description is None:
        raise ValidationError(_("say what the problem is"), field="description")
    line_id, quantity = data.get("order_line_id"), None
    line = None
    if line_id is not None:
        line = next((each for each in order.lines if each.id == line_id), None)
        if line is None:
            raise ValidationError(_("line %(id)s is not a line of order %(number)s", id=line_id,
                                    number=order.display_number), field="order_line_id")
    if data.get("quantity") is not None:
        if line is None:
            raise ValidationError(_("a quantity needs the line it is of"), field="order_line_id")
        quantity = shipments._quantity(data["quantity"], "quantity")
        if quantity > line.quantity:
            raise ValidationError(_("%(quantity)s is more than the %(ordered)s ordered of this line",
                                    quantity=shipments._plain(quantity), ordered=shipments._plain(line.quantity)),
                                  field="quantity")
    now = utcnow()
    case = ProblemCase(
        company_id=order.company_id, order_id=order.id, order=order, order_line=line,
        number=f"{order.display_number}-C{_count_of(order) + 1}", case_type=kind, source=CaseSource.REPORT,
        department=DEPARTMENTS[kind], order_line_id=line.id if line else None, quantity=quantity,
        description=description, status=CaseStatus.OPEN, opened_at=now, opened_by_id=actor.id, escalation_level=0,
        due_at=add_working_hours(order.company_id, now, LIMIT_HOURS[kind]))
    db.session.add(case)
    flush()
    opened = CaseOpened(number=case.number, case_type=kind.value, source=case.source.value,
                        department=case.department, opened_at=now, due_at=case.due_at, order_line_id=case.order_line_id,
                        opened_by_id=actor.id)
    _audit(case, "case_opened", actor, opened)
    events.notify(order, CaseOpened.hook, cases=(opened,))
    return case


# --- resolving -----------------------------------------------------------------------


def resolve(case: ProblemCase, actor: User, resolution: Any, *, note: str | None = None,
            amount: Any = None) -> ProblemCase:
    """Resolve an open case once: replace, repair, return, credit (approved, at most the line's value)
    or rejected (with the reason). Everything is checked before anything is written."""
    check(actor, "logistics.cases.resolve")
    if case.company_id != actor.company_id:
        raise NotFound(_("case %(id)s does not exist", id=case.id))
    try:
        how = Resolution(str(resolution))
    except ValueError:
        raise ValidationError(_("the resolution is replace, repair, return, credit or rejected"),
                              field="resolution") from None
    if not case.is_open:
        raise Conflict(_("case %(number)s is already resolved (%(resolution)s)", number=case.number,
                         resolution=label(case.resolution) if case.resolution else ""), field="resolution")
    note = shipments._text(note, "note", NOTE_MAX)
    order = case.order
    credit: Decimal | None = None
    if how == Resolution.REJECTED and note is None:
        raise ValidationError(_("say why the case is rejected"), field="note")
    if how == Resolution.CREDIT:
        if not actor.can("logistics.credit"):
            raise PermissionDenied(_("approving a credit needs the permission to grant credits"),
                                   permissions=("logistics.credit",))
        credit = _amount(amount)
        ceiling = creditable(case)
        if credit > ceiling:
            raise ValidationError(_("the credit %(amount)s is more than the %(ceiling)s the line is still worth "
                                    "after earlier credits", amount=credit, ceiling=ceiling), field="amount")
    elif amount is not None:
        raise ValidationError(_("an amount is given only with a credit"), field="amount")
    replacement: Shipment | None = None
    if how == Resolution.REPLACE:
        if case.order_line_id is None or case.quantity is None:
            raise ValidationError(_("a replacement needs the line and quantity of the case"), field="resolution")
        replacement = shipments.create_shipment(
            order, actor, lines=[{"order_line_id": case.order_line_id, "quantity": case.quantity}])

    now = utcnow()
    case.status = CaseStatus.RESOLVED
    case.resolution = how
    case.resolution_note = note
    case.credit_amount = credit
    if credit is not None:
        case.credited += credit
    case.replacement_shipment_id = replacement.id if replacement is not None else None
    case.resolved_at = now
    case.resolved_by_id = actor.id
    flush()
    resolved = CaseResolved(number=case.number, case_type=case.case_type.value, department=case.department,
                            resolution=how.value, opened_at=case.opened_at, due_at=case.due_at, resolved_at=now,
                            resolved_by_id=actor.id)
    _audit(case, "case_resolved", actor, resolved)
    events.notify(order, CaseResolved.hook, case=resolved)
    if credit is not None:
        events.notify(order, "credit_granted", credit=Credit(
            amount=credit, reason=note or label(case.case_type), granted_at=now, case_id=case.id,
            case_number=case.number, order_line_id=case.order_line_id, granted_by_id=actor.id))
    if how == Resolution.RETURN and case.order_line_id is not None and case.quantity:
        # Goods with a quality or damage problem failed their check: whoever keeps stock holds them apart.
        events.notify(order, "goods_returned", returned=GoodsReturned(
            case_number=case.number, order_line_id=case.order_line_id, quantity=case.quantity, returned_at=now,
            sound=case.case_type not in UNSOUND))
    if case.source == CaseSource.REFUSAL and how != Resolution.REPLACE:
        # The refused quantity is owed no more: the order may now be delivered.
        signed = db.session.execute(select(Shipment.signed_by).where(
            Shipment.order_id == order.id, Shipment.signed_by.is_not(None)).order_by(Shipment.id.desc())
            .limit(1)).scalar_one_or_none()
        shipments.deliver_when_done(order, actor, signed_by=signed or actor.name, signed_at=now,
                                    shipment_id=case.shipment_id)
    _tell_customer(case)
    return case


def creditable(case: ProblemCase) -> Decimal:
    """What a credit on this case may still grant: the line's value (the order's, for a case on no line) less
    what the order's cases already granted on it, and never more than the order has left."""
    on_order, on_line = db.session.execute(
        select(_granted(ProblemCase.credited), _granted(_on_line(case.order_line_id)))
        .where(ProblemCase.order_id == case.order_id)).one()
    left = case.order.total - on_order
    if case.order_line is not None:
        left = min(left, case.order_line.amount - on_line)
    return max(left, ZERO)


def _granted(amount: Any) -> Any:
    return type_coerce(func.coalesce(func.sum(amount), ZERO), Money())


def _on_line(order_line_id: int | None) -> Any:
    return case((ProblemCase.order_line_id == order_line_id, ProblemCase.credited), else_=ZERO)


def reopen(case: ProblemCase, actor: User, reason: Any) -> ProblemCase:
    """The customer (or staff for them) reopens a resolved case within the company's reopen window, saying why.

    The case is open again with a new limit; the earlier resolution stays in the history (and a credit
    granted stays granted: its amount is kept on the case until it is resolved again).
    """
    check(actor, "logistics.cases")
    reason = shipments._text(reason, "reason", NOTE_MAX)
    if reason is None:
        raise ValidationError(_("say why the case is reopened"), field="reason")
    if case.is_open or case.resolved_at is None:
        raise Conflict(_("case %(number)s is open", number=case.number))
    days = acceptance_settings(case.company_id).reopen_days
    now = utcnow()
    if now > case.resolved_at + timedelta(days=days):
        raise Conflict(_("case %(number)s was resolved more than %(days)s days ago and cannot be reopened",
                         number=case.number, days=days))
    before = case.resolution.value if case.resolution else None
    case.status = CaseStatus.OPEN
    case.resolution = None
    case.resolution_note = reason
    case.replacement_shipment_id = None
    case.resolved_at = None
    case.resolved_by_id = None
    case.escalation_level = 0
    case.due_at = add_working_hours(case.company_id, now, LIMIT_HOURS[case.case_type])
    flush()
    audit.record(company_id=case.company_id, order_id=case.order_id, entity="logistics_case", entity_id=case.id,
                 action="case_reopened", actor=actor, before={"resolution": before},
                 after={"number": case.number, "reason": reason, "due_at": case.due_at.isoformat()})
    return case


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValidationError(_("a credit needs an amount"), field="amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(_("the amount must be a number"), field="amount") from None
    if not amount.is_finite() or amount <= ZERO:
        raise ValidationError(_("the amount must be more than zero"), field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("the amount has more than two decimals"), field="amount")
    return amount


def _count_of(order: Order) -> int:
    return db.session.execute(select(func.count(ProblemCase.id)).where(ProblemCase.order_id == order.id)
                              ).scalar_one()


def _audit(case: ProblemCase, action: str, actor: User, notified: CaseOpened | CaseResolved) -> None:
    # With what the hook was told, under its name: ``ordo kpi rebuild`` reads it back from here.
    audit.record(company_id=case.company_id, order_id=case.order_id, entity="logistics_case", entity_id=case.id,
                 action=action, actor=actor, after={
                     notified.hook: notified.as_record(),
                     "number": case.number, "case_type": case.case_type.value, "source": case.source.value,
                     "department": case.department, "order_line_id": case.order_line_id,
                     "quantity": shipments._plain(case.quantity) if case.quantity is not None else None,
                     "status": case.status.value, "resolution": case.resolution.value if case.resolution else None,
                     "note": case.resolution_note,
                     "credit_amount": str(case.credit_amount) if case.credit_amount is not None else None,
                     "replacement_shipment_id": case.replacement_shipment_id})


def _tell_customer(case: ProblemCase) -> None:
    """Queue the resolution notice to the customer, in their language."""
    order = case.order
    recipient = outbox.to_customer(order.customer)
    if recipient is None:
        audit.record(company_id=order.company_id, order_id=order.id, entity="logistics_case", entity_id=case.id,
                     action="case_notice_not_sent", actor=None,
                     note=_("customer %(name)s has no email address: no case notice was emailed",
                            name=order.customer.name))
        return
    outbox.send_email("logistics/case_resolved_email.txt", recipient, company_id=order.company_id,
                      order_id=order.id, kind=NOTICE_KIND, order=order, case=case,
                      company=db.session.get_one(Company, order.company_id))
