"""Builders for test data, and helpers that sign in through the portal or the API."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from core import companies, masterdata
from core.auth.services import create_token
from core.db import commit
from core.extensions import db
from core.models import Company, Customer, PaymentTerms, Product, User
from core.modules import set_enabled

ROLES = ("administrator", "sales", "finance", "production", "logistics", "customer_service",
         "manager", "supervisor")
PASSWORD = "correct-horse-battery"


@dataclass
class World:
    company: Company
    users: dict[str, User] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    customer_user: User | None = None


def company(code: str = "ACME", name: str = "Acme 贸易有限公司", *, modules: dict[str, bool] | None = None) -> Company:
    created = companies.create_company(code, name)
    for module, enabled in (modules or {}).items():
        set_enabled(created, module, enabled, actor=None)
    commit()
    return created


def user(company_: Company, role: str, username: str | None = None, **kwargs: Any) -> User:
    created = companies.create_user(company_, username=username or f"{company_.code.lower()}-{role}",
                                    password=PASSWORD, name=kwargs.pop("name", f"{role.title()} User"),
                                    roles=[role], **kwargs)
    commit()
    return created


def customer(company_: Company, code: str = "C001", name: str = "上海华东机电有限公司", **kwargs: Any) -> Customer:
    data = {"code": code, "name": name, "contact": "王经理", "phone": "021-5555-0101",
            "email": f"{code.lower()}@example.cn", "address": "上海市浦东新区张江路 88 号",
            "province": "上海", "city": "上海", "credit_limit": Decimal("500000.00"),
            "payment_terms": PaymentTerms.CASH_ON_DELIVERY}
    data.update(kwargs)
    created = masterdata.create(Customer, company_id=company_.id, data=data, actor=None)
    commit()
    return created


def product(company_: Company, code: str = "P001", name: str = "不锈钢阀门 DN50", **kwargs: Any) -> Product:
    data = {"code": code, "name": name, "specification": "DN50 PN16", "unit": "个",
            "list_price": Decimal("120.00"), "floor_price": Decimal("100.00"), "tax_rate": Decimal("0.13")}
    data.update(kwargs)
    created = masterdata.create(Product, company_id=company_.id, data=data, actor=None)
    commit()
    return created


def build_world(app: Flask, code: str = "ACME", modules: dict[str, bool] | None = None) -> World:
    world = World(company=company(code, modules=modules))
    for role in ROLES:
        world.users[role] = user(world.company, role)
    world.customers = [customer(world.company, "C001"),
                       customer(world.company, "C002", "北京燕山化工股份公司", province="北京", city="北京")]
    world.products = [product(world.company, "P001"),
                      product(world.company, "P002", "耐高温密封圈", list_price=Decimal("8.50"),
                              floor_price=Decimal("6.00"), unit="只")]
    world.customer_user = user(world.company, "customer", username=f"{code.lower()}-buyer",
                               customer_id=world.customers[0].id)
    world.users["customer"] = world.customer_user
    return world


def token_for(user_: User) -> str:
    plain, _ = create_token(user_, "tests")
    commit()
    return plain


class ApiClient:
    """A test client that sends a bearer token and JSON, for one user."""

    def __init__(self, app: Flask, user_: User) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token_for(user_)}"}

    def _call(self, method: str, path: str, json: Any = None, headers: dict | None = None, **kwargs: Any):
        return self.client.open(path, method=method, json=json, headers={**self.headers, **(headers or {})},
                                **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self._call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any):
        return self._call("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any):
        return self._call("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any):
        return self._call("PUT", path, json=json, **kwargs)


def portal_login(app: Flask, user_: User) -> FlaskClient:
    """A test client signed in to the portal as ``user_``."""
    client = app.test_client()
    response = client.post("/login", data={"username": user_.username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def reload(instance):
    db.session.expire_all()
    return db.session.get(type(instance), instance.id)
