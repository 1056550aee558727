"""What the inbox of sales and finance says of collection: one task per customer who owes overdue invoices (a
salesperson's own customers, finance all), with the customer's total and oldest days, oldest first; and one
per broken promise the salesperson took, until they log a follow-up. Each kind counted in one aggregate query."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _

from core import formatting
from core.auth.context import sees_prices
from core.contracts import Task, TaskCount
from core.models import User
from plugins.billing.collection.follow_ups import (
    OverdueCustomer, count_overdue_customers, may_chase, overdue_customers,
)
from plugins.billing.collection.promises import broken, count_broken
from plugins.billing.dates import END_OF_DAY, company_today, company_zone, end_of_day

KIND = "overdue_customer"
BROKEN = "promise_broken"


def counts(user: User, now: datetime) -> list[TaskCount]:
    """Counted as ``tasks`` lists them (as of the company's today); late once the end of the oldest due day,
    or of the promised day, has passed at ``now``."""
    if not may_chase(user):
        return []
    local = now.astimezone(company_zone(user.company_id))
    late_before = local.date() + timedelta(days=1) if local.time() > END_OF_DAY else local.date()
    total, late = count_overdue_customers(user, company_today(user.company_id), late_before)
    promises, late_promises = count_broken(user, late_before)
    return ([TaskCount(KIND, _("Customers with overdue invoices"), total, late)] if total else []) + (
        [TaskCount(BROKEN, _("Promises to pay broken"), promises, late_promises)] if promises else [])


def tasks(user: User, limit: int | None) -> list[Task]:
    if not may_chase(user):
        return []
    today = company_today(user.company_id)
    zone = company_zone(user.company_id)
    return [Task(title=_title(row, user, today), url=url_for("billing_payments.customer_account",
                                                            customer_id=row.customer_id),
                 kind=KIND, due_at=end_of_day(row.oldest_due, zone))
            for row in overdue_customers(user, today, limit)] + [
        Task(title=_("%(customer)s broke their promise to pay by %(date)s: follow up",
                     customer=promise.customer.name, date=formatting.format_date(promise.promised_for)),
             url=url_for("billing_payments.customer_account", customer_id=promise.customer_id), kind=BROKEN,
             due_at=end_of_day(promise.promised_for, zone))
        for promise in broken(user, limit)]


def _title(row: OverdueCustomer, user: User, today: date) -> str:
    figures = {"customer": row.customer_name, "count": row.count, "days": row.days(today)}
    if not sees_prices(user):
        return _("Chase %(customer)s: %(count)s overdue invoice(s), oldest %(days)s days past due", **figures)
    return _("Chase %(customer)s: %(count)s overdue invoice(s), %(amount)s, oldest %(days)s days past due",
             amount=formatting.money(row.owed), **figures)
