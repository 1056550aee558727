"""The company's ageing buckets in days: its own bounds, or the defaults until finance sets them; set all at
once, checked.

A bound is the last day past due of a bucket: bounds 30, 60, 90, 180 (the default) make the buckets not yet
due, 1–30, 31–60, 61–90, 91–180 and over 180 days. The bounds rise, so every day past due is in one bucket.
The by-year view of the annual close is the same for every company (``ageing.YEAR_BUCKETS``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from core import audit
from core.errors import ValidationError
from core.extensions import db
from core.models import User
from plugins.billing.receivables.models import AgeingBound

SETTINGS = "billing.receivables.settings"
DEFAULT_BOUNDS = (30, 60, 90, 180)
MAX_BOUNDS = 8
MAX_DAYS = 3650


@dataclass(frozen=True)
class Bucket:
    """Invoices ``first`` to ``last`` days past their due date (None: open-ended); 0 and less is not yet due."""

    key: str
    label: Any  # a lazy string
    first: int | None
    last: int | None

    def holds(self, days_past_due: int) -> bool:
        return ((self.first is None or days_past_due >= self.first)
                and (self.last is None or days_past_due <= self.last))


def day_buckets(bounds: Sequence[int]) -> tuple[Bucket, ...]:
    """The buckets ``bounds`` make: not yet due, one ending on each bound, and over the last."""
    buckets = [Bucket("not_due", _l("Not yet due"), None, 0)]
    first = 1
    for last in bounds:
        buckets.append(Bucket(f"{first}_{last}", _l("%(first)s–%(last)s days", first=first, last=last), first, last))
        first = last + 1
    buckets.append(Bucket(f"over_{first - 1}", _l("Over %(days)s days", days=first - 1), first, None))
    return tuple(buckets)


def company_bounds(company_id: int) -> list[int]:
    """The company's bounds in order (the defaults while it has none of its own): one query."""
    days = list(db.session.execute(select(AgeingBound.days).where(AgeingBound.company_id == company_id)
                                   .order_by(AgeingBound.position)).scalars())
    return days or list(DEFAULT_BOUNDS)


def company_buckets(company_id: int) -> tuple[Bucket, ...]:
    """The company's buckets in days: one query."""
    return day_buckets(company_bounds(company_id))


def check_bounds(bounds: Sequence[Any]) -> list[int]:
    """``bounds`` as whole days, rising, 1 to MAX_BOUNDS of them, each 1 to MAX_DAYS; else ValidationError
    naming ``bounds`` or ``bounds[i]``."""
    if not bounds:
        raise ValidationError(_("give at least one bound"), field="bounds")
    if len(bounds) > MAX_BOUNDS:
        raise ValidationError(_("at most %(count)s bounds", count=MAX_BOUNDS), field="bounds")
    checked: list[int] = []
    for index, days in enumerate(bounds):
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise ValidationError(_("a bound must be a whole number of days from 1 to %(most)s", most=MAX_DAYS),
                                  field=f"bounds[{index}]")
        if checked and days <= checked[-1]:
            raise ValidationError(_("each bound must be more days than the one before (%(days)s)",
                                    days=checked[-1]), field=f"bounds[{index}]")
        checked.append(days)
    return checked


def set_bounds(company_id: int, bounds: Sequence[Any], actor: User) -> list[int]:
    """Replace the company's bounds with ``bounds``, checked (``check_bounds``); audited."""
    wanted = check_bounds(bounds)
    before = company_bounds(company_id)
    db.session.execute(delete(AgeingBound).where(AgeingBound.company_id == company_id))
    db.session.add_all([AgeingBound(company_id=company_id, position=position, days=days)
                        for position, days in enumerate(wanted, start=1)])
    audit.record(company_id=company_id, entity="ageing_buckets", entity_id=company_id,
                 action="ageing_buckets_set", actor=actor, before={"bounds": before}, after={"bounds": wanted})
    return wanted
