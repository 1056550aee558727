"""Order entry: drafts and their edits, order numbers, the re-check before submission.

Services take the acting user explicitly, raise ``core.errors`` with the field at
fault, and never commit: the request (or the CLI's unit of work) does.
"""
from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, lazyload

from core import audit, prices
from core.db import flush, scoped
from core.errors import Conflict, TransitionError, ValidationError
from core.extensions import db
from core.figures import MONEY, QUANTITY
from core.models import (
    Channel, Company, Customer, DeliveryMethod, InvoiceType, Order, OrderLine, OrderStatus, Product, User, utcnow,
)
from core.models.masterdata import INVOICE_FIELDS
from core.orders import actions, compute_totals, events
from core.orders.queries import visible_orders
from core.orders.totals import line_amounts, totals
from plugins.intake import checks, duplicates, waiting
from plugins.intake.settings import format_number, settings_for
from plugins.intake.models import IntakeIdempotencyKey, IntakeSequence, IntakeWaiting

# Header fields a clerk enters as received; the customer and the lines are handled apart.
HEADER_FIELDS = (
    "channel", "source_reference", "received_at",
    "customer_reference", "contact", "phone", "delivery_address", "requested_date",
    "payment_terms", "delivery_method", *INVOICE_FIELDS, "invoice_requirements", "notes",
)
REQUIRED_FIELDS = ("channel", "requested_date")
# Defaults taken from the customer's master data when the order leaves them empty.
CUSTOMER_DEFAULTS = {"contact": "contact", "phone": "phone", "delivery_address": "address",
                     "payment_terms": "payment_terms", "delivery_method": "delivery_method"}
# The delivery method of an order that names none, for a customer without a default one.
DEFAULT_DELIVERY_METHOD = DeliveryMethod.EXPRESS
# ``invoice_type`` in an order's data asking for the customer's invoice profile: its type, and each detail
# the order leaves empty. An order entered without ``invoice_type`` asks for it too; None is no invoice.
FROM_CUSTOMER = "customer"

# The limits of the columns.
QUANTITY_PLACES = QUANTITY.step
MONEY_PLACES = MONEY.step
MAX_QUANTITY = QUANTITY.largest
MAX_MONEY = MONEY.largest


# --- drafts -------------------------------------------------------------------


def create_draft(company: Company, data: Mapping[str, Any], actor: User, *, check_duplicates: bool = False,
                 confirm_duplicate: bool = False) -> Order:
    """Enter an order as received; it stays a draft until it is re-checked and submitted.

    The entry points that take orders from people and clients (the API, the portal)
    pass ``check_duplicates``: a possible duplicate is then refused unless
    ``confirm_duplicate``, and a confirmation is recorded. The import enters many
    drafts at once from the same :func:`new_draft` (``plugins.intake.imports``).
    """
    customer = _customer(company.id, data.get("customer_id"), actor)
    new = new_draft(company, customer, data, actor)
    order = Order(customer=customer, **new.columns)
    order.lines = [OrderLine(product=line.product, **line.columns) for line in new.lines]
    compute_draft(order)
    db.session.add(order)
    flush()
    audit.record(company_id=company.id, order_id=order.id, entity="order", entity_id=order.id,
                 action="created", actor=actor, after=snapshot(order))
    _guard_duplicates(order, actor, check_duplicates, confirm_duplicate)
    return order


@dataclass
class NewLine:
    """A line as entered, not saved: its product and the columns :func:`create_draft` gives it (but the order's
    id); the amounts once computed."""

    product: Product
    columns: dict[str, Any]

    @property
    def quantity(self) -> Decimal:
        return cast(Decimal, self.columns["quantity"])

    @property
    def unit_price(self) -> Decimal:
        return cast(Decimal, self.columns["unit_price"])


@dataclass
class NewDraft:
    """A draft as entered, not saved: the columns :func:`create_draft` gives the order (the others take their
    defaults), its customer and its lines; the checks read it as they read an order."""

    customer: Customer
    columns: dict[str, Any]
    lines: list[NewLine]

    @property
    def company_id(self) -> int:
        return cast(int, self.columns["company_id"])

    @property
    def contact(self) -> str | None:
        return cast(str | None, self.columns["contact"])

    @property
    def phone(self) -> str | None:
        return cast(str | None, self.columns["phone"])

    @property
    def delivery_address(self) -> str | None:
        return cast(str | None, self.columns["delivery_address"])

    @property
    def delivery_method(self) -> DeliveryMethod:
        return cast(DeliveryMethod, self.columns["delivery_method"])

    @property
    def requested_date(self) -> date:
        return cast(date, self.columns["requested_date"])

    @property
    def invoice_type(self) -> InvoiceType | None:
        return cast(InvoiceType | None, self.columns["invoice_type"])

    @property
    def invoice_title(self) -> str | None:
        return cast(str | None, self.columns["invoice_title"])

    @property
    def invoice_tax_id(self) -> str | None:
        return cast(str | None, self.columns["invoice_tax_id"])

    @property
    def invoice_bank_account(self) -> str | None:
        return cast(str | None, self.columns["invoice_bank_account"])

    @property
    def invoice_address_phone(self) -> str | None:
        return cast(str | None, self.columns["invoice_address_phone"])


def new_draft(company: Company, customer: Customer, data: Mapping[str, Any], actor: User,
              products: Mapping[int, Product] | None = None, *, may_set_prices: bool | None = None,
              agreed: Mapping[int, Decimal] | None = None) -> NewDraft:
    """The draft :func:`create_draft` makes of ``data`` for the customer, before its amounts are computed.

    ``products`` are the company's products by id, ``may_set_prices`` whether the actor
    may set prices and ``agreed`` the customer's agreed prices by product id, when the
    caller knows them (the import asks once per chunk); otherwise they are looked up.
    Raises ValidationError as :func:`create_draft` does.
    """
    allowed_customer(customer, actor)
    columns = {"company_id": company.id, "customer_id": customer.id, "currency": company.currency,
               "created_by_id": actor.id,
               **_header_values({**{key: data.get(key) for key in HEADER_FIELDS},
                                 "invoice_type": data.get("invoice_type", FROM_CUSTOMER)}, customer, None)}
    return NewDraft(customer, columns,
                    _line_values(company.id, customer.id, data.get("lines") or [], actor, products, may_set_prices,
                                 agreed))


def compute_new_draft(draft: NewDraft) -> None:
    """Compute a new draft's amounts and totals as :func:`compute_draft` does (``core.orders.totals``)."""
    amounts = [line_amounts(line.quantity, line.unit_price, line.columns["tax_rate"]) for line in draft.lines]
    sums = totals(amounts)
    _refuse_too_large([line.amount for line in amounts], sums.total)
    for line, figures in zip(draft.lines, amounts, strict=True):
        line.columns.update(net_amount=figures.net_amount, tax_amount=figures.tax_amount, amount=figures.amount)
    draft.columns.update(subtotal=sums.subtotal, tax_total=sums.tax_total, total=sums.total)


def new_draft_snapshot(draft: NewDraft) -> dict[str, Any]:
    """The audit snapshot of a computed new draft, as :func:`snapshot` gives it of the saved order."""
    return _snapshot_of(draft.columns["customer_id"], draft.columns,
                        [(line.columns["product_id"], line.quantity, line.unit_price) for line in draft.lines],
                        draft.columns["total"])


def _guard_duplicates(order: Order, actor: User, check: bool, confirm: bool) -> None:
    """Refuse an unconfirmed possible duplicate when asked to; record a confirmation."""
    if not (check or confirm):
        return
    others = duplicates.unconfirmed(order)
    if others and not confirm:
        raise duplicates.DuplicateSuspected(order, others)
    duplicates.confirm_distinct(order, others, actor)


def update_draft(order: Order, data: Mapping[str, Any], actor: User, *, check_duplicates: bool = False,
                 confirm_duplicate: bool = False) -> Order:
    """Change some fields of a draft; ``lines``, when given, replace all lines (duplicates as on entry)."""
    if order.status != OrderStatus.DRAFT:
        raise TransitionError(
            _("order %(number)s is %(status)s; only a draft can be edited",
              number=order.display_number, status=order.status.value))
    before = snapshot(order)
    customer = order.customer
    if "customer_id" in data:
        customer = _customer(order.company_id, data["customer_id"], actor)
        order.customer = customer
    _set_header(order, {key: data[key] for key in HEADER_FIELDS if key in data}, customer)
    if "lines" in data:
        order.lines = [OrderLine(product=line.product, **line.columns)
                       for line in _line_values(order.company_id, customer.id, data["lines"] or [], actor)]
    compute_draft(order)
    flush()
    after = snapshot(order)
    changed = sorted(key for key in after if after[key] != before.get(key))
    if changed:
        audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                     action="updated", actor=actor,
                     before={key: before.get(key) for key in changed},
                     after={key: after[key] for key in changed})
    _guard_duplicates(order, actor, check_duplicates, confirm_duplicate)
    waiting.mark_answered(order, actor)  # an edit carries the customer's answer
    return order


def _customer(company_id: int, customer_id: Any, actor: User) -> Customer:
    if customer_id is None:
        raise ValidationError(_("choose the customer who placed the order"), field="customer_id")
    customer = db.session.execute(
        scoped(Customer, company_id).where(Customer.id == customer_id)).scalar_one_or_none()
    if customer is None:
        raise ValidationError(_("customer %(id)s does not exist", id=customer_id), field="customer_id")
    return allowed_customer(customer, actor)


def allowed_customer(customer: Customer, actor: User) -> Customer:
    """The customer, if the actor may enter an order for them: active, and their own for a customer user."""
    if not customer.active:
        raise ValidationError(_("customer %(name)s is inactive", name=customer.name), field="customer_id")
    if actor.customer_id is not None and customer.id != actor.customer_id:
        raise ValidationError(_("you can only place orders for your own company"), field="customer_id")
    return customer


def _set_header(order: Order, values: Mapping[str, Any], customer: Customer) -> None:
    for key, value in _header_values(values, customer, order.received_at).items():
        setattr(order, key, value)


def _header_values(values: Mapping[str, Any], customer: Customer, received_at: datetime | None) -> dict[str, Any]:
    """The header fields as stored: typed text stripped, the customer's defaults, the required ones there."""
    if values.get("invoice_type") == FROM_CUSTOMER:
        values = {**values, **_customer_invoice(values, customer)}
    found = {}
    for key, value in values.items():
        if isinstance(value, str) and not isinstance(value, enum.Enum):
            value = value.strip() or None
        if key == "received_at":
            value = _received_at(value, received_at)
        if value is None and key in CUSTOMER_DEFAULTS:
            value = getattr(customer, CUSTOMER_DEFAULTS[key])
        if value is None and key == "delivery_method":
            value = DEFAULT_DELIVERY_METHOD
        if value is None and key in REQUIRED_FIELDS:
            raise ValidationError(_("%(what)s is required", what=key.replace("_", " ")), field=key)
        found[key] = value
    return found


def _customer_invoice(values: Mapping[str, Any], customer: Customer) -> dict[str, Any]:
    """The customer's invoice profile, but for the details the order gives: those stay as entered."""
    profile: dict[str, Any] = {"invoice_type": customer.invoice_type}
    for key in INVOICE_FIELDS[1:]:
        entered = values.get(key)
        if isinstance(entered, str):
            entered = entered.strip() or None
        profile[key] = getattr(customer, key) if entered is None else entered
    return profile


# A clock a little ahead of the server's is not the future: how far a received time may be ahead.
CLOCK_SKEW = timedelta(minutes=5)


def _received_at(value: Any, received_at: datetime | None) -> datetime:
    """When the order was received: as entered, as before or now when left out; never naive, never in the
    future."""
    if value is None:
        return received_at or utcnow()
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(_("the time the order was received needs a time zone"), field="received_at")
    if value > utcnow() + CLOCK_SKEW:
        raise ValidationError(_("the time the order was received %(at)s is in the future",
                                at=value.isoformat(timespec="minutes")), field="received_at")
    return value.astimezone(timezone.utc)  # as a reload gives it back


def _line_values(company_id: int, customer_id: int, rows: Sequence[Mapping[str, Any]], actor: User,
                 products: Mapping[int, Product] | None = None, may_price: bool | None = None,
                 agreed: Mapping[int, Decimal] | None = None) -> list[NewLine]:
    """Order lines from ``{product_id, quantity, unit_price?}``, described as the product is.

    A line without a price takes the customer's agreed price, else the list price; whoever
    may not see prices may not set them either. ``products`` (the company's, by id) and
    ``agreed`` (the customer's prices, by product id) are looked up when not given.
    """
    if not rows:
        raise ValidationError(_("an order needs at least one line"), field="lines")
    if products is None:
        wanted = {row.get("product_id") for row in rows} - {None}
        products = {product.id: product for product in db.session.execute(
            scoped(Product, company_id).where(Product.id.in_(wanted))).scalars()}
    if agreed is None:
        agreed = prices.agreed_prices(customer_id, products)
    # A customer's own user orders from their price list, when prices were agreed with them.
    own_list = actor.customer_id is not None and prices.has_price_list(actor.customer_id)
    lines = []
    for index, row in enumerate(rows):
        where, n = f"lines[{index}]", index + 1
        product_id = row.get("product_id")
        product = products.get(product_id) if isinstance(product_id, int) else None
        if product is None:
            raise ValidationError(_("line %(n)s: product %(product)s does not exist",
                                    n=n, product=row.get("product_id")),
                                  field=f"{where}.product_id")
        if not product.active:
            raise ValidationError(_("line %(n)s: product %(product)s is no longer sold", n=n, product=product.code),
                                  field=f"{where}.product_id")
        if own_list and product.id not in agreed:
            raise ValidationError(_("line %(n)s: product %(product)s is not on your price list", n=n,
                                    product=product.code), field=f"{where}.product_id")
        # The field's name is translated only for a message (lazily): a good line asks nothing.
        quantity = _checked(row.get("quantity"), _l("line %(n)s: the quantity", n=n), f"{where}.quantity",
                            QUANTITY_PLACES, MAX_QUANTITY, positive=True)
        unit_price = row.get("unit_price")
        if unit_price is not None:
            may_price = actor.can("order.view_prices") if may_price is None else may_price
            if not may_price:
                raise ValidationError(_("line %(n)s: you may not set prices; the customer's or the list price "
                                        "applies", n=n), field=f"{where}.unit_price")
        unit_price = prices.default_price(product, agreed) if unit_price is None else _checked(
            unit_price, _l("line %(n)s: the unit price", n=n), f"{where}.unit_price", MONEY_PLACES, MAX_MONEY)
        lines.append(NewLine(product, {
            "line_no": n, "product_id": product.id, "description": product.name,
            "specification": product.specification, "unit": product.unit, "quantity": quantity,
            "unit_price": unit_price, "tax_rate": product.tax_rate}))
    return lines


def _checked(value: Any, what: LazyString, field: str, places: Decimal, largest: Decimal,
             positive: bool = False) -> Decimal:
    """A Decimal that fits its column exactly: the clerk's figure is stored, never rounded."""
    if value is None:
        raise ValidationError(_("%(what)s is required", what=what), field=field)
    value = Decimal(value)
    if not value.is_finite() or value < 0 or (positive and value == 0):
        raise ValidationError(_("%(what)s must be greater than 0", what=what) if positive
                              else _("%(what)s must be 0 or more", what=what), field=field)
    if value > largest:
        raise ValidationError(_("%(what)s is too large", what=what), field=field)
    exact = value.quantize(places)  # the column's scale, as a reload would give it
    if value != exact:
        raise ValidationError(_("%(what)s has more than %(places)s decimal places",
                                what=what, places=-int(places.as_tuple().exponent)),
                              field=field)
    return exact


def compute_draft(order: Order) -> None:
    """Compute the lines' amounts and the totals (``core.orders.compute_totals``); refuse what no column holds."""
    compute_totals(order)
    _refuse_too_large([line.amount for line in order.lines], order.total)


def _refuse_too_large(amounts: Sequence[Decimal], total: Decimal) -> None:
    for index, amount in enumerate(amounts):
        if amount > MAX_MONEY:
            raise ValidationError(_("line %(n)s: the amount is too large", n=index + 1), field=f"lines[{index}]")
    if total > MAX_MONEY:
        raise ValidationError(_("the order total is too large"), field="lines")


def snapshot(order: Order) -> dict[str, Any]:
    """The order as entered, JSON-safe, for the audit entry's before and after."""
    return _snapshot_of(order.customer_id, {key: getattr(order, key) for key in HEADER_FIELDS},
                        [(line.product_id, line.quantity, line.unit_price) for line in order.lines], order.total)


def _snapshot_of(customer_id: int, header: Mapping[str, Any], lines: Iterable[tuple[int, Decimal, Decimal]],
                 total: Decimal) -> dict[str, Any]:
    snapshot: dict[str, Any] = {"customer_id": customer_id}
    for key in HEADER_FIELDS:
        value = header[key]
        snapshot[key] = None if value is None else str(getattr(value, "value", value))
    snapshot["lines"] = [{"product_id": product_id, "quantity": str(quantity), "unit_price": str(unit_price)}
                         for product_id, quantity, unit_price in lines]
    snapshot["total"] = str(total)
    return snapshot


# --- numbering, re-check, submission ------------------------------------------


def next_number(company: Company, today: date | None = None) -> str:
    """The company's next order number for the day, e.g. ``SO20261127-0001``, in the company's format.

    One upsert both creates the day's counter and increments it, so concurrent
    submissions on PostgreSQL queue on the counter's row and never share a number.
    """
    day = today or company.today()
    dialect = db.session.get_bind().dialect.name
    values = {"company_id": company.id, "day": day, "last": 1}
    keys, increment = ["company_id", "day"], {"last": IntakeSequence.last + 1}
    # Both dialects spell the upsert alike, as two distinct Insert types.
    statement = (
        postgresql.insert(IntakeSequence).values(values).on_conflict_do_update(index_elements=keys, set_=increment)
        if dialect == "postgresql"
        else sqlite.insert(IntakeSequence).values(values).on_conflict_do_update(index_elements=keys, set_=increment)
    ).returning(IntakeSequence.last)
    last = db.session.execute(statement).scalar_one()
    return format_number(settings_for(company.id).number_format, company.order_prefix, day, last)


def reserve_numbers(company: Company, day: date, count: int) -> list[str]:
    """``count`` consecutive numbers of ``day``, the day's counter advanced past them (one upsert, as
    :func:`next_number`), for orders written in bulk on a past day."""
    if count < 1:
        raise ValueError("reserve at least one number")
    dialect = db.session.get_bind().dialect.name
    values = {"company_id": company.id, "day": day, "last": count}
    keys, increment = ["company_id", "day"], {"last": IntakeSequence.last + count}
    statement = (
        postgresql.insert(IntakeSequence).values(values).on_conflict_do_update(index_elements=keys, set_=increment)
        if dialect == "postgresql"
        else sqlite.insert(IntakeSequence).values(values).on_conflict_do_update(index_elements=keys, set_=increment)
    ).returning(IntakeSequence.last)
    last = db.session.execute(statement).scalar_one()
    number_format = settings_for(company.id).number_format
    return [format_number(number_format, company.order_prefix, day, seq) for seq in range(last - count + 1, last + 1)]


def recheck(order: Order) -> list[checks.Problem]:
    """Check a draft once more before it goes to review: every problem, blocking ones first."""
    return checks.check_order(order)


def submit(order: Order, actor: User, *, confirm_warnings: bool = False, version: int | None = None,
           check_duplicates: bool = False, confirm_duplicate: bool = False) -> Order:
    """Re-check a draft, give it its number if it has none, and submit it for review.

    Blocking problems refuse it; warnings refuse it unless ``confirm_warnings``, and a
    confirmation is recorded with the warnings it covered. ``version`` is the draft's
    version as the clerk re-checked it: a draft edited since is not submitted blindly.
    """
    if order.status != OrderStatus.DRAFT:
        raise TransitionError(
            _("order %(number)s is %(status)s; only a draft can be submitted",
              number=order.display_number, status=order.status.value))
    if version is not None and version != order.version:
        raise Conflict(_("order %(number)s was changed after you re-checked it; re-check it again",
                         number=order.display_number), field="version")
    wait = waiting.open_wait(order)
    if wait is not None:
        raise Conflict(_("order %(number)s is waiting for the customer (%(missing)s); mark it answered or edit it "
                         "first", number=order.display_number, missing=wait.missing), field="waiting")
    problems = recheck(order)
    if checks.blocking(problems) or (problems and not confirm_warnings):
        raise checks.ChecksFailed(problems)
    _guard_duplicates(order, actor, check_duplicates, confirm_duplicate)
    if problems:
        audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                     action="warnings_confirmed", actor=actor,
                     after={"warnings": [{"check": p.check.value, "field": p.field} for p in problems]})
    if not order.number:
        order.number = next_number(db.session.get_one(Company, order.company_id))
    return events.submit(order, actor=actor)


def place_customer_order(company: Company, data: Mapping[str, Any], actor: User) -> Order:
    """A customer user's order from the portal: a draft for the clerk's re-check, or submitted at once
    when the company allows it and the order passes every check (anything to confirm waits for a clerk)."""
    order = create_draft(company, {**data, "channel": Channel.PORTAL}, actor, check_duplicates=True)
    if settings_for(company.id).portal_submits_directly and not recheck(order) and not duplicates.unconfirmed(order):
        submit(order, actor)
    return order


def cancel(order: Order, actor: User, reason: str) -> Order:
    return actions.cancel(order, actor=actor, reason=reason)


def _drafts(user: User) -> Select[Order]:
    return visible_orders(user).where(Order.status == OrderStatus.DRAFT)


def _waiting() -> ColumnElement[bool]:
    """SQL: the draft waits for the customer's answer (an open ``IntakeWaiting``)."""
    return exists().where(IntakeWaiting.order_id == Order.id, IntakeWaiting.answered_at.is_(None))


def drafts_waiting(user: User, limit: int | None = None) -> list[Order]:
    """The oldest ``limit`` drafts the user may see that still have to be submitted, with their customers."""
    return list(db.session.execute(
        _drafts(user).order_by(Order.created_at, Order.id).limit(limit)
        .options(joinedload(Order.customer), lazyload(Order.lines), lazyload(Order.module_rows))
    ).scalars())


def count_drafts(user: User) -> dict[bool, int]:
    """How many drafts ``drafts_waiting`` would list, by whether they wait for the customer, in one query."""
    total, waiting = db.session.execute(
        _drafts(user).with_only_columns(func.count(), func.count(case((_waiting(), 1))))).one()
    return {False: total - waiting, True: waiting}


def confirmation_context(order: Order) -> dict[str, Any]:
    """What the order confirmation prints besides the order itself."""
    company = db.session.get_one(Company, order.company_id)
    return {"company": company, "customer": order.customer, "issued_on": company.today()}


# --- idempotent creation through the API --------------------------------------


def request_hash(body: Any) -> str:
    """A fingerprint of a request body, the same for the same content in any key order."""
    canonical = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def earlier_request(actor: User, key: str, fingerprint: str) -> IntakeIdempotencyKey | None:
    """What an earlier request with this Idempotency-Key produced, or None for a new key."""
    saved = db.session.execute(select(IntakeIdempotencyKey).where(
        IntakeIdempotencyKey.company_id == actor.company_id,
        IntakeIdempotencyKey.user_id == actor.id,
        IntakeIdempotencyKey.key == key,
    )).scalar_one_or_none()
    if saved is not None and saved.request_hash != fingerprint:
        raise Conflict(_("the Idempotency-Key %(key)s was already used with a different request body; "
                         "send a new key for a new order", key=repr(key)), field="Idempotency-Key")
    return saved


def remember_request(order: Order, actor: User, key: str, fingerprint: str, status_code: int) -> None:
    db.session.add(IntakeIdempotencyKey(company_id=actor.company_id, user_id=actor.id, key=key,
                                        request_hash=fingerprint, order_id=order.id, status_code=status_code))
    flush()
