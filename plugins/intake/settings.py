"""How a company takes orders: the order number's format, the duplicate window, direct portal submission."""
from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.db import flush
from core.errors import ValidationError
from core.extensions import db
from core.models import Company, User
from core.session_memo import remembered
from plugins.intake.models import DEFAULT_DUPLICATE_WINDOW_DAYS, DEFAULT_NUMBER_FORMAT, IntakeSetting

NUMBER_FIELDS = frozenset({"prefix", "date", "seq"})
NUMBER_LENGTH = 32  # Order.number
MAX_WINDOW_DAYS = 365
EDITABLE = ("number_format", "duplicate_window_days", "portal_submits_directly")


def settings_for(company_id: int) -> IntakeSetting:
    """The company's settings; the defaults (not stored: a read never writes) when it has none.

    Read once per unit of work (core.session_memo): entry, its checks and the pages ask often.
    """
    return remembered(("intake.settings", company_id), lambda: _read_settings(company_id),
                      tables=(IntakeSetting.__tablename__,))


def _read_settings(company_id: int) -> IntakeSetting:
    found = db.session.execute(select(IntakeSetting).where(IntakeSetting.company_id == company_id)
                               ).scalar_one_or_none()
    return found or IntakeSetting(company_id=company_id, number_format=DEFAULT_NUMBER_FORMAT,
                                  duplicate_window_days=DEFAULT_DUPLICATE_WINDOW_DAYS, portal_submits_directly=False)


def format_number(number_format: str, prefix: str, day: date, seq: int) -> str:
    return number_format.format(prefix=prefix, date=day, seq=seq)


def check_number_format(number_format: str, prefix: str) -> None:
    """Refuse a format that could not number orders uniquely or does not fit the column."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(number_format) if name is not None}
    except ValueError as error:
        raise _unreadable(number_format, error) from error
    unknown = names - NUMBER_FIELDS
    if unknown:
        raise ValidationError(_("the number format may only use {prefix}, {date} and {seq}, not %(fields)s",
                                fields=", ".join(sorted(unknown))), field="number_format")
    try:
        sample = format_number(number_format, prefix, date(2026, 12, 31), 9999)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        raise _unreadable(number_format, error) from error
    if not {"date", "seq"} <= names:
        # The sequence restarts every day: without the date two days would share numbers.
        raise ValidationError(_("the number format needs both {date} and {seq}, for example %(example)s",
                                example="SO{date:%Y%m%d}-{seq:04d}"), field="number_format")
    if len(sample) > NUMBER_LENGTH:
        raise ValidationError(_("the number format gives numbers longer than %(max)s characters, such as %(sample)s",
                                max=NUMBER_LENGTH, sample=sample), field="number_format")


def _unreadable(number_format: str, error: Exception) -> ValidationError:
    return ValidationError(_("the number format %(format)s cannot be read: %(error)s",
                             format=repr(number_format), error=str(error)), field="number_format")


def update_settings(company: Company, data: Mapping[str, Any], actor: User) -> IntakeSetting:
    """Change some of the company's settings, checked and audited."""
    row = settings_for(company.id)
    before = {key: getattr(row, key) for key in EDITABLE}
    if "number_format" in data:
        check_number_format(data["number_format"], company.order_prefix)
    window = data.get("duplicate_window_days")
    if window is not None and not 0 <= window <= MAX_WINDOW_DAYS:
        raise ValidationError(_("the duplicate window must be 0 to %(max)s days", max=MAX_WINDOW_DAYS),
                              field="duplicate_window_days")
    for key in EDITABLE:
        if data.get(key) is not None:
            setattr(row, key, data[key])
    db.session.add(row)
    flush()
    after = {key: getattr(row, key) for key in EDITABLE}
    if after != before:
        audit.record(company_id=company.id, entity="intake_setting", entity_id=row.id, action="settings_changed",
                     actor=actor, before=before, after=after)
    return row
