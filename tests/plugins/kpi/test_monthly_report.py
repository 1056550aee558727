"""The monthly supervision report: made by the job once the month has ended, in both languages, with charts
and a CJK font embedded, stored once and announced to the supervisors once, whatever runs it again."""
from __future__ import annotations

import subprocess
from datetime import datetime, timezone

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import OutboxMessage
from core.modules import hooks_for_company
from core.outbox import attachments_of
from plugins.kpi.supervision import monthly
from plugins.kpi.supervision.models import MonthlyReport
from tests import factories
from tests.factories import portal_login
from tests.plugins.kpi.analytics_data import build_book

AFTER_JUNE = datetime(2026, 7, 3, 2, 0, tzinfo=timezone.utc)


def _set_up_last_year(world) -> None:
    """The company existed before the months reported on."""
    world.company.created_at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    commit()


def _supervisor_mail(world) -> int:
    return db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "kpi_monthly_report")).scalar_one()


def test_the_job_makes_the_last_months_report_once_in_both_languages_and_tells_the_supervisors_once(
        app, world, tmp_path):
    build_book(world)
    _set_up_last_year(world)
    world.users["supervisor"].email = "supervisor@example.cn"
    commit()

    said = monthly.run(world.company, AFTER_JUNE)
    commit()
    assert said is not None and "2026-06" in said
    again = monthly.run(world.company, AFTER_JUNE)
    commit()
    assert again is None
    reports = db.session.execute(select(MonthlyReport).order_by(MonthlyReport.locale)).scalars().all()
    assert [(report.month.isoformat(), report.locale) for report in reports] == [("2026-06-01", "en"),
                                                                                 ("2026-06-01", "zh_CN")]
    assert _supervisor_mail(world) == 1
    # The notice carries the report in the supervisor's language, as the outbox will send it.
    message = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "kpi_monthly_report")).scalar_one()
    [attachment] = attachments_of(message)
    english = next(report for report in reports if report.locale == "en")
    assert (attachment.document_key, attachment.filename) == (english.id, "supervision-report-2026-06.pdf")
    hooks = hooks_for_company(world.company.id)
    assert hooks.outbox_document(company=world.company, kind=attachment.document_kind, key=english.id,
                                 language="en") == english.content
    assert hooks.outbox_document(company=factories.company("OTHER"), kind=attachment.document_kind,
                                 key=english.id, language="en") is None  # another company's key: nothing
    chinese = next(report for report in reports if report.locale == "zh_CN")
    assert chinese.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(chinese.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    # A font embedded ("yes" in the emb column) whose name says CJK.
    embedded = [line for line in fonts.splitlines()[2:] if " yes " in line]
    assert any(name in line for line in embedded for name in ("CJK", "Noto", "WenQuanYi", "Hei", "Song")), fonts


def test_the_cli_runs_it_as_of_a_moment_and_a_second_run_makes_nothing(app, world, runner):
    build_book(world)
    _set_up_last_year(world)
    first = runner.invoke(args=["kpi", "report", "--as-of", "2026-07-03T10:00:00+08:00"])
    assert first.exit_code == 0 and "2026-06" in first.output, first.output
    second = runner.invoke(args=["kpi", "report", "--as-of", "2026-07-04T10:00:00+08:00"])
    assert second.exit_code == 0 and "no report" in second.output
    assert db.session.execute(select(func.count()).select_from(MonthlyReport)).scalar_one() == 2


def test_supervisors_open_the_stored_report_and_others_cannot(app, world):
    build_book(world)
    _set_up_last_year(world)
    monthly.run(world.company, AFTER_JUNE)
    commit()
    report = db.session.execute(select(MonthlyReport)).scalars().first()
    supervisor = portal_login(app, world.users["supervisor"])
    assert "2026-06" in supervisor.get("/supervision/monthly-reports").get_data(as_text=True)
    served = supervisor.get(f"/supervision/documents/monthly/{report.id}")
    assert served.status_code == 200 and served.data == report.content
    assert portal_login(app, world.users["sales"]).get(f"/supervision/documents/monthly/{report.id}").status_code == 403


def test_no_report_is_made_for_a_month_before_the_company_existed(app, world):
    assert monthly.run(world.company, AFTER_JUNE) is None
    assert db.session.execute(select(func.count()).select_from(MonthlyReport)).scalar_one() == 0
