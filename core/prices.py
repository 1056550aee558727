"""The price a line defaults to: the one agreed with the customer (their price list), else the list price.

Entry, the quote, imports and change requests all ask here, so a line is priced the
same way wherever it is entered.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import Select, select

from core.extensions import db
from core.models import CustomerPrice, Product

_IN_CHUNK = 900  # parameters per IN (...) query, under every database's limit


def agreed_prices(customer_id: int | None, product_ids: Iterable[int]) -> dict[int, Decimal]:
    """The prices agreed with the customer for those of these products that have one, by product id."""
    wanted = sorted(set(product_ids))
    if customer_id is None or not wanted:
        return {}
    found: dict[int, Decimal] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        found.update((product_id, price) for product_id, price in db.session.execute(
            select(CustomerPrice.product_id, CustomerPrice.unit_price).where(
                CustomerPrice.customer_id == customer_id,
                CustomerPrice.product_id.in_(wanted[start:start + _IN_CHUNK]))))
    return found


def agreed_prices_of(customer_ids: Iterable[int], product_ids: Iterable[int]) -> dict[int, dict[int, Decimal]]:
    """The prices agreed with each of these customers for these products, by customer id, then product id."""
    customers, products = sorted(set(customer_ids)), sorted(set(product_ids))
    found: dict[int, dict[int, Decimal]] = {}
    if not customers or not products:
        return found
    for start in range(0, len(customers), _IN_CHUNK // 2):
        part = customers[start:start + _IN_CHUNK // 2]
        for product_start in range(0, len(products), _IN_CHUNK // 2):
            rows = db.session.execute(select(CustomerPrice.customer_id, CustomerPrice.product_id,
                                             CustomerPrice.unit_price).where(
                CustomerPrice.customer_id.in_(part),
                CustomerPrice.product_id.in_(products[product_start:product_start + _IN_CHUNK // 2])))
            for customer_id, product_id, price in rows:
                found.setdefault(customer_id, {})[product_id] = price
    return found


def default_price(product: Product, agreed: Mapping[int, Decimal]) -> Decimal:
    """The unit price of a line of ``product`` when none was typed."""
    return agreed.get(product.id, product.list_price)


def price_for(customer_id: int | None, product: Product) -> Decimal:
    """The unit price of one line of ``product`` for the customer when none was typed."""
    return default_price(product, agreed_prices(customer_id, [product.id]))


def listed_products(customer_id: int) -> Select[int]:
    """The ids of the products on the customer's price list, as a subquery."""
    return select(CustomerPrice.product_id).where(CustomerPrice.customer_id == customer_id)


def has_price_list(customer_id: int) -> bool:
    """Whether prices were agreed with the customer: their users then order from that list only."""
    return db.session.execute(select(CustomerPrice.id).where(CustomerPrice.customer_id == customer_id)
                              .limit(1)).first() is not None
