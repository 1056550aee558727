"""Hook implementations of the billing plugin: its whole contract at a glance, each a thin call into a
feature package (``invoices``, ``payments``, ``statements``, ``collection``) or the order page's section
(``panel``)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement

from core.contracts import (
    MENU_SETTINGS, Credit, CustomerView, Decision, Delivery, DocumentKind, Finding, Gate, Job, MenuItem, OrderAction,
    OrderChange, Outcome, Panel, Permission, Receivables, Task, TaskCount,
)
from core.hookspecs import hookimpl
from core.jobs import per_company
from core.models import Company, Customer, Order, PaymentTerms, User
from core.portal import list_url, panel_url
from plugins.billing import panel
from plugins.billing.collection import dunning, hold, letters
from plugins.billing.collection import inbox as collection_inbox
from plugins.billing.collection.labels import LABELS as COLLECTION_LABELS
from plugins.billing.invoices import credit_notes
from plugins.billing.invoices import documents as invoice_documents
from plugins.billing.invoices import services as invoices
from plugins.billing.invoices.labels import LABELS as INVOICE_LABELS
from plugins.billing.payments import inbox, receivables, settlement
from plugins.billing.payments import services as payments
from plugins.billing.payments.labels import LABELS as PAYMENT_LABELS
from plugins.billing.receivables import buckets as ageing_buckets
from plugins.billing.receivables.labels import LABELS as RECEIVABLE_LABELS
from plugins.billing.statements import documents as statement_documents
from plugins.billing.statements import inbox as statement_inbox
from plugins.billing.statements import invoicing as statement_invoicing
from plugins.billing.statements import run as statement_run
from plugins.billing.statements.labels import LABELS as STATEMENT_LABELS

UNDATED = datetime.max.replace(tzinfo=timezone.utc)  # a task without a due time sorts after every dated one
MENU_BILLING = _l("Billing")  # invoices and statements share one drop-down
FINANCE_READERS = ("administrator", "finance", "sales", "manager", "supervisor")


@hookimpl
def ordo_permissions() -> list[Permission]:
    return [
        Permission("billing.view", _l("See invoices and payments"), FINANCE_READERS),
        Permission("billing.payment.record", _l("Record payments received"), ("administrator", "finance")),
        # A customer's users read their own account only (``payments.account``).
        Permission("billing.account.view", _l("See a customer's invoices, payments, credit and balance"),
                   (*FINANCE_READERS, "customer")),
        Permission("billing.fapiao.record", _l("Record the fapiao the tax system issued"),
                   ("administrator", "finance")),
        Permission("billing.statement.view", _l("See statements of account"), (*FINANCE_READERS, "customer")),
        Permission("billing.statement.answer", _l("Confirm or dispute a statement of account"),
                   ("administrator", "customer")),
        Permission("billing.statement.resolve", _l("Answer disputed statement lines"),
                   ("administrator", "finance", "sales")),
        Permission("billing.statement.settings", _l("Set the statement day"), ("administrator", "finance")),
        Permission("billing.collection.follow_up", _l("Log follow-ups and promises to pay of overdue invoices"),
                   ("administrator", "finance", "sales", "manager")),
        Permission("billing.collection.settings", _l("Set the dunning levels"), ("administrator", "finance")),
        Permission(ageing_buckets.SETTINGS, _l("Set the ageing buckets"), ("administrator", "finance")),
        Permission(hold.PLACE, _l("Put a customer on credit hold"), ("administrator", "manager")),
        Permission(hold.RELEASE, _l("Release a customer's credit hold"), ("administrator", "manager")),
    ]


@hookimpl
def review_decided(order: Order, decision: Decision) -> None:
    """An approved prepayment order is invoiced at once: the customer pays against that invoice."""
    if decision.outcome == Outcome.APPROVED and order.payment_terms == PaymentTerms.PREPAYMENT:
        payments.apply_credit(invoices.issue_invoice(order))


@hookimpl
def delivered(order: Order, delivery: Delivery) -> None:
    """Cash-on-delivery and monthly orders are invoiced when the customer signs for the goods (monthly ones in
    the monthly statement instead, where the company's policy says so); the customer's credit (over-payments
    kept) pays what it can of the invoice at once."""
    if not statement_invoicing.invoiced_with_statement(order):
        payments.apply_credit(invoices.issue_invoice(order))


@hookimpl
def order_cancelled(order: Order, reason: str) -> None:
    """The invoice of a cancelled order is cancelled; what was paid of it becomes the customer's credit."""
    invoices.cancel_invoice(order, reason)
    payments.release_cancelled(order)


@hookimpl
def order_changed(order: Order, change: OrderChange) -> None:
    """An invoice is never edited: a change that moves what it bills credits it and issues its next version;
    a price lowered to what was paid settles the order."""
    reissued = credit_notes.reissue_after_change(order, change)
    if reissued is not None:
        payments.apply_credit(reissued[1])
        # A price lowered to what was paid already settles the order (queued: order_changed is running).
        settlement.settle_by_credit(order, *reissued)


@hookimpl
def credit_granted(order: Order, credit: Credit) -> None:
    """Money granted back on a problem case (a refused line, a defect) is a credit note against the invoice;
    one that clears what the payments left owing settles the order."""
    settlement.after_credit(order, credit_notes.credit_case(order, credit))


@hookimpl
def execution_gates(order: Order) -> list[Gate]:
    """Prepayment orders wait for their prepayment; a customer on credit hold has their orders held."""
    return payments.prepayment_gates(order) + hold.hold_gates(order)


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    if user.customer_id is not None:  # a customer's user reads their own account: invoices, payments, balance
        return [MenuItem(_l("Invoices and payments"), "billing_payments.own_account", "billing.account.view",
                         order=400, group=MENU_BILLING),
                MenuItem(_l("Statements"), "billing_statements.statements", "billing.statement.view", order=410,
                         group=MENU_BILLING)]
    return [MenuItem(_l("Invoices"), "billing.invoices", "billing.view", order=400, group=MENU_BILLING),
            MenuItem(_l("Statements"), "billing_statements.statements", "billing.statement.view", order=410,
                     group=MENU_BILLING),
            MenuItem(_l("Receivables ageing"), "billing_receivables.ageing_report", "billing.view", order=420,
                     group=MENU_BILLING),
            MenuItem(_l("Dunning levels"), "billing_collection.dunning_levels", "billing.collection.settings",
                     order=950, group=MENU_SETTINGS),
            MenuItem(_l("Ageing buckets"), "billing_receivables.ageing_buckets", ageing_buckets.SETTINGS,
                     order=955, group=MENU_SETTINGS)]


@hookimpl
def execution_holds() -> list[ColumnElement[bool]]:
    return payments.prepayment_holds() + hold.hold_conditions()


@hookimpl
def inbox_count(user: User, now: datetime) -> list[TaskCount]:
    disputes = statement_inbox.counts(user, now) + collection_inbox.counts(user, now)
    counted = payments.receivable_counts(user, now)
    if not counted:
        return disputes
    invoices = list_url(user, "billing.view", "billing.invoices")
    return [TaskCount("prepayment", _("Prepayments to confirm"), *counted["prepayment"], url=invoices),
            TaskCount("collect_payment", _("Payments to collect"), *counted["collect_payment"], url=invoices),
            *disputes]


@hookimpl
def inbox_tasks(user: User, limit: int | None) -> list[Task]:
    tasks = (inbox.receivable_tasks(user, limit) + statement_inbox.tasks(user, limit)
             + collection_inbox.tasks(user, limit))
    # Each list is due-first already; merged due first, those without a due time last (a stable sort).
    tasks.sort(key=lambda task: task.due_at or UNDATED)
    return tasks[:limit] if limit is not None else tasks


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("billing.statements", timedelta(hours=1), per_company("billing", statement_run.run),
                description="Make and send each customer's statement of account once its statement day has ended"),
            Job("billing.dunning", timedelta(hours=1), per_company("billing", dunning.run),
                description="Send each overdue invoice's next dunning notice once, settle promises to pay, "
                            "hold and release credit")]


@hookimpl
def order_actions(order: Order, user: User) -> list[OrderAction]:
    """Recording a payment while something is owed; the form is in the billing panel."""
    if user.customer_id is not None or not user.can("billing.view"):
        return []
    context = panel.order_billing(order, user)
    if context is None or not context["can_record"]:
        return []
    return [OrderAction(_("Record a payment"), panel_url(order.id, panel.TEMPLATE), primary=True, priority=40)]


@hookimpl
def order_panels(order: Order, user: User) -> list[Panel]:
    # Billing's panel names who recorded each payment and holds finance's form: staff only. A
    # customer reads their invoice as a document, and its payments on the timeline.
    if user.customer_id is not None or not user.can("billing.view"):
        return []
    context = panel.order_billing(order, user)
    if context is None:
        return []
    return [Panel(_("Invoice and payments"), panel.TEMPLATE, context, order=600)]


@hookimpl
def document_kinds() -> list[DocumentKind]:
    return [*invoice_documents.order_kinds(), letters.letter_kind()]


@hookimpl
def outbox_document(company: Company, kind: str, key: int, language: str) -> bytes | None:
    """A statement's email carries the customer's copy of the statement's PDF."""
    return statement_documents.outbox_document(company, kind, key, language)


@hookimpl
def ordo_labels() -> Mapping[str, Mapping[str, object]]:
    parts = (INVOICE_LABELS, PAYMENT_LABELS, STATEMENT_LABELS, COLLECTION_LABELS, RECEIVABLE_LABELS)
    return {namespace: {key: value for part in parts for key, value in part.get(namespace, {}).items()}
            for namespace in {name for part in parts for name in part}}


@hookimpl
def customer_timeline_actions() -> dict[str, CustomerView]:
    # The invoice's figures are the customer's; who cancelled it and why stays with staff.
    return {
        "invoice_issued": CustomerView(frozenset({"number", "version", "total", "currency", "due_date", "status"})),
        "invoice_paid": CustomerView(),
        "invoice_cancelled": CustomerView(),
        "invoice_credited": CustomerView(frozenset({"status", "credit_note"})),
        "credit_note_issued": CustomerView(frozenset({"number", "reason", "total", "currency", "invoice",
                                                      "case_number"})),
        # Money moved on the customer's own account: what, not who or why (staff's words). A payment's
        # reversal is the core's event ``payment_reversed``: the core declares what the customer sees of it.
        "credit_applied": CustomerView(frozenset({"amount", "currency", "invoice"})),
        "invoice_reopened": CustomerView(frozenset({"status"})),
        "payments_released": CustomerView(frozenset({"amount", "currency"})),
    }


# --- receivables for the review's credit checks --------------------------------


@hookimpl
def customer_receivables(company: Company, customer: Customer) -> Receivables | None:
    """Review's credit and history checks ask what the customer owes; billing keeps the books."""
    return receivables.customer_receivables(company, customer)


@hookimpl
def customer_credit_hold(company: Company, customer: Customer) -> str | None:
    """A customer on credit hold (placed by dunning or decided by a manager): intake warns the clerk taking
    their order; review and the execution gates hold it."""
    return hold.customer_hold_reason(customer)


@hookimpl
def review_rules(order: Order, change: OrderChange | None) -> list[Finding]:
    """A new order of a customer on credit hold cannot be approved by sales until the hold is released (or
    a manager overrides it with a reason)."""
    return hold.hold_findings(order) if change is None else []
