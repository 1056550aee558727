"""Portal pages for master data: customers and products, listed, created and edited.

One small set of views serves both kinds; what differs (model, form, columns,
permission prefix) is described by a ``Kind``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import or_

from core import masterdata
from core.admin.forms import CustomerForm, ProductForm
from core.auth.context import require_actor, requires, sees_prices
from core.db import MAX_ID, get_scoped, page_of, scoped
from core.labels import choices
from core.models import Customer, PaymentTerms, Product, User
from core.entry.forms import attempt_on

bp = Blueprint("masterdata", __name__)

PER_PAGE = 50

M = TypeVar("M", Customer, Product)


@dataclass(frozen=True)
class Kind(Generic[M]):
    model: type[M]
    form: type[FlaskForm]
    noun: str  # permission prefix and endpoint stem: customer.view, masterdata.customers
    title: Any
    singular: Any
    columns: tuple[tuple[str, Any], ...]

    @property
    def amounts(self) -> tuple[str, ...]:
        """The fields holding amounts (credit limit, prices): shown and set only with ``order.view_prices``."""
        return masterdata.money_fields(self.model)

    def columns_for(self, show_prices: bool) -> tuple[tuple[str, Any], ...]:
        return self.columns if show_prices else tuple(c for c in self.columns if c[0] not in self.amounts)

    def make_form(self, user: User, obj: Any = None) -> FlaskForm:
        """The form for ``user``: without the price permission it has no amount fields to read or send."""
        form = self.form(obj=obj)
        if hasattr(form, "payment_terms"):
            form.payment_terms.choices = choices(PaymentTerms)
        if not sees_prices(user):
            for name in self.amounts:
                del form[name]
        return form


CUSTOMERS = Kind(Customer, CustomerForm, "customer", _l("Customers"), _l("Customer"), (
    ("code", _l("Code")), ("name", _l("Name")), ("contact", _l("Contact")), ("phone", _l("Phone")),
    ("province", _l("Province")), ("city", _l("City")), ("credit_limit", _l("Credit limit")),
    ("payment_terms", _l("Default payment terms")), ("active", _l("Active")),
))
PRODUCTS = Kind(Product, ProductForm, "product", _l("Products"), _l("Product"), (
    ("code", _l("Code")), ("name", _l("Name")), ("specification", _l("Specification")), ("unit", _l("Unit")),
    ("list_price", _l("List price")), ("floor_price", _l("Floor price")), ("tax_rate", _l("Tax rate")),
    ("active", _l("Active")),
))


def _data(form: FlaskForm) -> dict[str, Any]:
    """The form's fields as the service's data: blank text becomes None."""
    data = {name: value for name, value in form.data.items() if name != "csrf_token"}
    return {name: (value.strip() or None) if isinstance(value, str) and name not in {"code", "name"} else value
            for name, value in data.items()}


def _listing(kind: Kind[M]) -> str:
    user = require_actor()
    search = (request.args.get("q") or "").strip()
    page = request.args.get("page", 1, type=int) or 1
    if not 1 <= page <= MAX_ID:  # past the last page is empty; past MAX_ID no database can count to
        page = 1
    query = scoped(kind.model, user.company_id)
    if search:
        query = query.where(or_(kind.model.code.contains(search), kind.model.name.contains(search)))
    found = page_of(query.order_by(kind.model.code), page, PER_PAGE)
    return render_template("admin/masterdata_list.html", kind=kind, rows=found["items"], search=search,
                           page=page, pages=found["pages"], total=found["total"],
                           can_manage=user.can(f"{kind.noun}.manage"),
                           can_create=user.can(f"{kind.noun}.manage") and masterdata.may_create(kind.model, user))


def _editing(kind: Kind[M], row: M | None = None) -> ResponseReturnValue:
    user = require_actor()
    if row is None:
        masterdata.check_may_create(kind.model, user)
    form = kind.make_form(user, obj=row)
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Check the fields marked below."), "error")  # each error stands next to its field
        else:
            def save():
                if row is None:
                    return masterdata.create(kind.model, company_id=user.company_id, data=_data(form), actor=user)
                return masterdata.update(row, data=_data(form), actor=user)
            saved = attempt_on(form, save)  # a duplicate code goes next to the code
            if saved is not None:
                flash(_("%(what)s %(code)s saved.", what=kind.singular, code=saved.code), "success")
                return redirect(url_for(f"masterdata.{kind.noun}s"))
    return render_template("admin/masterdata_form.html", kind=kind, form=form, row=row)


def _register(kind: Kind[M]) -> None:
    plural = f"{kind.noun}s"

    @requires(f"{kind.noun}.view")
    def listing():
        return _listing(kind)

    @requires(f"{kind.noun}.manage")
    def new():
        return _editing(kind)

    @requires(f"{kind.noun}.manage")
    def edit(item_id: int):
        return _editing(kind, get_scoped(kind.model, require_actor().company_id, item_id, what=kind.noun))

    bp.add_url_rule(f"/{plural}", endpoint=plural, view_func=listing)
    bp.add_url_rule(f"/{plural}/new", endpoint=f"new_{kind.noun}", view_func=new, methods=["GET", "POST"])
    bp.add_url_rule(f"/{plural}/<id:item_id>", endpoint=f"edit_{kind.noun}", view_func=edit,
                    methods=["GET", "POST"])


_register(CUSTOMERS)
_register(PRODUCTS)
