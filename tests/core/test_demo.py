"""`ordo demo`: a company with a user per role and orders in every stage, made through the API."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from core import masterdata
from core.extensions import db
from core.models import Company, Customer, Order, User


def test_the_demo_loads_orders_in_every_stage_and_prints_the_logins(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin        ordo-admin" in result.output
    company = db.session.execute(select(Company).where(Company.code == "DEMO")).scalar_one()
    users = db.session.execute(select(User).where(User.company_id == company.id)).scalars().all()
    assert {role for user in users for role in user.role_names} >= {
        "administrator", "sales", "finance", "production", "logistics", "customer_service", "manager",
        "supervisor", "customer"}
    statuses = Counter(order.status.value for order in db.session.execute(
        select(Order).where(Order.company_id == company.id)).scalars())
    assert statuses == {"draft": 2, "submitted": 1, "rejected": 1, "approved": 1, "in_production": 1, "shipped": 1,
                        "delivered": 1, "completed": 2}, statuses
    c002 = db.session.execute(select(Customer).where(Customer.company_id == company.id,
                                                     Customer.code == "C002")).scalar_one()
    assert [(price.product.code, str(price.unit_price)) for price in masterdata.price_list(c002)] == [
        ("P001", "398.00"), ("P003", "6480.00"), ("P006", "88.00")]
    hamburg = db.session.execute(select(Customer).where(Customer.company_id == company.id,
                                                        Customer.code == "C005")).scalar_one()
    assert hamburg.language == "en" and c002.language is None  # the others read the company's language
    assert company.legal_name == "华东精工机械有限公司" and company.tax_id and company.bank_account


def test_the_demo_is_loaded_once(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 2
    assert again.output.strip() == "Error: company DEMO already exists; the demo is loaded"
