"""The analytics pages' tables as they are shown and exported, cell for cell: columns and rows of values,
with the link of each figure to the orders behind it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from core.keyset import Kind
from core.labels import label
from core.listview import Column
from plugins.kpi.analytics.drill import NONE
from plugins.kpi.analytics.labels import SEGMENT
from plugins.kpi.analytics.mix import ChannelFigures, MonthFigures, ProductFigures
from plugins.kpi.analytics.regions import RegionReport, RegionRow
from plugins.kpi.analytics.rfm import RfmReport

# Where a figure links: the drill-down's parameters for it (the page adds the period's).
Link = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Table:
    """A shown table: ``rows`` map each column's key to its value; ``links`` map keys to where they lead."""

    name: str
    columns: list[Column]
    rows: list[dict[str, Any]]


def percent(rate: Decimal | None) -> Decimal | None:
    """A growth as the page shows it and the export writes it: percent with one decimal."""
    return None if rate is None else (rate * 100).quantize(Decimal("0.1"))


def _money_when(user_sees: bool, *columns: Column) -> list[Column]:
    return list(columns) if user_sees else []


def region_table(report: RegionReport, link: Link, prices: bool) -> Table:
    columns = [Column("province", _l("Province"), None), Column("city", _l("City"), None),
               Column("orders", _l("Orders"), None, Kind.INT),
               Column("previous_orders", _l("Orders, previous period"), None, Kind.INT),
               Column("orders_growth", _l("Orders growth (%)"), None, Kind.NUMBER),
               *_money_when(prices, Column("amount", _l("Amount"), None, Kind.MONEY),
                            Column("previous_amount", _l("Amount, previous period"), None, Kind.MONEY),
                            Column("amount_growth", _l("Amount growth (%)"), None, Kind.NUMBER))]
    rows = []
    for province in report.provinces:
        rows.append(_region_row(province, province, None, link))
        rows.extend(_region_row(city, province, city, link) for city in province.cities)
    if report.provinces:
        rows.append({**_region_row(report.total, None, None, link), "province": str(_l("Total")),
                     "is_total": True})
    return Table("regions", columns, rows)


def _region_row(row: RegionRow, province: RegionRow | None, city: RegionRow | None, link: Link) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if province is not None:
        where["province"] = province.province or NONE
    if city is not None:
        where["city"] = city.city or NONE
    return {
        "province": (province.province or str(_l("No province given"))) if province is not None else "",
        "city": (city.city or str(_l("No city given"))) if city is not None else "",
        "orders": row.orders, "previous_orders": row.previous_orders,
        "orders_growth": percent(row.orders_growth), "amount": row.amount, "previous_amount": row.previous_amount,
        "amount_growth": percent(row.amount_growth), "is_city": city is not None,
        "links": {"orders": link(where), "amount": link(where),
                  "previous_orders": link({**where, "previous": "1"}),
                  "previous_amount": link({**where, "previous": "1"})},
    }


def segment_table(report: RfmReport, link: Link, customers: Link, prices: bool) -> Table:
    columns = [Column("code", _l("Code"), None), Column("segment", _l("Segment"), None),
               Column("customers", _l("Customers"), None, Kind.INT), Column("orders", _l("Orders"), None, Kind.INT),
               *_money_when(prices, Column("amount", _l("Amount"), None, Kind.MONEY))]
    rows = [{"code": figures.segment.value, "segment": label(figures.segment.value, SEGMENT),
             "customers": figures.customers, "orders": figures.orders, "amount": figures.amount,
             "links": {"customers": customers({"segment": figures.segment.value}),
                       "orders": link({"segment": figures.segment.value}),
                       "amount": link({"segment": figures.segment.value})}}
            for figures in report.segments]
    return Table("customer-segments", columns, rows)


def month_table(months: list[MonthFigures], link: Link, prices: bool) -> Table:
    columns = [Column("month", _l("Month"), None), Column("orders", _l("Orders"), None, Kind.INT),
               Column("customers", _l("Customers"), None, Kind.INT),
               *_money_when(prices, Column("amount", _l("Amount"), None, Kind.MONEY))]
    rows = [{"month": figures.month.strftime("%Y-%m"), "orders": figures.orders, "customers": figures.customers,
             "amount": figures.amount,
             "links": {key: link({"month": figures.month.strftime("%Y-%m")}) for key in ("orders", "amount")}}
            for figures in months]
    return Table("trends-by-month", columns, rows)


def product_table(products: list[ProductFigures], link: Link, prices: bool) -> Table:
    columns = [Column("code", _l("Product code"), None), Column("name", _l("Product"), None),
               Column("orders", _l("Orders"), None, Kind.INT), Column("quantity", _l("Quantity"), None, Kind.NUMBER),
               Column("unit", _l("Unit"), None),
               *_money_when(prices, Column("amount", _l("Amount"), None, Kind.MONEY))]
    rows = [{"code": figures.code, "name": figures.name, "orders": figures.orders, "quantity": figures.quantity,
             "unit": figures.unit, "amount": figures.amount,
             "links": {key: link({"product": figures.product_id}) for key in ("orders", "amount")}}
            for figures in products]
    return Table("product-mix", columns, rows)


def channel_table(channels: list[ChannelFigures], link: Link, prices: bool) -> Table:
    columns = [Column("channel", _l("Channel"), None), Column("orders", _l("Orders"), None, Kind.INT),
               *_money_when(prices, Column("amount", _l("Amount"), None, Kind.MONEY))]
    rows = [{"channel": label(figures.channel), "orders": figures.orders, "amount": figures.amount,
             "links": {key: link({"channel": figures.channel.value}) for key in ("orders", "amount")}}
            for figures in channels]
    return Table("channel-mix", columns, rows)
