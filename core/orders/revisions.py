"""An order's revisions: what a change may touch at the order's stage, its impact, and applying it.

The order row holds the current revision; ``apply_change_to`` keeps the revision a
change replaces as an ``OrderRevision`` and then edits the order, so every
earlier revision stays readable (``revisions``). Only the event function
``core.orders.events.apply_change`` calls ``apply_change_to``; a plugin recording change
requests asks ``check_change`` (what may change now, refused with the reason and the
field) and ``impact`` (the new totals) before any review starts.

What may change depends on the stage. An approved order, and one in
production, may change in everything a change names (execution re-plans what
it touches). Once it has shipped the goods are gone as ordered: logistics
ships an order whole, so every line's shipped quantity is its quantity, and
neither quantities, lines, the delivery method nor the delivery date can
change any more; prices and payment terms still can. A delivered,
completed, cancelled or rejected order cannot change; one in review is sent
back to be corrected instead, and a draft is edited.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from core.contracts import LineChange, OrderChange
from core.errors import Conflict, ValidationError
from core.extensions import db
from core.figures import MONEY, QUANTITY, RATE, Fixed
from core.labels import label
from core.models import Order, OrderLine, OrderRevision, OrderStatus, PaymentTerms, Product
from core.models.order import DeliveryMethod
from core.orders.totals import compute_totals, line_amounts, totals
from core.prices import price_for

CHANGEABLE_STATUSES = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED})
# What the goods leaving fixes: the change fields that stay as shipped.
FIXED_ONCE_SHIPPED = frozenset({"quantity", "lines", "requested_date", "delivery_method", "promised_date"})


@dataclass(frozen=True)
class Impact:
    """What the order comes to once a change applies."""

    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    price_difference: Decimal  # new total minus the current total


@dataclass(frozen=True)
class Revision:
    """One revision of an order as it read: the current one (from the order) or an earlier one (kept)."""

    number: int
    current: bool
    requested_date: date
    promised_date: date | None
    delivery_method: DeliveryMethod
    payment_terms: PaymentTerms
    currency: str
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    lines: list[dict[str, Any]] = field(default_factory=list)
    replaced_by_change: int | None = None


# --- what may change --------------------------------------------------------------


def shipped_quantity(order: Order, line: OrderLine) -> Decimal:
    """How much of the line has left for the customer: all of it once the order shipped (shipments are whole)."""
    if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return line.quantity
    return Decimal("0")


def check_change(order: Order, change: OrderChange) -> None:
    """Refuse a change the order's stage or content does not allow: Conflict or ValidationError naming the field."""
    if order.status not in CHANGEABLE_STATUSES:
        raise Conflict(_stage_refusal(order), field="order")
    if change.base_revision != order.revision:
        raise Conflict(_("order %(number)s is at revision %(current)s now; the change was made against "
                         "revision %(base)s", number=order.display_number, current=order.revision,
                         base=change.base_revision), field="revision")
    if not change.fields:
        raise ValidationError(_("the change changes nothing"), field="lines")
    by_number = {line.line_no: line for line in order.lines}
    for index, wanted in enumerate(change.lines):
        _check_line(order, by_number, index, wanted)
    remaining = [line for line in order.lines
                 if not any(w.line_no == line.line_no and w.remove for w in change.lines)]
    if not remaining and not any(w.added for w in change.lines):
        raise ValidationError(_("an order needs at least one line"), field="lines")
    if order.status == OrderStatus.SHIPPED:
        for name in ("requested_date", "delivery_method", "promised_date"):
            if getattr(change, name) is not None:
                raise Conflict(_shipped_refusal(order), field=name)


def _check_line(order: Order, by_number: dict[int, OrderLine], index: int, wanted: LineChange) -> None:
    where = f"lines[{index}]"
    if wanted.added:
        if wanted.product_id is None or wanted.quantity is None:
            raise ValidationError(_("line change %(n)s: a new line needs a product and a quantity", n=index + 1),
                                  field=f"{where}.product_id")
        product = db.session.get(Product, wanted.product_id)
        if product is None or product.company_id != order.company_id:
            raise ValidationError(_("line change %(n)s: product %(product)s does not exist",
                                    n=index + 1, product=wanted.product_id), field=f"{where}.product_id")
        if not product.active:
            raise ValidationError(_("line change %(n)s: product %(product)s is no longer sold",
                                    n=index + 1, product=product.code), field=f"{where}.product_id")
        if order.status == OrderStatus.SHIPPED:
            raise Conflict(_shipped_refusal(order), field=where)
        return
    line = by_number.get(wanted.line_no or 0)
    if line is None:
        raise ValidationError(_("order %(number)s has no line %(line)s",
                                number=order.display_number, line=wanted.line_no), field=f"{where}.line_no")
    if wanted.product_id is not None:
        raise ValidationError(_("line %(line)s: a line keeps its product; remove it and add another",
                                line=line.line_no), field=f"{where}.product_id")
    shipped = shipped_quantity(order, line)
    if wanted.remove and shipped > 0:
        raise Conflict(_shipped_refusal(order), field=f"{where}.remove")
    if wanted.quantity is not None and wanted.quantity != line.quantity and shipped > 0:
        raise Conflict(_("line %(line)s: %(shipped)s already shipped; the quantity of what has shipped "
                         "cannot change", line=line.line_no, shipped=shipped), field=f"{where}.quantity")
    if wanted.specification is not None and shipped > 0:
        raise Conflict(_shipped_refusal(order), field=f"{where}.specification")


def _stage_refusal(order: Order) -> str:
    if order.status == OrderStatus.SUBMITTED:
        return _("order %(number)s is in review; a reviewer sends it back to correct it instead",
                 number=order.display_number)
    if order.status == OrderStatus.DRAFT:
        return _("order %(number)s is a draft; edit it instead", number=order.display_number)
    return _("order %(number)s is %(status)s; it can no longer change",
             number=order.display_number, status=label(order.status))


def _shipped_refusal(order: Order) -> str:
    return _("order %(number)s has shipped: its lines, quantities, delivery method and delivery date "
             "stay as shipped", number=order.display_number)


# --- impact ------------------------------------------------------------------------


def impact(order: Order, change: OrderChange) -> Impact:
    """The totals the order comes to once ``change`` applies, computed as the order's own are."""
    sums = totals(line_amounts(*line) for line in _resulting_lines(order, change))
    subtotal, tax_total, total = sums.subtotal, sums.tax_total, sums.total
    if total > MONEY.largest:
        raise ValidationError(_("the order total is too large"), field="lines")
    return Impact(subtotal, tax_total, total, total - order.total)


def _resulting_lines(order: Order, change: OrderChange) -> list[tuple[Decimal, Decimal, Decimal]]:
    by_number = {w.line_no: w for w in change.lines if not w.added}
    result = []
    for line in order.lines:
        wanted = by_number.get(line.line_no)
        if wanted is not None and wanted.remove:
            continue
        quantity = wanted.quantity if wanted is not None and wanted.quantity is not None else line.quantity
        price = wanted.unit_price if wanted is not None and wanted.unit_price is not None else line.unit_price
        result.append((quantity, price, line.tax_rate))
    for wanted in change.lines:
        if wanted.added:
            product = db.session.get(Product, wanted.product_id)
            if product is None or wanted.quantity is None:
                continue  # ``check_change`` refuses it with the field
            price = wanted.unit_price if wanted.unit_price is not None else price_for(order.customer_id, product)
            result.append((wanted.quantity, price, product.tax_rate))
    return result


# --- applying and reading ------------------------------------------------------------


def apply_change_to(order: Order, change: OrderChange) -> None:
    """Keep the current revision and make the change the order's next one (for ``events.apply_change``)."""
    check_change(order, change)
    db.session.add(snapshot(order, change.change_id))
    by_number = {w.line_no: w for w in change.lines if not w.added}
    kept = []
    for line in order.lines:
        wanted = by_number.get(line.line_no)
        if wanted is not None and wanted.remove:
            continue
        if wanted is not None:
            if wanted.quantity is not None:
                line.quantity = wanted.quantity
            if wanted.unit_price is not None:
                line.unit_price = wanted.unit_price
            if wanted.specification is not None:
                line.specification = wanted.specification
        kept.append(line)
    next_no = max((line.line_no for line in order.lines), default=0)
    for wanted in change.lines:
        if not wanted.added:
            continue
        product = db.session.get(Product, wanted.product_id)
        assert product is not None and wanted.quantity is not None  # check_change() refused anything else
        next_no += 1
        kept.append(OrderLine(line_no=next_no, product=product, product_id=product.id, description=product.name,
                              specification=wanted.specification or product.specification, unit=product.unit,
                              quantity=wanted.quantity,
                              unit_price=price_for(order.customer_id, product) if wanted.unit_price is None
                              else wanted.unit_price,
                              tax_rate=product.tax_rate))
    order.lines = kept
    if change.requested_date is not None:
        order.requested_date = change.requested_date
    if change.delivery_method is not None:
        order.delivery_method = change.delivery_method
    if change.payment_terms is not None:
        order.payment_terms = change.payment_terms
    if change.promised_date is not None:
        order.promised_date = change.promised_date
    compute_totals(order)
    order.revision += 1


def snapshot(order: Order, change_id: int | None = None) -> OrderRevision:
    """The order's current revision as a row to keep."""
    return OrderRevision(
        company_id=order.company_id, order_id=order.id, revision=order.revision,
        requested_date=order.requested_date, promised_date=order.promised_date,
        delivery_method=order.delivery_method, payment_terms=order.payment_terms, currency=order.currency,
        subtotal=order.subtotal, tax_total=order.tax_total, total=order.total,
        lines=[line_row(line) for line in order.lines], replaced_by_change=change_id,
    )


def line_row(line: OrderLine) -> dict[str, Any]:
    """A line as a revision keeps it: JSON-safe, decimals as strings."""
    return {
        "line_no": line.line_no, "product_id": line.product_id, "product_code": line.product.code,
        "description": line.description, "specification": line.specification, "unit": line.unit,
        "quantity": _fixed(line.quantity, QUANTITY), "unit_price": _fixed(line.unit_price, MONEY),
        "tax_rate": _fixed(line.tax_rate, RATE), "net_amount": _fixed(line.net_amount, MONEY),
        "tax_amount": _fixed(line.tax_amount, MONEY), "amount": _fixed(line.amount, MONEY),
    }


def _fixed(value: Decimal, figure: Fixed) -> str:
    # As the column holds it, whether the line was just edited or loaded.
    return format(Decimal(value).quantize(figure.step), "f")


def revisions(order: Order) -> list[Revision]:
    """Every revision of the order, first to current."""
    kept = db.session.execute(
        db.select(OrderRevision).where(OrderRevision.order_id == order.id).order_by(OrderRevision.revision)
    ).scalars()
    earlier = [Revision(row.revision, False, row.requested_date, row.promised_date, row.delivery_method,
                        row.payment_terms, row.currency, row.subtotal, row.tax_total, row.total, list(row.lines),
                        row.replaced_by_change) for row in kept]
    current = Revision(order.revision, True, order.requested_date, order.promised_date, order.delivery_method,
                       order.payment_terms, order.currency, order.subtotal, order.tax_total, order.total,
                       [line_row(line) for line in order.lines])
    return [*earlier, current]


def revision(order: Order, number: int) -> Revision | None:
    """Revision ``number`` of the order as it read, or None when it never had it."""
    return next((item for item in revisions(order) if item.number == number), None)
