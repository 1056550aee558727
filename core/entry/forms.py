"""The fields and rows of order entry: a customer or product chosen by typing, line rows, their quote.

A ``LookupField`` is two inputs: the id the type-ahead fills in, and the text the clerk
typed. Without JavaScript only the text arrives and the field resolves it (a code, or a
name, phone or specification that only one row contains), so the form submits either way.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from wtforms import DecimalField, FieldList, Form, FormField
from wtforms.fields.core import Field
from wtforms.validators import NumberRange, Optional, StopValidation, ValidationError

from core import formatting, masterdata, prices
from core.auth.context import require_actor, sees_prices
from core.db import MAX_ID, fail_request
from core.errors import OrdoError
from core.extensions import db
from core.figures import MONEY, QUANTITY
from core.forms import FixedPoint
from core.models import Company, Customer, Product, User
from core.modules import hooks_for_company
from core.orders.totals import LineAmounts, Totals, line_amounts, totals

T = TypeVar("T")

LOOKUP_ROWS = 10  # the type-ahead shows this many matches; typing more narrows them


@dataclass(frozen=True)
class Lookup:
    """One kind of row a clerk picks by typing: what it is, who may search it."""

    model: type[Customer | Product]
    noun: Any  # a lazy string: "customer"
    permissions: tuple[str, ...]


LOOKUPS: dict[str, Lookup] = {
    "customer": Lookup(Customer, _l("customer"), ("customer.view", "order.create")),
    "product": Lookup(Product, _l("product"), ("product.view", "order.create")),
}


def candidates(kind: str, actor: User, q: str | None) -> Any:
    """The active rows of ``kind`` that ``actor`` may pick whose code, name, phone or specification has ``q``.

    A customer's own user picks only their customer, and only the products of their price list
    when prices were agreed with them.
    """
    if kind == "customer":
        customers = masterdata.matching(Customer, actor.company_id, q).where(Customer.active.is_(True))
        if actor.customer_id is not None:
            customers = customers.where(Customer.id == actor.customer_id)
        return customers
    products = masterdata.matching(Product, actor.company_id, q).where(Product.active.is_(True))
    if actor.customer_id is not None and prices.has_price_list(actor.customer_id):
        products = products.where(Product.id.in_(prices.listed_products(actor.customer_id)))
    return products


def describe(row: Customer | Product) -> str:
    """How a picked row reads in its input: code and name, and a product's specification."""
    text = f"{row.code} {row.name}"
    specification = getattr(row, "specification", None)
    return f"{text} ({specification})" if specification else text


def lookup(kind: str, actor: User, q: str | None) -> list[Customer | Product]:
    """The first matches the type-ahead lists."""
    return list(db.session.execute(candidates(kind, actor, q).limit(LOOKUP_ROWS)).scalars())


def resolve(kind: str, actor: User, text: str) -> Customer | Product:
    """The one row typed ``text`` names: its code (any case), or the only row containing it.

    Raises ValueError with what to do when nothing or several rows match.
    """
    model = LOOKUPS[kind].model
    noun = LOOKUPS[kind].noun
    exact = db.session.execute(
        candidates(kind, actor, None).where(func.lower(model.code) == text.lower())).scalars().first()
    if exact is not None:
        return exact
    found = list(db.session.execute(candidates(kind, actor, text).limit(2)).scalars())
    if not found:
        raise ValueError(_("No %(what)s matches “%(text)s”.", what=noun, text=text))
    if len(found) > 1:
        raise ValueError(_("Several %(what)ss match “%(text)s”: type the code or choose one from the list.",
                           what=noun, text=text))
    return found[0]


class LookupField(Field):
    """A customer or product picked with the type-ahead (``lookup`` macro); ``data`` is its id.

    The form sends ``<name>`` (the id the script filled in) and ``<name>-text`` (what was
    typed); an id wins, else the text is resolved. Validation loads the row (``row``):
    it must be active and, for a customer's own user, their customer.
    """

    def __init__(self, label: Any = None, validators: Any = None, *, kind: str, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.kind = kind
        self.text = ""
        self.row: Customer | Product | None = None
        self.bad_id = False  # an id no row of the company has, or no id at all: never what the type-ahead sends

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if formdata is not None:
            self.text = str(formdata.get(f"{self.name}-text", "")).strip()[:masterdata.MAX_QUERY]

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = str(valuelist[0]).strip() if valuelist else ""
        if raw in ("", "0"):  # nothing picked (0: what the plain select's "—" sent)
            self.data = None
        elif raw.isdigit() and len(raw) <= len(str(MAX_ID)) and 0 < int(raw) <= MAX_ID:
            self.data = int(raw)
        else:
            self.data = None
            self.bad_id = True
            raise ValueError(_("Not a valid choice: %(value)s.", value=raw[:20]))

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    @property
    def given(self) -> bool:
        """Whether the clerk picked or typed anything."""
        return self.data is not None or bool(self.text) or bool(self.process_errors)

    def resolved(self) -> Customer | Product | None:
        """The row the id names, loaded once; None when there is no id or no such row of the company."""
        if self.row is None and self.data is not None:
            row: Customer | Product | None = (db.session.get(Customer, self.data) if self.kind == "customer"
                                              else db.session.get(Product, self.data))
            self.row = row if row is not None and row.company_id == require_actor().company_id else None
        return self.row

    @property
    def display(self) -> str:
        """What the visible input shows: the picked row, or the text as typed."""
        row = self.resolved() if not self.process_errors else None
        # Text typed beside an error stays as typed; a check's message beside a saved pick keeps the pick.
        return describe(row) if row is not None and not (self.errors and self.text) else self.text

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()
        actor = require_actor()
        row = None
        if self.data is not None:
            model = LOOKUPS[self.kind].model
            row = db.session.execute(candidates(self.kind, actor, None).where(model.id == self.data)).scalars().first()
            if row is not None and self.text and self.text != describe(row):
                row = None  # typed over the pick (or without scripts, over the saved one): the text counts
            elif row is None and not self.text:
                self.bad_id = True
                raise StopValidation(_("There is no such %(what)s to choose (%(id)s).",
                                       what=LOOKUPS[self.kind].noun, id=self.data))
        if row is None and self.text:
            try:
                row = resolve(self.kind, actor, self.text)
            except ValueError as error:
                self.data = None
                raise StopValidation(str(error)) from error
        self.row = row
        self.data = row.id if row is not None else None


class LineRowForm(Form):
    """One row of the line table; a row without a product (nothing picked or typed) is left out."""

    product_id = LookupField(_l("Product"), kind="product")
    quantity = DecimalField(_l("Quantity"), places=None,
                            validators=[Optional(), FixedPoint(QUANTITY), NumberRange(min=0)])
    unit_price = DecimalField(_l("Unit price (the customer's or the list price when empty)"), places=None,
                              validators=[Optional(), FixedPoint(MONEY), NumberRange(min=0)])

    def validate_quantity(self, field: DecimalField) -> None:
        if self.product_id.given and not self.product_id.errors and field.data is None:
            raise ValidationError(_l("Enter the quantity of the chosen product."))
        if field.data is not None and not self.product_id.given:
            raise ValidationError(_l("Choose the product for this quantity."))
        if field.data is not None and field.data == 0:
            raise ValidationError(_l("The quantity must be greater than 0."))

    @property
    def filled(self) -> bool:
        return self.product_id.given


class LineRows(FieldList):
    """The line table's rows, each keeping the name the page gave it.

    WTForms 3.3 renumbers posted rows 0..n-1; the page's rows keep their numbers when one above is
    removed (``lines-0``, ``lines-3``), and the quote's amounts and errors must name the rows it shows.
    """

    def _compact_indices(self) -> None:
        return None


def line_rows(min_entries: int = 1) -> Any:
    """The line table's rows as a form field: as many as the clerk adds, none by a fixed count."""
    return LineRows(FormField(LineRowForm), _l("Lines"), min_entries=min_entries)


def filled_rows(rows: FieldList) -> list[Any]:
    """The rows that are lines, in table order: the ones a service receives as ``lines``."""
    return [row for row in rows if row.form.filled]


def line_data(rows: FieldList) -> list[dict[str, Any]]:
    """The filled rows as a service's ``lines``: ``{product_id, quantity, unit_price}``."""
    return [{"product_id": row.form.product_id.data, "quantity": row.form.quantity.data,
             "unit_price": row.form.unit_price.data}
            for row in filled_rows(rows)]


def add_row(rows: FieldList) -> None:
    """One more empty row, numbered after the last (rows that were removed leave gaps)."""
    rows.append_entry()


def remove_row(rows: FieldList, name: str) -> None:
    """Take the row called ``name`` (``lines-3``) out of the table; an unknown name changes nothing."""
    kept = [row for row in rows.entries if row.name != name]
    if len(kept) != len(rows.entries):
        rows.entries = kept or rows.entries[:1]


def attempt_on(form: Any, action: Callable[[], T]) -> T | None:
    """Run a service call for ``form``; a business error goes next to the field it names, else to a banner.

    The request's work is then discarded as a whole (``core.db.fail_request``), as ``core.web.attempt`` does.
    """
    try:
        return action()
    except OrdoError as error:
        fail_request()
        field = field_at(form, error.field)
        if field is None:
            flash(error.message, "error")
        else:
            field.errors = [*field.errors, error.message]
        return None


def edit_rows(rows: FieldList, formdata: Any) -> bool:
    """Apply the table's "Add a line" or "Remove" button (sent without scripts); whether one was pressed.

    The rows are checked as the quote checks them, so typed products are resolved and quoted
    and what is wrong shows on its row.
    """
    if "add_line" not in formdata and "remove_line" not in formdata:
        return False
    for row in rows:
        row.form.validate()
    if "add_line" in formdata:
        add_row(rows)
        return True
    if "remove_line" in formdata:
        remove_row(rows, str(formdata.get("remove_line", "")))
        return True
    return False


def field_at(form: Any, path: str | None) -> Any:
    """The form field a service's error names (``customer_id``, ``lines[2].quantity``, ``new_customer.code``),
    or None.

    ``lines[i]`` counts the filled rows, as ``line_data`` sent them; ``a.b`` is field ``b`` of subform ``a``.
    """
    if not path:
        return None
    if "[" not in path and "." in path:
        head, _, name = path.partition(".")
        subform = form._fields.get(head) if hasattr(form, "_fields") else None
        inner = getattr(subform, "form", None)
        return inner._fields.get(name, subform) if inner is not None else subform
    head, _, rest = path.partition("[")
    field = form._fields.get(head) if hasattr(form, "_fields") else None
    if field is None or not rest:
        return field
    index_text, _, tail = rest.partition("]")
    if not isinstance(field, FieldList) or not index_text.isdigit():
        return field
    rows = filled_rows(field)
    if int(index_text) >= len(rows):
        return field
    row = rows[int(index_text)]
    name = tail.lstrip(".")
    return row.form._fields.get(name, row.form.quantity) if name else row.form.quantity


@dataclass(frozen=True)
class Quote:
    """The line table's figures: each quoted row's amounts and unit price by row name (``lines-3``), and the sums."""

    lines: dict[str, LineAmounts]
    totals: Totals
    errors: dict[str, list[str]]
    unit_prices: dict[str, Decimal]
    # What is available of each row's product, by row name, when a stock module answers (``stock_available``).
    available: dict[str, Decimal] | None = None


def quote(rows: FieldList, actor: User, customer_id: int | None = None) -> Quote:
    """The amounts of the valid filled rows, by the same Decimal code as a saved order; reads, never writes.

    Run after the rows were validated. A row whose figures the order could not hold gets
    the same error as saving would give; a row without a price (and every row of whoever
    may not see prices) is quoted at the customer's agreed price, else the list price.
    ``customer_id`` must be one the actor may order for (:func:`customer_to_quote`).
    """
    shows_prices = sees_prices(actor)
    quoted: dict[str, LineAmounts] = {}
    unit_prices: dict[str, Decimal] = {}
    errors: dict[str, list[str]] = {}
    picked = [(row, row.form.product_id.resolved()) for row in filled_rows(rows)]
    agreed = prices.agreed_prices(customer_id, [product.id for _row, product in picked if product is not None])
    for row, product in picked:
        form = row.form
        if form.errors or product is None or form.quantity.data is None:
            continue
        price = (form.unit_price.data if shows_prices and form.unit_price.data is not None
                 else prices.default_price(product, agreed))
        amounts = line_amounts(form.quantity.data, price, product.tax_rate)
        if amounts.amount > MONEY.largest:
            errors[form.quantity.id] = [_("The amount of this line is too large.")]
            continue
        quoted[row.name] = amounts
        unit_prices[row.name] = price
    sums = totals(quoted.values())
    if sums.total > MONEY.largest:
        errors[rows.id] = [_("The order total is too large.")]
    return Quote(quoted, sums, errors, unit_prices, available(picked, actor))


def available(picked: Sequence[tuple[Any, Product | None]], actor: User) -> dict[str, Decimal] | None:
    """Each picked row's available quantity, asked of the stock module once for all rows; None when none answers.

    Staff only: a customer ordering in the portal is not shown the company's stock.
    """
    ask = hooks_for_company(actor.company_id).stock_available
    if actor.customer_id is not None or not ask.get_hookimpls():  # nobody to ask: not even the company is read
        return None
    company = db.session.get(Company, actor.company_id)
    answer = ask(company=company, product_ids=sorted({product.id for _row, product in picked if product is not None}))
    if answer is None:
        return None
    return {row.name: answer.by_product.get(product.id, Decimal(0)) for row, product in picked if product is not None}


def customer_to_quote(actor: User, raw: str | None) -> int | None:
    """The id of the customer a quote is for, from the form, if the actor may order for them; else None."""
    if actor.customer_id is not None:
        return actor.customer_id  # a customer's user orders for their own customer only
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    customer = db.session.get(Customer, int(text))
    return customer.id if customer is not None and customer.company_id == actor.company_id else None


def quantity_text(value: Decimal) -> str:
    """A quantity as the line table shows it: in the reader's locale, without trailing zeros."""
    return formatting.quantity(value)


def money_text(value: Decimal) -> str:
    """An amount as the quote sends it for the line table to show: in the reader's locale (``core.formatting``)."""
    return formatting.money(value)


def iter_errors(form: Any) -> Iterator[tuple[Any, str, str]]:
    """Every error of a form and its rows as (the field, its label, the message), in page order."""
    for field in form:
        if isinstance(field, FieldList):
            for message in field.errors if isinstance(field.errors, list) else []:
                if not isinstance(message, (dict, list)):
                    yield field, str(field.label.text), str(message)
            for number, row in enumerate(field.entries, start=1):
                for row_field in row.form:
                    for message in row_field.errors:
                        yield row_field, _("Line %(n)s: %(field)s", n=number, field=row_field.label.text), str(message)
        elif isinstance(field, FormField):  # a subform: the new customer entered with an order
            for inner in field.form:
                for message in inner.errors:
                    yield inner, f"{field.label.text}: {inner.label.text}", str(message)
        elif field.type != "CSRFTokenField":
            for message in field.errors:
                yield field, str(field.label.text), str(message)


def errors_by_id(form: Any, extra: Sequence[tuple[str, list[str]]] = ()) -> dict[str, list[str]]:
    """The form's errors keyed by the id of the input they belong to (``lines-3-quantity``)."""
    found: dict[str, list[str]] = {}
    for field, _label, message in iter_errors(form):
        found.setdefault(field.id, []).append(message)
    for field_id, messages in extra:
        found.setdefault(field_id, []).extend(messages)
    return found
