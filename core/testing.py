"""Pytest fixtures for plugin authors: an Ordo app on a database of its own, a company, orders.

A rule author tests their plugin against an installed Ordo, with no source
checkout: add ``pytest_plugins = ["core.testing"]`` to the ``conftest.py`` of
the plugin's tests, and the fixtures below are there.

- ``ordo_plugins``: which plugins the app loads; ``None`` (the default)
  discovers them by entry point, as production does. Override it in your
  ``conftest.py`` to choose.
- ``ordo_app``: an app on a fresh SQLite database in a temporary folder, every
  table created, inside an app context.
- ``ordo_company``: a company (``ACME``, every module switched on that is on by
  default) with one user per built-in role, a customer and two products.
- ``ordo_order``: a function that enters and submits an order for that
  company, as intake does, and returns it reloaded after review opened.
- ``ordo_api``: a function that gives a JSON test client signed in (by an API
  token) as one of the company's users, by role.

Nothing here imports a plugin: the fixtures go through the core and the API.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core import companies, masterdata
from core.app import create_app
from core.auth.services import create_token
from core.db import commit
from core.extensions import db
from core.models import (
    Channel, Company, Customer, DeliveryMethod, Order, OrderLine, OrderStatus, PaymentTerms, Product, User,
)
from core.modules import set_enabled
from core.orders import compute_totals, events
from core.plugins import Manifest

ROLES = ("administrator", "sales", "finance", "production", "logistics", "customer_service", "manager",
         "supervisor")
PASSWORD = "correct-horse-battery"


@dataclass
class OrdoCompany:
    """The company the fixtures built: its users by role, its customer and its products by code."""

    company: Company
    users: dict[str, User] = field(default_factory=dict)
    customer: Customer | None = None
    products: dict[str, Product] = field(default_factory=dict)


class OrdoApiClient:
    """A test client that sends one user's bearer token and JSON."""

    def __init__(self, app: Flask, user: User) -> None:
        plain, _token = create_token(user, "tests")
        commit()
        self.client: FlaskClient = app.test_client()
        self.headers = {"Authorization": f"Bearer {plain}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers, **kwargs)


@pytest.fixture
def ordo_plugins() -> list[Manifest] | None:
    """The plugins the app loads; None: every installed one, found by entry point."""
    return None


@pytest.fixture
def ordo_app(tmp_path: Path, ordo_plugins: list[Manifest] | None) -> Iterator[Flask]:
    """An Ordo app on an empty SQLite database of its own, inside an app context."""
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ordo-test.sqlite'}",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "ordo.test",
        "BABEL_DEFAULT_LOCALE": "en",
        "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    app = create_app(config, plugins=ordo_plugins, instance_path=tmp_path / "instance")
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ordo_company(ordo_app: Flask) -> OrdoCompany:
    """Company ACME with one user per role, a customer (credit limit 500,000) and products P001, P002."""
    company = companies.create_company("ACME", "Acme 贸易有限公司")
    built = OrdoCompany(company)
    for role in ROLES:
        built.users[role] = companies.create_user(company, username=f"acme-{role}", password=PASSWORD,
                                                  name=f"{role.title()} User", roles=[role])
    built.customer = masterdata.create(Customer, company_id=company.id, actor=None, data={
        "code": "C001", "name": "上海华东机电有限公司", "contact": "王经理", "email": "c001@example.cn",
        "address": "上海市浦东新区张江路 88 号", "credit_limit": Decimal("500000.00"),
        "payment_terms": PaymentTerms.CASH_ON_DELIVERY})
    for code, name, price, floor in (("P001", "不锈钢阀门 DN50", "120.00", "100.00"),
                                     ("P002", "耐高温密封圈", "8.50", "6.00")):
        built.products[code] = masterdata.create(Product, company_id=company.id, actor=None, data={
            "code": code, "name": name, "unit": "个", "list_price": Decimal(price), "floor_price": Decimal(floor),
            "tax_rate": Decimal("0.13")})
    commit()
    return built


@pytest.fixture
def ordo_order(ordo_company: OrdoCompany) -> Callable[..., Order]:
    """``ordo_order(("P001", "10", "120.00"), requested_date=..., modules={...})``: an order entered and
    submitted by customer service; ``modules`` switches modules on or off for the company first."""
    numbered = iter(range(1, 10000))

    def place(*lines: tuple[str, str, str], requested_date: date | None = None,
              modules: dict[str, bool] | None = None, **fields: Any) -> Order:
        company = ordo_company.company
        for name, enabled in (modules or {}).items():
            set_enabled(company, name, enabled, actor=None)
        customer = ordo_company.customer
        assert customer is not None
        order = Order(company_id=company.id, status=OrderStatus.DRAFT, channel=Channel.PHONE, customer_id=customer.id,
                      contact=customer.contact, delivery_address=customer.address,
                      requested_date=requested_date or company.today() + timedelta(days=14),
                      payment_terms=customer.payment_terms, delivery_method=DeliveryMethod.FREIGHT,
                      currency=company.currency, created_by_id=ordo_company.users["customer_service"].id, **fields)
        for number, (code, quantity, price) in enumerate(lines or (("P001", "10", "120.00"),), start=1):
            product = ordo_company.products[code]
            order.lines.append(OrderLine(line_no=number, product_id=product.id, product=product,
                                         description=product.name, unit=product.unit, quantity=Decimal(quantity),
                                         unit_price=Decimal(price), tax_rate=product.tax_rate))
        compute_totals(order)
        order.number = f"SO{company.today():%Y%m%d}-{next(numbered):04d}"
        db.session.add(order)
        events.submit(order, actor=ordo_company.users["customer_service"])
        commit()
        db.session.expire_all()
        found = db.session.get(Order, order.id)
        assert found is not None
        return found

    return place


@pytest.fixture
def ordo_api(ordo_app: Flask, ordo_company: OrdoCompany) -> Callable[[str], OrdoApiClient]:
    """``ordo_api("finance")``: a JSON client signed in as the company's user of that role."""
    clients: dict[str, OrdoApiClient] = {}

    def client(role: str) -> OrdoApiClient:
        if role not in clients:
            clients[role] = OrdoApiClient(ordo_app, ordo_company.users[role])
        return clients[role]

    return client
