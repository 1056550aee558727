"""The company's targets per indicator, and the reward and penalty flags a supervisor confirmed."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import User
from core.models.types import UTCDateTime, enum_column, utcnow
from plugins.kpi.indicators.services import Indicator

# A rate from 0 to 1, or an average rating from 1 to 5 (satisfaction).
TargetValue = Numeric(6, 4, asdecimal=True)


class KpiTarget(Model):
    """What the company aims at for one indicator, and the value under which a penalty is proposed."""

    __tablename__ = "kpi_target"
    __table_args__ = (UniqueConstraint("company_id", "indicator", name="uq_kpi_target_company_indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    indicator: Mapped[Indicator] = mapped_column(enum_column(Indicator))
    target: Mapped[Decimal] = mapped_column(TargetValue)  # reached or beaten: a reward is proposed
    penalty_below: Mapped[Decimal | None] = mapped_column(TargetValue)  # under it: a penalty is proposed
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Flag(enum.StrEnum):
    REWARD = "reward"
    PENALTY = "penalty"


class PeriodKind(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class KpiFlag(Model):
    """A reward or penalty the rule proposed on a scorecard, confirmed by a supervisor (who and when)."""

    __tablename__ = "kpi_flag"
    __table_args__ = (UniqueConstraint("company_id", "subject", "indicator", "period_kind", "period_start",
                                       name="uq_kpi_flag_scorecard_line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    subject: Mapped[str] = mapped_column(String(80))  # "department:sales", "person:12"
    indicator: Mapped[Indicator] = mapped_column(enum_column(Indicator))
    period_kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind))
    period_start: Mapped[date] = mapped_column(Date)
    flag: Mapped[Flag] = mapped_column(enum_column(Flag))
    value: Mapped[Decimal] = mapped_column(TargetValue)  # the figure when it was confirmed
    target: Mapped[Decimal] = mapped_column(TargetValue)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    confirmed_by: Mapped[User] = relationship(lazy="joined")
