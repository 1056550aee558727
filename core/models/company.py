"""Companies and their per-company module settings."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

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
    # The language its customers get by default (none: the installation's default locale).
    language: Mapped[str | None] = mapped_column(String(10))
    # The seller's profile, printed on every customer document. Typed text, kept as entered.
    legal_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    tax_id: Mapped[str | None] = mapped_column(String(20))  # 纳税人识别号
    bank: Mapped[str | None] = mapped_column(String(200))  # 开户行
    bank_account: Mapped[str | None] = mapped_column(String(60))
    # The logo (PNG or JPEG) is loaded only where it is printed; its digest stands for it in a document's version.
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_type: Mapped[str | None] = mapped_column(String(20))  # its MIME type
    logo_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of ``logo``, hex

    @property
    def zone(self) -> ZoneInfo:
        """The company's time zone: its days, deadlines and periods are counted in it."""
        return ZoneInfo(self.timezone)

    @property
    def printed_name(self) -> str:
        """The seller's name on customer documents and emails: the legal name, else the company's name."""
        return self.legal_name or self.name

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
