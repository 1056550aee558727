"""Time left before a deadline, in the user's language: amber under four hours, red once late."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from flask import render_template_string

from core.time_left import Urgency, time_left

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # 16:00 in Shanghai, the app's timezone


@pytest.fixture
def in_language(make_app):
    app = make_app(plugins=[])

    def request_in(language: str):
        return app.test_request_context("/", headers={"Accept-Language": language})

    return request_in


@pytest.mark.parametrize(("language", "due", "text", "urgency"), [
    ("en", NOW + timedelta(hours=30), "1 day left", Urgency.LATER),
    ("en", NOW + timedelta(hours=3, minutes=10), "3 hours left", Urgency.SOON),
    ("en", NOW + timedelta(minutes=40), "40 minutes left", Urgency.SOON),
    ("en", NOW - timedelta(hours=2), "2 hours late", Urgency.LATE),
    ("zh-CN", NOW + timedelta(hours=30), "剩余 1天", Urgency.LATER),
    ("zh-CN", NOW + timedelta(hours=3, minutes=10), "剩余 3小时", Urgency.SOON),
    ("zh-CN", NOW - timedelta(hours=2), "已超时 2小时", Urgency.LATE),
])
def test_a_deadline_with_a_time_counts_down_in_the_users_language(in_language, language, due, text, urgency):
    with in_language(language):
        left = time_left(due, NOW)
    assert (left.text, left.urgency) == (text, urgency)


def test_four_hours_or_more_is_not_soon(in_language):
    with in_language("en"):
        assert time_left(NOW + timedelta(hours=4), NOW).urgency == Urgency.LATER
        assert time_left(NOW + timedelta(hours=4) - timedelta(seconds=1), NOW).urgency == Urgency.SOON


def test_the_deadline_itself_is_kept_for_the_tooltip_in_the_apps_timezone(in_language):
    with in_language("en"):
        assert time_left(datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc), NOW).deadline == "12/1/26, 6:00\u202fPM"


@pytest.mark.parametrize(("language", "shown"), [("en", "Dec 20, 2026"), ("zh-CN", "2026年12月20日")])
def test_a_date_only_deadline_shows_as_the_date(in_language, language, shown):
    with in_language(language):
        left = time_left(date(2026, 12, 20), NOW)
    assert (left.text, left.urgency) == (shown, Urgency.LATER)


def test_a_date_only_deadline_is_late_from_the_next_day_in_the_apps_timezone(in_language):
    with in_language("en"):
        assert time_left(date(2026, 12, 1), NOW).urgency == Urgency.LATER  # due today
        assert time_left(date(2026, 11, 30), NOW).urgency == Urgency.LATE
        # 23:30 UTC on Nov 30 is already Dec 1 in Shanghai: a date of Nov 30 is past.
        assert time_left(date(2026, 11, 30), datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)).urgency \
            == Urgency.LATE


def test_the_macro_draws_a_coloured_time_element(in_language):
    with in_language("zh-CN"):
        html = render_template_string(
            '{% from "macros.html" import time_left %}{{ time_left(due, now) }}', due=NOW - timedelta(hours=2), now=NOW)
    assert 'class="time-left time-left-late"' in html
    assert 'datetime="2026-12-01T06:00:00+00:00"' in html
    assert ">已超时 2小时</time>" in html
