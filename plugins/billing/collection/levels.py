"""The company's dunning levels: its own, or the defaults until finance sets them; set all at once, checked.

A level is reached ``days`` after an invoice's due date; the days rise from
level to level, so an invoice climbs them in order, one per run.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from core import audit
from core.errors import ValidationError
from core.extensions import db
from core.models import User
from plugins.billing.collection.models import DunningChannel, DunningLevel, NoticeTone

SETTINGS = "billing.collection.settings"
MAX_LEVELS = 10
MAX_DAYS = 3650


@dataclass(frozen=True)
class Level:
    """One dunning level as the run reads it."""

    level: int
    days: int
    channel: DunningChannel
    tone: NoticeTone
    holds_credit: bool = False


# A friendly email a week past due, a formal letter at a month, a final notice at 45 days, and at 60 days
# the salesperson calls and the customer's credit is held.
DEFAULT_LEVELS = (
    Level(1, 7, DunningChannel.EMAIL, NoticeTone.REMINDER),
    Level(2, 30, DunningChannel.LETTER, NoticeTone.FORMAL),
    Level(3, 45, DunningChannel.EMAIL, NoticeTone.FINAL),
    Level(4, 60, DunningChannel.CALL, NoticeTone.FINAL, holds_credit=True),
)


def company_levels(company_id: int) -> list[Level]:
    """The company's levels in order (the defaults while it has none of its own): one query."""
    rows = db.session.execute(select(DunningLevel).where(DunningLevel.company_id == company_id)
                              .order_by(DunningLevel.level)).scalars().all()
    if not rows:
        return list(DEFAULT_LEVELS)
    return [Level(row.level, row.days, row.channel, row.tone, row.holds_credit) for row in rows]


def set_levels(company_id: int, levels: Sequence[dict[str, Any]], actor: User) -> list[Level]:
    """Replace the company's levels with ``levels`` (each: days, channel, tone, holds_credit), numbered in
    the order given. Days that do not rise from one level to the next are refused naming ``levels[i].days``."""
    if not levels:
        raise ValidationError(_("give at least one dunning level"), field="levels")
    if len(levels) > MAX_LEVELS:
        raise ValidationError(_("at most %(count)s dunning levels", count=MAX_LEVELS), field="levels")
    previous = 0
    wanted = []
    for index, given in enumerate(levels):
        days = given["days"]
        if not 1 <= days <= MAX_DAYS:
            raise ValidationError(_("days past due must be between 1 and %(most)s", most=MAX_DAYS),
                                  field=f"levels[{index}].days")
        if days <= previous:
            raise ValidationError(_("each level must come more days past due than the one before (%(days)s)",
                                    days=previous), field=f"levels[{index}].days")
        previous = days
        wanted.append(Level(index + 1, days, DunningChannel(given["channel"]), NoticeTone(given["tone"]),
                            bool(given.get("holds_credit", False))))
    before = company_levels(company_id)
    db.session.execute(delete(DunningLevel).where(DunningLevel.company_id == company_id))
    db.session.add_all([DunningLevel(company_id=company_id, level=level.level, days=level.days,
                                     channel=level.channel, tone=level.tone, holds_credit=level.holds_credit)
                        for level in wanted])
    audit.record(company_id=company_id, entity="dunning_levels", entity_id=company_id,
                 action="dunning_levels_set", actor=actor, before={"levels": [_as_dict(level) for level in before]},
                 after={"levels": [_as_dict(level) for level in wanted]})
    return wanted


def _as_dict(level: Level) -> dict[str, Any]:
    return {"level": level.level, "days": level.days, "channel": level.channel.value, "tone": level.tone.value,
            "holds_credit": level.holds_credit}
