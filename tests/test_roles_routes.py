"""Roles x routes: every page and API read of the skeleton answers each built-in role as its
permission says, customers and other companies see nothing that is not theirs, and a role
without ``order.view_prices`` reads no amount on any page, API answer or document."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import Numeric, func, select

from core import company_profile
from core.auth.context import holds
from plugins.kpi.supervision import violations
from plugins.kpi.supervision.models import ViolationReport
from core.companies import all_permissions, set_role_permissions
from core.contracts import Credit
from core.db import commit
from core.demo import load_demo
from core.documents import document_kinds
from core.extensions import db
from core.figures import MONEY
from core.models import Company, Customer, Order, OrderStatus, OutboxMessage, Product, User, utcnow
from core.plugins import registry
from core.orders import actions
from plugins.billing.invoices import credit_notes
from plugins.billing.invoices.models import CreditNote, Invoice
from plugins.billing.payments.models import PaymentAllocation
from plugins.billing.statements import run
from plugins.billing.statements.models import Statement, StatementAttachment
from plugins.intake import import_jobs
from plugins.intake.models import ImportJob
from plugins.logistics.acceptance.models import AcceptanceAttachment
from plugins.logistics.execution.models import ExecutionTemplate
from plugins.logistics.shipments.models import Shipment
from plugins.review.change_models import ChangeRequest
from plugins.review.models import ReviewStep
from plugins.stock.models import StockWarehouse
from plugins.stock.warehouses import default_warehouse
from tests import factories
from tests.core.images import image
from tests.flows import Flow

ROLES = ("administrator", "sales", "finance", "production", "logistics", "customer_service", "manager",
         "supervisor", "customer")


@pytest.fixture
def scene(app):
    """One company with an order that went all the way, so every kind of record exists."""
    # Every module on, also those a company switches on itself (stock), so every page answers.
    world = factories.build_world(app, modules={m.name: True for m in registry().modules})
    flow = Flow(app, world)
    done = flow.run({"review", "logistics", "billing", "kpi"})
    changed = flow.submit(flow.create())  # approved, with a change request in review
    flow.approve_review(changed)
    change = flow.ok(flow.api["sales"].post(f"/api/v1/orders/{changed['id']}/changes",
                                            json={"payment_terms": "monthly"}), 201)
    upload = import_jobs.upload(world.company, world.users["sales"], "orders.csv",
                                "order_ref,customer_code,product_code,quantity\nI1,C001,P001,2\n".encode(), "generic")
    company_profile.set_logo(world.company, image("PNG"), actor=None)
    report = violations.report(world.users["sales"], subject="A discount nobody approved", description="SO 1")
    commit()

    done_order = db.session.get(Order, done["id"])  # money back on a case: a credit note to read
    credit_note = credit_notes.credit_case(done_order, Credit(
        amount=Decimal("10.00"), reason="破损", granted_at=utcnow(), case_id=1, case_number="CS-0001"))
    commit()
    shipment_id = db.session.execute(select(Shipment.id).where(Shipment.order_id == done["id"])).scalar_one()
    attachment = AcceptanceAttachment(company_id=world.company.id, shipment_id=shipment_id, filename="photo.png",
                                      content_type="image/png", size=8, sha256="0" * 64, content=image("PNG"))
    db.session.add(attachment)
    warehouse = default_warehouse(world.company.id)
    commit()
    ids = {
        "attachment_id": attachment.id,
        "warehouse_id": warehouse.id,
        "order_id": done["id"],
        "step_id": db.session.execute(select(ReviewStep.id).where(ReviewStep.order_id == done["id"])).scalars().first(),
        "shipment_id": db.session.execute(select(Shipment.id).where(Shipment.order_id == done["id"])).scalar_one(),
        "invoice_id": db.session.execute(select(Invoice.id).where(Invoice.order_id == done["id"])).scalar_one(),
        "credit_note_id": credit_note.id,
        "item_id": world.customers[0].id,
        "product_id": world.products[0].id,
        "customer_id": world.customers[0].id,
        "user_id": world.users["sales"].id,
        "change_id": change["id"],
        "import_id": upload.id,
        "template_id": db.session.execute(select(ExecutionTemplate.id)).scalars().first(),
        "message_id": db.session.execute(select(OutboxMessage.id)).scalars().first(),
        "kind": "confirmation",
        "name": "review",
        "report_id": report.id,
        "monthly_id": 1,  # no monthly report exists: a document route answers 404 to whoever may read it
        **statement_ids(world),
    }
    return world, ids


def statement_ids(world) -> dict[str, int]:
    """A statement of the finished order's customer, with a stamped copy attached."""
    statement = next(made for made in run.make_statements(world.company, utcnow() + timedelta(days=62))
                     if made.customer_id == world.customers[0].id)
    copy = StatementAttachment(company_id=world.company.id, statement_id=statement.id, filename="stamped.png",
                               content_type="image/png", size=8, sha256="0" * 64, content=image("PNG"))
    db.session.add(copy)
    commit()
    return {"statement_id": statement.id, "copy_id": copy.id}


def readable_routes(app):
    """GET endpoints guarded by ``requires``, with the permission each needs."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        handler = getattr(view_class, "get", None) if view_class else view
        if handler is None or not hasattr(handler, "required_permission"):
            continue
        # A guard may refuse holders of some permissions whatever else they hold (the confidential
        # violation channel refuses whoever manages users or roles: administrators).
        routes.append((rule, handler.required_permission, getattr(handler, "refused_to", ())))
    return routes


def url_for_rule(rule, ids) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)


def test_every_guarded_page_and_api_read_answers_each_role_by_its_permissions(app, scene):
    world, ids = scene
    routes = readable_routes(app)
    assert len(routes) >= 20
    checked = 0
    for role in ROLES:
        user = world.users[role]
        portal = factories.portal_login(app, user)
        api = factories.ApiClient(app, user)
        for rule, permission, refused_to in routes:
            url = url_for_rule(rule, ids)
            client = api if url.startswith("/api/") else portal
            response = client.get(url)
            allowed = holds(user, permission) and not any(holds(user, name) for name in refused_to)
            if allowed:
                # a customer sees the order only if it is theirs; it is (customer 0's order)
                # pages may redirect with a message (an order no longer editable); never 403
                expected = (200, 404, 409) if url.startswith("/api/") else (200, 302, 404, 409)
                assert response.status_code in expected, (role, url, response.status_code)
                if response.status_code == 404:
                    assert role == "customer" or "documents" in url, (role, url)
            else:
                assert response.status_code == 403, (role, url, response.status_code)
                if url.startswith("/api/"):
                    needed = (permission,) if isinstance(permission, str) else permission
                    assert response.get_json()["permissions"] == list(needed)
            checked += 1
    assert checked == len(routes) * len(ROLES)


def test_production_never_sees_prices_on_the_order_page(app, scene):
    world, ids = scene
    page = factories.portal_login(app, world.users["production"]).get(f"/orders/{ids['order_id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1,356.00" not in text and "1356.00" not in text  # 10 x 120.00 + 13% tax
    finance = factories.portal_login(app, world.users["finance"]).get(f"/orders/{ids['order_id']}")
    assert "1,356.00" in finance.get_data(as_text=True) or "1356.00" in finance.get_data(as_text=True)


def test_a_customer_cannot_read_another_customers_order(app, scene):
    world, ids = scene
    other = Flow(app, world).submit(Flow(app, world).create(customer=world.customers[1]))
    buyer = world.customer_user
    portal = factories.portal_login(app, buyer)
    api = factories.ApiClient(app, buyer)
    assert portal.get(f"/orders/{ids['order_id']}").status_code == 200
    assert portal.get(f"/orders/{other['id']}").status_code == 404
    for path in (f"/api/v1/orders/{other['id']}", f"/api/v1/orders/{other['id']}/timeline",
                 f"/api/v1/orders/{other['id']}/documents/confirmation",
                 f"/api/v1/orders/{other['id']}/shipments"):
        assert api.get(path).status_code == 404, path
    assert other["number"] not in portal.get("/orders").get_data(as_text=True)


def test_a_user_cannot_read_another_companys_data(app, scene):
    world, ids = scene
    other = factories.build_world(app, "RIVAL")
    admin = other.users["administrator"]
    portal = factories.portal_login(app, admin)
    api = factories.ApiClient(app, admin)
    for rule, _, refused_to in readable_routes(app):
        if "<" not in rule.rule or "<kind>" in rule.rule and "<order_id>" not in rule.rule:
            continue
        url = url_for_rule(rule, ids)
        if "<name>" in rule.rule or "<user_id>" in rule.rule and url.startswith("/api/"):
            continue
        response = (api if url.startswith("/api/") else portal).get(url)
        # Where administrators are refused whatever the record, they learn nothing of it either.
        assert response.status_code == (403 if refused_to else 404), (url, response.status_code)
    listed = api.get("/api/v1/orders").get_json()
    assert listed["total"] == 0


# --- amounts: a role without order.view_prices reads none, on any page, API answer or document ---


@pytest.fixture
def demo(app):
    """The demo company: master data, and orders in every stage (draft to completed, prepayment waiting),
    one of its drafts cancelled."""
    logins = load_demo()
    company = db.session.execute(select(Company).where(Company.code == "DEMO")).scalar_one()
    passwords = {username: password for username, password, _ in logins}
    users = {user.username: (user, passwords[user.username]) for user in db.session.execute(
        select(User).where(User.company_id == company.id)).scalars()}
    draft = db.session.execute(select(Order).where(Order.company_id == company.id, Order.status == OrderStatus.DRAFT)
                               .order_by(Order.id)).scalars().first()
    actions.cancel(draft, actor=users["sales"][0], reason="客户取消")
    run.make_statements(company, utcnow() + timedelta(days=40))  # statements of what the demo delivered
    commit()
    statuses = set(db.session.execute(select(Order.status).where(Order.company_id == company.id)).scalars())
    assert statuses == set(OrderStatus), statuses
    return company, users


def amounts_in_database() -> set[Decimal]:
    """Every amount stored (any money column of any table) and what is derived from them:
    each order's paid and outstanding balance, and the sums the lists and KPIs show."""
    found: set[Decimal] = set()
    for table in db.metadata.sorted_tables:
        money = [column for column in table.columns
                 if isinstance(column.type, Numeric) and (column.type.precision, column.type.scale) == MONEY]
        if money:
            found.update(value for row in db.session.execute(select(*money)) for value in row if value is not None)
    paid = dict(db.session.execute(
        select(PaymentAllocation.order_id, func.sum(PaymentAllocation.amount))
        .where(PaymentAllocation.reversed_at.is_(None)).group_by(PaymentAllocation.order_id)).all())
    owed = [order.total - paid.get(order.id, Decimal(0)) for order in db.session.execute(select(Order)).scalars()]
    found.update(paid.values())
    found.update(owed)
    found.update((sum(paid.values(), Decimal(0)), sum(owed, Decimal(0))))
    return {amount for amount in found if amount > 0}


def spellings(amount: Decimal) -> set[str]:
    """How an amount may print: 1234.50, 1,234.50, 1234.5 (and 100.0 for a float)."""
    forms = {f"{amount:.2f}", f"{amount:,.2f}", str(float(amount)), format(amount.normalize(), "f")}
    return {form for form in forms if "." in form}  # "1234" alone is any quantity or id


def amount_finder(amounts: set[Decimal]) -> re.Pattern[str]:
    forms = sorted({form for amount in amounts for form in spellings(amount)}, key=len, reverse=True)
    return re.compile(r"(?<![\d.,])(?:" + "|".join(re.escape(form) for form in forms) + r")(?!\d)")


def readable_text(response) -> str:
    if response.mimetype == "application/pdf":
        return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=response.data, check=True,
                              capture_output=True).stdout.decode()
    if response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":  # a template file
        sheets = load_workbook(io.BytesIO(response.data), read_only=True).worksheets
        return "\n".join(" ".join(str(value) for value in row if value is not None)
                         for sheet in sheets for row in sheet.iter_rows(values_only=True))
    return response.get_data(as_text=True)


def demo_urls(app, company) -> list[str]:
    """Every GET route with every demo record its parameters can name."""
    orders = db.session.execute(select(Order).where(Order.company_id == company.id)).scalars().all()
    ids = {
        "order_id": [order.id for order in orders],
        "user_id": [db.session.execute(select(User.id).where(User.company_id == company.id)).scalars().first()],
        "customer": [c.id for c in db.session.execute(select(Customer).where(Customer.company_id == company.id))
                     .scalars()],
        "product": [p.id for p in db.session.execute(select(Product).where(Product.company_id == company.id))
                    .scalars()],
        "change_id": list(db.session.execute(
            select(ChangeRequest.id).where(ChangeRequest.company_id == company.id)).scalars()),
        "import_id": list(db.session.execute(
            select(ImportJob.id).where(ImportJob.company_id == company.id)).scalars()),
        "step_id": list(db.session.execute(
            select(ReviewStep.id).where(ReviewStep.company_id == company.id)).scalars()),
        "message_id": list(db.session.execute(
            select(OutboxMessage.id).where(OutboxMessage.company_id == company.id)).scalars()),
        "template_id": list(db.session.execute(
            select(ExecutionTemplate.id).where(ExecutionTemplate.company_id == company.id)).scalars()),
        "shipment_id": list(db.session.execute(
            select(Shipment.id).where(Shipment.company_id == company.id)).scalars()),
        "invoice_id": list(db.session.execute(
            select(Invoice.id).where(Invoice.company_id == company.id)).scalars()),
        "credit_note_id": list(db.session.execute(
            select(CreditNote.id).where(CreditNote.company_id == company.id)).scalars()),
        "attachment": list(db.session.execute(select(AcceptanceAttachment.shipment_id, AcceptanceAttachment.id)
                                              .where(AcceptanceAttachment.company_id == company.id))),
        "statement_id": list(db.session.execute(
            select(Statement.id).where(Statement.company_id == company.id)).scalars()),
        "copy": list(db.session.execute(select(StatementAttachment.statement_id, StatementAttachment.id)
                                        .where(StatementAttachment.company_id == company.id))),
        "report_id": list(db.session.execute(
            select(ViolationReport.id).where(ViolationReport.company_id == company.id)).scalars()),
        "warehouse_id": list(db.session.execute(
            select(StockWarehouse.id).where(StockWarehouse.company_id == company.id)).scalars()),
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        params = set(rule.arguments)
        assert params <= {"order_id", "item_id", "kind", "user_id", "change_id", "import_id", "step_id",
                          "message_id", "template_id", "shipment_id", "attachment_id", "customer_id", "invoice_id",
                          "credit_note_id", "statement_id", "copy_id", "product_id", "report_id", "monthly_id",
                          "warehouse_id"}, \
            f"{rule.rule}: say which demo ids it takes"
        choices: list[dict] = [{}]
        if "change_id" in params:
            choices = [{"change_id": i} for i in ids["change_id"]]
        if "import_id" in params:
            choices = [{"import_id": i} for i in ids["import_id"]]
        if "step_id" in params:
            choices = [{"step_id": i} for i in ids["step_id"]]
        if "message_id" in params:
            choices = [{"message_id": i} for i in ids["message_id"]]
        if "template_id" in params:
            choices = [{"template_id": i} for i in ids["template_id"]]
        if "shipment_id" in params:
            choices = [{"shipment_id": i, **({"kind": kind} if "kind" in params else {})}
                       for i in ids["shipment_id"] for kind in (("delivery-note", "certificate") if "kind" in params
                                                              else (None,))]
        if "invoice_id" in params:
            choices = [{"invoice_id": i} for i in ids["invoice_id"]]
        if "credit_note_id" in params:
            choices = [{"credit_note_id": i} for i in ids["credit_note_id"]]
        if "attachment_id" in params:
            choices = [{"shipment_id": shipment, "attachment_id": i} for shipment, i in ids["attachment"]]
        if "statement_id" in params:
            choices = [{"statement_id": i} for i in ids["statement_id"]]
        if "copy_id" in params:
            choices = [{"statement_id": statement, "copy_id": i} for statement, i in ids["copy"]]
        if "report_id" in params:
            choices = [{"report_id": i} for i in ids["report_id"]]
        if "warehouse_id" in params:
            choices = [{"warehouse_id": i} for i in ids["warehouse_id"]]
        if "monthly_id" in params:
            choices = []  # the demo has no monthly report; they print the figures a supervisor may see anyway
        if "item_id" in params:
            choices = [{"item_id": i} for i in ids["customer" if "customer" in rule.rule else "product"]]
        if "customer_id" in params:
            choices = [{"customer_id": i} for i in ids["customer"]]
        if "product_id" in params:
            choices = [{"product_id": i} for i in ids["product"]]
        if "user_id" in params:
            choices = [{"user_id": i} for i in ids["user_id"]]
        if "order_id" in params:
            choices = [{"order_id": order.id, **({"kind": kind} if "kind" in params else {})}
                       for order in orders
                       for kind in (document_kinds(order) if "kind" in params else [None])]
        urls += [re.sub(r"<(?:\w+:)?(\w+)>", lambda m, c=choice: str(c[m.group(1)]), rule.rule) for choice in choices]
    return urls


def amounts_shown(app, user, password: str, urls: list[str], finder: re.Pattern[str]) -> list[tuple]:
    """(user, url, status, amounts) for each page, API answer or document of ``urls`` showing ``user`` an amount."""
    portal = app.test_client()
    assert portal.post("/login", data={"username": user.username, "password": password}).status_code == 302
    api = factories.ApiClient(app, user)
    shown = []
    for url in urls:
        response = (api if url.startswith("/api/") else portal).get(url)
        assert response.status_code < 500, (user.username, url, response.status_code)
        found = finder.findall(readable_text(response))
        if found:
            shown.append((user.username, url, response.status_code, sorted(set(found))))
    return shown


def test_roles_without_the_price_permission_read_no_amount_anywhere(app, demo):
    company, users = demo
    blind = [(user, password) for user, password in users.values() if not user.can("order.view_prices")]
    assert {user.role_names[0] for user, _ in blind} == {"production", "logistics"}
    finder = amount_finder(amounts_in_database())
    urls = demo_urls(app, company)
    assert len(urls) >= 150
    shown = [leak for user, password in blind for leak in amounts_shown(app, user, password, urls, finder)]
    assert not shown, "\n".join(map(str, shown))


def test_a_role_with_every_other_permission_still_reads_no_amount(app, demo):
    """Invoices, KPIs, master data forms, payments: what no default role without prices can open."""
    company, users = demo
    production, password = users["production"]
    role = production.roles[0]
    every = {permission.name for permission in all_permissions()} - {"order.view_prices"}
    set_role_permissions(role, every, actor=None)
    commit()
    finder = amount_finder(amounts_in_database())
    shown = amounts_shown(app, production, password, demo_urls(app, company), finder)
    assert not shown, "\n".join(map(str, shown))
