"""Building orders for tests without going through intake's pages or API."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from core.extensions import db
from core.models import Channel, DeliveryMethod, Order, OrderLine, OrderModule, OrderStatus, User, utcnow
from core.orders import events, compute_totals
from tests.factories import World

_numbers = iter(range(1, 1_000_000))


def draft(world: World, *, customer=None, lines=None, actor: User | None = None, **fields) -> Order:
    """A draft order of the world's first customer: 10 x P001 at list price unless told otherwise."""
    customer = customer or world.customers[0]
    order = Order(
        company_id=world.company.id, customer=customer, customer_id=customer.id,
        channel=fields.pop("channel", Channel.PHONE),
        requested_date=fields.pop("requested_date", date.today() + timedelta(days=14)),
        payment_terms=fields.pop("payment_terms", customer.payment_terms),
        delivery_method=fields.pop("delivery_method", DeliveryMethod.FREIGHT),
        # The contact details intake takes from the customer when the clerk leaves them empty.
        contact=fields.pop("contact", customer.contact), phone=fields.pop("phone", customer.phone),
        delivery_address=fields.pop("delivery_address", customer.address),
        created_by_id=(actor or world.users["sales"]).id, **fields,
    )
    for number, (product, quantity, price) in enumerate(lines or [(world.products[0], "10", None)], start=1):
        order.lines.append(OrderLine(
            line_no=number, product=product, product_id=product.id, description=product.name,
            specification=product.specification, unit=product.unit, quantity=Decimal(quantity),
            unit_price=Decimal(price) if price is not None else product.list_price, tax_rate=product.tax_rate,
        ))
    compute_totals(order)
    db.session.add(order)
    db.session.flush()
    return order


def submitted(world: World, **kwargs) -> Order:
    """A draft with a test number, submitted through the core's state machine."""
    order = draft(world, **kwargs)
    order.number = f"T{world.company.code}-{next(_numbers):05d}"
    events.submit(order, actor=world.users["sales"])
    return order


def bulk(world: World, count: int, *, start: datetime | None = None, step: timedelta = timedelta(minutes=1),
         status: OrderStatus = OrderStatus.SUBMITTED) -> list[int]:
    """``count`` orders of two lines each with their pinned modules, written in three statements, oldest first.

    For lists at scale: the rows a list reads, not the procedure's other records (no
    audit entries, no review steps). ``created_at`` goes from ``start`` by ``step``
    (a step of zero makes every order tie on it). Nothing is committed.
    """
    first = start or utcnow() - timedelta(days=1)
    products = world.products[:2]
    net = sum((product.list_price * 2 for product in products), Decimal("0.00"))
    tax = sum((product.list_price * 2 * product.tax_rate for product in products), Decimal("0.00")).quantize(
        Decimal("0.01"))
    submitted = status != OrderStatus.DRAFT
    numbers = [next(_numbers) for _ in range(count)]
    orders = [{
        "company_id": world.company.id, "number": f"B{world.company.code}-{number:06d}" if submitted else None,
        "channel": Channel.EMAIL, "customer_id": world.customers[n % len(world.customers)].id,
        "requested_date": date.today() + timedelta(days=14), "payment_terms": world.customers[0].payment_terms,
        "delivery_method": DeliveryMethod.FREIGHT, "status": status, "currency": "CNY", "revision": 1, "version": 1,
        "created_at": first + step * n, "received_at": first + step * n,
        "submitted_at": first + step * n if submitted else None, "created_by_id": world.users["sales"].id,
        "subtotal": net, "tax_total": tax, "total": net + tax,
    } for n, number in enumerate(numbers)]
    ids = list(db.session.scalars(insert(Order).returning(Order.id, sort_by_parameter_order=True), orders))
    db.session.execute(insert(OrderLine), [{
        "order_id": order_id, "line_no": line_no, "product_id": product.id, "description": product.name,
        "specification": product.specification, "unit": product.unit, "quantity": Decimal("2"),
        "unit_price": product.list_price, "tax_rate": product.tax_rate, "net_amount": product.list_price * 2,
        "tax_amount": (product.list_price * 2 * product.tax_rate).quantize(Decimal("0.01")),
        "amount": (product.list_price * 2 * (1 + product.tax_rate)).quantize(Decimal("0.01")),
    } for order_id in ids for line_no, product in enumerate(products, start=1)])
    if submitted:
        db.session.execute(insert(OrderModule), [{"order_id": order_id, "module": module} for order_id in ids
                                                 for module in ("billing", "intake")])
    return ids
