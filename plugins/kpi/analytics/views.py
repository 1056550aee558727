"""Portal pages of analytics: regions, customer segments (RFM), trends with the product and channel mix,
and the orders behind every figure. Each table is the chart's data, and exports exactly as shown."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, select

from core.auth.context import require_actor, requires, sees_prices
from core.charts import Chart, ChartKind, chart
from core.errors import ValidationError
from core.keyset import Kind
from core.listview import Column, ListSpec, export_format, list_response, order_column, table_export_response
from core.models import Customer, Order, User
from core.portal import order_url
from plugins.kpi.analytics import mix
from plugins.kpi.analytics.drill import Figure, conditions, parse_figure
from plugins.kpi.analytics.labels import SEGMENT
from plugins.kpi.analytics.period import Period, parse_period
from plugins.kpi.analytics.regions import regions as region_report
from plugins.kpi.analytics.rfm import AskedThresholds, Segment, parse_segment, parse_thresholds, per_customer, \
    rfm, segment_code, thresholds
from plugins.kpi.analytics.tables import Link, Table, channel_table, month_table, product_table, region_table, \
    segment_table

bp = Blueprint("kpi_analytics", __name__)

PERMISSION = "kpi.analytics"
# Provinces drawn at most in the chart; the table lists them all.
CHART_PROVINCES = 20


def _period(user: User) -> Period:
    return parse_period(user.company, request.args.get("as_of"), request.args.get("months"))


def _asked() -> AskedThresholds:
    return parse_thresholds(request.args.get("recency_days"), request.args.get("frequency"),
                            request.args.get("monetary"))


def _drill(period: Period, asked: AskedThresholds | None = None) -> Link:
    base = {**period.params(), **(asked.params() if asked is not None else {})}
    return lambda where: url_for("kpi_analytics.orders", **base, **where)


def _shown(table: Table, user: User, template: str, **context: Any) -> Any:
    format_ = export_format()
    if format_ is not None:
        return table_export_response(f"{table.name}-{context['period'].as_of.isoformat()}", table.columns,
                                     table.rows, user, format_)
    return render_template(template, table=table, **context)


def _figures(rows: list[dict[str, Any]], label_key: str, prices: bool) -> list[tuple[str, list[Any]]]:
    return [(row[label_key], [row["amount"] if prices else row["orders"]]) for row in rows]


def _series(user: User) -> list[str]:
    return [_("Amount (%(currency)s)", currency=user.company.currency) if sees_prices(user) else _("Orders")]


@bp.route("/analytics/regions")
@requires(PERMISSION)
def regions():
    user = require_actor()
    period = _period(user)
    report = region_report(user.company, period)
    prices = sees_prices(user)
    table = region_table(report, _drill(period), prices)
    provinces = [row for row in table.rows if not row["is_city"] and not row.get("is_total")]
    figure = chart("regions", ChartKind.BAR, _("Orders by province"), _("Province"),
                   _figures(provinces[:CHART_PROVINCES], "province", prices), _series(user))
    return _shown(table, user, "kpi/analytics/regions.html", period=period, figure=figure, report=report)


@bp.route("/analytics/customers")
@requires(PERMISSION)
def customers():
    user = require_actor()
    period, asked = _period(user), _asked()
    report = rfm(user.company, period, asked)
    prices = sees_prices(user)
    table = segment_table(report, _drill(period, asked), _segment_link(period, asked), prices)
    figure = chart("segments", ChartKind.BAR, _("Customers by segment"), _("Segment"),
                   [(row["segment"], [row["customers"]]) for row in table.rows], [_("Customers")])
    return _shown(table, user, "kpi/analytics/customers.html", period=period, figure=figure, report=report,
                  asked=asked)


def _segment_link(period: Period, asked: AskedThresholds) -> Link:
    base = {**period.params(), **asked.params()}
    return lambda where: url_for("kpi_analytics.segment", **base, **where)


@bp.route("/analytics/customers/segment")
@requires(PERMISSION)
def segment():
    user = require_actor()
    period, asked = _period(user), _asked()
    # Without one, the first: the important value customers.
    chosen = parse_segment(request.args.get("segment")) or Segment.IMPORTANT_VALUE
    return list_response(_segment_spec(user, period, asked, chosen), user, "kpi/analytics/segment.html",
                         period=period, segment=chosen, namespace=SEGMENT,
                         back=url_for("kpi_analytics.customers", **period.params(), **asked.params()))


def _segment_spec(user: User, period: Period, asked: AskedThresholds, chosen: Segment) -> ListSpec:
    """The customers of one segment with their recency, frequency and amount."""
    figures = per_customer(user.company, period)
    found, count = thresholds(user.company, period, asked, figures)
    member = segment_code(figures, found) == chosen.value if count else figures.c.customer_id.is_(None)
    prices = sees_prices(user)
    drill = _drill(period)

    def source(_user: User) -> Select[Any]:
        return select(Customer).join(figures, figures.c.customer_id == Customer.id).where(and_(member))

    return ListSpec(
        name=f"customers-{chosen.value}-{period.as_of.isoformat()}",
        source=source,
        id=Customer.id,
        columns=(
            Column("code", _l("Code"), Customer.code),
            Column("name", _l("Customer"), Customer.name, href=lambda row: drill({"customer": row.id})),
            Column("province", _l("Province"), Customer.province),
            Column("city", _l("City"), Customer.city),
            Column("last_at", _l("Last order"), figures.c.last_at, Kind.DATETIME),
            # Sorted by what matters most the reader may see: the amount, else the number of orders.
            Column("frequency", _l("Orders"), figures.c.frequency, Kind.INT, sortable=not prices),
            Column("monetary", _l("Amount"), figures.c.monetary, Kind.MONEY, sortable=prices),
        ),
        search=(Customer.code, Customer.name),
        default_sort="-monetary" if prices else "-frequency",
    )


@bp.route("/analytics/trends")
@requires(PERMISSION)
def trends():
    user = require_actor()
    period = _period(user)
    prices = sees_prices(user)
    link = _drill(period)
    tables = {"months": month_table(mix.months(user.company, period), link, prices),
              "products": product_table(mix.products(user.company, period), link, prices),
              "channels": channel_table(mix.channels(user.company, period), link, prices)}
    format_ = export_format()
    if format_ is not None:
        asked = request.args.get("table") or "months"
        if asked not in tables:
            raise ValidationError(_("table must be one of: %(values)s", values=", ".join(tables)), field="table")
        table = tables[asked]
        return table_export_response(f"{table.name}-{period.as_of.isoformat()}", table.columns, table.rows,
                                     user, format_)
    return render_template("kpi/analytics/trends.html", period=period, tables=tables,
                           charts=_trend_charts(user, tables))


def _trend_charts(user: User, tables: dict[str, Table]) -> dict[str, Chart]:
    prices = sees_prices(user)
    series = _series(user)
    return {
        "months": chart("months", ChartKind.LINE, _("Orders by month"), _("Month"),
                        _figures(tables["months"].rows, "month", prices), series),
        "products": chart("products", ChartKind.BAR, _("Product mix"), _("Product"),
                          _figures(tables["products"].rows[:CHART_PROVINCES], "name", prices), series),
        "channels": chart("channels", ChartKind.PIE, _("Channel mix"), _("Channel"),
                          _figures([row for row in tables["channels"].rows if row["orders"]], "channel", prices),
                          series),
    }


# --- the orders behind a figure -------------------------------------------------------------


def _orders_spec(user: User, figure: Figure) -> ListSpec:
    where = conditions(user.company, figure)

    def source(_user: User) -> Select[Any]:
        return select(Order).join(Customer, Customer.id == Order.customer_id).where(and_(*where))

    return ListSpec(
        name=f"analytics-orders-{figure.period.as_of.isoformat()}",
        source=source,
        id=Order.id,
        columns=(
            order_column(),
            # Newest first, unsorted otherwise: a figure's orders are one list, not one per order of sorting.
            Column("submitted_at", _l("Submitted"), Order.submitted_at, Kind.DATETIME),
            Column("customer", _l("Customer"), Customer.name),
            Column("province", _l("Province"), Customer.province),
            Column("city", _l("City"), Customer.city),
            Column("channel", _l("Channel"), Order.channel, Kind.CODE),
            Column("status", _l("Status"), Order.status, Kind.CODE, badge=True),
            Column("total", _l("Total"), Order.total, Kind.MONEY),
        ),
        search=(Order.number, Customer.name),
        default_sort="-id",
        carry={"order_id": Order.id},
    )


@bp.route("/analytics/orders")
@requires(PERMISSION)
def orders():
    user = require_actor()
    figure = parse_figure(user.company, request.args)
    return list_response(_orders_spec(user, figure), user, "kpi/analytics/orders.html", figure=figure,
                         order_url=order_url)
