"""Time left before a deadline, as the portal's badges show it: "剩余 3 小时", "已超时 2 小时".

A deadline with a time of day counts down in the user's language (babel's
``format_timedelta`` through Flask-Babel); under ``SOON`` it turns amber, past
it red. A date-only deadline (a ``date``: a requested delivery date) has no
hours to count: it shows as the date, red once the day is over.

Pages use the ``time_left`` macro of ``templates/macros.html``; this module is
its data, so that plugins and tests read the same words.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_timedelta, to_user_timezone
from flask_babel import gettext as _

from core.formatting import format_date, format_datetime

SOON = timedelta(hours=4)


class Urgency(enum.StrEnum):
    """How a badge is coloured: the value is its CSS class suffix (``time-left-soon``)."""

    LATER = "later"
    SOON = "soon"  # amber: less than ``SOON`` left
    LATE = "late"  # red: past the deadline


@dataclass(frozen=True)
class TimeLeft:
    """A badge's words, its colour and the deadline itself (for the tooltip and screen readers)."""

    text: str
    urgency: Urgency
    deadline: str


def time_left(due: datetime | date, now: datetime) -> TimeLeft:
    """How much time is left until ``due`` at ``now`` (timezone-aware), in the user's language."""
    if not isinstance(due, datetime):  # a date: shown as the date, late from the next day on
        shown = format_date(due)
        return TimeLeft(shown, Urgency.LATE if due < to_user_timezone(now).date() else Urgency.LATER, shown)
    remaining = due - now
    deadline = format_datetime(due)
    if remaining < timedelta(0):
        return TimeLeft(_("%(duration)s late", duration=format_timedelta(-remaining)), Urgency.LATE, deadline)
    text = _("%(duration)s left", duration=format_timedelta(remaining))
    return TimeLeft(text, Urgency.SOON if remaining < SOON else Urgency.LATER, deadline)
