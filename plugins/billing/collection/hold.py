"""Credit holds: placed by the dunning run at a level that holds credit, or by a manager's decision;
released by a manager with a reason, or lifted by the run once the customer owes nothing overdue.

While a customer is on hold, intake warns the clerk taking their order (``customer_credit_hold``),
review refuses to approve it (``review_rules``) and their open orders are held out of production and
dispatch (``execution_gates`` / ``execution_holds``).
Every change is audited. Nothing here commits.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, select

from core import audit
from core.contracts import Finding, Gate, Severity, Stage, Verdict
from core.errors import Conflict, PermissionDenied, ValidationError
from core.extensions import db
from core.models import Customer, Order, User, utcnow
from core.modules import pinned
from core.session_memo import remembered
from plugins.billing.collection.models import CreditHold, HoldSource

PLACE = "billing.credit_hold.place"
RELEASE = "billing.credit_hold.release"
REASON_MAX = 500
GATE = "credit_hold"


def active_hold(customer_id: int) -> CreditHold | None:
    """The customer's hold in force, or None: one query, once per unit of work until a hold is written (intake's
    warning, review's finding and the execution gates all ask at a submission)."""
    return remembered(("billing.hold", customer_id), lambda: db.session.execute(
        select(CreditHold).where(CreditHold.customer_id == customer_id, CreditHold.released_at.is_(None))
        .order_by(CreditHold.id).limit(1)).scalar_one_or_none(),
        tables=(CreditHold.__tablename__,), autoflush=True)


def reason_of(hold: CreditHold, customer: Customer) -> str:
    """What a clerk or a reviewer reads of the hold, in their language; no amounts."""
    if hold.source == HoldSource.DUNNING:
        return _("%(customer)s is on credit hold: invoices remain unpaid past the last dunning notice",
                 customer=customer.name)
    return _("%(customer)s is on credit hold: %(reason)s", customer=customer.name, reason=hold.reason)


def _reason(reason: str | None, field: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(_("give the reason"), field=field)
    if len(text) > REASON_MAX:
        raise ValidationError(_("at most %(count)s characters", count=REASON_MAX), field=field)
    return text


def _audit(hold: CreditHold, action: str, actor: User | None, note: str | None) -> None:
    audit.record(company_id=hold.company_id, entity="customer", entity_id=hold.customer_id, action=action,
                 actor=actor, after={"source": hold.source.value, "hold": hold.id}, note=note)


def place(customer: Customer, *, source: HoldSource, reason: str, actor: User | None,
          at: datetime | None = None) -> CreditHold:
    """Put the customer on hold; a customer already on hold stays on the hold they have (returned)."""
    current = active_hold(customer.id)
    if current is not None:
        return current
    hold = CreditHold(company_id=customer.company_id, customer_id=customer.id, source=source, reason=reason,
                      placed_at=at or utcnow(), placed_by_id=actor.id if actor is not None else None)
    db.session.add(hold)
    db.session.flush()
    _audit(hold, "credit_hold_placed", actor, reason)
    return hold


def decide_hold(customer: Customer, reason: str | None, actor: User) -> CreditHold:
    """A manager's decision to hold the customer's credit; a customer on hold already is a 409."""
    if not actor.can(PLACE):
        raise PermissionDenied(_("you may not put a customer on credit hold"), permissions=(PLACE,))
    text = _reason(reason, "reason")
    if active_hold(customer.id) is not None:
        raise Conflict(_("%(customer)s is on credit hold already", customer=customer.name), field="customer_id")
    return place(customer, source=HoldSource.DECISION, reason=text, actor=actor)


def release(customer: Customer, reason: str | None, actor: User) -> CreditHold:
    """A manager releases the customer's hold, with the reason; without the permission, without a reason
    or without a hold in force, refused and nothing changes."""
    if not actor.can(RELEASE):
        raise PermissionDenied(_("you may not release a credit hold"), permissions=(RELEASE,))
    text = _reason(reason, "reason")
    hold = active_hold(customer.id)
    if hold is None:
        raise Conflict(_("%(customer)s is not on credit hold", customer=customer.name), field="customer_id")
    hold.released_at = utcnow()
    hold.released_by_id = actor.id
    hold.release_reason = text
    _audit(hold, "credit_hold_released", actor, text)
    return hold


def lift(hold: CreditHold, at: datetime) -> None:
    """The run lifts a hold it placed: the customer owes nothing overdue any more."""
    hold.released_at = at
    _audit(hold, "credit_hold_lifted", None, None)


def customer_hold_reason(customer: Customer) -> str | None:
    """The ``customer_credit_hold`` answer: why the customer is on hold (intake's warning), or None."""
    hold = active_hold(customer.id)
    return reason_of(hold, customer) if hold is not None else None


def holding() -> ColumnElement[bool]:
    """SQL: the customer of the order in the query (``Order``) is on credit hold."""
    return exists().where(CreditHold.customer_id == Order.customer_id, CreditHold.released_at.is_(None))


def hold_gates(order: Order) -> list[Gate]:
    """An open order of a customer on hold does not go into production or out of the door."""
    if active_hold(order.customer_id) is None:
        return []
    # No amounts: production and logistics read it.
    return [Gate(GATE, blocked=True, reason=_("the customer is on credit hold"))]


def hold_findings(order: Order) -> list[Finding]:
    """Review's blocking finding on a new order of a customer on hold: sales may not approve it."""
    held = active_hold(order.customer_id)
    if held is None:
        return []
    return [Finding(rule="credit_hold", verdict=Verdict.APPROVE, severity=Severity.BLOCKING,
                    reason_codes=("credit_hold",), message=reason_of(held, order.customer), department="sales",
                    params={"customer": order.customer.name})]


def hold_conditions() -> list[ColumnElement[bool]]:
    """``hold_gates`` over many orders, in SQL."""
    return [and_(pinned(Stage.BILLING), holding())]
