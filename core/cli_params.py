"""Parameter types the ``ordo`` commands share: the ``--as-of`` moment of a clock-driven job.

Every clock-driven job and report takes the time it runs "as of", so a run for
any moment can be reproduced, previewed and tested from outside; this is how
the command line reads it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import click


class AwareDateTime(click.ParamType):
    """An ISO 8601 date and time with its UTC offset (``2026-12-07T09:00:00+08:00``), as UTC.

    A time without an offset would mean a different moment in every time zone,
    so it is refused with the reason, as is anything that is not a date and time.
    """

    name = "datetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not an ISO 8601 date and time, e.g. 2026-12-07T09:00:00+08:00",
                          param, ctx)
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.fail(f"{value!r} has no UTC offset: add one, e.g. {moment.isoformat()}+08:00 or Z", param, ctx)
        return moment.astimezone(timezone.utc)


AS_OF = click.option(
    "--as-of", "as_of", type=AwareDateTime(), default=None,
    help="Run as of this moment (ISO 8601 with its UTC offset) instead of now.")
