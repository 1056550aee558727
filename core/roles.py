"""The built-in roles and the core's permissions, as data (Odoo's access table, in Python)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.contracts import Permission, RoleSpec

STAFF = ("administrator", "sales", "finance", "production", "logistics", "customer_service", "manager", "supervisor")

BUILTIN_ROLES = (
    RoleSpec("administrator", _l("Administrator")),
    RoleSpec("sales", _l("Sales")),
    RoleSpec("finance", _l("Finance")),
    RoleSpec("production", _l("Production")),
    RoleSpec("logistics", _l("Logistics")),
    RoleSpec("customer_service", _l("Customer service")),
    RoleSpec("manager", _l("Manager")),
    RoleSpec("supervisor", _l("Supervisor")),
    RoleSpec("customer", _l("Customer")),
)

CORE_PERMISSIONS = (
    Permission("order.view", _l("See orders"), STAFF + ("customer",)),
    Permission(
        "order.view_prices",
        _l("See prices and amounts"),
        ("administrator", "sales", "finance", "customer_service", "manager", "supervisor", "customer"),
    ),
    Permission("order.cancel", _l("Cancel orders"), ("administrator", "sales", "manager")),
    Permission("order.mark_delivered", _l("Mark orders delivered (without logistics)"),
               ("administrator", "logistics", "customer_service")),
    Permission("customer.view", _l("See customers"), STAFF),
    Permission("customer.manage", _l("Create and edit customers"), ("administrator", "sales")),
    Permission("product.view", _l("See products"), STAFF),
    Permission("product.manage", _l("Create and edit products"), ("administrator",)),
    Permission("audit.view", _l("Read the audit log"), ("administrator", "manager", "supervisor")),
    Permission("account.tokens", _l("Create API tokens for oneself"),
               ("administrator", "sales", "finance", "logistics", "manager")),
    Permission("admin.users", _l("Manage users"), ("administrator",)),
    Permission("admin.roles", _l("Manage roles and permissions"), ("administrator",)),
    Permission("admin.modules", _l("Switch modules on and off"), ("administrator",)),
    Permission("admin.outbox", _l("See outgoing mail and send failed messages again"), ("administrator",)),
    Permission("company.calendar", _l("Set the company's working calendar"), ("administrator",)),
    Permission("admin.company", _l("Edit the company's profile printed on customer documents"),
               ("administrator",)),
)
