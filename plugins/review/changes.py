"""Change requests (the "order change request form"): recording one, its review, its outcome, its acknowledgement.

Sales, customer service or the customer's own people record a change to an
approved or shipped order: quantities, lines added or removed, a line's
specification or price, the delivery date, the delivery method, the payment
terms. The request keeps the diff against the order's current revision and its
impact (the new totals, the price difference, the delivery date moved), and
the core checks what the order's stage allows before anything is stored
(``core.orders.revisions.check_change``: refused with the reason and the field).

Recording fires the core's ``change_requested``: the review plugin opens a
round of the same departments' steps whose rules receive the change
(``open_review``); when review is not pinned on the order the core's fallback
approves the change at once. Once applied (``order_changed``) the customer is
told the impact by email and acknowledges it; a refused change leaves the order
untouched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from core import audit
from core.auth.context import check
from core.contracts import FieldChange, LineChange, OrderChange
from core.db import flush, get_scoped
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.figures import MONEY
from core.labels import label
from core.models import Company, Order, OrderStatus, PaymentTerms, Product, User, utcnow
from core.models.order import DeliveryMethod
from core.orders import events, revisions
from core.orders.queries import get_order
from core.prices import price_for
from plugins.review import change_notices, change_rounds, services
from plugins.review.change_models import ChangeRequest, ChangeStatus, RequestedVia
from plugins.review.models import ReviewFinding, ReviewStep

REQUEST = "review.change.request"
ACKNOWLEDGE = "review.change.acknowledge"
VIEW = "review.change.view"
REASON_MAX = 2000
SPECIFICATION_MAX = 200


@dataclass(frozen=True)
class ChangeInput:
    """What a person asks to change, as the API or the portal's form parsed it."""

    lines: tuple[LineChange, ...] = ()
    requested_date: date | None = None
    delivery_method: DeliveryMethod | None = None
    payment_terms: PaymentTerms | None = None
    reason: str | None = None


@dataclass(frozen=True)
class LineDiff:
    """One line of the change page's diff: the line before and after (None: added, or removed)."""

    line_no: int | None
    product_code: str
    description: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    changed: frozenset[str] = field(default_factory=frozenset)


# --- recording ------------------------------------------------------------------------


def request_change(order: Order, wanted: ChangeInput, *, actor: User, via: RequestedVia) -> ChangeRequest:
    """Record ``actor``'s change request for the order and start its review.

    Refused (4xx naming the field) when the order's stage does not allow a
    field it changes, when it changes nothing, when a price is set by someone
    who may not see prices, or while another change of the order is in review.
    """
    check(actor, REQUEST)
    if actor.customer_id is not None and actor.customer_id != order.customer_id:
        raise NotFound(_("order %(id)s does not exist", id=order.id))
    _check_input(wanted, actor)
    pending = db.session.execute(
        select(ChangeRequest.id).where(ChangeRequest.order_id == order.id,
                                       ChangeRequest.status == ChangeStatus.IN_REVIEW)
    ).first()
    if pending is not None:
        raise Conflict(_("order %(number)s has a change in review already; wait for its decision",
                         number=order.display_number), field="order")
    draft = OrderChange(None, order.revision + 1, lines=wanted.lines, requested_date=wanted.requested_date,
                        delivery_method=wanted.delivery_method, payment_terms=wanted.payment_terms)
    revisions.check_change(order, draft)
    impact = revisions.impact(order, draft)
    sequence = (db.session.execute(
        select(func.max(ChangeRequest.sequence)).where(ChangeRequest.order_id == order.id)).scalar_one() or 0) + 1
    record = ChangeRequest(
        company_id=order.company_id, order_id=order.id, order=order, sequence=sequence,
        status=ChangeStatus.IN_REVIEW, base_revision=order.revision, requested_by_id=actor.id,
        by_customer=actor.customer_id is not None, via=via, reason=(wanted.reason or "").strip() or None,
        line_changes=[change_rounds.line_row(line) for line in wanted.lines],
        requested_date=wanted.requested_date,
        delivery_method=wanted.delivery_method.value if wanted.delivery_method else None,
        payment_terms=wanted.payment_terms.value if wanted.payment_terms else None,
        diff=_diff(order, draft), old_total=order.total, new_subtotal=impact.subtotal,
        new_tax_total=impact.tax_total, new_total=impact.total, price_difference=impact.price_difference,
    )
    db.session.add(record)
    flush()
    change = change_rounds.to_contract(record)
    events.request_change(order, change, actor=actor)
    if record.status == ChangeStatus.IN_REVIEW and order.revision == change.revision:
        # Applied at once by the core's fallback: review is not pinned on the order, so its
        # order_changed listener was not called.
        applied(order, change)
    return record


def _check_input(wanted: ChangeInput, actor: User) -> None:
    if wanted.reason is not None and len(wanted.reason) > REASON_MAX:
        raise ValidationError(_("the reason is longer than %(max)s characters", max=REASON_MAX), field="reason")
    seen: set[int] = set()
    for index, line in enumerate(wanted.lines):
        where = f"lines[{index}]"
        if line.unit_price is not None and not actor.can("order.view_prices"):
            raise ValidationError(_("line change %(n)s: you may not set prices", n=index + 1),
                                  field=f"{where}.unit_price")
        if line.quantity is not None and line.quantity <= 0:
            raise ValidationError(_("line change %(n)s: the quantity must be greater than 0; remove the line "
                                    "instead", n=index + 1), field=f"{where}.quantity")
        if line.specification is not None and len(line.specification) > SPECIFICATION_MAX:
            raise ValidationError(_("line change %(n)s: the specification is longer than %(max)s characters",
                                    n=index + 1, max=SPECIFICATION_MAX), field=f"{where}.specification")
        if line.line_no is not None:
            if line.line_no in seen:
                raise ValidationError(_("line %(line)s is changed twice", line=line.line_no),
                                      field=f"{where}.line_no")
            seen.add(line.line_no)
            if line.remove and any(v is not None for v in (line.quantity, line.unit_price, line.specification)):
                raise ValidationError(_("line %(line)s: a removed line takes no new values", line=line.line_no),
                                      field=f"{where}.remove")


def _diff(order: Order, change: OrderChange) -> list[dict[str, Any]]:
    """Every field that moves, old and new, JSON-safe (the record's ``diff``)."""
    diff: list[dict[str, Any]] = []
    for name in ("requested_date", "delivery_method", "payment_terms"):
        new = getattr(change, name)
        old = getattr(order, name)
        if new is not None and new != old:
            diff.append({"field": name, "old": _plain(old), "new": _plain(new)})
    before = [_line_summary(row) for row in (revisions.line_row(line) for line in order.lines)]
    after = _lines_after(order, change)
    if before != after:
        diff.append({"field": "lines", "old": before, "new": after})
    return diff


def _lines_after(order: Order, change: OrderChange) -> list[dict[str, Any]]:
    by_number = {line.line_no: line for line in change.lines if not line.added}
    after = []
    for line in order.lines:
        wanted = by_number.get(line.line_no)
        if wanted is not None and wanted.remove:
            continue
        row = _line_summary(revisions.line_row(line))
        if wanted is not None:
            if wanted.quantity is not None:
                row["quantity"] = _quantity(wanted.quantity)
            if wanted.unit_price is not None:
                row["unit_price"] = _price(wanted.unit_price)
            if wanted.specification is not None:
                row["specification"] = wanted.specification
        after.append(row)
    next_no = max((line.line_no for line in order.lines), default=0)
    for wanted in change.lines:
        if wanted.added:
            product = db.session.get(Product, wanted.product_id)
            assert product is not None  # revisions.check_change refused an unknown product
            next_no += 1
            after.append({"line_no": next_no, "product_code": product.code,
                          "specification": wanted.specification or product.specification,
                          "quantity": _quantity(wanted.quantity),
                          "unit_price": _price(price_for(order.customer_id, product) if wanted.unit_price is None
                                               else wanted.unit_price)})
    return after


def _line_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"line_no": row["line_no"], "product_code": row["product_code"], "specification": row["specification"],
            "quantity": _quantity(Decimal(row["quantity"])), "unit_price": _price(Decimal(row["unit_price"]))}


def _quantity(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _price(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(MONEY.step), "f")


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)


# --- review, outcome, acknowledgement ----------------------------------------------------


def open_review(order: Order, change: OrderChange) -> None:
    """The change's review round: the same departments' steps, whose rules receive the change."""
    services.open_round(db.session, order, change=change)


def applied(order: Order, change: OrderChange) -> ChangeRequest | None:
    """The core applied the change: the request is done and waits for the customer's acknowledgement."""
    record = db.session.get(ChangeRequest, change.change_id) if change.change_id is not None else None
    if record is None or record.status == ChangeStatus.APPLIED:
        return record
    record.status = ChangeStatus.APPLIED
    record.applied_revision = order.revision
    record.decided_at = record.decided_at or utcnow()
    flush()
    change_notices.tell_customer(record)
    return record


def close(order: Order) -> None:
    """The order was cancelled: a change still in review is closed with it."""
    for record in changes_of(order):
        if record.status == ChangeStatus.IN_REVIEW:
            record.status = ChangeStatus.CLOSED
            record.decided_at = utcnow()
    flush()


def acknowledge(record: ChangeRequest, *, actor: User, expected_version: int | None = None) -> ChangeRequest:
    """The customer acknowledges an applied change and its impact; recorded once."""
    check(actor, ACKNOWLEDGE)
    if actor.customer_id is not None and actor.customer_id != record.order.customer_id:
        raise PermissionDenied(_("only the customer of order %(number)s acknowledges its changes",
                                 number=record.order.display_number), permissions=(ACKNOWLEDGE,))
    if expected_version is not None and expected_version != record.version:
        raise Conflict(_("change %(change)s was changed by someone else; reload it and try again",
                         change=record.number), field="version")
    if record.status != ChangeStatus.APPLIED:
        raise Conflict(_("change %(change)s is not applied; only an applied change is acknowledged",
                         change=record.number), field="status")
    if record.acknowledged_at is not None:
        raise Conflict(_("change %(change)s was acknowledged already", change=record.number), field="status")
    record.acknowledged_at = utcnow()
    record.acknowledged_by_id = actor.id
    flush()
    audit.record(company_id=record.company_id, order_id=record.order_id, entity="change_request",
                 entity_id=record.id, action="change_acknowledged", actor=actor,
                 before={"status": record.status.value}, after={"status": record.status.value,
                                                                "change_id": record.id, "change": record.number})
    return record


def _open_steps(record: ChangeRequest) -> list[Any]:
    return [step for step in services.open_steps(record.order) if step.round == record.round]


def may_promise(record: ChangeRequest, user: User) -> bool:
    """Whether ``user`` may answer the change's delivery date: a decider of an open step of its round."""
    return record.status == ChangeStatus.IN_REVIEW and any(
        services.may_decide(user, step) for step in _open_steps(record))


def promise_date(record: ChangeRequest, promised: date, *, actor: User,
                 expected_version: int | None = None) -> ChangeRequest:
    """A reviewer of the change's open round answers its delivery-date impact: the date they can promise.

    Whoever may decide an open step of the round may answer (production, typically);
    the date applies to the order with the change (``Order.promised_date``).
    """
    if record.status != ChangeStatus.IN_REVIEW:
        raise Conflict(_("change %(change)s is %(status)s; its review is over", change=record.number,
                         status=label(record.status)), field="status")
    order = record.order
    steps = _open_steps(record)
    if not may_promise(record, actor):
        raise PermissionDenied(_("only a reviewer of an open step of change %(change)s answers its delivery date",
                                 change=record.number), permissions=tuple(sorted({s.permission for s in steps})))
    if expected_version is not None and expected_version != record.version:
        raise Conflict(_("change %(change)s was changed by someone else; reload it and try again",
                         change=record.number), field="version")
    today = db.session.get_one(Company, order.company_id).today()
    if promised < today:
        raise ValidationError(_("the promised date %(date)s is in the past", date=promised.isoformat()),
                              field="promised_date")
    if order.status == OrderStatus.SHIPPED:
        raise Conflict(_("order %(number)s has shipped: its lines, quantities, delivery method and delivery "
                         "date stay as shipped", number=order.display_number), field="promised_date")
    before = record.promised_date
    record.promised_date = promised
    record.promised_by_id = actor.id
    flush()
    audit.record(company_id=record.company_id, order_id=record.order_id, entity="change_request",
                 entity_id=record.id, action="change_date_promised", actor=actor,
                 before={"promised_date": before.isoformat() if before else None},
                 after={"promised_date": promised.isoformat(), "change_id": record.id, "change": record.number})
    return record


# --- reading ------------------------------------------------------------------------


def change_for(user: User, change_id: int) -> ChangeRequest:
    """A change request of an order ``user`` may see, or NotFound."""
    check(user, VIEW)
    record = get_scoped(ChangeRequest, user.company_id, change_id, what=_("change request"))
    try:
        get_order(user, record.order_id)
    except NotFound:
        raise NotFound(_("change request %(id)s does not exist", id=change_id)) from None
    return record


def changes_of(order: Order) -> list[ChangeRequest]:
    """The order's change requests, newest first."""
    return list(db.session.execute(
        select(ChangeRequest).where(ChangeRequest.order_id == order.id).order_by(ChangeRequest.sequence.desc())
    ).scalars())


def deciding(steps: list[ReviewStep]) -> dict[int, ChangeRequest]:
    """The change request each of these review steps decides, by step id; steps of an order's own review have none."""
    wanted = {(step.order_id, step.round) for step in steps}
    if not wanted:
        return {}
    records = db.session.execute(select(ChangeRequest).where(
        ChangeRequest.order_id.in_({order_id for order_id, _round in wanted}),
        ChangeRequest.round.in_({number for _order, number in wanted}))).scalars()
    by_round = {(record.order_id, record.round): record for record in records}
    return {step.id: found for step in steps if (found := by_round.get((step.order_id, step.round))) is not None}


def steps_to_decide(record: ChangeRequest, user: User) -> list[ReviewStep]:
    """The open steps of the change's round ``user`` may decide and has not decided yet."""
    if record.status != ChangeStatus.IN_REVIEW:
        return []
    return [step for step in services.steps_to_decide(record.order, user) if step.round == record.round]


def findings(record: ChangeRequest) -> list[ReviewFinding]:
    """What the review rules found about the change, in its round."""
    if record.round is None:
        return []
    return list(db.session.execute(select(ReviewFinding).where(
        ReviewFinding.order_id == record.order_id, ReviewFinding.round == record.round)
        .order_by(ReviewFinding.id)).scalars())


def latest_change(order: Order) -> ChangeRequest | None:
    """The order's newest change request, or None."""
    return next(iter(changes_of(order)), None)


def line_diff(record: ChangeRequest) -> list[LineDiff]:
    """The change's lines, before and after, for the change page and the form."""
    lines = next((item for item in record.diff if item["field"] == "lines"), None)
    if lines is None:
        return []
    old = {row["line_no"]: row for row in lines["old"]}
    new = {row["line_no"]: row for row in lines["new"]}
    rows = []
    for number in sorted(set(old) | set(new)):
        before, after = old.get(number), new.get(number)
        changed = frozenset(key for key in ("specification", "quantity", "unit_price")
                            if before and after and before.get(key) != after.get(key))
        if before == after:
            continue
        code = (after or before or {}).get("product_code", "")
        rows.append(LineDiff(number, code, code, before, after, changed))
    return rows


def header_diff(record: ChangeRequest) -> list[FieldChange]:
    """The header fields the change moves, old and new as stored (codes and ISO dates)."""
    return [FieldChange(item["field"], item["old"], item["new"]) for item in record.diff if item["field"] != "lines"]


def delivery_days(record: ChangeRequest) -> int | None:
    """How many days the change moves the delivery date (negative: earlier), None when it keeps it."""
    moved = next((item for item in record.diff if item["field"] == "requested_date"), None)
    if moved is None:
        return None
    return (date.fromisoformat(moved["new"]) - date.fromisoformat(moved["old"])).days
