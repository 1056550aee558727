"""Shipments: prepare them by line for an approved order, check them, dispatch them, record the sign-off.

An order leaves in one or more shipments, each of some quantity of some of its
lines (partly when the company, or the order, allows it); what remains to ship
is the ordered quantity less what the shipments carry. The order moves only
through the core's event functions: the first dispatch fires ``ship`` (later
ones are recorded here: the order is shipped already), the sign-off that leaves
nothing to ship and nothing unsigned fires ``deliver``. Whether an order may go into execution at all is
asked of the execution gates of the plugins pinned on it, so logistics never
needs to know which plugin holds an order back (billing, for a prepayment).
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, insert, null, or_, select, union_all
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from core import audit, documents, outbox
from core.auth.context import check
from core.contracts import Delivery, DispatchedLine, Gate, GoodsDispatched, Stage
from core.db import flush
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.labels import label
from core.models import Company, DeliveryMethod, Order, OrderLine, OrderStatus, User, utcnow
from core.modules import hooks_for_order, modules_in_use, order_has_stage, pinned
from core.plugins import registry
from core.orders.queries import may_see, visible_orders, visible_to
from core.orders import events
from core.session_memo import remembered
from plugins.logistics.acceptance.models import LineAcceptance, RecordedAs, Verdict
from plugins.logistics.cases.models import CaseSource, CaseStatus, ProblemCase, Resolution
from plugins.logistics.shipments.models import (
    CERTIFICATE, DELIVERY_NOTE, CheckMode, CheckResult, OrderShipping, ProductTracking, Shipment, ShipmentLine,
    ShipmentStatus, ShippingSetting, Tracking,
)

CARRIER_MAX = 120
TRACKING_MAX = 64
SIGNED_BY_MAX = 120
RESERVATIONS_MAX = 2000
RATINGS = range(1, 6)
VEHICLE_MAX = 32
DRIVER_MAX = 120
PHONE_MAX = 32
WAYBILL_MAX = 64
REASON_MAX = 500
LOT_MAX = 64
CARRIERS_MAX = 50
ZERO = Decimal(0)
NOTICE_KIND = "logistics.dispatched"
# Each delivery mode's own fields; a value for another mode's field is refused.
MODE_FIELDS: dict[DeliveryMethod, frozenset[str]] = {
    DeliveryMethod.EXPRESS: frozenset({"carrier", "tracking_number"}),
    DeliveryMethod.FREIGHT: frozenset({"carrier", "vehicle", "driver_name", "driver_phone", "waybill_number"}),
    DeliveryMethod.PICKUP: frozenset({"collected_by"}),
}
MODE_LIMITS = {"carrier": CARRIER_MAX, "tracking_number": TRACKING_MAX, "vehicle": VEHICLE_MAX,
               "driver_name": DRIVER_MAX, "driver_phone": PHONE_MAX, "waybill_number": WAYBILL_MAX,
               "collected_by": SIGNED_BY_MAX}
# Goods leave an order in production, or an approved one with nothing to produce.
SHIPPABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION})
# A later part of an order may leave after the first made it ``shipped``.
PARTLY_SHIPPABLE = SHIPPABLE | {OrderStatus.SHIPPED}


# --- queries -------------------------------------------------------------------


def visible_shipments(user: User) -> Select[Shipment]:
    """The shipments of the orders the user may see (a customer user: their own customer's only)."""
    return select(Shipment).join(Order, Shipment.order_id == Order.id).where(
        Shipment.company_id == user.company_id, visible_to(user)
    )


def get_shipment(user: User, shipment_id: int) -> Shipment:
    """One shipment the user may see, or NotFound (also for another company's or customer's)."""
    # Its order in the same statement with the modules pinned on it (its hooks are asked), not its lines: checking,
    # dispatching and accepting read the shipment's own lines, each joined to its order line, also in it.
    shipment = db.session.execute(
        visible_shipments(user).where(Shipment.id == shipment_id)
        .options(joinedload(Shipment.order).options(lazyload(Order.lines), joinedload(Order.module_rows)),
                 joinedload(Shipment.lines))
    ).unique().scalar_one_or_none()
    if shipment is None:
        raise NotFound(_("shipment %(id)s does not exist", id=shipment_id))
    return shipment


def shipments_of(order: Order) -> list[Shipment]:
    """The order's shipments, the first first; read once per unit of work until a shipment or its lines are
    written (``core.session_memo``): the order page's actions, panels, timeline and documents each ask."""
    return list(remembered(("logistics.shipments", order.id), lambda: _shipments_of(order), autoflush=True,
                           tables=(Shipment.__tablename__, ShipmentLine.__tablename__)))


def _shipments_of(order: Order) -> tuple[Shipment, ...]:
    # The order is at hand: joining it again would reload its lines.
    return tuple(db.session.execute(
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


# --- settings ------------------------------------------------------------------

SETTINGS_FIELDS = ("carriers", "partial_delivery", "check_mode")


def settings_for(company_id: int) -> ShippingSetting:
    """The company's shipping settings; the defaults (not stored: a read never writes) when it has none."""
    return remembered(("logistics.settings", company_id), lambda: _read_settings(company_id),
                      tables=(ShippingSetting.__tablename__,))


def _read_settings(company_id: int) -> ShippingSetting:
    found = db.session.get(ShippingSetting, company_id)
    return found or ShippingSetting(company_id=company_id, carriers=[], partial_delivery=True,
                                    check_mode=CheckMode.WARN)


def update_settings(company: Company, data: Mapping[str, Any], actor: User) -> ShippingSetting:
    """Change some of the company's shipping settings, checked and audited."""
    check(actor, "logistics.settings")
    row = settings_for(company.id)
    before = _settings_state(row)
    if "carriers" in data:
        carriers = data["carriers"]
        if not isinstance(carriers, list) or len(carriers) > CARRIERS_MAX:
            raise ValidationError(_("the carriers are a list of at most %(max)s names", max=CARRIERS_MAX),
                                  field="carriers")
        names: list[str] = []
        for index, name in enumerate(carriers):
            cleaned = _text(name, f"carriers[{index}]", CARRIER_MAX)
            if cleaned is None:
                raise ValidationError(_("a carrier needs a name"), field=f"carriers[{index}]")
            if cleaned in names:
                raise ValidationError(_("carrier %(name)s is listed twice", name=cleaned), field=f"carriers[{index}]")
            names.append(cleaned)
        row.carriers = names
    if data.get("partial_delivery") is not None:
        row.partial_delivery = bool(data["partial_delivery"])
    if data.get("check_mode") is not None:
        try:
            row.check_mode = CheckMode(data["check_mode"])
        except ValueError:
            raise ValidationError(_("the check mode is block or warn"), field="check_mode") from None
    if db.session.get(ShippingSetting, company.id) is None:
        db.session.add(row)
    flush()
    audit.record(company_id=company.id, order_id=None, entity="logistics_setting", entity_id=company.id,
                 action="logistics_settings_changed", actor=actor, before=before, after=_settings_state(row))
    return row


def _settings_state(row: ShippingSetting) -> dict[str, Any]:
    return {"carriers": list(row.carriers or []), "partial_delivery": row.partial_delivery,
            "check_mode": CheckMode(row.check_mode).value}


@dataclass(frozen=True)
class PartialDelivery:
    """Whether an order may leave in parts: its own choice (None: none made) over the company's setting."""

    order_id: int
    own: bool | None
    company: bool

    @property
    def allowed(self) -> bool:
        return self.company if self.own is None else self.own


def partial_delivery_of(order: Order) -> PartialDelivery:
    own = db.session.get(OrderShipping, order.id)
    return PartialDelivery(order.id, None if own is None else own.partial_delivery,
                           settings_for(order.company_id).partial_delivery)


def partial_allowed(order: Order) -> bool:
    """Whether the order may leave in parts: its own choice, else the company's setting."""
    return partial_delivery_of(order).allowed


def set_partial_delivery(order: Order, allowed: bool | None, actor: User) -> PartialDelivery:
    """Let this order leave in parts (True), only whole (False), or as the company says (None).

    Only while something is left to ship of an order that may still be shipped: a choice on a
    delivered or cancelled order would change nothing.
    """
    check(actor, "logistics.ship")
    _same_company(order, actor)
    if allowed is not None and not isinstance(allowed, bool):
        raise ValidationError(_("partial_delivery is true, false or null"), field="partial_delivery")
    if order.status not in PARTLY_SHIPPABLE | {OrderStatus.SUBMITTED, OrderStatus.DRAFT}:
        raise Conflict(_("order %(number)s is %(status)s; its partial delivery can no longer be set",
                         number=order.display_number, status=label(order.status)), field="partial_delivery")
    own = db.session.get(OrderShipping, order.id)
    before = None if own is None else {"partial_delivery": own.partial_delivery}
    if allowed is None:
        if own is not None:
            db.session.delete(own)
    elif own is None:
        db.session.add(OrderShipping(order_id=order.id, company_id=order.company_id, partial_delivery=allowed))
    else:
        own.partial_delivery = allowed
    flush()
    audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                 action="partial_delivery_set", actor=actor, before=before, after={"partial_delivery": allowed})
    return partial_delivery_of(order)


def tracking_of(product_ids: Sequence[int]) -> dict[int, Tracking]:
    """How each product's units are numbered (lot, serial); a product not listed is not tracked."""
    if not product_ids:
        return {}
    rows = db.session.execute(select(ProductTracking).where(ProductTracking.product_id.in_(set(product_ids))))
    return {row.product_id: row.tracking for row in rows.scalars()}


def set_tracking(product_id: int, company_id: int, tracking: Tracking) -> ProductTracking:
    row = db.session.get(ProductTracking, product_id)
    if row is None:
        row = ProductTracking(product_id=product_id, company_id=company_id, tracking=tracking)
        db.session.add(row)
    row.tracking = tracking
    flush()
    return row


# --- what remains to ship -------------------------------------------------------


def shipped_quantities(order: Order) -> dict[int, Decimal]:
    """What the order's shipments carry of each of its lines (prepared, dispatched or signed for),
    less what the customer refused: refused quantity is to ship again."""
    # A refusal that a case settled otherwise than by a replacement (a credit, a return...) is owed no more: its
    # quantity counts as shipped. Both in one statement.
    carried = (select(ShipmentLine.order_line_id, ShipmentLine.quantity, LineAcceptance.refused_quantity)
               .join(Shipment, ShipmentLine.shipment_id == Shipment.id)
               .outerjoin(LineAcceptance, LineAcceptance.shipment_line_id == ShipmentLine.id)
               .where(Shipment.order_id == order.id))
    settled = select(ProblemCase.order_line_id, ProblemCase.quantity, null()).where(
        ProblemCase.order_id == order.id, ProblemCase.source == CaseSource.REFUSAL,
        ProblemCase.status == CaseStatus.RESOLVED, ProblemCase.resolution != Resolution.REPLACE,
        ProblemCase.order_line_id.is_not(None), ProblemCase.quantity.is_not(None))
    shipped: dict[int, Decimal] = {}
    # Selected from as a subquery: a statement that plainly reads these tables, so the audit entries the request
    # keeps wait for its commit (a bare UNION is not known not to read the audit log, and would write them now).
    both = union_all(carried, settled).subquery()
    rows: Sequence[Any] = db.session.execute(select(both)).all()
    for line_id, quantity, refused in rows:
        shipped[line_id] = shipped.get(line_id, ZERO) + quantity - (refused or ZERO)
    return shipped


def remaining(order: Order) -> dict[int, Decimal]:
    """What is left to ship of each order line, by line id (zero for a line shipped in full)."""
    shipped = shipped_quantities(order)
    return {line.id: max(line.quantity - shipped.get(line.id, ZERO), ZERO) for line in order.lines}


def remaining_lines(order: Order) -> list[dict[str, Any]]:
    """Per order line: ordered, shipped and remaining quantities (the panel and the API show them)."""
    shipped = shipped_quantities(order)
    return [{"order_line_id": line.id, "line_no": line.line_no, "description": line.description,
             "unit": line.unit, "ordered": line.quantity, "shipped": shipped.get(line.id, ZERO),
             "remaining": max(line.quantity - shipped.get(line.id, ZERO), ZERO)} for line in order.lines]


def fully_shipped(order: Order) -> bool:
    return not any(remaining(order).values())


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


def _to_ship(user: User, statuses: frozenset[OrderStatus] = SHIPPABLE) -> Select[Order]:
    no_shipment = ~exists(select(Shipment.id).where(Shipment.order_id == Order.id))
    return visible_orders(user).where(Order.status.in_(sorted(statuses)), pinned(Stage.LOGISTICS), no_shipment,
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
    with no shipment yet and nothing holding them back (an order partly shipped shows its remainder in its
    panel); the ``limit`` due first."""
    # Each status's first due, read in order from ``ix_order_company_status_promised_requested`` and stopping
    # at ``limit`` (those promised by the promised date, the others by the requested one), then merged: sorting
    # every approved order and every order in production, each checked against the holds, was 0.2 to 0.3 s at
    # 100,000 orders.
    firsts = []
    for status in sorted(SHIPPABLE):
        for day, which in ((Order.promised_date, Order.promised_date.is_not(None)),
                           (Order.requested_date, Order.promised_date.is_(None))):
            firsts.append(_to_ship(user, frozenset({status})).where(which)
                          .with_only_columns(Order.id, day.label("due")).order_by(day, Order.id).limit(limit)
                          .subquery())
    merged = union_all(*(select(first.c.id, first.c.due) for first in firsts)).subquery()
    chosen = select(merged.c.id).order_by(merged.c.due, merged.c.id).limit(limit)
    return list(db.session.execute(_listed(
        select(Order).where(Order.id.in_(chosen)).order_by(due_day(), Order.id), None)).scalars())


def _shipments(user: User, condition: ColumnElement[bool], limit: int | None) -> list[Shipment]:
    return list(db.session.execute(
        visible_shipments(user).where(condition).order_by(due_day().asc().nulls_last(), Shipment.id).limit(limit)
        .options(contains_eager(Shipment.order).options(lazyload(Order.lines), lazyload(Order.module_rows)))
    ).scalars())


def shipments_to_dispatch(user: User, limit: int | None = None) -> list[Shipment]:
    """Prepared shipments that a carrier takes (pickups wait for the customer instead), the ``limit`` due first."""
    return _shipments(user, _to_dispatch(), limit)


def waiting_since() -> ColumnElement[datetime]:
    """SQL: since when a shipment has waited for its sign-off: dispatched, since its dispatch; a pickup ready
    for the customer, since it was prepared (it is never dispatched)."""
    return func.coalesce(Shipment.dispatched_at, Shipment.created_at)


def shipments_awaiting_acceptance(user: User, limit: int | None = None) -> list[Shipment]:
    """Dispatched shipments, and prepared pickups, waiting for the customer's sign-off; the ``limit`` that have
    waited longest first (since dispatched, or since prepared for pickup), then by number of creation.

    Waiting longest, not due first: a sign-off is owed once the goods reached the customer, whatever day the
    order was due, and its task carries no due time. And it is what an index on the shipment gives: each kind's
    first ``limit`` read in order from ``ix_logistics_shipment_dispatched`` and ``ix_logistics_shipment_pickup``
    and merged; by the order's due day, every shipment awaiting its sign-off (6,250 at 100,000 orders) was read
    with its order and sorted for a page of ten."""
    dispatched = (visible_shipments(user).where(Shipment.status == ShipmentStatus.DISPATCHED)
                  .with_only_columns(Shipment.id, Shipment.dispatched_at.label("since"))
                  .order_by(Shipment.dispatched_at, Shipment.id).limit(limit).subquery())
    pickups = (visible_shipments(user).where(Shipment.status == ShipmentStatus.PREPARED,
                                             Shipment.delivery_method == DeliveryMethod.PICKUP)
               .with_only_columns(Shipment.id, Shipment.created_at.label("since"))
               .order_by(Shipment.created_at, Shipment.id).limit(limit).subquery())
    merged = union_all(select(dispatched.c.id, dispatched.c.since), select(pickups.c.id, pickups.c.since)).subquery()
    chosen = select(merged.c.id).order_by(merged.c.since, merged.c.id).limit(limit)
    return list(db.session.execute(
        visible_shipments(user).where(Shipment.id.in_(chosen)).order_by(waiting_since(), Shipment.id)
        .options(lazyload(Shipment.lines),  # the task names the shipment and its order, not its lines
                 contains_eager(Shipment.order).options(lazyload(Order.lines), lazyload(Order.module_rows)))
    ).scalars())


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
                    tracking_number: str | None = None, *, lines: Sequence[Mapping[str, Any]] | None = None,
                    delivery_method: DeliveryMethod | str | None = None,
                    details: Mapping[str, Any] | None = None) -> Shipment:
    """Prepare a shipment of some quantity of some lines (all that remains when ``lines`` is None).

    ``details`` holds the delivery mode's own fields (``MODE_FIELDS``); a field of another
    mode is refused. Nothing is written when anything is refused.
    """
    check(actor, "logistics.ship")
    _same_company(order, actor)
    if order.status not in PARTLY_SHIPPABLE:
        raise Conflict(_("order %(number)s is %(status)s; only an approved order can be shipped",
                         number=order.display_number, status=label(order.status)))
    if not order_has_stage(order, Stage.LOGISTICS):
        raise Conflict(_("order %(number)s was submitted without logistics; mark it delivered instead",
                         number=order.display_number))
    _refuse_blocked(order)
    method = _method(delivery_method, order)
    fields = _mode_fields(method, {"carrier": carrier, "tracking_number": tracking_number, **(details or {})},
                          order.company_id)
    left = remaining(order)
    if not any(left.values()):
        raise Conflict(_("order %(number)s has nothing left to ship", number=order.display_number))
    wanted = _wanted_lines(order, lines, left)
    # Whether the order may leave in parts is asked only of a shipment that leaves something behind.
    if any(wanted.get(line_id, ZERO) != qty for line_id, qty in left.items()) and not partial_allowed(order):
        raise ValidationError(_("order %(number)s is delivered whole: ship everything that remains",
                                number=order.display_number), field="lines")
    count = db.session.execute(select(Shipment.id).where(Shipment.order_id == order.id)).all()
    shipment = Shipment(
        company_id=order.company_id,
        order_id=order.id,
        order=order,
        number=f"{order.display_number}-S{len(count) + 1}",
        delivery_method=method,
        status=ShipmentStatus.PREPARED,
        created_at=utcnow(),
        created_by_id=actor.id,
        pickup_code=_pickup_code() if method == DeliveryMethod.PICKUP else None,
        **{key: value for key, value in fields.items() if key != "collected_by"},
    )
    by_id = {line.id: line for line in order.lines}
    shipment.lines = [ShipmentLine(company_id=order.company_id, order_line_id=line_id, order_line=by_id[line_id],
                                   quantity=quantity) for line_id, quantity in wanted.items()]
    db.session.add(shipment)
    flush()  # two clerks preparing the same order at once: the shipment number is unique
    _audit(shipment, "shipment_created", actor, before=None)
    return shipment


def record_check(shipment: Shipment, actor: User, lines: Sequence[Mapping[str, Any]]) -> Shipment:
    """Record the pre-dispatch check of the shipment's lines: the quantity counted, pass or fail, lots.

    Each entry names a line by ``order_line_id``; a line checked again replaces its earlier result.
    A fail needs a reason; a pass needs the counted quantity to be the shipment's and, for a
    product tracked by lot or serial, its numbers (one serial per unit).
    """
    check(actor, "logistics.ship")
    _same_company(shipment.order, actor)
    if shipment.status != ShipmentStatus.PREPARED:
        raise Conflict(_("shipment %(number)s is %(status)s; only a prepared shipment is checked",
                         number=shipment.number, status=_status(shipment)))
    if not isinstance(lines, (list, tuple)) or not lines:
        raise ValidationError(_("check at least one line"), field="lines")
    by_order_line = {line.order_line_id: line for line in shipment.lines}
    tracking = tracking_of([line.order_line.product_id for line in shipment.lines])
    results: list[tuple[ShipmentLine, Decimal, CheckResult, str | None, list[str] | None]] = []
    seen: set[int] = set()
    for index, entry in enumerate(lines):
        where = f"lines[{index}]"
        line_id = entry.get("order_line_id")
        line = by_order_line.get(line_id) if isinstance(line_id, int) and not isinstance(line_id, bool) else None
        if line is None:
            raise ValidationError(_("line %(id)s is not in shipment %(number)s", id=line_id, number=shipment.number),
                                  field=f"{where}.order_line_id")
        if line.order_line_id in seen:
            raise ValidationError(_("line %(id)s is checked twice", id=line_id), field=f"{where}.order_line_id")
        seen.add(line.order_line_id)
        counted = _quantity(entry.get("confirmed_quantity", line.quantity), f"{where}.confirmed_quantity",
                            allow_zero=True)
        try:
            result = CheckResult(entry.get("result"))
        except ValueError:
            raise ValidationError(_("the result is pass or fail"), field=f"{where}.result") from None
        reason = _text(entry.get("reason"), f"{where}.reason", REASON_MAX)
        lots = _lots(entry.get("lot_numbers"), f"{where}.lot_numbers")
        product_tracking = tracking.get(line.order_line.product_id, Tracking.NONE)
        if result == CheckResult.FAILED and reason is None:
            raise ValidationError(_("say why the line failed its check"), field=f"{where}.reason")
        if result == CheckResult.PASSED:
            if counted != line.quantity:
                raise ValidationError(_("%(counted)s counted where the shipment carries %(quantity)s: the line "
                                        "fails its check", counted=_plain(counted), quantity=_plain(line.quantity)),
                                      field=f"{where}.confirmed_quantity")
            if product_tracking == Tracking.LOT and not lots:
                raise ValidationError(_("this product is tracked by lot: give its lot numbers"),
                                      field=f"{where}.lot_numbers")
            if product_tracking == Tracking.SERIAL and (lots is None or Decimal(len(lots)) != line.quantity):
                raise ValidationError(_("this product is tracked by serial number: give one for each of the "
                                        "%(quantity)s units", quantity=_plain(line.quantity)),
                                      field=f"{where}.lot_numbers")
        results.append((line, counted, result, reason, lots))
    before = _check_state(shipment)
    for line, counted, result, reason, lots in results:
        line.confirmed_quantity = counted
        line.check_result = result
        line.check_reason = reason
        line.lot_numbers = lots
    shipment.checked_at = utcnow()
    shipment.checked_by_id = actor.id
    flush()
    audit.record(company_id=shipment.company_id, order_id=shipment.order_id, entity="shipment",
                 entity_id=shipment.id, action="shipment_checked", actor=actor, before=before,
                 after=_check_state(shipment))
    return shipment


def check_problems(shipment: Shipment) -> list[str]:
    """Why the shipment's check does not let it leave: lines not checked, lines that failed."""
    problems = []
    for line in shipment.lines:
        if line.check_result is None:
            problems.append(_("line %(no)s (%(item)s) is not checked", no=line.order_line.line_no,
                              item=line.order_line.description))
        elif line.check_result == CheckResult.FAILED:
            problems.append(_("line %(no)s (%(item)s) failed its check: %(reason)s", no=line.order_line.line_no,
                              item=line.order_line.description, reason=line.check_reason or ""))
    return problems


def dispatch(shipment: Shipment, actor: User, carrier: str | None = None,
             tracking_number: str | None = None, *, details: Mapping[str, Any] | None = None) -> Shipment:
    """Hand a prepared shipment to the carrier (or to the customer who collects it).

    The first shipment of the order fires ``ship`` (the order becomes ``shipped``); a later one is
    recorded here, the order being shipped already. A failed or missing check holds the shipment
    back in the company's ``block`` mode, and is recorded as a warning in ``warn`` mode. The
    customer is told, with the tracking details, in their language.
    """
    check(actor, "logistics.ship")
    order = shipment.order
    _same_company(order, actor)
    if shipment.status != ShipmentStatus.PREPARED:
        raise Conflict(_("shipment %(number)s is %(status)s; only a prepared shipment can be dispatched",
                         number=shipment.number, status=_status(shipment)))
    if order.status not in PARTLY_SHIPPABLE:
        raise Conflict(_("order %(number)s is %(status)s; only an approved order can be shipped",
                         number=order.display_number, status=label(order.status)))
    _refuse_blocked(order)
    given = {key: value for key, value in
             {"carrier": carrier, "tracking_number": tracking_number, **(details or {})}.items()
             if value is not None and (not isinstance(value, str) or value.strip())}
    fields = _mode_fields(shipment.delivery_method, given, order.company_id)
    problems = check_problems(shipment)
    mode = settings_for(order.company_id).check_mode
    if problems and mode == CheckMode.BLOCK:
        raise Conflict(_("shipment %(number)s cannot leave before its check passes: %(problems)s",
                         number=shipment.number, problems="; ".join(problems)), field="check")
    before = _state(shipment)
    for key, value in fields.items():
        setattr(shipment, key, value)
    now = utcnow()
    shipment.status = ShipmentStatus.DISPATCHED
    shipment.dispatched_at = now
    if shipment.delivery_method == DeliveryMethod.PICKUP:
        shipment.collected_at = now
    flush()
    if problems:
        # Recorded as facts, not as text: the history is read in every reader's language.
        unchecked = [{"line_no": line.order_line.line_no, "result": line.check_result.value if line.check_result
                      else None, "reason": line.check_reason} for line in shipment.lines if not line.passed]
        audit.record(company_id=shipment.company_id, order_id=shipment.order_id, entity="shipment",
                     entity_id=shipment.id, action="shipment_dispatched_unchecked", actor=actor,
                     after={"number": shipment.number, "check_mode": mode.value, "lines": unchecked})
    _audit(shipment, "shipment_dispatched", actor, before=before)
    if order.status in SHIPPABLE:
        events.ship(order, actor=actor, note="shipment_dispatched", shipment=shipment.number)
    events.notify(order, "goods_dispatched", dispatch=GoodsDispatched(
        shipment_number=shipment.number, dispatched_at=now,
        lines=tuple(DispatchedLine(line.order_line_id, line.quantity) for line in shipment.lines)))
    # The papers that go with the goods: rendered by the worker, not by the dispatch.
    documents.render_soon(order, DELIVERY_NOTE, CERTIFICATE)
    _tell_customer(shipment)
    return shipment


def record_acceptance(shipment: Shipment, actor: User, signed_by: str | None,
                      reservations: str | None = None, rating: int | None = None) -> Shipment:
    """Record the customer's sign-off of the whole shipment (with any reservations and a rating).

    It accepts every line not judged yet (line by line acceptance is ``plugins.logistics.acceptance``);
    the order is delivered when nothing is left to ship and every shipment is signed for.
    """
    check(actor, "logistics.accept")
    order = own_order(shipment, actor)  # a customer signs only for their own orders
    signed_by = _text(signed_by, "signed_by", SIGNED_BY_MAX)
    if signed_by is None:
        raise ValidationError(_("say who signed for the goods"), field="signed_by")
    reservations = _text(reservations, "reservations", RESERVATIONS_MAX)
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS):
        raise ValidationError(_("the rating is a whole number from 1 to 5"), field="rating")
    refuse_unless_awaiting(shipment, order)
    judged = set(db.session.execute(select(LineAcceptance.shipment_line_id)
                                    .where(LineAcceptance.shipment_id == shipment.id)).scalars())
    now = utcnow()
    verdict = Verdict.RESERVED if reservations else Verdict.ACCEPTED
    as_ = recorded_as(actor)
    unjudged = [dict(company_id=shipment.company_id, shipment_id=shipment.id, shipment_line_id=line.id,
                     order_id=shipment.order_id, order_line_id=line.order_line_id, verdict=verdict,
                     accepted_quantity=line.quantity, refused_quantity=ZERO, refusal_reason=None, note=reservations,
                     recorded_as=as_, recorded_by_id=actor.id, recorded_at=now)
                for line in shipment.lines if line.id not in judged]
    if unjudged:  # one statement, however many lines
        db.session.execute(insert(LineAcceptance), unjudged)
    return close_shipment(shipment, order, actor, signed_by=signed_by, reservations=reservations, rating=rating)


def recorded_as(actor: User, on_behalf: str | None = None) -> RecordedAs:
    """A customer's user speaks for themselves; staff record the verdict on the customer's behalf."""
    if actor.customer_id is not None:
        return RecordedAs.CUSTOMER
    if on_behalf is None:
        return RecordedAs.CUSTOMER_SERVICE
    try:
        as_ = RecordedAs(on_behalf)
    except ValueError:
        raise ValidationError(_("on_behalf is driver or customer_service"), field="on_behalf") from None
    if as_ == RecordedAs.CUSTOMER:
        raise ValidationError(_("on_behalf is driver or customer_service"), field="on_behalf")
    return as_


def refuse_unless_awaiting(shipment: Shipment, order: Order) -> None:
    """Only a dispatched shipment (or a pickup ready to collect) is signed for."""
    if not shipment.awaits_acceptance:
        if shipment.status == ShipmentStatus.PREPARED:
            message = _("shipment %(number)s has not been dispatched yet", number=shipment.number)
        else:
            message = _("shipment %(number)s is already signed for", number=shipment.number)
        raise Conflict(message)
    if shipment.status == ShipmentStatus.PREPARED:  # a pickup: the goods leave only now
        _refuse_blocked(order)


def close_shipment(shipment: Shipment, order: Order, actor: User, *, signed_by: str,
                   reservations: str | None, rating: int | None) -> Shipment:
    """Every line of the shipment is judged: the shipment is signed for, and the order delivered when
    nothing is left to ship (refused quantity is to ship again) and every other shipment is signed for."""
    before = _state(shipment)
    now = utcnow()
    if shipment.delivery_method == DeliveryMethod.PICKUP and shipment.collected_at is None:
        shipment.collected_by, shipment.collected_at = signed_by, now
    shipment.status = ShipmentStatus.ACCEPTED
    shipment.accepted_at = now
    shipment.signed_by = signed_by
    shipment.reservations = reservations
    shipment.rating = rating
    flush()
    _audit(shipment, "shipment_accepted", actor, before=before)
    deliver_when_done(order, actor, signed_by=signed_by, signed_at=now, shipment_id=shipment.id)
    return shipment


def deliver_when_done(order: Order, actor: User, *, signed_by: str, signed_at: datetime,
                      shipment_id: int | None) -> bool:
    """Fire ``deliver`` when every shipment is signed for and nothing is left to ship (refused quantity
    is to ship again unless a case settled it); the reservations of all lines travel with it."""
    if order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        return False
    others_open = db.session.execute(
        select(Shipment.id).where(Shipment.order_id == order.id,
                                  Shipment.status != ShipmentStatus.ACCEPTED).limit(1)).first()
    if others_open is not None or not fully_shipped(order):
        return False
    outcome = acceptance_outcome(order)
    delivery = Delivery(signed_by=signed_by, signed_at=signed_at, reservations=outcome.reservations,
                        shipment_id=shipment_id, rating=outcome.rating, refused_lines=outcome.refused,
                        reserved_lines=outcome.reserved)
    events.deliver(order, delivery, actor=actor)
    return True


@dataclass(frozen=True)
class AcceptanceOutcome:
    """What ``delivered`` tells the listeners that measure accuracy and satisfaction: how many line acceptances
    refused something and how many had reservations, the reservations, and the customer's last rating."""

    refused: int
    reserved: int
    reservations: str | None
    rating: int | None


def acceptance_outcome(order: Order) -> AcceptanceOutcome:
    """The order's acceptance as ``delivered`` carries it: every verdict of its lines, each with the last rating
    of a shipment beside it, in one statement."""
    rating = (select(Shipment.rating).where(Shipment.order_id == order.id, Shipment.rating.is_not(None))
              .order_by(Shipment.accepted_at.desc(), Shipment.id.desc()).limit(1).scalar_subquery())
    rows = db.session.execute(
        select(LineAcceptance.verdict, OrderLine.line_no, LineAcceptance.note, rating)
        .join(OrderLine, LineAcceptance.order_line_id == OrderLine.id)
        .where(LineAcceptance.order_id == order.id).order_by(OrderLine.line_no, LineAcceptance.id)).all()
    reserved = [(line_no, note) for verdict, line_no, note, _rating in rows if verdict == Verdict.RESERVED]
    return AcceptanceOutcome(
        refused=sum(1 for verdict, *_rest in rows if verdict == Verdict.REFUSED), reserved=len(reserved),
        reservations=_reservations(reserved),
        # No verdict (nothing shipped was judged line by line): the rating alone.
        rating=rows[0][3] if rows else db.session.execute(select(rating)).scalar_one_or_none())


def _reservations(reserved: Sequence[tuple[int, str | None]]) -> str | None:
    """The reservations of the order's accepted lines, one per line, for ``delivered``'s payload."""
    notes: dict[str, list[int]] = {}
    for line_no, note in reserved:
        if note:
            notes.setdefault(note, []).append(line_no)
    if len(notes) <= 1:  # one reservation (a whole shipment's sign-off): as it was given
        return next(iter(notes), None)
    return "; ".join(f"#{', #'.join(map(str, lines))}: {note}" for note, lines in notes.items())


# --- helpers -------------------------------------------------------------------


def own_order(shipment: Shipment, actor: User) -> Order:
    """The shipment's order when ``actor`` may see it (a customer: their own), else NotFound: asked of the order the
    shipment holds, not read again."""
    if not may_see(actor, shipment.order):
        raise NotFound(_("order %(id)s does not exist", id=shipment.order_id))
    return shipment.order


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
        "vehicle": shipment.vehicle,
        "driver_name": shipment.driver_name,
        "driver_phone": shipment.driver_phone,
        "waybill_number": shipment.waybill_number,
        "pickup_code": shipment.pickup_code,
        "collected_by": shipment.collected_by,
        "lines": [{"order_line_id": line.order_line_id, "quantity": _plain(line.quantity)} for line in shipment.lines],
    }
    if shipment.status == ShipmentStatus.ACCEPTED:
        after.update(signed_by=shipment.signed_by, reservations=shipment.reservations, rating=shipment.rating)
    audit.record(company_id=shipment.company_id, order_id=shipment.order_id, entity="shipment",
                 entity_id=shipment.id, action=action, actor=actor, before=before, after=after)



def _method(value: DeliveryMethod | str | None, order: Order) -> DeliveryMethod:
    if value is None:
        return order.delivery_method
    try:
        return DeliveryMethod(value)
    except ValueError:
        raise ValidationError(_("the delivery method is express, freight or pickup"),
                              field="delivery_method") from None


def _mode_fields(method: DeliveryMethod, given: Mapping[str, Any], company_id: int) -> dict[str, str | None]:
    """The mode's own fields, trimmed; a value for another mode's field is refused, naming it."""
    own = MODE_FIELDS[method]
    if method == DeliveryMethod.FREIGHT and given.get("tracking_number") and not given.get("waybill_number"):
        # A freight's tracking number is its waybill's (as clients before the modes sent it).
        given = {**given, "waybill_number": given["tracking_number"], "tracking_number": None}
    fields: dict[str, str | None] = {}
    for key, value in given.items():
        if key not in MODE_LIMITS:
            continue
        cleaned = _text(value, key, MODE_LIMITS[key])
        if cleaned is None:
            continue
        if key not in own:
            raise ValidationError(_("%(field)s is not asked for a %(method)s shipment", field=key,
                                    method=label(method)), field=key)
        fields[key] = cleaned
    carriers = settings_for(company_id).carriers or []
    if fields.get("carrier") and carriers and fields["carrier"] not in carriers:
        raise ValidationError(_("carrier %(name)s is not one of the company's carriers: %(carriers)s",
                                name=fields["carrier"], carriers=", ".join(carriers)), field="carrier")
    return fields


def _wanted_lines(order: Order, lines: Sequence[Mapping[str, Any]] | None,
                  left: dict[int, Decimal]) -> dict[int, Decimal]:
    """The quantities asked for by order line, each checked against what remains of it."""
    if lines is None:
        return {line_id: quantity for line_id, quantity in left.items() if quantity > ZERO}
    if not isinstance(lines, (list, tuple)) or not lines:
        raise ValidationError(_("a shipment needs at least one line"), field="lines")
    wanted: dict[int, Decimal] = {}
    for index, entry in enumerate(lines):
        where = f"lines[{index}]"
        if not isinstance(entry, Mapping):
            raise ValidationError(_("a line is an order line and a quantity"), field=where)
        line_id = entry.get("order_line_id")
        if not isinstance(line_id, int) or isinstance(line_id, bool) or line_id not in left:
            raise ValidationError(_("line %(id)s is not a line of order %(number)s", id=line_id,
                                    number=order.display_number), field=f"{where}.order_line_id")
        if line_id in wanted:
            raise ValidationError(_("line %(id)s is listed twice", id=line_id), field=f"{where}.order_line_id")
        quantity = _quantity(entry.get("quantity"), f"{where}.quantity")
        if quantity > left[line_id]:
            raise ValidationError(_("%(quantity)s is more than the %(left)s left to ship of this line",
                                    quantity=_plain(quantity), left=_plain(left[line_id])),
                                  field=f"{where}.quantity")
        wanted[line_id] = quantity
    return wanted


def _quantity(value: Any, field: str, *, allow_zero: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
        raise ValidationError(_("%(field)s must be a number", field=field), field=field)
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(_("%(field)s must be a number", field=field), field=field) from None
    if not quantity.is_finite() or quantity < ZERO or (quantity == ZERO and not allow_zero):
        raise ValidationError(_("%(field)s must be more than zero", field=field), field=field)
    if quantity != quantity.quantize(Decimal("0.001")) or quantity >= Decimal("1e12"):
        raise ValidationError(_("%(field)s has more than three decimals or is too large", field=field), field=field)
    return quantity


def _lots(value: Any, field: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 10000:
        raise ValidationError(_("%(field)s is a list of numbers", field=field), field=field)
    lots: list[str] = []
    for index, item in enumerate(value):
        cleaned = _text(item, f"{field}[{index}]", LOT_MAX)
        if cleaned is None:
            raise ValidationError(_("a lot or serial number cannot be empty"), field=f"{field}[{index}]")
        if cleaned in lots:
            raise ValidationError(_("%(number)s is given twice", number=cleaned), field=f"{field}[{index}]")
        lots.append(cleaned)
    return lots or None


def _plain(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")


def _pickup_code() -> str:
    return f"{secrets.randbelow(10 ** 6):06d}"


def _check_state(shipment: Shipment) -> dict[str, Any]:
    return {"lines": [{"order_line_id": line.order_line_id, "confirmed_quantity": _plain(line.confirmed_quantity)
                       if line.confirmed_quantity is not None else None,
                       "result": line.check_result.value if line.check_result else None,
                       "reason": line.check_reason, "lot_numbers": line.lot_numbers} for line in shipment.lines]}


def _tell_customer(shipment: Shipment) -> None:
    """Queue the dispatch notice to the customer, in their language; the order's history notes a customer without email."""
    order = shipment.order
    recipient = outbox.to_customer(order.customer)
    if recipient is None:
        audit.record(company_id=order.company_id, order_id=order.id, entity="shipment", entity_id=shipment.id,
                     action="dispatch_notice_not_sent", actor=None,
                     note=_("customer %(name)s has no email address: no dispatch notice was emailed",
                            name=order.customer.name))
        return
    outbox.send_email("logistics/dispatched_email.txt", recipient, company_id=order.company_id,
                      order_id=order.id, kind=NOTICE_KIND, order=order, shipment=shipment,
                      company=db.session.get_one(Company, order.company_id))
