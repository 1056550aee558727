"""Stock's rule for the production step of a review: are the goods there, and when is the rest made?

Contributed through ``review_rules`` like any plugin's rule: the review plugin
does not know stock exists. Each line is available (its whole quantity is
free in the company's warehouses), partly available (how many, and the
earliest date for the rest: today plus the product's lead time in working
days of the company's calendar), or not available.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from core.calendar import calendar_for
from core.contracts import Finding, Severity, Verdict
from core.extensions import db
from core.models import Company, Order
from plugins.stock.services import available_by_product

RULE = "stock_availability"
AVAILABLE = "stock_available"
PARTLY = "stock_partly_available"
NOT_AVAILABLE = "stock_not_available"


def availability(order: Order) -> list[Finding]:
    """One finding for production: every line in stock (info), or the lines that are not (a warning each kind)."""
    if not order.lines:
        return []
    free = available_by_product(order.company_id, [line.product_id for line in order.lines])
    company = db.session.get(Company, order.company_id)
    assert company is not None
    calendar = calendar_for(order.company_id)
    today = company.today()
    partly: list[str] = []
    missing: list[str] = []
    for line in sorted(order.lines, key=lambda line: line.line_no):
        have = max(free.get(line.product_id, Decimal(0)), Decimal(0))
        if have >= line.quantity:
            free[line.product_id] = have - line.quantity  # two lines of one product draw on one stock
            continue
        free[line.product_id] = Decimal(0)
        ready = calendar.add_working_days(today, line.product.lead_time_days).isoformat()
        # In no language: the line, the product's code, available/ordered and the earliest date for the rest.
        about = f"#{line.line_no} {line.product.code} {_plain(have)}/{_plain(line.quantity)} → {ready}"
        (partly if have > 0 else missing).append(about)
    if not partly and not missing:
        return [Finding(rule=RULE, verdict=Verdict.APPROVE, severity=Severity.INFO, reason_codes=(AVAILABLE,),
                        message=_("Every line is in stock"), department="production")]
    findings = []
    for code, lines, message in ((PARTLY, partly, _("Partly in stock: %(lines)s")),
                                 (NOT_AVAILABLE, missing, _("Not in stock: %(lines)s"))):
        if lines:
            joined = "; ".join(lines)
            findings.append(Finding(rule=RULE, verdict=Verdict.APPROVE, severity=Severity.WARNING,
                                    reason_codes=(code,), message=message % {"lines": joined},
                                    department="production", params={"lines": joined}))
    return findings


def _plain(quantity: Decimal) -> str:
    """A quantity without trailing zeros: 6, 2.5."""
    text = format(quantity.normalize(), "f")
    return text
