"""Stock an order moves: reserved at approval, adjusted by a change, released at cancellation, issued at
dispatch, taken back on a return.

First come, first served: an approval reserves what is available when it
runs, line by line, and locks the balances it draws on until its transaction
ends, so two approvals at once for the last units take turns and the second
finds them gone. A line that cannot be reserved in full keeps what it got; its
shortfall is recorded on the order's timeline (``stock_reserved``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core import audit
from core.contracts import StockLine
from core.models import Order, OrderLine, User
from plugins.stock import ledger, lots
from plugins.stock.ledger import Effect
from plugins.stock.models import ZERO, MoveKind, StockBalance
from plugins.stock.services import available_by_product
from plugins.stock.warehouses import default_warehouse


@dataclass(frozen=True)
class Shortfall:
    line_no: int
    product: str
    wanted: Decimal
    reserved: Decimal

    @property
    def short(self) -> Decimal:
        return self.wanted - self.reserved


def reserve(order: Order, actor: User | None, lines: Sequence[OrderLine] | None = None) -> list[Shortfall]:
    """Reserve what each line (all the order's, or these) still lacks, from what is available; the shortfalls."""
    lines = list(order.lines if lines is None else lines)
    if not lines:
        return []
    held = ledger.per_line(ledger.reserved_per_line(order.id))
    balances = _by_product(ledger.locked_balances(order.company_id, [line.product_id for line in lines]))
    shortfalls = []
    for line in sorted(lines, key=lambda line: line.line_no):
        wanted = line.quantity - held.get(line.id, ZERO)
        got = ZERO
        for balance in balances.get(line.product_id, []):
            take = min(wanted - got, balance.on_hand - balance.reserved)
            if take > 0:
                ledger.post(balance, MoveKind.RESERVATION, Effect(reserved=take), actor=actor, order_id=order.id,
                            order_line_id=line.id, reference=order.display_number)
                got += take
        if got < wanted:
            shortfalls.append(Shortfall(line.line_no, line.product.code, wanted, got))
    audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                 action="stock_reserved", actor=actor, after={"short": [
                     {"line_no": s.line_no, "product": s.product, "wanted": str(s.wanted),
                      "reserved": str(s.reserved)} for s in shortfalls]})
    return shortfalls


def release(order: Order, actor: User | None, *, keep: dict[int, Decimal] | None = None) -> None:
    """Give back what is reserved for the order's lines beyond ``keep`` (per line id; nothing kept by default)."""
    keep = dict(keep or {})
    held = ledger.reserved_per_line(order.id)
    if not held:
        return
    balances = _keyed(ledger.locked_balances(order.company_id, {product for _l, _w, product in held}))
    # The last warehouse drawn on gives back first: what stays reserved stays in the default one.
    for (line_id, warehouse_id, product_id), quantity in sorted(held.items(),
                                                                key=lambda item: (item[0][0], -item[0][1])):
        kept = min(keep.get(line_id, ZERO), quantity)
        keep[line_id] = keep.get(line_id, ZERO) - kept
        give = quantity - kept
        if give > 0:
            ledger.post(balances[(warehouse_id, product_id)], MoveKind.RELEASE, Effect(reserved=-give),
                        actor=actor, order_id=order.id, order_line_id=line_id, reference=order.display_number)


def follow_change(order: Order, actor: User | None) -> list[Shortfall]:
    """After a change: release what no line needs any more, then reserve what the new quantities lack."""
    release(order, actor, keep={line.id: line.quantity for line in order.lines})
    return reserve(order, actor)


def issue(order: Order, lines: Iterable[tuple[int, Decimal]], actor: User | None, reference: str | None) -> None:
    """Goods left with a shipment: per line, what was reserved for it leaves stock, up to the quantity shipped.

    What a line ships beyond its reservation was made for the order and never
    entered stock: it moves nothing here. A product's lots go first received,
    first issued: one issue move per lot, and one without a lot for what no
    lot covers.
    """
    shipped = {line_id: quantity for line_id, quantity in lines if quantity > 0}
    held = {key: quantity for key, quantity in ledger.reserved_per_line(order.id).items() if key[0] in shipped}
    if not held:
        return
    balances = _keyed(ledger.locked_balances(order.company_id, {product for _l, _w, product in held}))
    for (line_id, warehouse_id, product_id), quantity in sorted(held.items()):
        out = min(quantity, shipped[line_id])
        if out <= 0:
            continue
        shipped[line_id] -= out
        balance = balances[(warehouse_id, product_id)]
        for lot, taken in lots.pick(order.company_id, warehouse_id, product_id, out):
            ledger.post(balance, MoveKind.ISSUE, Effect(on_hand=-taken, reserved=-taken), actor=actor,
                        order_id=order.id, order_line_id=line_id, reference=reference, lot=lot)
            out -= taken
        if out > 0:
            ledger.post(balance, MoveKind.ISSUE, Effect(on_hand=-out, reserved=-out),
                        actor=actor, order_id=order.id, order_line_id=line_id, reference=reference)


def take_back(order: Order, line: OrderLine, quantity: Decimal, *, sound: bool, actor: User | None,
              reference: str | None) -> None:
    """Returned goods come back to the default warehouse: on hand when sound, quarantine when their check failed;
    into the lots the line's goods left in (what no lot covers, without one)."""
    warehouse = default_warehouse(order.company_id)
    from_default = ledger.balance_for(warehouse, line.product_id)

    def effect(amount: Decimal) -> Effect:
        return Effect(on_hand=amount) if sound else Effect(quarantine=amount)

    left = quantity
    for lot, amount in lots.returned_lots(line.id, quantity):
        ledger.post(from_default, MoveKind.RETURN, effect(amount), actor=actor, order_id=order.id,
                    order_line_id=line.id, reference=reference, lot=lots.lot_balance_for(warehouse, lot))
        left -= amount
    if left > 0:
        ledger.post(from_default, MoveKind.RETURN, effect(left), actor=actor, order_id=order.id,
                    order_line_id=line.id, reference=reference)


def line_stock(order: Order) -> list[StockLine]:
    """Per line: what is reserved for it, and what is available of its product besides."""
    held = ledger.per_line(ledger.reserved_per_line(order.id))
    available = available_by_product(order.company_id, [line.product_id for line in order.lines])
    return [StockLine(order_line_id=line.id, quantity=line.quantity, reserved=held.get(line.id, ZERO),
                      available=available.get(line.product_id, ZERO)) for line in order.lines]


def _by_product(balances: list[StockBalance]) -> dict[int, list[StockBalance]]:
    grouped: dict[int, list[StockBalance]] = {}
    for balance in balances:
        grouped.setdefault(balance.product_id, []).append(balance)
    return {product: ledger.sequence_of(rows) for product, rows in grouped.items()}


def _keyed(balances: list[StockBalance]) -> dict[tuple[int, int], StockBalance]:
    return {(b.warehouse_id, b.product_id): b for b in balances}
