"""Portal pages for master data: customers and products, listed, created and edited.

One small set of views serves both kinds; what differs (model, form, list,
permission prefix) is described by a ``Kind``. The lists are list views
(``core.listview``): search, filters, sort, group-by, export.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import Row, Select, select

from core import masterdata
from core.admin.forms import CustomerForm, CustomerPriceForm, ProductForm
from core.auth.context import current_actor, require_actor, requires, sees_prices
from core.db import get_scoped
from core.listview import Column, Filter, FilterKind, GroupBy, Kind as ColumnKind, ListSpec, list_response
from core.models import Customer, PaymentTerms, Product, User
from core.entry.forms import attempt_on
from core.web import attempt

bp = Blueprint("masterdata", __name__)

M = TypeVar("M", Customer, Product)


@dataclass(frozen=True)
class Kind(Generic[M]):
    model: type[M]
    form: type[FlaskForm]
    noun: str  # permission prefix and endpoint stem: customer.view, masterdata.customers
    title: Any
    singular: Any
    listing: ListSpec

    @property
    def amounts(self) -> tuple[str, ...]:
        """The fields holding amounts (credit limit, prices): shown and set only with ``order.view_prices``."""
        return masterdata.money_fields(self.model)

    def make_form(self, user: User, obj: Any = None, *, read: bool = True) -> FlaskForm:
        """The form for ``user``: without the price permission it has no amount fields to read or send.

        ``read=False`` shows ``obj`` without reading the request (a post of another form on the page).
        """
        form = self.form(obj=obj) if read else self.form(formdata=None, obj=obj)
        if not sees_prices(user):
            for name in self.amounts:
                del form[name]
        return form


def _rows_of(model: type[M]) -> Callable[[User], Select[Any]]:
    def source(user: User) -> Select[Any]:
        return select(model.id).where(model.company_id == user.company_id)
    return source


def _editor(noun: str) -> Callable[[Row[Any]], str | None]:
    """The code links to the edit page for those who may keep the master data."""
    def href(row: Row[Any]) -> str | None:
        actor = current_actor()
        return url_for(f"masterdata.edit_{noun}", item_id=row.id) if actor and actor.can(f"{noun}.manage") else None
    return href


CUSTOMER_LIST = ListSpec(
    name="customers", source=_rows_of(Customer), id=Customer.id,
    columns=(
        Column("code", _l("Code"), Customer.code, sortable=True, href=_editor("customer")),
        Column("name", _l("Name"), Customer.name, sortable=True),
        Column("contact", _l("Contact"), Customer.contact),
        Column("phone", _l("Phone"), Customer.phone),
        Column("province", _l("Province"), Customer.province, sortable=True),
        Column("city", _l("City"), Customer.city),
        Column("credit_limit", _l("Credit limit"), Customer.credit_limit, ColumnKind.MONEY, sortable=True),
        Column("payment_terms", _l("Default payment terms"), Customer.payment_terms, ColumnKind.CODE),
        Column("delivery_method", _l("Default delivery method"), Customer.delivery_method, ColumnKind.CODE),
        Column("invoice_type", _l("Invoice"), Customer.invoice_type, ColumnKind.CODE),
        Column("active", _l("Active"), Customer.active, ColumnKind.BOOL),
    ),
    search=(Customer.code, Customer.name, Customer.contact, Customer.phone),
    filters=(
        Filter("payment_terms", _l("Default payment terms"), Customer.payment_terms, choices=PaymentTerms),
        Filter("inactive", _l("Inactive only"), Customer.active.is_(False), FilterKind.FLAG),
    ),
    group_bys=(
        GroupBy("province", _l("Province"), Customer.province),
        GroupBy("payment_terms", _l("Default payment terms"), Customer.payment_terms, filter="payment_terms"),
    ),
    default_sort="code",
)
PRODUCT_LIST = ListSpec(
    name="products", source=_rows_of(Product), id=Product.id,
    columns=(
        Column("code", _l("Code"), Product.code, sortable=True, href=_editor("product")),
        Column("name", _l("Name"), Product.name, sortable=True),
        Column("specification", _l("Specification"), Product.specification),
        Column("unit", _l("Unit"), Product.unit),
        Column("list_price", _l("List price"), Product.list_price, ColumnKind.MONEY, sortable=True),
        Column("floor_price", _l("Floor price"), Product.floor_price, ColumnKind.MONEY, sortable=True),
        Column("tax_rate", _l("Tax rate"), Product.tax_rate, ColumnKind.NUMBER),
        Column("lead_time_days", _l("Lead time (days)"), Product.lead_time_days, ColumnKind.INT, sortable=True),
        Column("active", _l("Active"), Product.active, ColumnKind.BOOL),
    ),
    search=(Product.code, Product.name, Product.specification),
    filters=(Filter("inactive", _l("Inactive only"), Product.active.is_(False), FilterKind.FLAG),),
    group_bys=(GroupBy("unit", _l("Unit"), Product.unit), GroupBy("tax_rate", _l("Tax rate"), Product.tax_rate)),
    default_sort="code",
)
CUSTOMERS = Kind(Customer, CustomerForm, "customer", _l("Customers"), _l("Customer"), CUSTOMER_LIST)
PRODUCTS = Kind(Product, ProductForm, "product", _l("Products"), _l("Product"), PRODUCT_LIST)


def _data(form: FlaskForm) -> dict[str, Any]:
    """The form's fields as the service's data: blank text becomes None."""
    data = {name: value for name, value in form.data.items() if name != "csrf_token"}
    return {name: (value.strip() or None) if isinstance(value, str) and name not in {"code", "name"} else value
            for name, value in data.items()}


def _listing(kind: Kind[M]) -> Any:
    user = require_actor()
    return list_response(kind.listing, user, "admin/masterdata_list.html", kind=kind,
                         can_create=user.can(f"{kind.noun}.manage") and masterdata.may_create(kind.model, user))


def _editing(kind: Kind[M], row: M | None = None, price_form: CustomerPriceForm | None = None,
             status: int = 200) -> ResponseReturnValue:
    user = require_actor()
    if row is None:
        masterdata.check_may_create(kind.model, user)
    form = kind.make_form(user, obj=row, read=price_form is None)
    if request.method == "POST" and price_form is None:
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
    # A customer's price list, below the customer: amounts, so only for whoever sees prices.
    prices = masterdata.price_list(row) if isinstance(row, Customer) and sees_prices(user) else None
    return render_template("admin/masterdata_form.html", kind=kind, form=form, row=row, prices=prices,
                           price_form=price_form or CustomerPriceForm(formdata=None)), status


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


@bp.route("/customers/<id:item_id>/prices", methods=["POST"])
@requires("customer.manage")
def set_customer_price(item_id: int) -> ResponseReturnValue:
    """Agree a price with the customer for one product, or change it."""
    user = require_actor()
    customer = get_scoped(Customer, user.company_id, item_id, what=_("Customer"))
    form = CustomerPriceForm()
    if form.validate_on_submit():
        saved = attempt_on(form, lambda: masterdata.set_price(customer, form.product_id.data,
                                                              form.unit_price.data, user))
        if saved is not None:
            flash(_("Price of %(product)s for %(customer)s saved.", product=saved.product.code,
                    customer=customer.code), "success")
            return redirect(url_for("masterdata.edit_customer", item_id=customer.id, _anchor="prices"))
    else:
        flash(_("Check the fields marked below."), "error")
    return _editing(CUSTOMERS, customer, price_form=form, status=400)


@bp.route("/customers/<id:item_id>/prices/<id:product_id>/remove", methods=["POST"])
@requires("customer.manage")
def remove_customer_price(item_id: int, product_id: int) -> ResponseReturnValue:
    """End an agreed price: the customer's lines of the product take the list price again."""
    user = require_actor()
    customer = get_scoped(Customer, user.company_id, item_id, what=_("Customer"))
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
    elif attempt(lambda: masterdata.remove_price(customer, product_id, user)) is not None:
        flash(_("The agreed price is removed; the list price applies."), "success")
    return redirect(url_for("masterdata.edit_customer", item_id=customer.id, _anchor="prices"))
