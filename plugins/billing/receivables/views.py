"""Portal pages of receivables: the ageing report as of a day (chart, table, export), the invoices behind
each of its figures, and finance's page of the company's ageing buckets."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, select

from core.auth.context import require_actor, requires, sees_prices
from core.charts import ChartKind, chart
from core.errors import ValidationError
from core.listview import (
    Column, Kind, ListSpec, export_format, list_response, table_export_response,
)
from core.models import Customer, Order, User
from core.portal import order_url
from core.web import attempt
from plugins.billing.receivables import buckets
from plugins.billing.receivables.ageing import (
    AgeingQuery, AgeingReport, GroupBy, View, ageing, buckets_of, in_bucket, parse_query,
)
from plugins.billing.receivables.open_items import open_invoices
from plugins.billing.invoices.models import Invoice

bp = Blueprint("billing_receivables", __name__)

NO_ONE = "none"  # the drill-down's key of the invoices no salesperson answers for
GROUP_BY_LABELS = {GroupBy.CUSTOMER: _l("Customer"), GroupBy.SALESPERSON: _l("Salesperson")}
VIEW_LABELS = {View.DAYS: _l("Days past due"), View.YEARS: _l("Years past due (annual close)")}


def _asked() -> AgeingQuery:
    actor = require_actor()
    return parse_query(actor.company_id, request.args.get("as_of"), request.args.get("group_by"),
                       request.args.get("view"))


def _columns(report: AgeingReport, prices: bool) -> list[Column]:
    """The table's columns as shown: an amount per bucket, or without prices how many invoices."""
    by = _l("Customer") if report.group_by == GroupBy.CUSTOMER else _l("Salesperson")
    kind = Kind.MONEY if prices else Kind.INT
    return [Column("name", by, None), Column("currency", _l("Currency"), None),
            *(Column(f"bucket_{bucket.key}", bucket.label, None, kind) for bucket in report.buckets),
            Column("total", _l("Total"), None, kind), Column("invoices", _l("Invoices"), None, Kind.INT)]


def _rows(report: AgeingReport, prices: bool) -> list[dict[str, Any]]:
    """The table's rows, the totals last: what the page shows and the export writes, cell for cell."""
    rows = []
    for row in [*report.rows, *report.totals]:
        figures = row.amounts if prices else row.counts
        cells: dict[str, Any] = {"name": row.name, "currency": row.currency, "key": row.key,
                                 "is_total": row in report.totals,
                                 "total": row.total if prices else row.count, "invoices": row.count}
        cells.update({f"bucket_{bucket.key}": figure for bucket, figure in zip(report.buckets, figures, strict=True)})
        rows.append(cells)
    return rows


@bp.route("/receivables/ageing")
@requires("billing.view")
def ageing_report():
    actor = require_actor()
    asked = _asked()
    report = ageing(actor, asked)
    prices = sees_prices(actor)
    columns, rows = _columns(report, prices), _rows(report, prices)
    format_ = export_format()
    if format_ is not None:
        return table_export_response(f"ageing-{asked.as_of.isoformat()}", columns, rows, actor, format_)
    figures = [(str(bucket.label), [total.amounts[index] if prices else total.counts[index]
                                    for total in report.totals])
               for index, bucket in enumerate(report.buckets)]
    title = _("Receivables by age on %(day)s", day=asked.as_of.isoformat()) if prices else \
        _("Open invoices by age on %(day)s", day=asked.as_of.isoformat())
    figure = chart("ageing", ChartKind.BAR, title, _("Age"), figures if report.totals else [],
                   [total.currency for total in report.totals])
    return render_template("billing/receivables/ageing.html", report=report, asked=asked, columns=columns,
                           rows=rows, figure=figure, drill=_drill_url(asked), group_bys=GROUP_BY_LABELS,
                           views=VIEW_LABELS)


def _drill_url(asked: AgeingQuery) -> Callable[[int | None, str, str, bool], str]:
    """The link of a figure to the invoices behind it: a row's (``key``) or, for the totals, everyone's."""
    def url(key: int | None, currency: str, bucket: str, everyone: bool) -> str:
        return url_for("billing_receivables.ageing_invoices", as_of=asked.as_of.isoformat(),
                       group_by=asked.group_by.value, view=asked.view.value, currency=currency,
                       key=None if everyone else NO_ONE if key is None else key, bucket=bucket)
    return url


# --- the invoices behind a figure --------------------------------------------------------------


def _drill_spec(user: User, asked: AgeingQuery) -> ListSpec:
    """The list of the invoices behind one figure of the report: open on ``as_of``, of the group's key, in
    the bucket (every bucket without one), in the currency; what each owed that day."""
    owing = open_invoices(user.company_id, as_of=asked.as_of, customer_id=user.customer_id)
    conditions = [owing.c.currency == (request.args.get("currency") or "").strip().upper()]
    key = (request.args.get("key") or "").strip()
    grouped = owing.c.customer_id if asked.group_by == GroupBy.CUSTOMER else owing.c.salesperson_id
    if key == NO_ONE and asked.group_by == GroupBy.SALESPERSON:
        conditions.append(grouped.is_(None))
    elif key.isdigit() and len(key) < 10:
        conditions.append(grouped == int(key))
    elif key:
        raise ValidationError(_("key must be a customer's or salesperson's id"), field="key")
    bucket_key = request.args.get("bucket")
    if bucket_key:
        offered = buckets_of(user.company_id, asked.view)
        bucket = next((b for b in offered if b.key == bucket_key), None)
        if bucket is None:
            raise ValidationError(_("bucket must be one of: %(values)s",
                                    values=", ".join(b.key for b in offered)), field="bucket")
        conditions.append(in_bucket(owing.c.due_date, asked.as_of, bucket))

    def source(_user: User) -> Select[Any]:
        return (select(Invoice).join(owing, owing.c.invoice_id == Invoice.id)
                .join(Order, Order.id == Invoice.order_id).join(Customer, Customer.id == Order.customer_id)
                .where(and_(*conditions)))

    return ListSpec(
        name=f"ageing-{asked.as_of.isoformat()}-invoices",
        source=source,
        id=Invoice.id,
        columns=(
            Column("number", _l("Invoice"), Invoice.number, sortable=True,
                   href=lambda row: order_url(row.order_id)),
            Column("customer", _l("Customer"), Customer.name),
            Column("due_date", _l("Due"), Invoice.due_date, Kind.DATE, sortable=True),
            Column("open", _l("Open on the day"), owing.c.open, Kind.MONEY),
            Column("currency", _l("Currency"), Invoice.currency),
        ),
        search=(Invoice.number, Order.number, Customer.name),
        default_sort="due_date",
        carry={"order_id": Invoice.order_id},
    )


@bp.route("/receivables/ageing/invoices")
@requires("billing.view")
def ageing_invoices():
    actor = require_actor()
    asked = _asked()
    return list_response(_drill_spec(actor, asked), actor, "billing/receivables/ageing_invoices.html",
                         asked=asked, back=url_for("billing_receivables.ageing_report", as_of=asked.as_of.isoformat(),
                                                   group_by=asked.group_by.value, view=asked.view.value))


# --- the company's ageing buckets ----------------------------------------------------------------


def bounds_from_form(form: Any) -> list[Any]:
    """The bounds typed in the page's rows (``bound-<n>``), the empty ones left out, in order: whole numbers
    as numbers, anything else as typed, for ``buckets.set_bounds`` to refuse naming its place."""
    typed = [(form.get(f"bound-{number}") or "").strip() for number in range(1, buckets.MAX_BOUNDS + 1)]
    return [int(text) if text.isascii() and text.isdigit() and len(text) < 6 else text for text in typed if text]


@bp.route("/billing/ageing-buckets")
@requires(buckets.SETTINGS)
def ageing_buckets():
    actor = require_actor()
    bounds = buckets.company_bounds(actor.company_id)
    return render_template("billing/receivables/buckets.html", bounds=bounds, rows=buckets.MAX_BOUNDS,
                           shown=buckets.day_buckets(bounds))


@bp.route("/billing/ageing-buckets", methods=["POST"])
@requires(buckets.SETTINGS)
def save_ageing_buckets():
    actor = require_actor()
    if attempt(lambda: buckets.set_bounds(actor.company_id, bounds_from_form(request.form), actor)) is not None:
        flash(_("The ageing buckets are saved."), "success")
    return redirect(url_for("billing_receivables.ageing_buckets"))
