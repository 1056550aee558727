"""Hook implementations of the intake plugin: permissions, menu, inbox, draft actions, the confirmation."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contracts import (
    MENU_ORDERS, MENU_SETTINGS, CustomerView, DocumentKind, Job, MenuItem, OrderAction, Panel, Permission, Task,
    TaskCount,
)
from core.hookspecs import hookimpl
from core.jobs import per_company
from core.models import Company, Order, OrderStatus, User, utcnow
from core.portal import list_url, order_url
from plugins.intake import confirmation, import_jobs, services, waiting
from plugins.intake.checks import Check, Severity
from plugins.intake.forms import WaitingForm
from plugins.intake.models import ImportStatus, IntakeWaiting

ENTRY_ROLES = ("administrator", "sales", "customer_service")


@hookimpl
def ordo_permissions() -> list[Permission]:
    return [
        Permission("order.create", _l("Enter new orders"), ENTRY_ROLES),
        Permission("order.submit", _l("Submit orders for review"), ENTRY_ROLES),
        Permission("order.edit", _l("Edit draft orders"), ENTRY_ROLES),
        Permission("order.import", _l("Import orders from order files and e-commerce exports"), ENTRY_ROLES),
        Permission("intake.settings", _l("Set how orders are taken: number format, duplicates, portal orders"),
                   ("administrator",)),
    ]


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    return [
        MenuItem(_l("New order"), "intake.new_order", "order.create", order=20, group=MENU_ORDERS, shortcut="n"),
        MenuItem(_l("Import orders"), "intake_imports.imports_list", "order.import", order=25, group=MENU_ORDERS),
        MenuItem(_l("Intake settings"), "intake_settings.settings", "intake.settings", order=940, group=MENU_SETTINGS),
    ]


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("intake.imports", timedelta(seconds=10), per_company("intake", import_jobs.run_queued),
                description="Import the order files handed in through the API and the portal",
                lease=import_jobs.LEASE)]


@hookimpl
def inbox_count(user: User, now: datetime) -> list[TaskCount]:
    """Drafts have no deadline: none is late."""
    if not user.can("order.submit"):
        return []
    counted = services.count_drafts(user)  # one SELECT count(*), count(CASE ...)
    drafts = list_url(user, "order.view", "orders.index", status=OrderStatus.DRAFT.value)
    return [TaskCount("intake.submit", _("Draft orders to re-check and submit"), counted[False], url=drafts),
            TaskCount("intake.waiting", _("Drafts waiting for the customer's answer"), counted[True], url=drafts)]


@hookimpl
def inbox_tasks(user: User, limit: int | None) -> list[Task]:
    """Drafts wait for a clerk to re-check and submit them, the oldest first; sent-back ones say so."""
    if not user.can("order.submit"):
        return []
    drafts = services.drafts_waiting(user, limit)
    waits = waiting.waits_for([order.id for order in drafts])
    now = utcnow()
    return [
        Task(title=_waiting_title(order, waits[order.id], now), url=order_url(order.id), kind="intake.waiting",
             order_number=order.number)
        if order.id in waits else
        Task(title=_draft_title(order), url=order_url(order.id), kind="intake.submit", order_number=order.number)
        for order in drafts
    ]


def _waiting_title(order: Order, wait: IntakeWaiting, now: datetime) -> str:
    return str(_l("Waiting %(days)s day(s) for the customer's answer on draft order %(number)s (%(customer)s): "
                  "%(missing)s", days=(now - wait.since).days, number=order.display_number,
                  customer=order.customer.name, missing=wait.missing))


def _draft_title(order: Order) -> str:
    # A draft that was submitted before came back from review to be corrected.
    if order.submitted_at is not None:
        return str(_l("Correct and resubmit the sent-back order %(number)s (%(customer)s)",
                      number=order.display_number, customer=order.customer.name))
    return str(_l("Re-check and submit draft order %(number)s (%(customer)s)",
                  number=order.display_number, customer=order.customer.name))


@hookimpl
def order_numbers(company: Company, day: date, count: int) -> list[str]:
    return services.reserve_numbers(company, day, count)


@hookimpl
def ordo_labels() -> dict[str, dict[str, object]]:
    return {
        "audit.action": {"created": _l("Entered"), "updated": _l("Edited"),
                         "warnings_confirmed": _l("Warnings confirmed"),
                         "duplicate_confirmed": _l("Confirmed distinct from a possible duplicate"),
                         "settings_changed": _l("Intake settings changed"),
                         "waiting_for_customer": _l("Sent back to the customer for missing data"),
                         "customer_answered": _l("Customer answered"),
                         "confirmation_not_sent": _l("No confirmation emailed: the customer has no email address"),
                         "import_mapping_saved": _l("Import column mapping saved"),
                         "import_mapping_deleted": _l("Import column mapping deleted")},
        "intake.import_status": {ImportStatus.UPLOADED: _l("Uploaded, waiting for confirmation"),
                                 ImportStatus.QUEUED: _l("Queued"), ImportStatus.RUNNING: _l("Importing"),
                                 ImportStatus.DONE: _l("Imported"), ImportStatus.FAILED: _l("Failed")},
        # The fields an order file's columns feed (plugins.intake.mappings.FIELDS).
        "intake.field": {"order_ref": _l("Platform order number"), "customer_code": _l("Customer code"),
                         "product_code": _l("Product code"), "quantity": _l("Quantity"),
                         "unit_price": _l("Unit price"), "requested_date": _l("Requested delivery date"),
                         "contact": _l("Contact"), "phone": _l("Phone"), "address": _l("Delivery address"),
                         "notes": _l("Notes")},
        "intake.severity": {Severity.BLOCKING: _l("Must be corrected"), Severity.WARNING: _l("Warning")},
        "intake.check": {
            Check.NO_LINES: _l("No lines"), Check.CUSTOMER_INACTIVE: _l("Customer inactive"),
            Check.CREDIT_HOLD: _l("Credit hold"), Check.CONTACT_MISSING: _l("Contact missing"),
            Check.PHONE_MISSING: _l("Phone missing"), Check.ADDRESS_MISSING: _l("Delivery address missing"),
            Check.INVOICE_TITLE_MISSING: _l("Invoice title missing"),
            Check.INVOICE_TAX_ID_MISSING: _l("Taxpayer id missing"),
            Check.INVOICE_TAX_ID_INVALID: _l("Taxpayer id not valid"),
            Check.INVOICE_BANK_MISSING: _l("Bank and account missing"),
            Check.INVOICE_ADDRESS_MISSING: _l("Registered address and phone missing"),
            Check.QUANTITY_ZERO: _l("Quantity zero"), Check.PRODUCT_DISCONTINUED: _l("Product no longer sold"),
            Check.PRICE_UNDER_FLOOR: _l("Price under the floor price"),
            Check.DATE_IN_PAST: _l("Delivery date in the past"),
            Check.DATE_BEFORE_LEAD_TIME: _l("Delivery date sooner than the lead time"),
        },
    }


@hookimpl
def customer_timeline_actions() -> dict[str, CustomerView]:
    # When the order was entered, not what it said then; a clerk's edits of a draft are their own.
    return {"created": CustomerView(frozenset())}


@hookimpl
def order_submitted(order: Order) -> None:
    """The customer gets the order confirmation by email, with its PDF attached."""
    confirmation.send_confirmation(order)


@hookimpl
def document_kinds() -> list[DocumentKind]:
    # No source of its own: a version is the order's content (core.documents.order_version), and
    # the date of issue it prints is the day that version was first rendered.
    return [
        DocumentKind("confirmation", _l("Order confirmation"), "order_confirmation.html", "order.view",
                     context=services.confirmation_context, customer_copy=True),
    ]


@hookimpl
def order_actions(order: Order, user: User) -> list[OrderAction]:
    """A draft's next action is re-checking and submitting it (not while it waits for the customer);
    editing it comes next."""
    if order.status != OrderStatus.DRAFT:
        return []
    offered = []
    if user.can("order.submit") and waiting.open_wait(order) is None:
        offered.append(OrderAction(str(_l("Submit for review")), url_for("intake.recheck_order", order_id=order.id),
                                   primary=True, priority=10))
    if user.can("order.edit"):
        offered.append(OrderAction(str(_l("Edit the draft")), url_for("intake.edit_order", order_id=order.id),
                                   primary=True, priority=20))
    return offered


@hookimpl
def order_panels(order: Order, user: User) -> list[Panel]:
    """A draft's own actions on the order page: edit it, re-check and submit it."""
    if order.status != OrderStatus.DRAFT:
        return []
    can_edit, can_submit = user.can("order.edit"), user.can("order.submit")
    if not (can_edit or can_submit):
        return []
    return [Panel(str(_l("Draft")), "intake/draft_panel.html",
                  {"can_edit": can_edit, "can_submit": can_submit, "wait": waiting.open_wait(order),
                   "waiting_form": WaitingForm()}, order=10)]
