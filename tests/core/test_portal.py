"""The portal shell and administration: roles seeded from hooks, navigation, inbox, admin pages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OrderStatus, Role, User
from core.modules import active_modules
from core.plugins import Manifest
from core.portal import menu, navigation
from tests import factories, orders
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION

RECORDER = Manifest(name="recorder", version="1", hooks="tests.core.samples.recorder", default_enabled=True)


@pytest.fixture
def core_world(make_app):
    """The core alone: no stage plugins, so every stage falls back to the core."""
    app = make_app(plugins=[RECORDER])
    with app.app_context():
        yield app, factories.build_world(app)


def role(company_id: int, name: str) -> Role:
    return db.session.execute(select(Role).where(Role.company_id == company_id, Role.name == name)).scalar_one()


def test_a_new_company_gets_the_roles_from_ordo_roles_with_default_grants(app, world):
    names = {r.name for r in db.session.execute(select(Role).where(Role.company_id == world.company.id)).scalars()}
    assert names >= {"administrator", "sales", "finance", "production", "logistics", "customer_service",
                     "manager", "supervisor", "customer"}
    # ordo_permissions of every plugin: defaults go to the roles they name, all of them to the administrator.
    assert "order.view_prices" not in role(world.company.id, "production").permissions
    assert "order.view_prices" in role(world.company.id, "finance").permissions
    assert "admin.modules" in role(world.company.id, "administrator").permissions


def test_navigation_shows_only_menu_items_the_user_may_use(core_world):
    app, world = core_world
    admin_page = factories.portal_login(app, world.users["administrator"]).get("/inbox").get_data(as_text=True)
    assert 'href="/admin/modules"' in admin_page and 'href="/admin/users"' in admin_page
    sales_page = factories.portal_login(app, world.users["sales"]).get("/inbox").get_data(as_text=True)
    assert 'href="/admin/modules"' not in sales_page and 'href="/inbox"' in sales_page


def test_the_menu_folds_each_group_into_one_drop_down_where_its_first_link_is(app, world):
    with app.test_request_context():
        def bar(role: str) -> list[tuple[str, list[str]]]:
            return [(str(group.label), [item.endpoint for item in group.items])
                    for group in menu(navigation(world.users[role]))]

        administrator, production = bar("administrator"), bar("production")

    assert administrator == [
        ("Inbox", ["portal.inbox"]),
        ("Orders", ["orders.index", "intake.new_order", "intake_imports.imports_list"]),
        ("Reviews", ["review.queue"]), ("Logistics", ["logistics_execution.my_tasks", "logistics.shipments"]),
        ("Billing", ["billing.invoices", "billing_statements.statements", "billing_receivables.ageing_report"]),
        ("Master data", ["masterdata.customers", "masterdata.products"]),
        ("KPIs", ["kpi.dashboard", "kpi_indicators.indicators", "kpi_cycletimes.cycle_times",
                  "kpi_scorecards.scorecard", "kpi_analytics.regions", "kpi_supervision.audit",
                  "kpi_supervision.report"]),
        ("Settings", ["admin.users", "admin.roles", "admin.modules", "admin.company", "outbox.index", "review.settings",
                      "logistics_execution.templates", "intake_settings.settings", "logistics_settings.settings",
                      "billing_collection.dunning_levels", "billing_receivables.ageing_buckets",
                      "kpi_scorecards.targets"])]
    # Production may not enter orders: its "Orders" group is the order list alone, shown as a plain link.
    assert ("Orders", ["orders.index"]) in production and all(name != "Settings" for name, _items in production)
    page = factories.portal_login(app, world.users["production"]).get("/inbox").get_data(as_text=True)
    nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert re.search(r'<li><a href="/orders"\s*>Orders</a></li>', nav)
    assert re.search(r'<summary>Master data</summary>\s*<ul><li><a href="/customers"', nav)


def test_admin_pages_are_refused_without_the_permission(core_world):
    app, world = core_world
    client = factories.portal_login(app, world.users["sales"])
    needed = {"/admin/users": "Manage users", "/admin/roles": "Manage roles and permissions",
              "/admin/modules": "Switch modules on and off"}
    for path, permission in needed.items():
        response = client.get(path)
        assert response.status_code == 403, path
        assert f"you need the permission “{permission}” for this" in response.get_data(as_text=True)


def test_an_administrator_creates_a_user_with_roles(core_world):
    app, world = core_world
    client = factories.portal_login(app, world.users["administrator"])
    response = client.post("/admin/users", data={
        "username": "li.na", "name": "李娜", "email": "li.na@example.cn", "password": "long-enough-1",
        "roles": ["sales", "customer_service"], "customer_id": "0", "superior_id": str(world.users["manager"].id)})
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.username == "li.na")).scalar_one()
    assert user.role_names == ["customer_service", "sales"]
    assert user.superior_id == world.users["manager"].id


def test_a_new_user_without_a_password_is_refused_and_nothing_is_saved(core_world):
    app, world = core_world
    client = factories.portal_login(app, world.users["administrator"])
    page = client.post("/admin/users", data={"username": "nopass", "name": "x", "roles": ["sales"],
                                             "customer_id": "0", "superior_id": "0"})
    assert "needs a password" in page.get_data(as_text=True)
    assert db.session.execute(select(User).where(User.username == "nopass")).scalar_one_or_none() is None


def test_an_administrator_cannot_remove_their_own_administrator_role(core_world):
    app, world = core_world
    admin = world.users["administrator"]
    client = factories.portal_login(app, admin)
    page = client.post(f"/admin/users/{admin.id}", data={
        "username": admin.username, "name": admin.name, "roles": ["sales"], "active": "y", "superior_id": "0",
        "customer_id": "0"}, follow_redirects=True)
    assert "cannot remove your own administrator role" in page.get_data(as_text=True)
    db.session.expire_all()
    assert "administrator" in db.session.get(User, admin.id).role_names


def test_the_role_matrix_grants_and_revokes_permissions(core_world):
    app, world = core_world
    client = factories.portal_login(app, world.users["administrator"])
    roles = db.session.execute(select(Role).where(Role.company_id == world.company.id)).scalars().all()
    form = {f"role-{r.id}": sorted(r.permissions) for r in roles}
    production = role(world.company.id, "production")
    form[f"role-{production.id}"] = sorted(production.permissions | {"order.view_prices"})
    assert client.post("/admin/roles", data=form).status_code == 302
    db.session.expire_all()
    assert "order.view_prices" in role(world.company.id, "production").permissions
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "role_permissions_set",
                                                        AuditEntry.entity_id == production.id)).scalar_one()
    assert "order.view_prices" in entry.after["permissions"]


def test_modules_are_switched_in_the_portal_without_a_restart(app, world):
    client = factories.portal_login(app, world.users["administrator"])
    client.post("/admin/modules", data={"module": "kpi", "enabled": "0", "confirm": "y"})
    assert "kpi" not in active_modules(world.company.id)
    page = client.get("/admin/modules").get_data(as_text=True)
    assert "kpi" in page
    client.post("/admin/modules", data={"module": "kpi", "enabled": "1"})
    assert "kpi" in active_modules(world.company.id)


def test_switching_a_module_off_needs_a_confirmation(app, world):
    client = factories.portal_login(app, world.users["administrator"])
    page = client.get("/admin/modules").get_data(as_text=True)
    kpi = page[page.index('<input type="hidden" name="module" value="kpi">'):]
    kpi = kpi[:kpi.index("</form>")]
    assert '<input type="checkbox" name="confirm" value="y" required> I confirm: switch KPIs off' in kpi

    unconfirmed = client.post("/admin/modules", data={"module": "kpi", "enabled": "0"}, follow_redirects=True)

    assert "KPIs stays on: tick the box to confirm switching it off." in unconfirmed.get_data(as_text=True)
    assert "kpi" in active_modules(world.company.id)
    client.post("/admin/modules", data={"module": "kpi", "enabled": "0", "confirm": "y"})
    assert "kpi" not in active_modules(world.company.id)
    client.post("/admin/modules", data={"module": "kpi", "enabled": "1"})  # switching on asks nothing
    assert "kpi" in active_modules(world.company.id)


def test_the_admin_pages_name_modules_roles_and_permissions_in_the_users_language(app, world):
    client = factories.portal_login(app, world.users["administrator"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    modules = client.get("/admin/modules").get_data(as_text=True)
    users = client.get("/admin/users").get_data(as_text=True)
    roles = client.get("/admin/roles").get_data(as_text=True)
    switched = client.post("/admin/modules", data={"module": "kpi", "enabled": "0", "confirm": "y"},
                           follow_redirects=True)

    assert ("<strong>结算</strong><br><small>按结算方式开具发票、登记收款；预付款到账前订单不进入执行。</small>"
            in modules)
    assert "<td>结算与收款</td>" in modules  # the stage
    assert "<strong>billing</strong>" not in modules and "Invoices and payments" not in modules
    assert "<td>客服</td>" in users and "<td>customer_service</td>" not in users
    assert 'value="customer_service"> <label for="roles-2">客服</label>' in users  # the roles to choose from
    assert "<th>监督员</th>" in roles and 'title="order.view_prices">查看价格和金额</th>' in roles
    assert "<code>" not in roles
    assert "模块 考核指标 已停用。" in switched.get_data(as_text=True)


def test_the_refusal_names_the_missing_permission_in_the_users_language(core_world):
    app, world = core_world
    client = factories.portal_login(app, world.users["customer"])
    page = client.get("/admin/users", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "你需要“管理用户”权限才能执行此操作" in page and "admin.users" not in page


def test_without_logistics_the_inbox_asks_to_mark_approved_orders_delivered(core_world):
    app, world = core_world
    order = orders.submitted(world)
    commit()
    client = factories.portal_login(app, world.users["logistics"])
    inbox = client.get("/inbox").get_data(as_text=True)
    assert order.number in inbox
    # Sales may not mark orders delivered, so nothing waits for them.
    assert order.number not in factories.portal_login(app, world.users["sales"]).get("/inbox").get_data(as_text=True)


def test_the_inbox_menu_item_counts_the_users_tasks_and_the_inbox_shows_time_left(core_world):
    app, world = core_world
    for _ in range(2):
        orders.submitted(world)
    commit()
    client = factories.portal_login(app, world.users["logistics"])

    inbox = client.get("/inbox").get_data(as_text=True)
    assert re.search(r'href="/inbox"\s+aria-current="page">Inbox <span class="count" aria-label="2 tasks">2</span>',
                     inbox)
    # The core's "mark delivered" tasks have no deadline, so no badge; sales has nothing waiting.
    assert "time-left" not in inbox
    sales = factories.portal_login(app, world.users["sales"]).get("/inbox").get_data(as_text=True)
    assert 'class="count"' not in sales


def test_every_page_starts_with_a_skip_link_and_loads_htmx_from_the_app(core_world):
    app, world = core_world
    page = factories.portal_login(app, world.users["sales"]).get("/inbox").get_data(as_text=True)
    body = page[page.index("<body>"):]
    assert re.match(r'<body>\s*<a class="skip-link" href="#content">Skip to content</a>', body)
    assert '<main id="content" tabindex="-1">' in page
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in page
    assert """<meta name="htmx-config" content='{"includeIndicatorCSS": false}'>""" in page
    assert "<style" not in page and " style=" not in page  # the CSP allows no inline style


def test_marking_delivered_needs_the_permission_and_completes_without_billing(core_world):
    app, world = core_world
    order = orders.submitted(world)
    commit()
    refused = factories.portal_login(app, world.users["sales"]).post(
        f"/orders/{order.id}/mark-delivered", data={"signed_by": "王海"})
    assert refused.status_code == 403
    client = factories.portal_login(app, world.users["logistics"])
    client.post(f"/orders/{order.id}/mark-delivered", data={"signed_by": "王海"})
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status == OrderStatus.COMPLETED


def test_a_plugin_installed_after_the_company_brings_its_grants_when_switched_on(core_world, make_app):
    from core.modules import set_enabled
    from core.plugins import discover

    _, world = core_world
    # The company was made with the core alone; now the bundled plugins are installed.
    app = make_app(plugins=discover())
    with app.app_context():
        company = db.session.get(type(world.company), world.company.id)
        assert "review.decide.finance" not in role(company.id, "finance").permissions
        set_enabled(company, "review", True, actor=None)
        commit()
        assert "review.decide.finance" in role(company.id, "finance").permissions
        assert "review.decide.finance" in role(company.id, "administrator").permissions
        assert "review.decide.finance" not in role(company.id, "sales").permissions


def test_hook_menu_items(make_app):
    """An enabled plugin's link shows, in menu order, to who holds its permission, and leads to its page."""
    app = make_app(plugins=[INSPECTION])
    with app.app_context():
        world = factories.build_world(app)
        switched_off = factories.build_world(app, "XYZ", modules={"inspection": False})
        with app.test_request_context():
            menu = [(str(item.label), item.endpoint) for item in navigation(world.users["production"])]
        production = factories.portal_login(app, world.users["production"])
        page = production.get("/inbox").get_data(as_text=True)
        linked = production.get("/inspections")
        sales_page = factories.portal_login(app, world.users["sales"]).get("/inbox").get_data(as_text=True)
        elsewhere = factories.portal_login(app, switched_off.users["production"]).get("/inbox").get_data(as_text=True)

    assert menu == [("Inbox", "portal.inbox"), ("Orders", "orders.index"), ("Inspections", "inspection.inspections"),
                    ("Customers", "masterdata.customers"), ("Products", "masterdata.products")]
    nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert re.search(r'<a href="/inspections"\s*>Inspections</a>', nav)
    assert linked.status_code == 200 and "<h1>Inspections</h1>" in linked.get_data(as_text=True)
    assert 'href="/inspections"' not in sales_page  # sales lacks inspection.record
    assert 'href="/inspections"' not in elsewhere  # a company with the plugin off
