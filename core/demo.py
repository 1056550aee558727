"""Demo data: a company with a user per role, customers, products and orders in several stages, and, when
asked, a year of history behind them (``core.demo_history``).

The orders are driven through the public JSON API, exactly as an integration
would, so the demo knows the API contract and nothing of the plugins' code,
and it only uses the stages the company has switched on.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import companies, company_profile, demo_history, masterdata
from core.auth.services import create_token
from core.contracts import Stage
from core.db import commit, unit_of_work
from core.demo_client import DemoClient
from core.demo_history import History
from core.errors import Conflict
from core.extensions import db
from core.models import Company, Customer, DeliveryMethod, InvoiceType, PaymentTerms, Product
from core.modules import company_has_stage
from core.plugins import registry

COMPANY_NAME = "华东精工机械有限公司"
# The seller's details its customers' documents print.
COMPANY_PROFILE = {
    "legal_name": "华东精工机械有限公司", "address": "上海市嘉定区安亭镇墨玉南路 1018 号",
    "phone": "021-6950 8800", "tax_id": "91310114MA1GT35K7Q",
    "bank": "中国银行上海嘉定支行", "bank_account": "4378 6021 8530",
}

# username, password, role, display name
USERS = (
    ("admin", "ordo-admin", "administrator", "系统管理员"),
    ("sales", "ordo-sales", "sales", "李娜（销售）"),
    ("finance", "ordo-finance", "finance", "王芳（财务）"),
    ("production", "ordo-production", "production", "张伟（生产）"),
    ("logistics", "ordo-logistics", "logistics", "刘洋（物流）"),
    ("service", "ordo-service", "customer_service", "陈静（客服）"),
    ("manager", "ordo-manager", "manager", "赵强（经理）"),
    ("supervisor", "ordo-supervisor", "supervisor", "孙敏（监督小组）"),
    ("customer", "ordo-customer", "customer", "上海华东机电 采购部"),
)

CUSTOMERS = (
    ("C001", "上海华东机电有限公司", "上海", "上海", PaymentTerms.CASH_ON_DELIVERY, "800000"),
    ("C002", "北京燕山化工股份公司", "北京", "北京", PaymentTerms.MONTHLY, "1500000"),
    ("C003", "广州珠江设备贸易有限公司", "广东", "广州", PaymentTerms.PREPAYMENT, "0"),
    ("C004", "成都天府水务集团", "四川", "成都", PaymentTerms.MONTHLY, "600000"),
    ("C005", "Hamburg Industrial Supply GmbH", "Hamburg", "Hamburg", PaymentTerms.PREPAYMENT, "100000"),
)

# Each customer's default delivery method and invoice profile (type, 开票抬头, 纳税人识别号, 开户行及账号,
# 地址、电话): the two that deduct input tax want special invoices, the foreign one none, and reads English.
INVOICE_PROFILES: dict[str, dict[str, Any]] = {
    "C001": {"delivery_method": DeliveryMethod.FREIGHT, "invoice_type": InvoiceType.SPECIAL,
             "invoice_title": "上海华东机电有限公司", "invoice_tax_id": "91310115MA1K4B2C3J",
             "invoice_bank_account": "中国工商银行上海张江支行 1001 2345 6789 0123 456",
             "invoice_address_phone": "上海市浦东新区张江路 88 号 021-5080 1234"},
    "C002": {"delivery_method": DeliveryMethod.FREIGHT, "invoice_type": InvoiceType.SPECIAL,
             "invoice_title": "北京燕山化工股份公司", "invoice_tax_id": "911101081019876544",
             "invoice_bank_account": "中国建设银行北京海淀支行 1105 0161 3600 0000 1234",
             "invoice_address_phone": "北京市海淀区中关村南大街 5 号 010-6251 7788"},
    "C003": {"delivery_method": DeliveryMethod.EXPRESS, "invoice_type": InvoiceType.ORDINARY,
             "invoice_title": "广州珠江设备贸易有限公司", "invoice_tax_id": "91440101MA5CXY12LJ"},
    "C004": {"delivery_method": DeliveryMethod.FREIGHT, "invoice_type": InvoiceType.ORDINARY,
             "invoice_title": "成都天府水务集团有限公司", "invoice_tax_id": "91510100201908231X"},
    "C005": {"delivery_method": DeliveryMethod.EXPRESS, "language": "en"},
}

PRODUCTS = (
    ("P001", "不锈钢球阀 DN50", "DN50 PN16 CF8M", "个", "420.00", "360.00"),
    ("P002", "耐高温密封圈", "Φ60 氟橡胶", "只", "8.50", "6.00"),
    ("P003", "离心泵 IS80-65-160", "15kW 380V", "台", "6800.00", "6100.00"),
    ("P004", "法兰垫片", "DN80 石墨复合", "片", "12.00", "9.50"),
    ("P005", "电动执行器", "AC220V 开关型", "台", "2350.00", "2100.00"),
    ("P006", "压力表", "0-1.6MPa Y-100", "块", "96.00", "80.00"),
)


def load_demo(code: str = "DEMO", history: History | None = None) -> list[tuple[str, str, str]]:
    """Create the demo company and walk its orders through the enabled stages; with ``history``, months of
    orders before today's (when review, logistics and billing are on). The logins, as (username, password, role)."""
    if companies.company_by_code(code) is not None:
        raise Conflict(f"company {code} already exists; the demo is loaded")
    with unit_of_work():
        company = companies.create_company(code, COMPANY_NAME)
        company_profile.update_profile(company, COMPANY_PROFILE, actor=None)
        company_customers = _master_data(company)
        users = {}
        for username, password, role, name in USERS:
            customer_id = company_customers[0].id if role == "customer" else None
            users[role] = companies.create_user(company, username=username, password=password, name=name,
                                                roles=[role], email=f"{username}@demo.ordo",
                                                customer_id=customer_id)
        for role in ("sales", "finance", "production", "logistics", "customer_service"):
            users[role].superior_id = users["manager"].id
        tokens = {role: create_token(user, "demo data")[0] for role, user in users.items()}
    company_id = company.id
    roles = {user.id: role for role, user in users.items()}
    api = {role: DemoClient(token) for role, token in tokens.items()}
    _orders(company, company_customers, api, roles)
    with unit_of_work():  # agreed after the walk, so the walked orders keep their list prices
        _price_list(company, company_customers[1])
    logins = [(username, password, role) for username, password, role, _ in USERS]
    if history is not None and all(company_has_stage(company_id, stage)
                                   for stage in (Stage.REVIEW, Stage.LOGISTICS, Stage.BILLING)):
        with unit_of_work():
            logins += demo_history.add_people(db.session.get_one(Company, company_id))
        _history_stock(api)
        demo_history.make_history(company_id, api, roles, history)
    return logins


# The prices agreed with 北京燕山化工 (C002), a large customer on monthly settlement.
PRICE_LIST = (("P001", "398.00"), ("P003", "6480.00"), ("P006", "88.00"))


def _price_list(company: Company, customer: Customer) -> None:
    products = {product.code: product for product in db.session.execute(
        select(Product).where(Product.company_id == company.id)).scalars()}
    for code, price in PRICE_LIST:
        masterdata.set_price(customer, products[code].id, Decimal(price), actor=None)


def _master_data(company: Company) -> list[Customer]:
    customers = [
        masterdata.create(Customer, company_id=company.id, actor=None, data={
            "code": code, "name": name, "province": province, "city": city, "payment_terms": terms,
            "credit_limit": Decimal(limit), "contact": "采购部", "phone": "400-800-0000",
            "email": f"{code.lower()}@customer.demo", "address": f"{province}{city}工业园区 1 号",
            **INVOICE_PROFILES[code],
        })
        for code, name, province, city, terms, limit in CUSTOMERS
    ]
    for code, name, spec, unit, price, floor in PRODUCTS:
        masterdata.create(Product, company_id=company.id, actor=None, data={
            "code": code, "name": name, "specification": spec, "unit": unit,
            "list_price": Decimal(price), "floor_price": Decimal(floor), "tax_rate": Decimal("0.13"),
        })
    commit()
    return customers


# The execution templates of the demo's two product lines: pumps and actuators are made to order; valves,
# seals, gaskets and gauges come from stock (the default line) and ship without production.
EXECUTION_TEMPLATES: tuple[dict[str, Any], ...] = (
    {"code": "EQUIP", "name": "泵与执行器（订制生产）", "products": ("P003", "P005"), "tasks": [
        {"key": "material", "name": "备料", "kind": "preparation", "role": "production", "hours": "8"},
        {"key": "assembly", "name": "装配生产", "kind": "production", "role": "production", "hours": "24",
         "depends_on": ["material"]},
        {"key": "test", "name": "出厂试验", "kind": "quality", "role": "production", "hours": "4",
         "depends_on": ["assembly"]},
        {"key": "pack", "name": "包装", "kind": "packing", "role": "logistics", "hours": "4", "depends_on": ["test"]},
        {"key": "dispatch", "name": "发货安排", "kind": "dispatch", "role": "logistics", "hours": "2",
         "depends_on": ["pack"]},
    ]},
    {"code": "STOCK", "name": "库存标准件", "is_default": True, "products": (), "tasks": [
        {"key": "pick", "name": "拣货备料", "kind": "preparation", "role": "logistics", "hours": "4"},
        {"key": "check", "name": "出库检验", "kind": "quality", "role": "production", "hours": "2",
         "depends_on": ["pick"]},
        {"key": "pack", "name": "包装", "kind": "packing", "role": "logistics", "hours": "2", "depends_on": ["check"]},
    ]},
)


def _templates(api: DemoClient, products: dict[str, int]) -> None:
    for template in EXECUTION_TEMPLATES:
        body = {key: value for key, value in template.items() if key != "products"}
        api.call("POST", "/execution-templates", {**body, "product_ids": [products[code] for code in
                                                                           template["products"]]})


# What the demo's warehouse holds when the stock module is installed: the standard parts, the pumps and actuators
# being made to order. The gaskets (P004) are short: the order in review wants 50 of the 30 on hand, so its
# production step shows a partly available line. The ball valves (P001) are tracked by lot (their heat
# numbers): a dispatch takes the older lot first, and the certificate of conformity lists the lots that left.
STOCK = (("P001", "80", "L2026-11"), ("P001", "40", "L2026-12"), ("P002", "2000", None), ("P004", "30", None),
         ("P006", "80", None))
TRACKED_BY_LOT = ("P001",)


def _stock(api: dict[str, DemoClient], products: dict[str, int]) -> None:
    """Switch stock on and receive the demo's stock through the API, when the module is installed."""
    if "stock" not in registry().manifests:
        return
    api["administrator"].call("PUT", "/modules/stock", {"enabled": True})
    for code in TRACKED_BY_LOT:
        api["logistics"].call("PUT", f"/stock/products/{products[code]}/tracking", {"tracking": "lot"})
    for code, quantity, lot in STOCK:
        api["logistics"].call("POST", "/stock/receipts", {"product_id": products[code], "quantity": quantity,
                                                          "reference": "期初库存", "lot": lot})
    # A second warehouse, empty: the main one is made by the first receipt.
    api["logistics"].call("POST", "/stock/warehouses", {"code": "WH2", "name": "二号仓库"})


def _history_stock(api: dict[str, DemoClient]) -> None:
    """Receive what the history's template flows will ship of the stocked products, so that after them the
    warehouse holds what today's orders left (the gaskets still short)."""
    if "stock" not in registry().manifests:
        return
    products = {p["code"]: p["id"] for p in api["administrator"].call("GET", "/products?per_page=50")["items"]}
    shipped = demo_history.shipped_quantities()
    # One receipt per stocked product, a tracked one's into its latest lot.
    latest_lot = {code: lot for code, _quantity, lot in STOCK}
    for code, lot in latest_lot.items():
        if code in shipped:
            api["logistics"].call("POST", "/stock/receipts", {"product_id": products[code], "lot": lot,
                                                              "quantity": str(shipped[code]), "reference": "采购入库"})


def _orders(company: Company, customers: list[Customer], api: dict[str, DemoClient], roles: dict[int, str]) -> None:
    products = {p["code"]: p["id"] for p in api["administrator"].call("GET", "/products?per_page=50")["items"]}
    sales = api["sales"]
    review = company_has_stage(company.id, Stage.REVIEW)
    logistics = company_has_stage(company.id, Stage.LOGISTICS)
    billing = company_has_stage(company.id, Stage.BILLING)
    soon = date.today() + timedelta(days=14)
    if logistics:
        _templates(api["administrator"], products)
    _stock(api, products)

    def new_order(customer: Customer, lines: list[tuple[str, str, str | None]], **extra: Any) -> dict:
        body = {
            "customer_id": customer.id, "channel": extra.pop("channel", "phone"), "requested_date": soon.isoformat(),
            "payment_terms": customer.payment_terms.value,  # the delivery method and invoice: the customer's
            "lines": [{"product_id": products[code], "quantity": qty, **({"unit_price": price} if price else {})}
                      for code, qty, price in lines],
            **extra,
        }
        return sales.call("POST", "/orders", body)

    def submit(order: dict) -> dict:
        # The clerk confirms the checks' warnings (the order priced under the floor is meant to be).
        return sales.call("POST", f"/orders/{order['id']}/submit", {"confirm_warnings": True})

    def approve_all(order: dict) -> None:
        if not review:
            return
        for step in api["administrator"].list(f"/orders/{order['id']}/reviews"):
            if step["status"] == "open":
                _decide_open_steps(api, order)
                return

    def produce(order: dict, *, until_production: bool = False) -> None:
        """The planner confirms the order's plan; each task is done by its person (or only begun up to production)."""
        if not logistics:
            return
        plan = api["production"].call("POST", f"/orders/{order['id']}/execution/confirm", {"accept_late": True})
        for task in plan["tasks"]:
            worker = api[roles[task["assignee"]["id"]]]
            if until_production and task["kind"] == "production":
                worker.call("POST", f"/milestones/{task['id']}/start")
                return
            worker.call("POST", f"/milestones/{task['id']}/complete", {"note": "按计划完成"})

    def deliver(order: dict, signed_by: str) -> None:
        if logistics:
            produce(order)
            shipment = api["logistics"].call("POST", f"/orders/{order['id']}/shipments",
                                             {"carrier": "顺丰速运", "tracking_number": f"SF{order['id']:010d}"})
            api["logistics"].call("POST", f"/shipments/{shipment['id']}/dispatch")
            api["customer_service"].call("POST", f"/shipments/{shipment['id']}/acceptance",
                                         {"signed_by": signed_by, "rating": 5})

    def pay(order: dict, amount: str | None = None) -> None:
        if billing:
            current = api["finance"].call("GET", f"/orders/{order['id']}")
            api["finance"].call("POST", "/payments", {"order_id": order["id"], "amount": amount or current["total"],
                                                      "method": "bank_transfer", "reference": "招商银行回单"})

    c1, c2, c3, c4, c5 = customers
    # Drafts: one just entered by phone, one from the e-commerce platform.
    new_order(c1, [("P001", "10", None), ("P002", "200", None)], customer_reference="HD-PO-2611")
    new_order(c4, [("P006", "40", None)], channel="ecommerce")
    # In review: waiting for the departments.
    submit(new_order(c2, [("P003", "2", None), ("P004", "50", None)], invoice_requirements="发票随货寄出"))
    # Priced under the floor price: with review on, finance's floor-price rule rejects it.
    submit(new_order(c4, [("P005", "3", "1800.00")]))
    # Approved, prepayment not yet received.
    approved = submit(new_order(c3, [("P005", "4", None)]))
    approve_all(approved)
    if review:
        # The customer asks for one more: a change request the same departments now review.
        api["customer_service"].call("POST", f"/orders/{approved['id']}/changes",
                                     {"lines": [{"line_no": 1, "quantity": "5"}], "reason": "客户追加一台"})
    # In production: material ready, the pumps being assembled.
    producing = submit(new_order(c4, [("P003", "2", None), ("P006", "4", None)]))
    approve_all(producing)
    produce(producing, until_production=True)
    # Shipped, waiting for the customer's sign-off.
    shipped = submit(new_order(c1, [("P003", "1", None)]))
    approve_all(shipped)
    if logistics:
        produce(shipped)
        shipment = api["logistics"].call("POST", f"/orders/{shipped['id']}/shipments",
                                         {"carrier": "德邦物流", "tracking_number": "DB2611270001"})
        api["logistics"].call("POST", f"/shipments/{shipment['id']}/dispatch")
    # Signed for, invoice open.
    signed = submit(new_order(c2, [("P001", "20", None), ("P006", "20", None)]))
    approve_all(signed)
    deliver(signed, "刘建国")
    # Completed: delivered and paid (one by prepayment first).
    done = submit(new_order(c1, [("P002", "500", None), ("P004", "100", None)], channel="email"))
    approve_all(done)
    deliver(done, "王海")
    pay(done)
    prepaid = submit(new_order(c5, [("P001", "6", None)], channel="website"))
    approve_all(prepaid)
    pay(prepaid)
    deliver(prepaid, "M. Becker")


def _decide_open_steps(api: dict[str, DemoClient], order: dict) -> None:
    """Approve each open review step as its department (sales: the administrator), until the review ends."""
    # The sales clerk entered the orders and may not approve their own sales step.
    deciders = {"sales": "administrator", "finance": "finance", "production": "production", "manager": "manager"}
    for _ in range(10):
        steps = api["administrator"].list(f"/orders/{order['id']}/reviews")
        open_steps = [s for s in steps if s["status"] == "open"]
        if not open_steps:
            return
        step = open_steps[0]
        decider = api[deciders.get(step["department"], "administrator")]
        decider.call("POST", f"/reviews/{step['id']}/decision", {"decision": "approve", "reason": "符合要求"})
