"""Hook specifications: the only way plugins talk to the core and to each other.

Stage events are fired by the core's typed event functions in
``core.orders.events`` and called on the plugins pinned on the order; a plugin
never calls ``pm.hook.<event>`` itself. Events never nest: an event fired
while another's hook runs is queued and dispatched after that hook returns, so
each listener sees the order in the status its spec names. A stage plugin's
notifications of work done (execution tasks, problem cases, invoices) go
through ``core.orders.events.notify``, queued the same way. The
extension hooks collect contributions and are called on the plugins switched
on for the current company, unless a spec says otherwise. Implementations take
the parameters they need by name and never the request.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from datetime import date, datetime

    from core.contracts import (
        CaseOpened, CaseResolved, Credit, CustomerView, Decision, Delivery, DocumentKind, DunningLevelReached,
        Finding, Gate, GoodsDispatched, GoodsReturned, InvoiceIssued, Job, LineLots, MenuItem, OrderAction,
        OrderChange, Payment, PaymentPromised, PaymentReversal, Permission, Panel, PromiseSettled, Receivables,
        ReviewOverdue, ReviewStepSpec, RoleSpec, Settlement, StockAvailability, StockLine, Task, TaskCompleted,
        TaskCount,
    )
    from flask_babel.speaklater import LazyString
    from sqlalchemy import ColumnElement

    from core.models import Company, Customer, Order, User

PROJECT = "ordo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -------------------------------------------------------------------------
# Stage events
# -------------------------------------------------------------------------


@hookspec
def order_submitted(order: Order) -> None:
    """React to an order that is complete, re-checked and submitted for review.

    Fired by the core when intake submits an order (``core.orders.submit``),
    after the order got its number, its pinned modules and the status
    ``submitted``. The review plugin opens its steps here; when review is not
    pinned on the order, the core's fallback approves the order instead. A
    decision made here is queued: every listener sees ``submitted``.

    :param order: the submitted order, status ``submitted``.

    The return value is ignored. Raising rolls the submission back.
    """


@hookspec
def review_decided(order: Order, decision: Decision) -> None:
    """React to the end of an order's review: approved, rejected or sent back.

    Fired by the core exactly once per review round, when the review plugin
    records the last decision (``core.orders.decide_review``), or by the
    core's fallback when review is not pinned on the order.

    :param order: the order, already in its new status (``approved``,
        ``rejected`` or, when sent back, ``draft``).
    :param decision: the outcome, the reasons and whether it was automatic.

    The return value is ignored. Raising rolls the decision back.
    """


@hookspec
def review_overdue(order: Order, overdue: ReviewOverdue) -> None:
    """React to a review step that ran past its limit in working hours.

    Fired by the core (``core.orders.review_overdue``) when the review
    plugin's sweep finds an open step past its limit: once per level, when the
    step is first escalated to the reviewers' superiors and each time an
    escalated limit runs out again (one level further up), and when a reviewer
    records why they cannot finish in time. The order's status does not
    change. KPIs count it as the fact ``review_overdue``.

    :param order: the order under review, status ``submitted``.
    :param overdue: which step, which level, the limit missed and the new one,
        who it went to and the reviewer's reason when they gave one.

    The return value is ignored. Raising rolls the sweep's step back.
    """


@hookspec
def production_started(order: Order) -> None:
    """React to work on an approved order's goods beginning: the order is in production.

    Fired by the core (``core.orders.start_production``) when logistics starts
    the first production task of the order's execution plan, after every
    execution gate let it through. An order with nothing to produce (no
    production task in its plan) ships from ``approved`` and never fires it;
    orders pinned without logistics skip it too. KPIs count it as the fact
    ``production_started``; the customer sees it on their timeline.

    :param order: the order, status ``in_production``.

    The return value is ignored. Raising rolls the task's start back.
    """


@hookspec
def shipped(order: Order) -> None:
    """React to goods leaving the warehouse for the customer.

    Fired by the core when logistics dispatches a shipment
    (``core.orders.ship``).

    :param order: the order, status ``shipped``.

    The return value is ignored.
    """


@hookspec
def delivered(order: Order, delivery: Delivery) -> None:
    """React to the customer signing for the goods.

    Fired by the core (``core.orders.deliver``) when logistics records the
    customer's acceptance, or by the core's "mark delivered" action when
    logistics is not pinned on the order. Billing issues its invoice here; when
    billing is not pinned, the core's fallback completes the order (after this
    hook: ``order_completed`` follows).

    :param order: the order, status ``delivered``.
    :param delivery: who signed, when, and any reservations.

    The return value is ignored.
    """


@hookspec
def credit_granted(order: Order, credit: Credit) -> None:
    """React to money granted back to the customer on a problem case.

    Fired by logistics through ``core.orders.events.notify`` (on the plugins
    pinned on the order, never inside an event's hooks: queued after them),
    after ``problem_case_resolved``, when a case is resolved by a credit that
    someone with ``logistics.credit`` approved. A
    plugin that keeps the order's accounts answers with a credit note of
    ``credit.amount`` referring to ``credit.case_number``; logistics never
    knows which plugin that is (or whether one is on: the credit stays recorded
    on the case either way).

    :param order: the order the case is about (any status after shipping).
    :param credit: the amount, the reason, the case and line, who approved it and when.

    The return value is ignored.
    """


@hookspec
def paid(order: Order, payment: Payment) -> None:
    """React to a confirmed payment for an order.

    Fired by the core when billing records a payment (``core.orders.record_payment``).
    When the payment settles a delivered order, ``order_completed`` follows
    after this hook.

    :param order: the order, in the status it had before the payment.
    :param payment: the amount, whether it was a prepayment, whether the order
        is now fully paid.

    The return value is ignored.
    """


@hookspec
def payment_reversed(order: Order, reversal: PaymentReversal) -> None:
    """React to a confirmed payment being taken back as entered wrongly.

    Fired by the core when billing reverses a payment (``core.orders.reverse_payment``),
    once per order the payment had paid something of, after the core cleared the
    order's ``paid_in_full_at`` if the order is no longer paid in full (so delivering
    it will not complete it). The status does not change; a completed order is never
    re-opened (billing refuses to reverse a payment that completed one). What a
    ``paid`` listener counted of the payment, a listener here takes back.

    :param order: the order, in its status (approved, in production, shipped or delivered).
    :param reversal: what the payment had paid of the order, when and why it was
        reversed, and whether the order is still paid in full.

    The return value is ignored. Raising rolls the reversal back.
    """


@hookspec
def order_settled(order: Order, settlement: Settlement) -> None:
    """React to an order that owes nothing more though no payment settled it.

    Fired by the core (``core.orders.settle``) when billing finds that a credit
    note took back what the payments had left owing (a refused line, a defect,
    a change lowering the price), after the core set the order's
    ``paid_in_full_at``. Payments that settle an order say so through ``paid``
    (``payment.fully_paid``); this event moves no money. When the order is
    delivered, ``order_completed`` follows after this hook.

    :param order: the order, in the status it had (approved to delivered).
    :param settlement: what was paid and credited of the order, when, and the
        credit note that settled it.

    The return value is ignored. Raising rolls the credit back.
    """


@hookspec
def order_completed(order: Order) -> None:
    """React to an order that is delivered and settled.

    Fired by the core when the order reaches ``completed``.

    :param order: the completed order.

    The return value is ignored.
    """


@hookspec
def order_cancelled(order: Order, reason: str) -> None:
    """React to an order being cancelled before delivery.

    Fired by the core on ``core.orders.cancel``.

    :param order: the order, status ``cancelled``.
    :param reason: why, as entered by the user.

    The return value is ignored.
    """


@hookspec
def change_requested(order: Order, change: OrderChange) -> None:
    """React to a change request recorded for an approved or shipped order.

    Fired by the core (``core.orders.request_change``) when the plugin that
    records change requests (review) has stored one, after the core checked
    that the order's stage allows every field it changes. The review plugin
    opens the change's review round here; when review is not pinned on the
    order, the core's fallback approves the change at once (``order_changed``
    follows, queued). The order is untouched until the change applies.

    :param order: the order, at revision ``change.base_revision``, in its status.
    :param change: what changes (the diff against the current revision) and
        its impact on the totals; see :class:`~core.contracts.OrderChange`.

    The return value is ignored. Raising rolls the request back.
    """


@hookspec
def order_changed(order: Order, change: OrderChange) -> None:
    """React to an approved change: the order is now at its next revision.

    Fired by the core (``core.orders.apply_change``) once every required step
    approved the change (or at once, by the core's fallback, when review is not
    pinned on the order). The revision the change replaced is kept and stays
    readable (``core.orders.revisions.revisions``). Execution re-plans and
    billing adjusts here; the review plugin tells the customer the impact.

    :param order: the order with the change applied, ``revision`` one higher
        than ``change.base_revision``, in the status it had.
    :param change: what changed and its impact (new totals, price difference).

    The return value is ignored. Raising rolls the change back.
    """


@hookspec
def goods_dispatched(order: Order, dispatch: GoodsDispatched) -> None:
    """React to a shipment leaving, line by line: every dispatch, the first and the later ones.

    Fired by logistics through ``core.orders.events.notify`` (on the plugins
    pinned on the order, never inside an event's hooks: queued after them),
    each time it dispatches a shipment
    (``plugins.logistics.shipments.services.dispatch``), after ``shipped``
    when the shipment is the order's first. ``shipped`` says
    the order left; this says what left of each line. Stock issues here what
    it had reserved for the lines.

    :param order: the order, status ``shipped`` (or delivered, for a pickup).
    :param dispatch: the shipment's number, when it left and its lines' quantities.

    The return value is ignored. Raising rolls the dispatch back.
    """


@hookspec
def goods_returned(order: Order, returned: GoodsReturned) -> None:
    """React to goods coming back: a problem case resolved by a return.

    Fired by logistics through ``core.orders.events.notify`` (on the plugins
    pinned on the order, never inside an event's hooks: queued after them),
    after ``problem_case_resolved`` and any ``credit_granted``, when a case on
    a line with a quantity is resolved by ``return``. Goods from a quality or
    damage case failed their check (``returned.sound`` is false): stock takes
    them into quarantine rather than back on hand.

    :param order: the order the case is about.
    :param returned: the case, the line, the quantity and whether the goods are sound.

    The return value is ignored. Raising rolls the resolution back.
    """


@hookspec
def execution_task_completed(order: Order, task: TaskCompleted) -> None:
    """React to a task of an order's execution plan being done.

    Fired by logistics through ``core.orders.events.notify`` (on the plugins
    pinned on the order, never inside an event's hooks: queued after them)
    when a person completes a task
    (``plugins.logistics.execution.services.complete_task``), after any
    ``production_started`` that starting it fired. The order's status does
    not change. KPIs count the
    task's timeliness for its department and person. Logistics keeps the
    payload on the task's ``task_completed`` audit entry (``task.as_record()``
    under this hook's name), from which ``ordo kpi rebuild`` reads it back.

    :param order: the order the plan is for, in its status.
    :param task: which task, its department and the person responsible, when
        it could be worked, when it was due and when it was done.

    The return value is ignored. Raising rolls the completion back.
    """


@hookspec
def problem_cases_opened(order: Order, cases: tuple[CaseOpened, ...]) -> None:
    """React to problem cases opened on an order's goods: refused or reserved lines, or a reported problem.

    Fired by logistics through ``core.orders.events.notify`` (on the plugins
    pinned on the order, never inside an event's hooks), once for the cases
    opened together: those a shipment's acceptance opens, one per refused or
    reserved line (before ``delivered`` when the acceptance completes the
    delivery, after it when the whole shipment was signed for with
    reservations), or the one problem reported afterwards. The order's
    status does not change.
    KPIs count the order as not accurate. Logistics keeps the payload on the
    ``case_opened`` audit entry (the ``cases_opened`` entry of a shipment
    lists one per case), under this hook's name.

    :param order: the order the case is about.
    :param cases: each case's number, type, source, department, when it was
        opened and by when it is to be resolved.

    The return value is ignored. Raising rolls the opening back.
    """


@hookspec
def problem_case_resolved(order: Order, case: CaseResolved) -> None:
    """React to a problem case resolved: replaced, repaired, returned, credited or rejected.

    Fired by logistics through ``core.orders.events.notify`` (on the plugins
    pinned on the order, never inside an event's hooks) when someone with
    ``logistics.cases.resolve`` resolves a case (a reopened case, each time),
    before the ``credit_granted`` and ``goods_returned`` that the resolution
    may bring and before any ``delivered`` it completes. KPIs count the case's timeliness for its department and the
    person who resolved it. Logistics keeps the payload on the
    ``case_resolved`` audit entry, under this hook's name.

    :param order: the order the case is about.
    :param case: the case, how it was resolved, when it was opened, its limit
        and when and by whom it was resolved.

    The return value is ignored. Raising rolls the resolution back.
    """


@hookspec
def invoice_issued(order: Order, invoice: InvoiceIssued) -> None:
    """React to an invoice issued for an order: the first, or the next version after a change.

    Fired by billing through ``core.orders.events.notify`` (on the plugins
    pinned on the order) each time it issues an invoice: when the customer
    signs for the goods, on the monthly statement's day, or after a change
    credited the version before. Billing issues most invoices inside the
    ``delivered`` or ``order_changed`` hooks: the notification is queued after
    them, never heard inside them. Billing keeps the payload on the
    ``invoice_issued`` audit entry, under this hook's name.

    :param order: the order invoiced, in its status (delivered, or changed).
    :param invoice: its number and version, the amount and currency, when it
        was issued and when it falls due.

    The return value is ignored. Raising rolls the issue back.
    """


# -------------------------------------------------------------------------
# Collection: the customer's dunning and promises, notified by billing
# -------------------------------------------------------------------------


@hookspec
def dunning_level_reached(company: Company, notices: tuple[DunningLevelReached, ...]) -> None:
    """React to overdue invoices reaching a dunning level: the notices one dunning run sent.

    Called by billing's dunning run (``plugins.billing.collection.dunning.run_dunning``,
    the ``billing.dunning`` job and ``ordo billing dunning``), on the plugins
    switched on for the company (dunning is the customer's, not an order's
    event: no order's pinned set applies, and no status changes), once per run
    that sent notices, after it stored them, queued the emails and wrote their
    audit entries; a dry run never calls it. KPIs count the notices per
    customer and salesperson. Billing keeps each payload on the invoice's
    ``dunning_notice_sent`` audit entry, under this hook's name, from which
    ``ordo kpi rebuild`` reads it back.

    :param company: the company whose invoices are overdue.
    :param notices: each notice: the customer, the invoice and its order, the
        level and channel, the days overdue, what it owed and when.

    The return value is ignored. Raising rolls the run back.
    """


@hookspec
def payment_promised(company: Company, promise: PaymentPromised) -> None:
    """React to a customer's promise to pay an amount by a date, recorded by a salesperson.

    Called by billing (``plugins.billing.collection.promises.make_promise``), on
    the plugins switched on for the company, after it stored the promise and
    its ``payment_promised`` audit entry (which keeps the payload under this
    hook's name). Until its date the promise pauses the dunning of what it
    covers. KPIs count promises per customer and salesperson.

    :param company: the customer's company.
    :param promise: the promise, the customer, the invoice (or none: the
        account), the amount, its date, who took it and when.

    The return value is ignored. Raising rolls the promise back.
    """


@hookspec
def payment_promises_settled(company: Company, promises: tuple[PromiseSettled, ...]) -> None:
    """React to promises to pay whose date passed, found kept or broken.

    Called by billing's dunning run (``promises.settle_due``), on the plugins
    switched on for the company, once per run that settled promises, after it
    marked them and wrote each one's ``payment_promise_kept`` or
    ``payment_promise_broken`` audit entry (which keeps the payload under this
    hook's name) and queued the email telling the salesperson of a broken one.
    KPIs count kept and broken promises per customer and salesperson.

    :param company: the customer's company.
    :param promises: each promise settled: kept or not, what was promised and
        by when, what it still owed, who took it, when it was settled, and the
        order of the invoice promised (none for a promise of the account; the
        audit entry is then on that order too).

    The return value is ignored. Raising rolls the run back.
    """


# -------------------------------------------------------------------------
# Access: permissions and roles
# -------------------------------------------------------------------------


@hookspec
def ordo_permissions() -> list[Permission]:
    """Return the permissions this plugin defines.

    Called by the core on every registered plugin (enabled or not, so that an
    administrator can grant them ahead of switching the module on) when a
    company is created and when the roles page is shown.

    Return a list of :class:`~core.contracts.Permission`; ``default_roles``
    names the built-in roles that get the permission in a new company.
    """


@hookspec
def ordo_roles() -> list[RoleSpec]:
    """Return the roles this plugin adds to every company.

    Called by the core on every registered plugin when a company is created.

    Return a list of :class:`~core.contracts.RoleSpec`.
    """


# -------------------------------------------------------------------------
# Portal contributions
# -------------------------------------------------------------------------


@hookspec
def menu_items(user: User) -> list[MenuItem]:
    """Return the navigation links this plugin adds to the portal.

    Called by the core on the plugins enabled for the user's company each time
    a page is rendered. The core hides items whose permission the user lacks and
    shows items of one ``group`` (``MENU_ORDERS``, ``MENU_SETTINGS``, ...) in one
    drop-down menu, so a stage's pages and settings do not widen the navigation.

    :param user: the signed-in user.

    Return a list of :class:`~core.contracts.MenuItem`.
    """


@hookspec
def inbox_count(user: User, now: datetime) -> list[TaskCount]:
    """Count what is waiting for this user, kind by kind, and how much of it is late.

    Called by the core on every portal page, for the count on the inbox's menu
    item, and by the inbox page and ``GET /api/v1/tasks`` for their totals; on
    the same plugins as :func:`inbox_tasks`. Count in the database, with one
    aggregate query (or a fixed few), never by loading the tasks: the number
    of statements must stay the same for 10 tasks and for 100,000. Each
    ``total`` is the number of tasks of its kind :func:`inbox_tasks` returns
    without a limit, and ``late`` the number of those due before ``now``.

    :param user: the signed-in user.
    :param now: the moment that decides what is late, the same for the whole request.

    Return a list of :class:`~core.contracts.TaskCount`, one for each kind of
    task the plugin contributes; a kind with nothing waiting may be left out.
    """


@hookspec
def inbox_tasks(user: User, limit: int | None) -> list[Task]:
    """Return the most urgent of what is waiting for this user: steps to decide, goods to ship.

    Called by the core for the task inbox page and ``GET /api/v1/tasks``, on
    the plugins enabled for the user's company and on those pinned on its
    orders still in flight (a module switched off still lists their work).
    Only return tasks the user may act on. Return the first ``limit`` in the
    plugin's order of urgency: by ``due_at``, earliest first, then those
    without one, in an order that stays the same from call to call. The core
    pages the inbox by asking every plugin for its first tasks up to the end
    of the page and merging them. Load what the tasks show with a fixed number
    of statements (one query with joins, or eager loading): never one per
    task. :func:`inbox_count` counts the same tasks.

    :param user: the signed-in user.
    :param limit: how many tasks at most; ``None`` for all of them.

    Return a list of :class:`~core.contracts.Task`; late ones carry ``due_at``.
    """


@hookspec
@hookspec
def customer_timeline_actions() -> dict[str, CustomerView]:
    """Return the audit actions this plugin records that a customer may see on their order's timeline.

    Called by the order page and ``GET /api/v1/orders/{id}/timeline``, on the
    plugins pinned on the order, when the reader is a customer user. An action
    no plugin returns is internal (review steps, a clerk's edits) and never
    reaches a customer; the core returns its order events, each showing its
    outcome but no internal reason or note.

    Return a dict from action code to :class:`~core.contracts.CustomerView`:
    which of the entry's recorded values the customer sees.
    """


@hookspec
def document_kinds() -> list[DocumentKind]:
    """Return the PDF documents this plugin can render for an order.

    Called by the core, on the plugins pinned on the order (the company's
    current set for a draft), to serve ``GET /api/v1/orders/{id}/documents/{kind}``
    and the order page's links.

    Return a list of :class:`~core.contracts.DocumentKind`.
    """


@hookspec(firstresult=True)
def outbox_document(company: Company, kind: str, key: int, language: str) -> bytes | None:
    """Give the PDF of a document this plugin owns, to attach to an outbox email.

    Called by the outbox's sender (``core.outbox``), on the plugins enabled for
    the message's company, when it prepares an email whose attachment is not an
    order's document but one a plugin queued with
    :class:`~core.outbox.OwnedDocumentRef` (billing's statement of account). The
    queue holds the reference only; the plugin that owns ``kind`` reads its row
    ``key``, of ``company`` only, and answers its customer's copy in ``language``.
    A resent message must attach the same bytes: answer a stored rendering.

    :param company: the company whose message it is.
    :param kind: the document's kind as queued (``billing.statement``).
    :param key: the id of the document's row in the owner's table.
    :param language: the recipient's language, the customer's.

    Return the PDF's bytes, or ``None`` when ``kind`` is not this plugin's or
    names no row of the company (the message then fails its attempt). Stops at
    the first non-None result.
    """


@hookspec
def order_panels(order: Order, user: User) -> list[Panel]:
    """Return the sections this plugin adds to an order's page.

    Called by the order page, on the plugins pinned on the order (the company's
    current set for a draft), each time the page is shown: review steps,
    shipments, invoices, and the core's "mark delivered" form when logistics
    is not pinned.

    :param order: the order shown.
    :param user: the signed-in user; return only what they may see.

    Return a list of :class:`~core.contracts.Panel`.
    """


@hookspec
def order_actions(order: Order, user: User) -> list[OrderAction]:
    """Return what this user can do next on an order through this plugin.

    Called by the order page, on the plugins pinned on the order (the company's
    current set for a draft), each time the page is shown. The page makes the
    ``primary`` action with the lowest ``priority`` its main button beside the
    status bar (submit a draft, decide the open review step, ship, record a
    payment) and lists the others in its "more" menu. An action that needs
    input links (``GET``) to the form that takes it, usually the plugin's panel
    on the page (``core.portal.panel_url``); one that needs none posts at once.

    :param order: the order shown.
    :param user: the signed-in user; return only what they may do now.

    Return a list of :class:`~core.contracts.OrderAction`.
    """


@hookspec
def ordo_labels() -> dict[str, dict[str, LazyString]]:
    """Return how the codes this plugin stores and shows read, in the reader's language.

    Called by the core once, when the app is built, on every registered plugin,
    enabled or not (the timeline of an old order still names what a module
    switched off recorded). Pages and documents show stored codes through
    ``core.labels.label(value, namespace)``, also the Jinja global and filter
    ``label``; a code nobody labels shows as it was stored, so text a user
    typed stays as typed.

    The namespaces the core reads: ``status.<entity>`` (the ``status`` of an
    audit entry's ``before`` and ``after``: ``status.order``,
    ``status.shipment``, ``status.invoice``, ``status.review_step``),
    ``audit.action`` (the timeline's names of audit actions), ``note`` (notes
    the services record as codes, such as ``shipment_dispatched``; a note's
    label may name values of its entry's ``after`` as ``%(key)s``), ``reason``
    (reason codes of findings and decisions), ``rule`` (review rules by name)
    and ``payment_method``. A plugin adds namespaces of its own at will.
    Permissions, roles and modules are labelled by what they declare
    (:class:`~core.contracts.Permission` and :class:`~core.contracts.RoleSpec`
    labels, ``Manifest.label`` and ``Manifest.description``).

    Return a dict from namespace to a dict from code to a label made with
    ``lazy_gettext``. A code may be an enum member: ``label(member)`` then needs
    no namespace. Two plugins labelling one code in one namespace fail at start-up.
    """


# -------------------------------------------------------------------------
# Intake
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def customer_credit_hold(company: Company, customer: Customer) -> str | None:
    """Say whether a customer is on credit hold, and why, before an order of theirs is submitted.

    Called by intake's checks (``plugins.intake.checks``), on the plugins
    enabled for the company, each time a clerk re-checks or submits an order
    and when a customer places one; an import asks once per customer for each
    chunk of orders it checks (``checks.batch_for``). Billing answers from its credit
    holds (placed when dunning reaches a level that holds credit, or by a manager,
    until released); a company without billing has no credit holds. A hold is a
    *warning* next to the customer field, on the entry page and in the API's answer
    to a submission: the clerk may take the order once they confirm it (the
    confirmation is recorded), and it is review and the execution gates that hold
    the order until the hold is released.

    :param company: the company taking the order.
    :param customer: the customer who placed it.

    Return the reason, a plain sentence in the reader's language (no amounts:
    a clerk who may not see prices reads it), or ``None`` when the customer
    may order. Stops at the first non-None result.
    """


@hookspec(firstresult=True)
def order_numbers(company: Company, day: date, count: int) -> list[str] | None:
    """Reserve ``count`` order numbers of one day for orders written in bulk rather than submitted.

    Called by the core's cloning (``core.cloning``), on the plugins enabled for
    the company, once per day of the orders it writes: the demo's year of history
    (``ordo demo``) and the benchmarks' generated data copy orders a flow made and
    give each copy a number of its own day. Intake answers from the day's counter,
    which it advances by ``count`` in the caller's transaction, so an order submitted
    on that day later takes the next number, as it would after ``count`` submissions.

    :param company: the company whose orders get the numbers.
    :param day: the company-local day the orders were submitted on.
    :param count: how many numbers, at least 1.

    Return the ``count`` numbers in the order they were handed out (the day's
    sequence ascending), or ``None`` to leave it to another plugin. Stops at the
    first non-None result.
    """


@hookspec(firstresult=True)
def stock_available(company: Company, product_ids: list[int]) -> StockAvailability | None:
    """Say how much of each product is available now, for the entry's line table.

    Called by intake's line table (the order form and the line check as the
    clerk types), on the plugins enabled for the company, once for all the
    lines shown: answer with one query however many products are asked about.
    A read: it writes nothing. With no stock module on, nobody answers and the
    table shows no availability column.

    :param company: the company taking the order.
    :param product_ids: the products of the lines shown.

    Return a :class:`~core.contracts.StockAvailability`, or ``None`` to leave it
    to another plugin. Stops at the first non-None result.
    """


# -------------------------------------------------------------------------
# Review
# -------------------------------------------------------------------------


@hookspec
def review_steps(order: Order) -> list[ReviewStepSpec]:
    """Return the review steps this plugin requires for an order.

    Called by the review plugin, on the plugins pinned on the order, when the
    order is submitted. The review plugin itself contributes sales, finance and
    production; a plugin may add a department of its own.

    :param order: the submitted order.

    Return a list of :class:`~core.contracts.ReviewStepSpec`.
    """


@hookspec
def review_rules(order: Order, change: OrderChange | None) -> list[Finding]:
    """Check an order (or a change to it) and return findings.

    Called by the review plugin, on the plugins pinned on the order, when a
    review round opens (and by the dry-run, which writes nothing). A
    ``reject`` finding rejects the step of its ``department`` with the reason
    codes; ``needs_step`` adds the finding's ``step``; ``approve`` is shown on
    its step with its ``severity``: ``info`` and ``warning`` inform the
    reviewer, ``blocking`` stops the step's approval until a manager
    overrides it with a reason.

    :param order: the order under review (its lines, customer and products loaded).
    :param change: the change request under review, or ``None`` for a new order.

    Return a list of :class:`~core.contracts.Finding` (empty when satisfied).
    """


@hookspec(firstresult=True)
def customer_receivables(company: Company, customer: Customer) -> Receivables | None:
    """Return what the customer owes the company: outstanding and overdue receivables.

    Called by the review plugin's credit and history checks, on the plugins
    switched on for the company. Billing answers from its invoices and
    payments; with billing switched off nobody answers and the checks say they
    had no receivables to see.

    :param company: the customer's company.
    :param customer: the customer.

    Return a :class:`~core.contracts.Receivables`, or ``None`` to leave it to
    another plugin. Stops at the first non-None result.
    """


# -------------------------------------------------------------------------
# Execution
# -------------------------------------------------------------------------


@hookspec
def execution_gates(order: Order) -> list[Gate]:
    """Return the gates that may hold an approved order out of execution.

    Called by logistics, on the plugins pinned on the order, before it starts
    a production task of the order's execution plan and before it ships.
    Billing blocks orders on prepayment until the prepayment is confirmed,
    without logistics knowing billing exists.

    :param order: the approved order (or one already in production).

    Return a list of :class:`~core.contracts.Gate`; any ``blocked`` gate stops
    execution and its reason is shown to the user.
    """


@hookspec(firstresult=True)
def line_stock(order: Order) -> list[StockLine] | None:
    """Say what stock holds for each line of an approved order, for its execution plan.

    Called by logistics, on the plugins pinned on the order, when it plans the
    order's execution. A line fully reserved (``StockLine.in_stock``) gets
    "pick and pack" tasks instead of production tasks. A read: it writes
    nothing. Without a stock module pinned nobody answers and every line is produced.

    :param order: the approved order.

    Return a list of :class:`~core.contracts.StockLine`, one per line, or
    ``None``. Stops at the first non-None result.
    """


@hookspec(firstresult=True)
def line_lots(order: Order, shipment_number: str) -> list[LineLots] | None:
    """Say which lots (or serial numbers) each line's goods left stock in with a shipment.

    Called by logistics, on the plugins pinned on the order, when it renders a
    shipment's certificate of conformity, so the certificate names the lots that
    went out as the dispatch took them (first received, first issued) beside the
    numbers its pre-dispatch check recorded. A read: it writes nothing. Without a
    stock module pinned nobody answers and the certificate shows the check's numbers.

    :param order: the order the shipment belongs to.
    :param shipment_number: the shipment's number, as ``goods_dispatched`` gave it.

    Return a list of :class:`~core.contracts.LineLots`, one per line that took
    lots out (a line without lots is left out), or ``None``. Stops at the first
    non-None result.
    """


@hookspec
def execution_holds() -> list[ColumnElement[bool]]:
    """Return, as SQL, the conditions under which this plugin's gates hold an order out of execution.

    The set form of :func:`execution_gates`, for questions over many orders at
    once: logistics selects the orders to ship, and counts them for the inbox,
    in one query. Called on the plugins taking part in the company's inbox
    (switched on, or pinned on an order still in flight). Each condition is an
    expression over ``core.models.Order`` (it may use subqueries correlated
    with it) that is true exactly for the orders this plugin's
    ``execution_gates`` would block; it includes that the plugin is pinned on
    the order (``core.modules.pinned``), since only those orders pass its gates.

    Return a list of SQL boolean expressions; an order matching any of them is
    held back.
    """


# -------------------------------------------------------------------------
# Jobs
# -------------------------------------------------------------------------


@hookspec
def ordo_jobs() -> list[Job]:
    """Return the periodic jobs this plugin contributes to ``ordo worker``.

    Called by the core on every registered plugin, enabled or not, when
    ``ordo worker`` starts and for ``ordo jobs list`` and ``ordo jobs run``.
    A job runs once for the whole installation, not per company: do the work
    through ``core.jobs.per_company(plugin, work)``, which calls ``work`` for
    each company whose modules include the plugin, so the job never asks
    whether it is switched on (and whose ``for_company(company, now)`` runs it
    for one company: the demo runs jobs so for its history). The core contributes ``outbox.send`` and ``documents.render``.

    Return a list of :class:`~core.contracts.Job`; each name is unique across
    plugins. The worker runs a job when it is due (``every`` after its last
    start), under a lease, in its own transaction: the return value of
    ``run`` is logged and kept as the job's last result; raising rolls the
    run back and records the failure.
    """
