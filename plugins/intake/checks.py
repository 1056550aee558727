"""The checks an order passes before it is submitted: each problem next to its field.

A *blocking* problem stops the submission until the draft is corrected (or the
customer answered); a *warning* lets it through once the clerk confirms it,
and the confirmation is recorded (``plugins.intake.services.submit``). The
checks read the order as entered and change nothing.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import ngettext

from core.errors import Unprocessable
from core.extensions import db
from core.invoicing import tax_id_refusal
from core.models import Company, Customer, DeliveryMethod, InvoiceType, Product
from core.modules import hooks_for_company
from core.plugins import HookSubset


class Severity(enum.StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


class Check(enum.StrEnum):
    """What a problem is about; recorded with a confirmation and labelled for people."""

    NO_LINES = "no_lines"
    CUSTOMER_INACTIVE = "customer_inactive"
    CREDIT_HOLD = "credit_hold"
    CONTACT_MISSING = "contact_missing"
    PHONE_MISSING = "phone_missing"
    ADDRESS_MISSING = "address_missing"
    INVOICE_TITLE_MISSING = "invoice_title_missing"
    INVOICE_TAX_ID_MISSING = "invoice_tax_id_missing"
    INVOICE_TAX_ID_INVALID = "invoice_tax_id_invalid"
    INVOICE_BANK_MISSING = "invoice_bank_missing"
    INVOICE_ADDRESS_MISSING = "invoice_address_missing"
    QUANTITY_ZERO = "quantity_zero"
    PRODUCT_DISCONTINUED = "product_discontinued"
    PRICE_UNDER_FLOOR = "price_under_floor"
    DATE_IN_PAST = "date_in_past"
    DATE_BEFORE_LEAD_TIME = "date_before_lead_time"


@dataclass(frozen=True)
class Problem:
    """One problem: the field at fault (``lines[2].unit_price``), how serious, a plain message."""

    field: str
    check: Check
    severity: Severity
    message: str

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.BLOCKING

    def as_error(self) -> dict[str, str]:
        """The problem as an entry of a problem+json's ``errors``."""
        return {"field": self.field, "message": self.message, "code": self.check.value,
                "severity": self.severity.value}


class ChecksFailed(Unprocessable):
    """Submission refused: blocking problems, or warnings nobody confirmed; lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        if any(problem.blocking for problem in problems):
            detail = _("The order cannot be submitted: %(problems)s",
                       problems="; ".join(problem.message for problem in problems))
        else:
            detail = _("Confirm the warnings to submit the order: %(problems)s",
                       problems="; ".join(problem.message for problem in problems))
        super().__init__(detail, field=first.field, errors=[problem.as_error() for problem in problems])
        self.problems = problems


class EnteredLine(Protocol):
    """What the checks read of a line: an order's, or one being imported (``services.NewLine``)."""

    @property
    def product(self) -> Product: ...

    @property
    def quantity(self) -> Decimal: ...

    @property
    def unit_price(self) -> Decimal: ...


class EnteredOrder(Protocol):
    """What the checks read of an order: a saved one, or one being imported (``services.NewDraft``)."""

    @property
    def company_id(self) -> int: ...

    @property
    def customer(self) -> Customer: ...

    @property
    def contact(self) -> str | None: ...

    @property
    def phone(self) -> str | None: ...

    @property
    def delivery_address(self) -> str | None: ...

    @property
    def delivery_method(self) -> DeliveryMethod: ...

    @property
    def requested_date(self) -> date: ...

    @property
    def invoice_type(self) -> InvoiceType | None: ...

    @property
    def invoice_title(self) -> str | None: ...

    @property
    def invoice_tax_id(self) -> str | None: ...

    @property
    def invoice_bank_account(self) -> str | None: ...

    @property
    def invoice_address_phone(self) -> str | None: ...

    @property
    def lines(self) -> Sequence[EnteredLine]: ...


def check_order(order: EnteredOrder, *, batch: Batch | None = None) -> list[Problem]:
    """Every problem of the order as it stands, blocking ones first, in the order of the form.

    ``batch`` (:func:`batch_for`) holds what checking many orders of the company at
    once asks only once (the import); without it the company's day and the credit
    hold hook are asked here.
    """
    if batch is None:
        company = db.session.get_one(Company, order.company_id)
        today, holds = company.today(), None
    else:
        company, today, holds = batch.company, batch.today, batch.holds
    problems = [*_customer_problems(company, order.customer, holds), *_contact_problems(order),
                *_invoice_problems(order), *_line_problems(order.lines),
                *_date_problems(today, order.requested_date, order.lines)]
    return sorted(problems, key=lambda problem: not problem.blocking)


def check_entry(company: Company, customer: Customer | None, requested_date: date | None,
                lines: Sequence[EnteredLine]) -> list[Problem]:
    """The problems an order being entered already shows, before it is whole: the customer's (inactive, on
    credit hold), its lines' (only the lines given: the complete ones) and its requested date's.

    The order form asks this as the clerk types (the live quote), so each check speaks beside its field
    before the order is saved; a part not entered yet is not checked. Blocking ones first.
    """
    today = company.today()
    problems = [*(_customer_problems(company, customer, None) if customer is not None else []),
                *(_line_problems(lines) if lines else []),
                *(_date_problems(today, requested_date, lines) if requested_date is not None else [])]
    return sorted(problems, key=lambda problem: not problem.blocking)


@dataclass(frozen=True)
class Batch:
    """What the checks of many orders of one company ask once: the company, its today, and each active
    customer's credit hold (the reason, or None) by customer id."""

    company: Company
    today: date
    holds: Mapping[int, str | None]


def batch_for(company: Company, customers: Iterable[Customer]) -> Batch:
    """A :class:`Batch` for checking orders of these customers: the credit hold hook asked once per customer."""
    hooks = hooks_for_company(company.id)
    return Batch(company, company.today(),
                 {customer.id: _credit_hold(hooks, company, customer) for customer in customers if customer.active})


def _credit_hold(hooks: HookSubset, company: Company, customer: Customer) -> str | None:
    hold = hooks.customer_credit_hold(company=company, customer=customer)
    return str(hold) if hold else None


def blocking(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.blocking]


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if not problem.blocking]


_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


def form_field(path: str) -> str:
    """The form's input for a problem's path: ``lines[2].unit_price`` is ``lines-2-unit_price``."""
    match = _LINE_FIELD.match(path)
    return f"lines-{match[1]}-{match[2]}" if match else path


def by_field(problems: Iterable[Problem]) -> dict[str, list[str]]:
    """Messages per form input, for the inline errors of the order form."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(form_field(problem.field), []).append(problem.message)
    return found


# --- the checks -------------------------------------------------------------------


def _customer_problems(company: Company, customer: Customer,
                       holds: Mapping[int, str | None] | None) -> list[Problem]:
    """``holds``: the credit holds a :class:`Batch` asked already; otherwise the hook is asked here."""
    if not customer.active:
        return [Problem("customer_id", Check.CUSTOMER_INACTIVE, Severity.BLOCKING,
                        _("customer %(name)s is inactive", name=customer.name))]
    hold = holds[customer.id] if holds is not None else _credit_hold(hooks_for_company(company.id), company, customer)
    if hold:
        # A warning, not a refusal: the order is taken once the clerk confirms it; review and the execution
        # gates hold it until credit is released (``customer_credit_hold``).
        return [Problem("customer_id", Check.CREDIT_HOLD, Severity.WARNING, hold)]
    return []


def _contact_problems(order: EnteredOrder) -> list[Problem]:
    problems = []
    if not order.contact:
        problems.append(Problem("contact", Check.CONTACT_MISSING, Severity.BLOCKING,
                                _("the contact person is missing; ask the customer who to contact")))
    if not order.phone:
        problems.append(Problem("phone", Check.PHONE_MISSING, Severity.BLOCKING,
                                _("the contact's phone number is missing; ask the customer")))
    if not order.delivery_address and order.delivery_method != DeliveryMethod.PICKUP:
        problems.append(Problem("delivery_address", Check.ADDRESS_MISSING, Severity.BLOCKING,
                                _("the delivery address is missing; ask the customer where to deliver")))
    return problems


def _invoice_problems(order: EnteredOrder) -> list[Problem]:
    """A VAT invoice prints the buyer: an ordinary one its name, a special one (for deducting input tax) every
    detail; a taxpayer id given must be one. Nothing is filled in or corrected: the clerk asks the customer."""
    problems = []
    if order.invoice_type is not None and not order.invoice_title:
        problems.append(Problem("invoice_title", Check.INVOICE_TITLE_MISSING, Severity.BLOCKING,
                                _("a special VAT invoice needs the invoice title, the company name as registered; "
                                  "ask the customer") if order.invoice_type == InvoiceType.SPECIAL else
                                _("an ordinary VAT invoice needs the invoice title, the company or person "
                                  "invoiced; ask the customer")))
    if order.invoice_tax_id:
        refusal = tax_id_refusal(order.invoice_tax_id)
        if refusal:
            problems.append(Problem("invoice_tax_id", Check.INVOICE_TAX_ID_INVALID, Severity.BLOCKING,
                                    _("%(problem)s; correct it or ask the customer", problem=refusal)))
    if order.invoice_type != InvoiceType.SPECIAL:
        return problems
    if not order.invoice_tax_id:
        problems.append(Problem("invoice_tax_id", Check.INVOICE_TAX_ID_MISSING, Severity.BLOCKING,
                                _("a special VAT invoice needs the customer's taxpayer id; ask the customer")))
    if not order.invoice_bank_account:
        problems.append(Problem("invoice_bank_account", Check.INVOICE_BANK_MISSING, Severity.BLOCKING,
                                _("a special VAT invoice needs the customer's bank and account; ask the customer")))
    if not order.invoice_address_phone:
        problems.append(Problem("invoice_address_phone", Check.INVOICE_ADDRESS_MISSING, Severity.BLOCKING,
                                _("a special VAT invoice needs the customer's registered address and phone; "
                                  "ask the customer")))
    return problems


def _line_problems(lines: Sequence[EnteredLine]) -> list[Problem]:
    if not lines:
        return [Problem("lines", Check.NO_LINES, Severity.BLOCKING, _("an order needs at least one line"))]
    problems = []
    for index, line in enumerate(lines):
        where, n = f"lines[{index}]", index + 1
        if not line.product.active:
            problems.append(Problem(f"{where}.product_id", Check.PRODUCT_DISCONTINUED, Severity.BLOCKING,
                                    _("line %(n)s: product %(product)s is no longer sold",
                                      n=n, product=line.product.code)))
        if line.quantity is None or line.quantity <= 0:
            problems.append(Problem(f"{where}.quantity", Check.QUANTITY_ZERO, Severity.BLOCKING,
                                    _("line %(n)s: the quantity must be greater than 0", n=n)))
        # No amounts in the message: a clerk who may not see prices reads it too.
        if line.unit_price < line.product.floor_price:
            problems.append(Problem(f"{where}.unit_price", Check.PRICE_UNDER_FLOOR, Severity.WARNING,
                                    _("line %(n)s: the unit price is under the floor price of product "
                                      "%(product)s; finance will review it", n=n, product=line.product.code)))
    return problems


def _date_problems(today: date, requested_date: date, lines: Sequence[EnteredLine]) -> list[Problem]:
    if requested_date < today:
        return [Problem("requested_date", Check.DATE_IN_PAST, Severity.BLOCKING,
                        _("the requested delivery date %(date)s is in the past; confirm a new date with the "
                          "customer", date=requested_date.isoformat()))]
    slowest = max(lines, key=lambda line: line.product.lead_time_days, default=None)
    if slowest is None or requested_date >= today + timedelta(days=slowest.product.lead_time_days):
        return []
    days = slowest.product.lead_time_days
    return [Problem("requested_date", Check.DATE_BEFORE_LEAD_TIME, Severity.WARNING,
                    ngettext("the requested delivery date %(date)s is sooner than product %(product)s can be "
                             "delivered (%(num)s day of lead time: %(soonest)s at the soonest)",
                             "the requested delivery date %(date)s is sooner than product %(product)s can be "
                             "delivered (%(num)s days of lead time: %(soonest)s at the soonest)",
                             days, date=requested_date.isoformat(), product=slowest.product.code,
                             soonest=(today + timedelta(days=days)).isoformat()))]
