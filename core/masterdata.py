"""Creating and editing master data (customers, products) with one audited helper."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Numeric, Select, or_, select

from core import audit
from core.formatting import money
from core.auth.context import VIEW_PRICES, sees_prices
from core.db import flush, get_scoped, scoped
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.figures import MONEY
from core.invoicing import tax_id_refusal
from core.models import Customer, CustomerPrice, Product, User

M = TypeVar("M", Customer, Product)

# What a search as you type matches: the columns a clerk knows a customer or a product by.
LOOKUP_COLUMNS: dict[type, tuple[str, ...]] = {
    Customer: ("code", "name", "phone"),
    Product: ("code", "name", "specification"),
}
MAX_QUERY = 100  # characters of a search; longer is no search anyone types


def matching(model: type[M], company_id: int, q: str | None) -> Select[M]:
    """The company's rows of ``model`` whose code, name or phone/specification contains ``q``, by code.

    Case-insensitive; ``%`` and ``_`` match themselves. The company's index narrows the scan
    and callers take one page of it (``page_of``, or a lookup's first few rows).
    """
    query = scoped(model, company_id)
    text = (q or "").strip()
    if text:
        query = query.where(or_(*(getattr(model, name).icontains(text, autoescape=True)
                                  for name in LOOKUP_COLUMNS[model])))
    return query.order_by(model.code)


def _snapshot(row: Any, keys: list[str]) -> dict[str, Any]:
    return {key: _jsonable(getattr(row, key)) for key in keys}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool, float)):
        return value
    return str(value)


def money_fields(model: type[M]) -> tuple[str, ...]:
    """The columns of ``model`` that hold amounts (credit limit, prices): only ``order.view_prices`` sees them."""
    return tuple(column.key for column in model.__table__.columns
                 if isinstance(column.type, Numeric) and (column.type.precision, column.type.scale) == MONEY)


def may_create(model: type[M], actor: User | None) -> bool:
    """Whether ``actor`` can add one: a row whose amounts have no default needs someone who may set them."""
    return actor is None or sees_prices(actor) or all(
        model.__table__.columns[name].default is not None for name in money_fields(model))


def check_may_create(model: type[M], actor: User | None) -> None:
    if not may_create(model, actor):
        raise PermissionDenied(_("creating it sets its prices, which needs the permission %(permission)s",
                                 permission=repr(VIEW_PRICES)))


def _check_may_set_amounts(model: type[M], data: dict[str, Any], actor: User | None) -> None:
    """Refuse amounts from a user who may not see them, whatever their value (a value is never confirmed)."""
    if actor is None or sees_prices(actor):
        return
    sent = [name for name in money_fields(model) if name in data]
    if sent:
        raise PermissionDenied(_("you need the permission %(permission)s to set %(fields)s",
                                 permission=repr(VIEW_PRICES), fields=", ".join(sent)), field=sent[0])


def _check_code_free(model: type[M], company_id: int, code: str, exclude_id: int | None = None) -> None:
    query = select(model.id).where(model.company_id == company_id, model.code == code)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.execute(query).first() is not None:
        raise Conflict(_("the code %(code)s is already used", code=code), field="code")


def _checked_tax_id(model: type[M], data: dict[str, Any]) -> dict[str, Any]:
    """A customer's taxpayer id without its surrounding spaces, refused when it cannot be one; never corrected."""
    value = data.get("invoice_tax_id")
    if model is not Customer or not isinstance(value, str):
        return data
    value = value.strip() or None
    refusal = tax_id_refusal(value) if value else None
    if refusal:
        raise ValidationError(refusal, field="invoice_tax_id")
    return {**data, "invoice_tax_id": value}


def create(model: type[M], *, company_id: int, data: dict[str, Any], actor: User | None) -> M:
    """Add a customer or product to the company, refusing a duplicate code."""
    _check_may_set_amounts(model, data, actor)
    data = _checked_tax_id(model, data)
    check_may_create(model, actor)
    _check_code_free(model, company_id, data["code"])
    row = model(company_id=company_id, **data)
    db.session.add(row)
    flush()
    audit.record(company_id=company_id, entity=model.__tablename__, entity_id=row.id,
                 action="created", actor=actor, after=_snapshot(row, sorted(data)))
    return row


def update(row: M, *, data: dict[str, Any], actor: User | None) -> M:
    """Change the given fields, auditing the before and after values."""
    _check_may_set_amounts(type(row), data, actor)
    data = _checked_tax_id(type(row), data)
    if "code" in data:
        _check_code_free(type(row), row.company_id, data["code"], exclude_id=row.id)
    keys = sorted(data)
    before = _snapshot(row, keys)
    for key, value in data.items():
        setattr(row, key, value)
    flush()
    audit.record(company_id=row.company_id, entity=row.__tablename__, entity_id=row.id,
                 action="updated", actor=actor, before=before, after=_snapshot(row, keys))
    return row


# --- a customer's price list ---------------------------------------------------


def price_list(customer: Customer) -> list[CustomerPrice]:
    """The prices agreed with the customer, by product code."""
    return list(db.session.execute(
        select(CustomerPrice).join(Product, CustomerPrice.product_id == Product.id)
        .where(CustomerPrice.customer_id == customer.id).order_by(Product.code)).scalars())


def set_price(customer: Customer, product_id: Any, unit_price: Decimal | None, actor: User | None) -> CustomerPrice:
    """Agree (or change) the customer's price of one product; audited on the customer."""
    if actor is not None and not sees_prices(actor):
        raise PermissionDenied(_("you need the permission %(permission)s to agree prices",
                                 permission=repr(VIEW_PRICES)), field="unit_price")
    product = _product_of(customer, product_id)
    if unit_price is None:
        raise ValidationError(_("the price is required"), field="unit_price")
    refusal = MONEY.refusal(unit_price)
    if refusal is not None or unit_price < 0:
        raise ValidationError(_("the price %(refusal)s", refusal=refusal) if refusal
                              else _("the price must be 0 or more"), field="unit_price")
    if unit_price < product.floor_price:
        raise ValidationError(_("the price is under the floor price %(floor)s of %(product)s",
                                floor=money(product.floor_price), product=product.code), field="unit_price")
    row = db.session.execute(select(CustomerPrice).where(
        CustomerPrice.customer_id == customer.id, CustomerPrice.product_id == product.id)).scalar_one_or_none()
    before = None if row is None else {f"price:{product.code}": str(row.unit_price)}
    if row is None:
        row = CustomerPrice(company_id=customer.company_id, customer_id=customer.id, product_id=product.id,
                            product=product, unit_price=unit_price)
        db.session.add(row)
    else:
        row.unit_price = unit_price
    flush()
    audit.record(company_id=customer.company_id, entity=Customer.__tablename__, entity_id=customer.id,
                 action="updated", actor=actor, before=before, after={f"price:{product.code}": str(unit_price)})
    return row


def remove_price(customer: Customer, product_id: Any, actor: User | None) -> Decimal:
    """End the customer's agreed price of one product (returned): their lines of it take the list price again."""
    if actor is not None and not sees_prices(actor):
        raise PermissionDenied(_("you need the permission %(permission)s to remove agreed prices",
                                 permission=repr(VIEW_PRICES)), field="product_id")
    product = _product_of(customer, product_id)
    row = db.session.execute(select(CustomerPrice).where(
        CustomerPrice.customer_id == customer.id, CustomerPrice.product_id == product.id)).scalar_one_or_none()
    if row is None:
        raise NotFound(_("no price of %(product)s is agreed with %(customer)s", product=product.code,
                         customer=customer.code), field="product_id")
    before = {f"price:{product.code}": str(row.unit_price)}
    db.session.delete(row)
    flush()
    audit.record(company_id=customer.company_id, entity=Customer.__tablename__, entity_id=customer.id,
                 action="updated", actor=actor, before=before, after={f"price:{product.code}": None})
    return row.unit_price


def _product_of(customer: Customer, product_id: Any) -> Product:
    try:
        return get_scoped(Product, customer.company_id, product_id, what=_("Product"))
    except NotFound as missing:
        raise ValidationError(str(missing), field="product_id") from missing
