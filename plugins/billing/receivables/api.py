"""Receivables' JSON API: the ageing of receivables as of a day, and the company's ageing buckets."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from plugins.billing.receivables import buckets
from plugins.billing.receivables.ageing import AgeingReport, AgeingRow, ageing, parse_query
from plugins.billing.receivables.buckets import Bucket
from plugins.billing.receivables.schemas import AgeingBucketsSchema, AgeingQuerySchema, AgeingSchema

blp = ApiBlueprint("billing_receivables_api", __name__, description="Receivables: their ageing as of any day")


def _row(row: AgeingRow) -> dict[str, Any]:
    return {"key": row.key, "name": row.name, "currency": row.currency, "amounts": list(row.amounts),
            "total": row.total, "counts": list(row.counts), "invoices": row.count}


def _bucket(bucket: Bucket) -> dict[str, Any]:
    return {"key": bucket.key, "label": str(bucket.label), "first_day": bucket.first, "last_day": bucket.last}


def report_payload(report: AgeingReport) -> dict[str, Any]:
    return {
        "as_of": report.as_of, "group_by": report.group_by, "view": report.view,
        "buckets": [_bucket(bucket) for bucket in report.buckets],
        "rows": [_row(row) for row in report.rows], "totals": [_row(row) for row in report.totals],
    }


@blp.route("/receivables/ageing")
class Ageing(MethodView):
    @requires("billing.view")
    @blp.arguments(AgeingQuerySchema, location="query")
    @blp.response(200, AgeingSchema)
    def get(self, args):
        """What each customer (or salesperson) owed on ``as_of``, by how long past due: a figure per bucket,
        the invoices behind it, and the totals per currency, which are the receivables that day. Amounts
        are null for a caller who may not see prices."""
        actor = require_actor()
        return report_payload(ageing(actor, parse_query(actor.company_id, args["as_of"], args["group_by"],
                                                        args["view"])))


def _buckets(company_id: int) -> dict[str, Any]:
    bounds = buckets.company_bounds(company_id)
    return {"bounds": bounds, "buckets": [_bucket(bucket) for bucket in buckets.day_buckets(bounds)]}


@blp.route("/receivables/ageing-buckets")
class AgeingBuckets(MethodView):
    @requires("billing.view")
    @blp.response(200, AgeingBucketsSchema)
    def get(self):
        """The company's ageing buckets in days: their bounds (the defaults until finance sets its own) and
        the buckets they make."""
        return _buckets(require_actor().company_id)

    @requires(buckets.SETTINGS)
    @blp.arguments(AgeingBucketsSchema)
    @blp.response(200, AgeingBucketsSchema)
    def put(self, data):
        """Replace the bounds; bounds that do not rise are a 400 naming ``bounds[i]``."""
        actor = require_actor()
        buckets.set_bounds(actor.company_id, data["bounds"], actor)
        return _buckets(actor.company_id)
