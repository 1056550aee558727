"""Shipments: prepare one for an approved order, dispatch it, record the customer's sign-off.

The order moves only through the core's event functions: dispatching fires
``ship``, the sign-off fires ``deliver``. Whether an order may go into execution at all is
asked of the execution gates of the plugins pinned on it, so logistics never
needs to know which plugin holds an order back (billing, for a prepayment).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from core import audit
from core.auth.context import check
from core.contracts import Delivery, Gate, Stage
from core.db import flush
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.labels import label
from core.models import DeliveryMethod, Order, OrderStatus, User, utcnow
from core.modules import hooks_for_order, modules_in_use, order_has_stage, pinned
from core.plugins import registry
from core.orders.queries import get_order, visible_orders, visible_to
from core.orders import events
from plugins.logistics.models import Shipment, ShipmentStatus

CARRIER_MAX = 120
TRACKING_MAX = 64
SIGNED_BY_MAX = 120
RESERVATIONS_MAX = 2000
RATINGS = range(1, 6)
# Goods leave an order in production, or an approved one with nothing to produce.
SHIPPABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION})


# --- queries -------------------------------------------------------------------


def visible_shipments(user: User) -> Select[Shipment]:
    """The shipments of the orders the user may see (a customer user: their own customer's only)."""
    return select(Shipment).join(Order, Shipment.order_id == Order.id).where(
        Shipment.company_id == user.company_id, visible_to(user)
    )


def get_shipment(user: User, shipment_id: int) -> Shipment:
    """One shipment the user may see, or NotFound (also for another company's or customer's)."""
    shipment = db.session.execute(
        visible_shipments(user).where(Shipment.id == shipment_id)
    ).scalar_one_or_none()
    if shipment is None:
        raise NotFound(_("shipment %(id)s does not exist", id=shipment_id))
    return shipment


def shipments_of(order: Order) -> list[Shipment]:
    # The order is at hand: joining it again would reload its lines.
    return list(db.session.execute(
        select(Shipment).where(Shipment.company_id == order.company_id, Shipment.order_id == order.id)
        .order_by(Shipment.id).options(lazyload(Shipment.order))
    ).scalars())


def open_shipment(order: Order) -> Shipment | None:
    """The order's shipment that is not yet signed for, if any."""
    return next((s for s in shipments_of(order) if s.is_open), None)


def latest_shipment(order: Order) -> Shipment | None:
    shipments = shipments_of(order)
    return shipments[-1] if shipments else None


def blocking_gates(order: Order) -> list[Gate]:
    """The execution gates of the order's plugins that hold it back right now."""
    return [gate for contribution in hooks_for_order(order).execution_gates(order=order)
            for gate in contribution if gate.blocked]


def held_back(company_id: int) -> ColumnElement[bool]:
    """SQL: an execution gate holds the order back (``execution_holds`` of the plugins the company uses)."""
    hooks = registry().hooks_for(modules_in_use(company_id))
    holds = [condition for contribution in hooks.execution_holds() for condition in contribution]
    return or_(*holds) if holds else false()


def due_day() -> ColumnElement[date]:
    """SQL: the day an order's goods should leave by (at its start): the promised, else the requested, one."""
    return func.coalesce(Order.promised_date, Order.requested_date)


def late_before(now: datetime, zone: ZoneInfo) -> date:
    """The first due day that is not late at ``now``: a day is late once it has begun where the company is."""
    local = now.astimezone(zone)
    return local.date() + timedelta(days=1) if local.time() > time.min else local.date()


def _to_ship(user: User) -> Select[Order]:
    no_shipment = ~exists(select(Shipment.id).where(Shipment.order_id == Order.id))
    return visible_orders(user).where(Order.status.in_(SHIPPABLE), pinned(Stage.LOGISTICS), no_shipment,
                                      ~held_back(user.company_id))


def _to_dispatch() -> ColumnElement[bool]:
    # A carrier takes them; pickups wait for the customer instead.
    return and_(Shipment.status == ShipmentStatus.PREPARED, Shipment.delivery_method != DeliveryMethod.PICKUP)


def _awaiting_acceptance() -> ColumnElement[bool]:
    pickup_ready = and_(Shipment.status == ShipmentStatus.PREPARED, Shipment.delivery_method == DeliveryMethod.PICKUP)
    return or_(Shipment.status == ShipmentStatus.DISPATCHED, pickup_ready)


def _listed(statement: Select[Any], limit: int | None) -> Select[Any]:
    # What the inbox shows of an order is on its row (and its customer's, joined): not its lines or pinned set.
    return statement.limit(limit).options(lazyload(Order.lines), lazyload(Order.module_rows))


def orders_to_ship(user: User, limit: int | None = None) -> list[Order]:
    """Approved orders and orders in production of the user's company, delivered through logistics,
    with no shipment yet and nothing holding them back; the ``limit`` due first."""
    return list(db.session.execute(_listed(
        _to_ship(user).order_by(due_day().asc().nulls_last(), Order.id), limit)).scalars())


def _shipments(user: User, condition: ColumnElement[bool], limit: int | None) -> list[Shipment]:
    return list(db.session.execute(
        visible_shipments(user).where(condition).order_by(due_day().asc().nulls_last(), Shipment.id).limit(limit)
        .options(contains_eager(Shipment.order).options(lazyload(Order.lines), lazyload(Order.module_rows)))
    ).scalars())


def shipments_to_dispatch(user: User, limit: int | None = None) -> list[Shipment]:
    """Prepared shipments that a carrier takes (pickups wait for the customer instead), the ``limit`` due first."""
    return _shipments(user, _to_dispatch(), limit)


def shipments_awaiting_acceptance(user: User, limit: int | None = None) -> list[Shipment]:
    """Dispatched shipments, and prepared pickups, waiting for the customer's sign-off; the ``limit`` due first."""
    return _shipments(user, _awaiting_acceptance(), limit)


@dataclass(frozen=True)
class WorkCount:
    """How many orders to ship, shipments to dispatch and sign-offs to record, with the late ones."""

    to_ship: tuple[int, int] = (0, 0)
    to_dispatch: tuple[int, int] = (0, 0)
    awaiting_acceptance: int = 0


def count_work(user: User, now: datetime, zone: ZoneInfo, *, ship: bool, accept: bool) -> WorkCount:
    """What ``orders_to_ship``, ``shipments_to_dispatch`` and ``shipments_awaiting_acceptance`` would list,
    counted in two queries: the shipping side only when ``ship``, the sign-offs only when ``accept``."""
    late = due_day() < late_before(now, zone)
    to_ship = (0, 0)
    if ship:
        total, late_ones = db.session.execute(
            _to_ship(user).with_only_columns(func.count(), func.count(case((late, 1))))).one()
        to_ship = (total, late_ones)
    if not (ship or accept):
        return WorkCount(to_ship)
    dispatch = _to_dispatch() if ship else false()
    awaiting = _awaiting_acceptance() if accept else false()
    dispatching, dispatching_late, accepting = db.session.execute(
        visible_shipments(user).where(or_(dispatch, awaiting)).with_only_columns(
            func.count(case((dispatch, 1))), func.count(case((and_(dispatch, late), 1))),
            func.count(case((awaiting, 1))))).one()
    return WorkCount(to_ship, (dispatching, dispatching_late), accepting)


# --- actions -------------------------------------------------------------------


def create_shipment(order: Order, actor: User, carrier: str | None = None,
                    tracking_number: str | None = None) -> Shipment:
    """Prepare the shipment of an approved order (or one in production) that no execution gate holds back."""
    check(actor, "logistics.ship")
    _same_company(order, actor)
    if order.status not in SHIPPABLE:
        raise Conflict(_("order %(number)s is %(status)s; only an approved order can be shipped",
                         number=order.display_number, status=label(order.status)))
    if not order_has_stage(order, Stage.LOGISTICS):
        raise Conflict(_("order %(number)s was submitted without logistics; mark it delivered instead",
                         number=order.display_number))
    _refuse_blocked(order)
    shipments = shipments_of(order)
    if any(s.is_open for s in shipments):
        raise Conflict(_("order %(number)s already has a shipment under way",
                         number=order.display_number))
    shipment = Shipment(
        company_id=order.company_id,
        order_id=order.id,
        order=order,
        number=f"{order.display_number}-S{len(shipments) + 1}",
        delivery_method=order.delivery_method,
        carrier=_text(carrier, "carrier", CARRIER_MAX),
        tracking_number=_text(tracking_number, "tracking_number", TRACKING_MAX),
        status=ShipmentStatus.PREPARED,
        created_at=utcnow(),
        created_by_id=actor.id,
    )
    db.session.add(shipment)
    flush()  # two clerks preparing the same order at once: the shipment number is unique
    _audit(shipment, "shipment_created", actor, before=None)
    return shipment


def dispatch(shipment: Shipment, actor: User, carrier: str | None = None,
             tracking_number: str | None = None) -> Shipment:
    """Hand a prepared shipment to the carrier; the order becomes ``shipped``."""
    check(actor, "logistics.ship")
    _same_company(shipment.order, actor)
    if shipment.status != ShipmentStatus.PREPARED:
        raise Conflict(_("shipment %(number)s is %(status)s; only a prepared shipment can be dispatched",
                         number=shipment.number, status=_status(shipment)))
    _refuse_blocked(shipment.order)
    before = _state(shipment)
    if carrier is not None and carrier.strip():
        shipment.carrier = _text(carrier, "carrier", CARRIER_MAX)
    if tracking_number is not None and tracking_number.strip():
        shipment.tracking_number = _text(tracking_number, "tracking_number", TRACKING_MAX)
    shipment.status = ShipmentStatus.DISPATCHED
    shipment.dispatched_at = utcnow()
    flush()
    _audit(shipment, "shipment_dispatched", actor, before=before)
    events.ship(shipment.order, actor=actor, note="shipment_dispatched", shipment=shipment.number)
    return shipment


def record_acceptance(shipment: Shipment, actor: User, signed_by: str | None,
                      reservations: str | None = None, rating: int | None = None) -> Shipment:
    """Record the customer's sign-off (with any reservations and a rating); the order is delivered."""
    check(actor, "logistics.accept")
    order = get_order(actor, shipment.order_id)  # a customer signs only for their own orders
    signed_by = _text(signed_by, "signed_by", SIGNED_BY_MAX)
    if signed_by is None:
        raise ValidationError(_("say who signed for the goods"), field="signed_by")
    reservations = _text(reservations, "reservations", RESERVATIONS_MAX)
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS):
        raise ValidationError(_("the rating is a whole number from 1 to 5"), field="rating")
    if not shipment.awaits_acceptance:
        if shipment.status == ShipmentStatus.PREPARED:
            message = _("shipment %(number)s has not been dispatched yet", number=shipment.number)
        else:
            message = _("shipment %(number)s is already signed for", number=shipment.number)
        raise Conflict(message)
    if shipment.status == ShipmentStatus.PREPARED:  # a pickup: the goods leave only now
        _refuse_blocked(order)

    before = _state(shipment)
    now = utcnow()
    shipment.status = ShipmentStatus.ACCEPTED
    shipment.accepted_at = now
    shipment.signed_by = signed_by
    shipment.reservations = reservations
    shipment.rating = rating
    flush()
    _audit(shipment, "shipment_accepted", actor, before=before)
    delivery = Delivery(signed_by=signed_by, signed_at=now, reservations=reservations, shipment_id=shipment.id)
    events.deliver(order, delivery, actor=actor)
    return shipment


# --- helpers -------------------------------------------------------------------


def _same_company(order: Order, actor: User) -> None:
    if order.company_id != actor.company_id:
        raise NotFound(_("order %(id)s does not exist", id=order.id))


def _refuse_blocked(order: Order) -> None:
    blocked = blocking_gates(order)
    if blocked:
        reasons = "; ".join(gate.reason or gate.name for gate in blocked)
        raise Conflict(_("order %(number)s cannot go into execution: %(reasons)s",
                         number=order.display_number, reasons=reasons))


def _text(value: str | None, field: str, max_length: int) -> str | None:
    """Trimmed text, ``None`` when empty; too long is an error naming the field."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(_("%(field)s must be text", field=field), field=field)
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(_("%(field)s is longer than %(max)s characters", field=field, max=max_length),
                              field=field)
    return value or None


def _status(shipment: Shipment) -> str:
    return label(shipment.status)


def _state(shipment: Shipment) -> dict:
    return {"status": shipment.status.value}


def _audit(shipment: Shipment, action: str, actor: User, *, before: dict | None) -> None:
    after: dict[str, Any] = {
        "number": shipment.number,
        "status": shipment.status.value,
        "delivery_method": shipment.delivery_method.value,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
    }
    if shipment.status == ShipmentStatus.ACCEPTED:
        after.update(signed_by=shipment.signed_by, reservations=shipment.reservations, rating=shipment.rating)
    audit.record(company_id=shipment.company_id, order_id=shipment.order_id, entity="shipment",
                 entity_id=shipment.id, action=action, actor=actor, before=before, after=after)

