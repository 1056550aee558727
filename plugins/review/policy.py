"""Each company's review policy: its steps, who decides them, the reason codes, the capacity calendar.

An administrator edits these on the review settings page. A company that never
saved its steps is reviewed by the standard three (sales, finance, production,
in sequence, any one of the department approving); one that never listed its
reason codes offers the standard ones. Reading never writes: the defaults are
not stored until an administrator saves.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.contracts import ReviewStepSpec, StepPolicy
from core.db import flush
from core.errors import ValidationError
from core.extensions import db
from core.labels import label
from core.models import Role, User
from core.session_memo import remembered
from plugins.review.models import CapacityLine, ReviewReasonCode, ReviewSettings, ReviewStepConfig

SALES = ReviewStepSpec("sales", _l("Sales"), "review.decide.sales", sequence=10, hours=24)
FINANCE = ReviewStepSpec("finance", _l("Finance"), "review.decide.finance", sequence=20, hours=24)
PRODUCTION = ReviewStepSpec("production", _l("Production"), "review.decide.production", sequence=30, hours=48)
STANDARD_STEPS = (SALES, FINANCE, PRODUCTION)
# Added by the credit-limit rule: a manager signs off before finance looks at the order.
MANAGER = ReviewStepSpec("manager", _l("Manager"), "review.decide.manager", sequence=15, hours=8)

# The reasons every company offers until its administrator lists its own (labelled under "reason").
STANDARD_REASONS = ("price", "credit", "payment_terms", "invoice_data", "capacity", "delivery_date",
                    "missing_information", "other")
DEFAULT_MAX_DISCOUNT = Decimal("0.2000")
MAX_HOURS = 24 * 365
MAX_STEPS = 20
CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


# --- settings ----------------------------------------------------------------


def settings_for(company_id: int) -> ReviewSettings:
    """The company's settings; an unsaved row with the defaults when it has none.

    Read once per unit of work (core.session_memo): a company without a row would ask the database each time.
    """
    return remembered(("review.settings", company_id), lambda: _read_settings(company_id),
                      tables=(ReviewSettings.__tablename__,))


def _read_settings(company_id: int) -> ReviewSettings:
    found = db.session.get(ReviewSettings, company_id)
    if found is not None:
        return found
    return ReviewSettings(company_id=company_id, allow_self_approval=False, max_discount=DEFAULT_MAX_DISCOUNT)


def save_settings(company_id: int, *, allow_self_approval: bool, max_discount: Decimal, actor: User) -> ReviewSettings:
    if not Decimal(0) <= max_discount <= Decimal(1):
        raise ValidationError(_("the largest discount is a share between 0 and 1"), field="max_discount")
    row = db.session.get(ReviewSettings, company_id)
    if row is None:
        row = ReviewSettings(company_id=company_id)
        db.session.add(row)
    row.allow_self_approval, row.max_discount = allow_self_approval, max_discount
    flush()
    audit.record(company_id=company_id, entity="review_settings", entity_id=company_id,
                 action="review_settings_saved", actor=actor,
                 after={"allow_self_approval": allow_self_approval, "max_discount": str(max_discount)})
    return row


# --- steps -------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    """One step as the settings page edits it."""

    department: str
    label: str
    permission: str
    sequence: int
    hours: int
    policy: StepPolicy = StepPolicy.ANY
    quorum: int = 1
    roles: tuple[str, ...] = ()
    users: tuple[int, ...] = ()
    enabled: bool = True


def step_rows(company_id: int) -> list[StepRow]:
    """The company's steps as saved, or the standard three."""
    saved = list(db.session.execute(
        select(ReviewStepConfig).where(ReviewStepConfig.company_id == company_id)
        .order_by(ReviewStepConfig.sequence, ReviewStepConfig.department)).scalars())
    if not saved:
        return [StepRow(s.department, str(s.label), s.permission, s.sequence, s.hours) for s in STANDARD_STEPS]
    return [StepRow(r.department, r.label, r.permission, r.sequence, r.hours, r.policy, r.quorum,
                    tuple(r.roles), tuple(r.users), r.enabled) for r in saved]


def configured_steps(company_id: int) -> list[ReviewStepSpec]:
    """The steps the company's orders go through, as contributions to ``review_steps``."""
    return [ReviewStepSpec(row.department, row.label, row.permission, row.sequence, row.hours, row.policy,
                           row.quorum, row.roles, row.users)
            for row in step_rows(company_id) if row.enabled]


def _valid_row(row: StepRow) -> None:
    where = row.department or "?"
    if not row.department or not set(row.department) <= CODE_CHARS or len(row.department) > 64:
        raise ValidationError(_("a step's code is lower-case letters, digits and underscores: %(code)s",
                                code=where), field="department")
    if not row.label.strip() or len(row.label) > 120:
        raise ValidationError(_("step %(code)s needs a name of at most 120 characters", code=where), field="label")
    if not 1 <= row.hours <= MAX_HOURS:
        raise ValidationError(_("the limit of step %(code)s is between 1 and %(max)s working hours",
                                code=where, max=MAX_HOURS), field="hours")
    if not 0 <= row.sequence <= 1000:
        raise ValidationError(_("the position of step %(code)s is between 0 and 1000", code=where), field="sequence")
    if row.policy == StepPolicy.QUORUM and not 1 <= row.quorum <= 50:
        raise ValidationError(_("step %(code)s needs between 1 and 50 approvals", code=where), field="quorum")


def save_steps(company_id: int, rows: list[StepRow], *, actor: User) -> list[ReviewStepConfig]:
    """Replace the company's steps; new orders go through them, orders in review keep theirs."""
    seen: set[str] = set()
    for row in rows:
        _valid_row(row)
        if row.department in seen:
            raise ValidationError(_("step %(code)s is listed twice", code=row.department), field="department")
        seen.add(row.department)
    if len(rows) > MAX_STEPS:
        raise ValidationError(_("at most %(max)s steps", max=MAX_STEPS), field="steps")
    known_users = set(db.session.execute(select(User.id).where(User.company_id == company_id)).scalars())
    known_roles = set(db.session.execute(select(Role.name).where(Role.company_id == company_id)).scalars())
    for row in rows:
        strangers = [str(user) for user in row.users if user not in known_users]
        if strangers:
            raise ValidationError(_("no such user in the company: %(ids)s", ids=", ".join(strangers)), field="users")
        unknown = [role for role in row.roles if role not in known_roles]
        if unknown:
            raise ValidationError(_("no such role in the company: %(roles)s", roles=", ".join(unknown)),
                                  field="roles")
    for old in db.session.execute(select(ReviewStepConfig).where(ReviewStepConfig.company_id == company_id)).scalars():
        db.session.delete(old)
    flush()
    saved = [ReviewStepConfig(company_id=company_id, department=row.department, label=row.label.strip(),
                              permission=row.permission, sequence=row.sequence, hours=row.hours, policy=row.policy,
                              quorum=row.quorum if row.policy == StepPolicy.QUORUM else 1,
                              roles=list(row.roles), users=list(row.users), enabled=row.enabled)
             for row in rows]
    db.session.add_all(saved)
    flush()
    audit.record(company_id=company_id, entity="review_steps", entity_id=company_id, action="review_steps_saved",
                 actor=actor, after={"steps": [{"department": row.department, "sequence": row.sequence,
                                                "policy": row.policy.value, "enabled": row.enabled}
                                               for row in rows]})
    return saved


# --- reason codes ---------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    code: str
    label_en: str
    label_zh: str


def reason_codes(company_id: int) -> list[ReviewReasonCode]:
    """The company's own reason codes (active ones), in code order."""
    return list(db.session.execute(
        select(ReviewReasonCode).where(ReviewReasonCode.company_id == company_id, ReviewReasonCode.active)
        .order_by(ReviewReasonCode.code)).scalars())


def reason_choices(company_id: int) -> list[tuple[str, str]]:
    """(code, label in the reader's language) of every reason a reviewer may give."""
    own = reason_codes(company_id)
    if not own:
        return [(code, label(code, "reason")) for code in STANDARD_REASONS]
    chinese = str(get_locale() or "").startswith("zh")
    return [(row.code, row.label_zh if chinese else row.label_en) for row in own]


def reason_label(company_id: int, code: str | None) -> str:
    """How a stored reason code reads in the reader's language."""
    if not code:
        return ""
    return dict(reason_choices(company_id)).get(code) or label(code, "reason")


def save_reasons(company_id: int, reasons: list[Reason], *, actor: User) -> list[ReviewReasonCode]:
    """Replace the company's reason codes; a code no longer listed stays readable on old decisions."""
    seen: set[str] = set()
    for reason in reasons:
        if not reason.code or not set(reason.code) <= CODE_CHARS or len(reason.code) > 64:
            raise ValidationError(_("a reason code is lower-case letters, digits and underscores: %(code)s",
                                    code=reason.code or "?"), field="code")
        if not reason.label_en.strip() or not reason.label_zh.strip():
            raise ValidationError(_("reason %(code)s needs a label in English and in Chinese", code=reason.code),
                                  field="label")
        if reason.code in seen:
            raise ValidationError(_("reason %(code)s is listed twice", code=reason.code), field="code")
        seen.add(reason.code)
    existing = {row.code: row for row in db.session.execute(
        select(ReviewReasonCode).where(ReviewReasonCode.company_id == company_id)).scalars()}
    for code, row in existing.items():
        row.active = code in seen
    for reason in reasons:
        found = existing.get(reason.code)
        row = found if found is not None else ReviewReasonCode(company_id=company_id, code=reason.code)
        if found is None:
            db.session.add(row)
        row.label_en, row.label_zh, row.active = reason.label_en.strip(), reason.label_zh.strip(), True
    flush()
    audit.record(company_id=company_id, entity="review_reasons", entity_id=company_id,
                 action="review_reasons_saved", actor=actor, after={"codes": sorted(seen)})
    return reason_codes(company_id)


# --- capacity ---------------------------------------------------------------------


def capacity_lines(company_id: int) -> list[CapacityLine]:
    """The company's product lines, by code: read once per unit of work (the lead-time and capacity rules ask)."""
    return list(remembered(("review.capacity_lines", company_id), lambda: tuple(db.session.execute(
        select(CapacityLine).where(CapacityLine.company_id == company_id).order_by(CapacityLine.code)).scalars()),
        tables=(CapacityLine.__tablename__,)))


def save_capacity_line(company_id: int, *, code: str, label_: str, products: list[str], units_per_day: Decimal,
                       lead_days: int, actor: User) -> CapacityLine:
    """Add or change a product line's capacity (units per working day) and lead time (working days)."""
    if not code or not set(code) <= CODE_CHARS or len(code) > 32:
        raise ValidationError(_("a product line's code is lower-case letters, digits and underscores"), field="code")
    if units_per_day <= 0:
        raise ValidationError(_("a product line makes more than 0 units a day"), field="units_per_day")
    if not 0 <= lead_days <= 365:
        raise ValidationError(_("the lead time is between 0 and 365 working days"), field="lead_days")
    row = db.session.execute(select(CapacityLine).where(CapacityLine.company_id == company_id,
                                                        CapacityLine.code == code)).scalar_one_or_none()
    if row is None:
        row = CapacityLine(company_id=company_id, code=code)
        db.session.add(row)
    row.label, row.products, row.units_per_day, row.lead_days = (label_.strip() or code, sorted(set(products)),
                                                                 units_per_day, lead_days)
    flush()
    audit.record(company_id=company_id, entity="review_capacity_line", entity_id=row.id,
                 action="review_capacity_saved", actor=actor,
                 after={"code": code, "units_per_day": str(units_per_day), "lead_days": lead_days,
                        "products": row.products})
    return row
