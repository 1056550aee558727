"""Analytics' JSON API: orders by region, and customers by RFM segment, over a period."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.labels import label
from plugins.kpi.analytics.labels import SEGMENT
from plugins.kpi.analytics.period import Period, parse_period
from plugins.kpi.analytics.regions import RegionRow, regions
from plugins.kpi.analytics.rfm import parse_thresholds, rfm
from plugins.kpi.analytics.schemas import CustomersSchema, PeriodQuerySchema, RegionsSchema, RfmQuerySchema

blp = ApiBlueprint("kpi_analytics_api", __name__, description="Analytics: orders by region, customers by segment")


def _period(period: Period, currency: str) -> dict[str, Any]:
    return {"as_of": period.as_of, "months": period.months, "first_day": period.first,
            "previous_first_day": period.previous_first, "currency": currency}


def _region(row: RegionRow) -> dict[str, Any]:
    return {"province": row.province, "city": row.city, "orders": row.orders, "amount": row.amount,
            "previous_orders": row.previous_orders, "previous_amount": row.previous_amount,
            "orders_growth": row.orders_growth, "amount_growth": row.amount_growth,
            "cities": [_region(city) for city in row.cities]}


@blp.route("/analytics/regions")
class Regions(MethodView):
    @requires("kpi.analytics")
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, RegionsSchema)
    def get(self, args):
        """Orders and their amount per province and city of the customer's address in the period, against
        the period of the same length before it; the largest first."""
        actor = require_actor()
        period = parse_period(actor.company, args["as_of"], args["months"])
        report = regions(actor.company, period)
        return {"period": _period(period, actor.company.currency),
                "provinces": [_region(row) for row in report.provinces], "total": _region(report.total)}


@blp.route("/analytics/customers")
class Customers(MethodView):
    @requires("kpi.analytics")
    @blp.arguments(RfmQuerySchema, location="query")
    @blp.response(200, CustomersSchema)
    def get(self, args):
        """The customers who ordered in the period by RFM segment: recency, frequency and monetary value, each
        high or low against the thresholds given or the company's medians."""
        actor = require_actor()
        period = parse_period(actor.company, args["as_of"], args["months"])
        report = rfm(actor.company, period,
                     parse_thresholds(args["recency_days"], args["frequency"], args["monetary"]))
        found = report.thresholds
        return {"period": _period(period, actor.company.currency), "customers": report.customers,
                "thresholds": {"recent_since": found.recent_since, "recency_days": found.recency_days,
                               "frequency": found.frequency, "monetary": found.monetary,
                               "given": sorted(found.given)},
                "segments": [{"code": figures.segment, "label": str(label(figures.segment.value, SEGMENT)),
                              "customers": figures.customers, "orders": figures.orders, "amount": figures.amount}
                             for figures in report.segments]}
