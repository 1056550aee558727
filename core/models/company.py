"""Companies and their per-company module settings."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import UTCDateTime, utcnow


class Company(Model):
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    order_prefix: Mapped[str] = mapped_column(String(8), default="SO")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def zone(self) -> ZoneInfo:
        """The company's time zone: its days, deadlines and periods are counted in it."""
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today's date where the company is."""
        return utcnow().astimezone(self.zone).date()

    def __repr__(self) -> str:
        return f"<Company {self.code}>"


class ModuleSetting(Model):
    """Whether a module is switched on for a company; no row means the module's default."""

    __tablename__ = "module_setting"
    __table_args__ = (UniqueConstraint("company_id", "module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    module: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
