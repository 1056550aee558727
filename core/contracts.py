"""The typed values that travel through hooks: event payloads and contributions.

Every hook argument and return value in ``core.hookspecs`` is one of these, so a
plugin author reads one module to know what they receive and what to return.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Self

from flask_babel import lazy_gettext as _l

from core.models.masterdata import PaymentTerms
from core.models.order import DeliveryMethod

if TYPE_CHECKING:
    from core.models import Order


class Stage(enum.StrEnum):
    """The stages of the procedure; each is owned by at most one plugin."""

    INTAKE = "intake"
    REVIEW = "review"
    LOGISTICS = "logistics"
    BILLING = "billing"
    KPI = "kpi"


# --- stage event payloads ---------------------------------------------------


class Outcome(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"  # returned to the clerk to correct, then resubmitted


@dataclass(frozen=True)
class StepTime:
    """When one review step of a round was open and decided, and by whom: its timeliness, as KPIs count it."""

    department: str
    opened_at: datetime
    due_at: datetime | None  # the step's limit (before any escalation)
    decided_at: datetime
    decided_by: int | None = None  # user id; None when rules decided it


@dataclass(frozen=True)
class Decision:
    """The result of an order's review, passed to ``review_decided``."""

    outcome: Outcome
    reasons: tuple[str, ...] = ()  # reason codes (labelled under "reason"), or a reviewer's words
    automatic: bool = False  # decided by the core because review was switched off
    rules: tuple[str, ...] = ()  # the review rules that decided it, by name, when no person did
    decided_by: int | None = None  # user id of the last decider
    # Each review step's outcome, as (department, outcome) pairs: "approved", "rejected", "sent_back", "closed".
    steps: tuple[tuple[str, str], ...] = ()
    # The round's decided steps with their times (empty when no step was opened).
    step_times: tuple[StepTime, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """The customer's sign-off, passed to ``delivered``."""

    signed_by: str
    signed_at: datetime
    reservations: str | None = None  # accepted with reservations when set
    shipment_id: int | None = None  # None when the core's "mark delivered" was used
    rating: int | None = None  # the customer's rating of the delivery, 1 to 5 (the last one given)
    refused_lines: int = 0  # acceptances of a line that refused some of it
    reserved_lines: int = 0  # acceptances of a line with reservations


@dataclass(frozen=True)
class Credit:
    """Money owed back to the customer on a problem case, approved; passed to ``credit_granted``."""

    amount: Decimal  # net of nothing: the approved amount, at most the line's (or order's) value
    reason: str  # why, in the approver's words
    granted_at: datetime
    case_id: int
    case_number: str  # shown on a credit note as its reference
    order_line_id: int | None = None  # the line credited; None for the whole order
    granted_by_id: int | None = None


@dataclass(frozen=True)
class Payment:
    """A confirmed payment, passed to ``paid``."""

    amount: Decimal
    received_at: datetime
    is_prepayment: bool
    fully_paid: bool  # the order's total is now covered
    payment_id: int | None = None
    method: str | None = None  # how it was paid, as a code labelled under "payment_method"


@dataclass(frozen=True)
class PaymentReversal:
    """A confirmed payment taken back as entered wrongly, passed to ``payment_reversed``.

    The reversal is per order: a payment that paid several orders is reversed on
    each with what it had paid of that order.
    """

    amount: Decimal  # what the reversed payment had paid of this order
    reversed_at: datetime
    reason: str  # why, in the words of who reversed it (staff's: never shown to the customer)
    fully_paid: bool  # the order is still paid in full without it
    payment_id: int | None = None
    method: str | None = None  # how it had been paid, as a code labelled under "payment_method"


@dataclass(frozen=True)
class Settlement:
    """An order that owes nothing more though no payment settled it, passed to ``order_settled``.

    A credit note took back what the payments had left owing (a refused line,
    a defect, a change lowering the price): ``paid`` and ``credited`` together
    cover the order's total. No money moved, so it is not a ``paid`` event: a
    listener counting what was collected counts nothing here.
    """

    settled_at: datetime
    paid: Decimal  # what payments (not reversed) paid of the order
    credited: Decimal  # what credit notes on problem cases took back of it
    credit_note: str | None = None  # the number of the credit note that settled it


@dataclass(frozen=True)
class LineChange:
    """One line of an order change: a line's new quantity, price or specification, a line added or removed.

    ``line_no`` names the line of the base revision that changes or goes
    (``remove``); an added line has no ``line_no`` and names its ``product_id``.
    A value left ``None`` stays as it was.
    """

    line_no: int | None = None
    product_id: int | None = None  # an added line's product
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    specification: str | None = None
    remove: bool = False

    @property
    def added(self) -> bool:
        return self.line_no is None


@dataclass(frozen=True)
class FieldChange:
    """One field of an order as a change request would change it: the value now and the one asked for."""

    field: str  # an ``Order`` attribute ("requested_date") or "lines"
    old: Any
    new: Any


@dataclass(frozen=True)
class OrderChange:
    """A change to a submitted order, as review rules and ``change_requested``/``order_changed`` listeners get it.

    The order is the current revision (``revision - 1``); the change is what
    the change request asks for, twice over: ``changes``, one
    :class:`FieldChange` per field that moves (``requested_date``,
    ``delivery_method``, ``payment_terms``, and ``lines``, whose ``old`` and
    ``new`` are the order's lines before and after as tuples of dicts with
    ``line_no``, ``product_code``, ``specification``, ``quantity`` and
    ``unit_price``), and the typed diff the core applies: ``lines`` (a
    :class:`LineChange` per line that changes, is added or removed) and the
    header's new values (``None``: unchanged). The impact is what the order
    comes to once it applies: the new totals and the difference in total.
    """

    change_id: int | None
    revision: int  # the revision the change would produce
    changes: tuple[FieldChange, ...] = ()
    new_total: Decimal | None = None  # the order's total after the change, when it moves
    lines: tuple[LineChange, ...] = ()
    requested_date: date | None = None
    delivery_method: DeliveryMethod | None = None
    payment_terms: PaymentTerms | None = None
    # The delivery date the reviewing departments promise once the change applies (their answer).
    promised_date: date | None = None
    reason: str = ""  # why it is asked for, as typed
    requested_by: int | None = None  # user id
    new_subtotal: Decimal | None = None
    new_tax_total: Decimal | None = None
    price_difference: Decimal | None = None  # the new total minus the current one

    @property
    def base_revision(self) -> int:
        """The revision the change was asked against: the order's current one while it is reviewed."""
        return self.revision - 1

    def changed(self, name: str) -> FieldChange | None:
        """The change to field ``name``, or None when it stays as it is."""
        return next((change for change in self.changes if change.field == name), None)

    @property
    def fields(self) -> frozenset[str]:
        """What the typed diff changes: ``quantity``, ``unit_price``, ``specification``, ``lines`` (added or
        removed), ``requested_date``, ``delivery_method``, ``payment_terms``, ``promised_date``."""
        changed: set[str] = set()
        for line in self.lines:
            if line.added or line.remove:
                changed.add("lines")
                continue
            changed |= {name for name in ("quantity", "unit_price", "specification")
                        if getattr(line, name) is not None}
        changed |= {name for name in ("requested_date", "delivery_method", "payment_terms", "promised_date")
                    if getattr(self, name) is not None}
        return frozenset(changed)


# --- contributions ----------------------------------------------------------


@dataclass(frozen=True)
class Permission:
    """A named permission and the built-in roles that receive it by default."""

    name: str
    label: str
    default_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleSpec:
    """A role a plugin adds to every company."""

    name: str
    label: str


# The menus the portal's navigation groups its links under (``MenuItem.group``); a plugin may name its own.
MENU_ORDERS = _l("Orders")
MENU_MASTER_DATA = _l("Master data")
MENU_SETTINGS = _l("Settings")


@dataclass(frozen=True)
class MenuItem:
    """A link in the portal's navigation, shown to users holding ``permission``.

    ``shortcut``: a key (``"n"``) that opens the link from the lists offering it (the order list offers
    "New order" as its first action); pressed outside a field.
    Links with the same ``group`` (a label, such as :data:`MENU_SETTINGS`) share one
    drop-down menu named by it, so the navigation stays one line however many stages
    are on; a group the user sees only one link of shows that link alone.
    """

    label: str
    endpoint: str
    permission: str | None = None
    order: int = 100
    params: Mapping[str, Any] = field(default_factory=dict)
    shortcut: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Task:
    """Something waiting for the current user in their inbox."""

    title: str
    url: str
    kind: str
    due_at: datetime | None = None
    order_number: str | None = None

    def is_late(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class TaskCount:
    """How many tasks of one ``kind`` wait for a user, and how many of them are late.

    The inbox's menu badge adds up ``total`` (and shows ``late`` apart); the inbox
    page names each kind with ``label`` and, past the tasks it pages through,
    sends the user to ``url``: the plugin's own list of all of them.
    """

    kind: str
    label: str
    total: int
    late: int = 0
    url: str | None = None


class StepPolicy(enum.StrEnum):
    """How many of a step's deciders must approve it."""

    ANY = "any"  # any one of them
    ALL = "all"  # every one of them
    QUORUM = "quorum"  # N of them (``ReviewStepSpec.quorum``)


@dataclass(frozen=True)
class ReviewStepSpec:
    """A department's review step that every submitted order goes through.

    Steps with the same ``sequence`` are open at the same time (a parallel
    group); the groups are decided in ascending ``sequence``.
    """

    department: str  # "sales", "finance", "production", or a plugin's own
    label: str
    permission: str  # who may decide it, e.g. "review.decide.finance"
    sequence: int  # steps are decided in ascending order; equal sequences in parallel
    hours: int  # time limit in working hours from when the step opens
    policy: StepPolicy = StepPolicy.ANY
    quorum: int = 1  # approvals needed under ``StepPolicy.QUORUM``
    # Who may decide it besides holders of ``permission``: when either is set, only they
    # (users holding one of ``roles``, or named by id in ``users``) decide.
    roles: tuple[str, ...] = ()
    users: tuple[int, ...] = ()


class Verdict(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    NEEDS_STEP = "needs_step"


class Severity(enum.StrEnum):
    """How much a finding weighs: ``blocking`` stops its step's approval unless a manager overrides it."""

    INFO = "info"
    WARNING = "warning"
    BLOCKING = "blocking"


@dataclass(frozen=True)
class Finding:
    """What a review rule concluded about an order (or a change to it)."""

    rule: str  # its name, labelled under "rule"
    verdict: Verdict
    reason_codes: tuple[str, ...] = ()  # labelled under "reason"
    message: str = ""  # the rule's own words, kept with the finding and shown when no reason code has a label
    # What the finding is about, shown beside the reasons' labels in every language: product codes, a name.
    params: Mapping[str, str] = field(default_factory=dict)
    department: str | None = None  # the step this finding belongs to
    step: ReviewStepSpec | None = None  # the extra step, for NEEDS_STEP
    severity: Severity = Severity.INFO  # of an ``approve`` finding (a note): info, warning or blocking


@dataclass(frozen=True)
class Receivables:
    """What a customer owes the company, as billing sees it, passed back from ``customer_receivables``."""

    outstanding: Decimal  # invoiced and not yet paid
    overdue: Decimal  # of which past the due date
    late_payments: int = 0  # invoices paid after their due date, or still unpaid past it
    currency: str = "CNY"


class OverdueKind(enum.StrEnum):
    REMINDER = "reminder"  # the reviewers were reminded
    ESCALATION = "escalation"  # the step went up to a superior
    DELAY = "delay"  # a reviewer said why they cannot finish in time


@dataclass(frozen=True)
class ReviewOverdue:
    """A review step that ran past its limit, passed to ``review_overdue``."""

    step_id: int
    department: str
    kind: OverdueKind  # escalated by the sweep, or a reviewer's delay notice
    level: int  # 1: the reviewers' superiors, 2: one further up, ...
    due_at: datetime  # the limit that was missed
    new_due_at: datetime | None  # the escalated step's new limit
    escalated_to: tuple[int, ...] = ()  # user ids
    reason: str | None = None  # the reviewer's own words, when they gave them


@dataclass(frozen=True)
class DispatchedLine:
    """One order line's quantity in a shipment that left."""

    order_line_id: int
    quantity: Decimal


@dataclass(frozen=True)
class GoodsDispatched:
    """A shipment handed to the carrier (or collected), passed to ``goods_dispatched``."""

    shipment_number: str
    dispatched_at: datetime
    lines: tuple[DispatchedLine, ...]


@dataclass(frozen=True)
class GoodsReturned:
    """Goods that came back on a problem case resolved by return, passed to ``goods_returned``."""

    case_number: str
    order_line_id: int
    quantity: Decimal
    returned_at: datetime
    # False when the goods failed their check (a quality or damage case): they are held apart, not resold.
    sound: bool = True


# --- stage work notified by the plugin that does it -------------------------
#
# The payloads below travel through notification hooks a stage plugin fires (not order events: the order's
# status does not change). The plugin firing one also keeps it on the audit entry of the action, under the
# hook's name (``as_record``: JSON), among the entries named by ``audit_actions``; ``ordo kpi rebuild`` reads
# it back from there (``from_record``), so live recording and a rebuild see the same values.


class _Recorded:
    """A payload that is kept on an audit entry as JSON: moments as ISO text, everything else as is."""

    hook: ClassVar[str]  # the hook spec it travels through, and its key on the audit entry
    audit_actions: ClassVar[tuple[str, ...]]  # the audit actions whose entries carry it
    _moments: ClassVar[frozenset[str]] = frozenset()  # the fields that are datetimes
    _days: ClassVar[frozenset[str]] = frozenset()  # dates
    _amounts: ClassVar[frozenset[str]] = frozenset()  # Decimals, kept as text (exact)

    def as_record(self) -> dict[str, Any]:
        values = asdict(self)  # type: ignore[call-overload]
        return {key: None if value is None else str(value) if key in self._amounts
                else value.isoformat() if key in self._moments | self._days else value
                for key, value in values.items()}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        names = {each.name for each in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: cls._read(key, value) for key, value in record.items() if key in names})

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        if value is None:
            return None
        if key in cls._moments:
            return datetime.fromisoformat(value)
        if key in cls._days:
            return date.fromisoformat(value)
        return Decimal(value) if key in cls._amounts else value


@dataclass(frozen=True)
class TaskCompleted(_Recorded):
    """An execution task done, passed to ``execution_task_completed``."""

    hook: ClassVar[str] = "execution_task_completed"
    audit_actions: ClassVar[tuple[str, ...]] = ("task_completed",)
    _moments: ClassVar[frozenset[str]] = frozenset({"arrived_at", "due_at", "completed_at"})

    task_id: int
    name: str
    kind: str  # what the work is (preparation, production, quality, packing, dispatch, service, other)
    department: str | None  # the role whose member was responsible; None when the task named a person only
    assignee_id: int | None  # the person responsible for it
    completed_by_id: int | None  # who marked it done
    arrived_at: datetime  # when it could be worked: its plan confirmed and every task it waits for done
    due_at: datetime | None  # its limit; None: none was set
    completed_at: datetime


@dataclass(frozen=True)
class CaseOpened(_Recorded):
    """A problem case opened on an order after its goods arrived; the cases opened together are passed to
    ``problem_cases_opened``."""

    hook: ClassVar[str] = "problem_cases_opened"
    # One case reported, or the cases opened for a shipment's refused and reserved lines (a list on one entry).
    audit_actions: ClassVar[tuple[str, ...]] = ("case_opened", "cases_opened")
    _moments: ClassVar[frozenset[str]] = frozenset({"opened_at", "due_at"})

    number: str
    case_type: str  # quality, quantity_short, wrong_item, damaged, late or other
    source: str  # refusal, reservation (at acceptance) or report (afterwards)
    department: str  # who handles it
    opened_at: datetime
    due_at: datetime | None  # by when it is to be resolved
    order_line_id: int | None = None
    opened_by_id: int | None = None


@dataclass(frozen=True)
class CaseResolved(_Recorded):
    """A problem case resolved, passed to ``problem_case_resolved``."""

    hook: ClassVar[str] = "problem_case_resolved"
    audit_actions: ClassVar[tuple[str, ...]] = ("case_resolved",)
    _moments: ClassVar[frozenset[str]] = frozenset({"opened_at", "due_at", "resolved_at"})

    number: str
    case_type: str
    department: str
    resolution: str  # replace, repair, return, credit or rejected
    opened_at: datetime  # when the case was opened (first opened, for a reopened case)
    due_at: datetime | None  # the limit it had when resolved (a reopened case gets a new one)
    resolved_at: datetime
    resolved_by_id: int | None = None


@dataclass(frozen=True)
class InvoiceIssued(_Recorded):
    """An invoice (or its next version, after a change) issued for an order, passed to ``invoice_issued``."""

    hook: ClassVar[str] = "invoice_issued"
    audit_actions: ClassVar[tuple[str, ...]] = ("invoice_issued",)
    _moments: ClassVar[frozenset[str]] = frozenset({"issued_at"})
    _days: ClassVar[frozenset[str]] = frozenset({"due_date"})
    _amounts: ClassVar[frozenset[str]] = frozenset({"amount"})

    number: str
    version: int  # 1, then one more for each version issued after a change credited the one before
    amount: Decimal  # the invoice's total, tax included
    currency: str
    issued_at: datetime
    due_date: date  # when it is to be paid, on the order's terms
    replaces: str | None = None  # the number of the version it replaces


# --- collection work notified by billing ---------------------------------------
#
# Dunning and promises to pay are the customer's, not an order's: billing tells the plugins switched on for the
# company (not those pinned on an order), after its own writes, and keeps each payload on its audit entry under
# the hook's name as the notifications above do.


@dataclass(frozen=True)
class DunningLevelReached(_Recorded):
    """An overdue invoice reached a dunning level and its notice went out (or its call was given to the
    salesperson); the notices of one dunning run are passed together to ``dunning_level_reached``."""

    hook: ClassVar[str] = "dunning_level_reached"
    audit_actions: ClassVar[tuple[str, ...]] = ("dunning_notice_sent",)
    _moments: ClassVar[frozenset[str]] = frozenset({"sent_at"})
    _amounts: ClassVar[frozenset[str]] = frozenset({"owed"})

    customer_id: int
    order_id: int  # the order the invoice is of
    invoice_number: str
    level: int  # 1, 2, ... of the company's dunning levels
    channel: str  # email, letter or call
    days_overdue: int
    owed: Decimal  # what the invoice still owed when the notice went out
    currency: str
    sent_at: datetime  # the run's as-of moment


@dataclass(frozen=True)
class PaymentPromised(_Recorded):
    """A customer's promise to pay an amount by a date, of one invoice or of their account, passed to
    ``payment_promised``."""

    hook: ClassVar[str] = "payment_promised"
    audit_actions: ClassVar[tuple[str, ...]] = ("payment_promised",)
    _moments: ClassVar[frozenset[str]] = frozenset({"made_at"})
    _days: ClassVar[frozenset[str]] = frozenset({"promised_for"})
    _amounts: ClassVar[frozenset[str]] = frozenset({"amount"})

    promise_id: int
    customer_id: int
    amount: Decimal
    currency: str
    promised_for: date
    made_by_id: int  # who took the promise
    made_at: datetime
    invoice_number: str | None = None  # None: a promise of the customer's account
    order_id: int | None = None  # the order of the invoice promised, if one was


@dataclass(frozen=True)
class PromiseSettled(_Recorded):
    """A promise to pay whose date passed, found kept (what it covered went down by its amount) or broken; the
    promises one dunning run settles are passed together to ``payment_promises_settled``."""

    hook: ClassVar[str] = "payment_promises_settled"
    audit_actions: ClassVar[tuple[str, ...]] = ("payment_promise_kept", "payment_promise_broken")
    _moments: ClassVar[frozenset[str]] = frozenset({"settled_at"})
    _days: ClassVar[frozenset[str]] = frozenset({"promised_for"})
    _amounts: ClassVar[frozenset[str]] = frozenset({"amount", "owed"})

    promise_id: int
    customer_id: int
    kept: bool
    amount: Decimal  # what was promised
    currency: str
    promised_for: date
    owed: Decimal  # what the promise covered still owed when it was settled
    made_by_id: int  # who took the promise: told when it is broken
    settled_at: datetime  # the run's as-of moment
    order_id: int | None = None  # the order of the invoice promised; None: a promise of the account


@dataclass(frozen=True)
class StockLine:
    """What stock holds for one order line, answered by ``line_stock``."""

    order_line_id: int
    quantity: Decimal  # the line's quantity
    reserved: Decimal  # set aside for this line
    available: Decimal  # of the line's product, free for anyone (not counting ``reserved``)

    @property
    def in_stock(self) -> bool:
        """The whole line is reserved: it is picked and packed, not produced."""
        return self.reserved >= self.quantity


@dataclass(frozen=True)
class LotQuantity:
    """A quantity of one lot (or one serial number) of a product."""

    lot: str  # the lot's or serial's number, as received
    quantity: Decimal


@dataclass(frozen=True)
class LineLots:
    """The lots one order line's goods left stock in, with a shipment: answered by ``line_lots``."""

    order_line_id: int
    lots: tuple[LotQuantity, ...]


@dataclass(frozen=True)
class StockAvailability:
    """What is available (on hand less reserved) of each product asked about, answered by ``stock_available``."""

    by_product: Mapping[int, Decimal]


@dataclass(frozen=True)
class Gate:
    """An execution gate: while ``blocked``, the order may not go into execution."""

    name: str
    blocked: bool
    reason: str = ""  # shown to anyone who may see the order: no amounts


@dataclass(frozen=True)
class DocumentSource:
    """Which version of what a document shows: where its rendering is stored.

    Every change that shows on the document must give a new ``version``; an
    unchanged source serves the bytes rendered the first time.
    """

    version: str
    entity: str = "order"  # what the document is of: the order, or a plugin's entity ("invoice")
    entity_id: int | None = None  # None: the order's id


@dataclass(frozen=True)
class DocumentKind:
    """A PDF document of an order that a plugin can render; rendered once per version and stored."""

    name: str  # the {kind} in /api/v1/orders/{id}/documents/{kind}
    label: str
    template: str  # under templates/pdf/
    permission: str  # what staff need to open it
    context: Callable[[Order], dict[str, Any]]
    # Whether the order has what the document shows yet (an invoice, a shipment).
    available: Callable[[Order], bool] = field(default=lambda order: True)
    # The version of the source, asked on every request; None: the order's own
    # (``core.documents.order_version``: its revision and everything of it a document prints).
    source: Callable[[Order], DocumentSource] | None = None
    # A document the customer receives (confirmation, delivery note, invoice): a customer
    # user opens it for the orders they may see with ``order.view`` alone. It must then print
    # nothing internal, since one rendering serves staff and customer alike.
    customer_copy: bool = False


@dataclass(frozen=True)
class CustomerView:
    """What a customer user sees of one audit action on their order's timeline.

    An action nobody declares is internal: a customer never sees its entries. Of a
    declared one, the customer sees the entry, who acted only as "you", a colleague
    of their own customer or the company, and of its recorded values (``before``
    and ``after``) only ``fields``, whoever acted; ``own_fields`` are text someone
    typed, shown only when the customer's own people wrote it (a cancellation's
    reason). The entry's note is shown on the customer's own entries only.
    """

    fields: frozenset[str] = frozenset({"status"})
    own_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Panel:
    """A section a plugin adds to the order page: a template and its context."""

    title: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100


class ActionMethod(enum.StrEnum):
    GET = "get"  # a link: to the form that does it (on the order page or a page of its own)
    POST = "post"  # a button that acts at once, sending nothing but its CSRF token


@dataclass(frozen=True)
class OrderAction:
    """Something the user can do next on an order, offered by the plugin that does it.

    The order page shows the ``primary`` action with the lowest ``priority`` as
    its one main button beside the status bar, and every other action in its
    "more" menu, by priority. A ``destructive`` action (cancelling the order)
    asks for confirmation first: a POST one carries a required "I confirm"
    checkbox, whose value the view must check (``confirm``), and with scripts a
    dialog asks ``confirm_text`` instead; a GET one leads to a page that does the same.
    """

    label: str
    url: str
    method: ActionMethod = ActionMethod.GET
    primary: bool = False  # may be the order's main next action
    priority: int = 100  # lower first: the main action and the menu's order
    destructive: bool = False
    confirm_text: str | None = None  # the question a destructive action asks


# --- jobs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A periodic job for ``ordo worker``: its name, how often it runs, and the work.

    ``run`` receives the worker's clock and returns what it did in a few words,
    for the log and ``ordo jobs list`` (``None`` when there was nothing to do).
    The worker calls it in a transaction of its own, under a lease in the
    database, so it never runs on two workers at once. It must be idempotent:
    a run whose worker died is run again once the lease expires.
    """

    name: str  # "<owner>.<what>", unique across plugins: "outbox.send", "review.sweep"
    every: timedelta  # started again this long after the last start
    run: Callable[[datetime], str | None]
    description: str = ""
    # Longer than a run can take: a crashed worker's lease expires after this.
    lease: timedelta = timedelta(minutes=10)
