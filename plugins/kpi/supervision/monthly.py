"""The monthly supervision report: once a month has ended, a PDF of its figures in each language (orders by
region, the customer segments, twelve months of orders, escalations, changes, stuck orders and violation
reports counted — never who reported), stored once and announced by email to the company's supervisors.

The ``kpi.monthly_report`` job and ``ordo kpi report --as-of`` run :func:`run`. The unique key (company,
month, language) makes it idempotent: a row is inserted ignoring a duplicate, and only the run whose insert
took mails, so two workers or a second run make and send nothing more.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.charts import Chart, ChartKind, chart
from core.extensions import db
from core.jobs import INSERT_IGNORING_DUPLICATES
from core.languages import LOCALES, user_language
from core.labels import label
from core.models import AuditEntry, Company, Order, Role, User, user_role, utcnow
from core.orders.events import OrderEvent
from core.outbox import OwnedDocumentRef, Recipient, send_email
from core.pdf import render_pdf
from plugins.kpi.analytics import mix
from plugins.kpi.analytics.labels import SEGMENT
from plugins.kpi.analytics.period import Period
from plugins.kpi.analytics.regions import RegionReport, regions
from plugins.kpi.analytics.rfm import AskedThresholds, RfmReport, rfm
from plugins.kpi.supervision.audit_lists import CHANGES, ESCALATIONS
from plugins.kpi.supervision.models import MonthlyReport, ViolationReport
from plugins.kpi.supervision.stuck import OPEN, DEFAULT_DAYS
from plugins.kpi.supervision.svg import data_uri

SUPERVISOR = "supervisor"
TEMPLATE = "kpi/monthly_report.html"
# The report as an email attachment: the outbox asks kpi for it by this kind (``outbox_document``).
OUTBOX_KIND = "kpi.monthly_report"
# The events after which an order waits in a new status: the month's stuck orders are counted at its end, from
# the audit log (an order's ``status_changed_at`` may be after it).
STEPS = tuple(event.value for event in (OrderEvent.SUBMIT, OrderEvent.REVIEW_DECIDED, OrderEvent.START_PRODUCTION,
                                        OrderEvent.SHIP, OrderEvent.DELIVER, OrderEvent.APPLY_CHANGE))


def last_month(company: Company, now: datetime) -> date:
    """The first day of the latest month that has ended at ``now`` in the company's zone."""
    today = now.astimezone(company.zone).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class Counts:
    escalations: int
    changes: int
    stuck: int
    reported: int
    closed: int


def _counts(company: Company, period: Period) -> Counts:
    """The month's supervision figures, counted in one statement each."""
    def audited(actions: tuple[str, ...]) -> int:
        return db.session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.company_id == company.id, AuditEntry.action.in_(actions),
            AuditEntry.at >= period.start, AuditEntry.at < period.end)).scalar_one()

    last_step = (select(AuditEntry.order_id, func.max(AuditEntry.at).label("since"))
                 .where(AuditEntry.company_id == company.id, AuditEntry.entity == "order",
                        AuditEntry.action.in_(STEPS), AuditEntry.at < period.end)
                 .group_by(AuditEntry.order_id).subquery())
    stuck = db.session.execute(select(func.count()).select_from(Order).outerjoin(
        last_step, last_step.c.order_id == Order.id).where(
        Order.company_id == company.id, Order.status.in_(OPEN),
        func.coalesce(last_step.c.since, Order.submitted_at) < period.end - timedelta(days=DEFAULT_DAYS))).scalar_one()
    reported = db.session.execute(select(func.count()).select_from(ViolationReport).where(
        ViolationReport.company_id == company.id, ViolationReport.reported_at >= period.start,
        ViolationReport.reported_at < period.end)).scalar_one()
    closed = db.session.execute(select(func.count()).select_from(ViolationReport).where(
        ViolationReport.company_id == company.id, ViolationReport.closed_at >= period.start,
        ViolationReport.closed_at < period.end)).scalar_one()
    return Counts(audited(ESCALATIONS), audited(CHANGES), stuck, reported, closed)


@dataclass(frozen=True)
class Figures:
    month: date
    period: Period
    regions: RegionReport
    segments: RfmReport
    months: list[mix.MonthFigures]
    counts: Counts

    @property
    def month_key(self) -> str:
        """The month as its code, ``2026-06``, as links and file names spell it."""
        return f"{self.month:%Y-%m}"


def figures(company: Company, month: date) -> Figures:
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    period = Period(end, 1, company.zone)
    year = Period(end, 12, company.zone)
    return Figures(month, period, regions(company, period), rfm(company, year, AskedThresholds()),
                   mix.months(company, year), _counts(company, period))


def _charts(found: Figures, currency: str) -> dict[str, Chart]:
    amount = _("Amount (%(currency)s)", currency=currency)
    return {
        "regions": chart("regions", ChartKind.BAR, _("Orders by province"), _("Province"),
                         [(row.province or _("No province given"), [row.amount])
                          for row in found.regions.provinces[:12]],
                         [amount]),
        "segments": chart("segments", ChartKind.BAR, _("Customers by segment"), _("Segment"),
                          [(label(row.segment.value, SEGMENT), [row.customers]) for row in found.segments.segments],
                          [_("Customers")]),
        "months": chart("months", ChartKind.LINE, _("Orders by month"), _("Month"),
                        [(row.month.strftime("%Y-%m"), [row.amount]) for row in found.months], [amount]),
    }


def render(company: Company, found: Figures, locale: str) -> bytes:
    """The report in ``locale``: charts as SVG images, each with its table."""
    font = current_app.config["ORDO_PDF_FONT_FAMILY"]
    with force_locale(locale):
        charts = _charts(found, company.currency)
        images = {key: data_uri(value, font) for key, value in charts.items()}
        return render_pdf(TEMPLATE, company=company, found=found, charts=charts, images=images,
                          segment_namespace=SEGMENT, show_prices=True)


def supervisors(company: Company) -> list[User]:
    return list(db.session.execute(
        select(User).join(user_role, user_role.c.user_id == User.id).join(Role, Role.id == user_role.c.role_id)
        .where(User.company_id == company.id, Role.name == SUPERVISOR, User.active.is_(True))
        .order_by(User.id)).unique().scalars())


def _store(company: Company, month: date, locale: str, content: bytes) -> int | None:
    """Insert the month's report in ``locale`` unless it exists; its id when this run inserted it."""
    connection = db.session.connection()
    insert_ = INSERT_IGNORING_DUPLICATES[connection.dialect.name]
    inserted = connection.execute(insert_(MonthlyReport).values(
        company_id=company.id, month=month, locale=locale, made_at=utcnow(),
        sha256=hashlib.sha256(content).hexdigest(), content=content,
    ).on_conflict_do_nothing(index_elements=["company_id", "month", "locale"]).returning(MonthlyReport.id))
    return inserted.scalar()


def outbox_document(company: Company, kind: str, key: int) -> bytes | None:
    """The stored report ``key`` of ``company`` for the outbox to attach; ``None`` for another kind or company."""
    if kind != OUTBOX_KIND:
        return None
    report = db.session.get(MonthlyReport, key)
    return report.content if report is not None and report.company_id == company.id else None


def made(company: Company, month: date) -> bool:
    return db.session.execute(select(MonthlyReport.id).where(
        MonthlyReport.company_id == company.id, MonthlyReport.month == month)).first() is not None


def run(company: Company, now: datetime) -> str | None:
    """The ``kpi.monthly_report`` job's work for one company: the last ended month's report, once."""
    month = last_month(company, now)
    # A month that ended before the company was set up has nothing to report.
    if company.created_at.astimezone(company.zone).date() >= (month + timedelta(days=32)).replace(day=1) \
            or made(company, month):
        return None
    found = figures(company, month)
    stored = {locale: _store(company, month, locale, render(company, found, locale)) for locale in LOCALES}
    inserted = {locale: report_id for locale, report_id in stored.items() if report_id is not None}
    if not inserted:
        return None
    sent = 0
    for user in supervisors(company):
        address = (user.email or "").strip()
        language = user_language(user)
        report_id = inserted.get(language)
        if address and report_id is not None:
            # The report in the supervisor's language goes with the notice; the outbox asks kpi for its bytes.
            send_email("kpi/monthly_report_email.txt", Recipient(address, language),
                       company_id=company.id, kind="kpi_monthly_report", company=company,
                       month_key=f"{month:%Y-%m}", attachments=[
                           OwnedDocumentRef(OUTBOX_KIND, report_id, f"supervision-report-{month:%Y-%m}.pdf")])
            sent += 1
    return _("report for %(month)s made, %(sent)s supervisors told", month=month.strftime("%Y-%m"), sent=sent)
