"""How a review round that decides a change request ends, and the change request as its typed contract.

The review services open a change's round with the same steps and rules as an
order's (``services.open_round(..., change=...)``) and, when the round ends,
call here instead of firing the order's review event: every required step
approved, and the core applies the change (``core.orders.apply_change``, which
makes the next revision and fires ``order_changed``); a rejection or a send-back
leaves the order as it is. This module knows the change records, not the
steps, so the services may import it.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import audit
from core.contracts import FieldChange, LineChange, OrderChange, Outcome
from core.db import flush
from core.extensions import db
from core.models import Order, PaymentTerms, User, utcnow
from core.models.order import DeliveryMethod
from core.orders import events
from core.orders.revisions import CHANGEABLE_STATUSES
from core.session_memo import remembered
from plugins.review.change_models import ChangeRequest, ChangeStatus

__all__ = ["CHANGEABLE_STATUSES", "approved", "link", "of_round", "of_round_key", "refused", "to_contract"]

_REFUSED = {Outcome.REJECTED: ChangeStatus.REJECTED, Outcome.SENT_BACK: ChangeStatus.SENT_BACK}


def link(change: OrderChange, number: int) -> None:
    """Record that review round ``number`` of the order decides ``change``."""
    record = db.session.get(ChangeRequest, change.change_id)
    if record is not None:
        record.round = number
        flush()


def of_round(order: Order, number: int) -> ChangeRequest | None:
    """The change request review round ``number`` of the order decides, or None for the order's own review.

    Read once per unit of work (``core.session_memo``), or given by what read the round's steps with it.
    """
    return remembered(of_round_key(order.id, number), lambda: db.session.execute(
        select(ChangeRequest).where(ChangeRequest.order_id == order.id, ChangeRequest.round == number)
    ).scalar_one_or_none(), tables=(ChangeRequest.__tablename__,))


def of_round_key(order_id: int, number: int) -> tuple[str, int, int]:
    """What :func:`of_round`'s answer is remembered as: for a reader that had it joined in (a step to decide)."""
    return ("review.change_of_round", order_id, number)


def approved(order: Order, number: int, *, actor: User | None) -> None:
    """Every required step of the round approved: the core applies the change (queued inside a hook)."""
    record = of_round(order, number)
    if record is None or record.status != ChangeStatus.IN_REVIEW:
        return
    _decided(record, Outcome.APPROVED, (), actor)
    events.apply_change(order, to_contract(record), actor=actor)


def refused(order: Order, number: int, outcome: Outcome, reasons: tuple[str, ...], *, actor: User | None) -> None:
    """A step (or a rule) rejected the change or sent it back: the order stays at its revision."""
    record = of_round(order, number)
    if record is None or record.status != ChangeStatus.IN_REVIEW:
        return
    record.status = _REFUSED[outcome]
    record.decision_reason = "\n".join(reasons) or None
    _decided(record, outcome, reasons, actor)


def _decided(record: ChangeRequest, outcome: Outcome, reasons: tuple[str, ...], actor: User | None) -> None:
    record.decided_at = utcnow()
    flush()
    after: dict[str, Any] = {"status": record.status.value, "outcome": outcome.value, "change_id": record.id,
                             "change": record.number}
    if reasons:
        after["reasons"] = list(reasons)
    audit.record(company_id=record.company_id, order_id=record.order_id, entity="change_request",
                 entity_id=record.id, action="change_decided", actor=actor,
                 before={"status": ChangeStatus.IN_REVIEW.value}, after=after)


# --- the record as the contract ------------------------------------------------------


def to_contract(record: ChangeRequest) -> OrderChange:
    """The change request as rules and ``order_changed`` listeners receive it."""
    return OrderChange(
        change_id=record.id, revision=record.new_revision,
        changes=tuple(FieldChange(item["field"], _typed(item["field"], item["old"]), _typed(item["field"], item["new"]))
                      for item in record.diff),
        new_total=record.new_total if record.price_difference else None,
        lines=tuple(line_change(row) for row in record.line_changes),
        requested_date=record.requested_date,
        delivery_method=DeliveryMethod(record.delivery_method) if record.delivery_method else None,
        payment_terms=PaymentTerms(record.payment_terms) if record.payment_terms else None,
        promised_date=record.promised_date,
        reason=record.reason or "", requested_by=record.requested_by_id,
        new_subtotal=record.new_subtotal, new_tax_total=record.new_tax_total,
        price_difference=record.price_difference,
    )


def line_change(row: dict[str, Any]) -> LineChange:
    """A stored line change as the typed one."""
    def decimal(key: str) -> Decimal | None:
        return None if row.get(key) is None else Decimal(row[key])
    return LineChange(line_no=row.get("line_no"), product_id=row.get("product_id"), quantity=decimal("quantity"),
                      unit_price=decimal("unit_price"), specification=row.get("specification"),
                      remove=bool(row.get("remove")))


def line_row(change: LineChange) -> dict[str, Any]:
    """A line change as stored: JSON-safe, decimals as strings."""
    return {"line_no": change.line_no, "product_id": change.product_id,
            "quantity": None if change.quantity is None else str(change.quantity),
            "unit_price": None if change.unit_price is None else str(change.unit_price),
            "specification": change.specification, "remove": change.remove}


def _typed(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field == "requested_date":
        return date.fromisoformat(value)
    if field == "delivery_method":
        return DeliveryMethod(value)
    if field == "payment_terms":
        return PaymentTerms(value)
    if field == "lines":
        return tuple({**line, "quantity": Decimal(line["quantity"]),
                      "unit_price": None if line.get("unit_price") is None else Decimal(line["unit_price"])}
                     for line in value)
    return value
