"""Scorecard pages: a department's or person's scorecard for a month or quarter (value, target, trend, the
orders behind each figure, the proposed flag and its confirmation) and the targets' settings."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.auth.context import require_actor, requires
from core.db import commit
from core.extensions import db
from core.models import User, utcnow
from core.portal import order_url
from core.web import attempt, flash_form_errors
from plugins.kpi.indicators.presentation import FORMULAS, NAMES
from plugins.kpi.dashboard.services import company_zone
from plugins.kpi.indicators.services import Dimension, Indicator
from plugins.kpi.labels import DEPARTMENTS, department
from plugins.kpi.scorecards import services
from plugins.kpi.scorecards.forms import ConfirmForm, TargetsForm
from plugins.kpi.scorecards.models import PeriodKind
from plugins.kpi.scorecards.services import ScorePeriod, Subject

bp = Blueprint("kpi_scorecards", __name__)


def _periods(company_id: int) -> list[tuple[str, str]]:
    """The months of the last year and the quarters of the last two, newest first, as the reader names them."""
    today = utcnow().astimezone(company_zone(company_id)).date()
    month = ScorePeriod(PeriodKind.MONTH, today.replace(day=1))
    quarter = ScorePeriod(PeriodKind.QUARTER, today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1))
    months = [month.shifted(-back) for back in range(12)]
    quarters = [quarter.shifted(-back) for back in range(8)]
    return [*((p.code, p.code) for p in months),
            *((p.code, _("%(year)s, quarter %(quarter)s", year=p.start.year, quarter=(p.start.month + 2) // 3))
              for p in quarters)]


def subject_name(subject: Subject) -> str:
    if subject.kind == Dimension.DEPARTMENT:
        return department(str(subject.key))
    person = db.session.get(User, subject.key)
    return person.name if person is not None else str(subject.key)


def _subjects(company_id: int) -> list[tuple[str, str]]:
    """Whom a scorecard may be of: the departments, then the company's staff by name (one query)."""
    people = db.session.execute(select(User.id, User.name).where(User.company_id == company_id,
                                                                 User.customer_id.is_(None), User.active)
                                .order_by(User.name)).all()
    return [*((f"department:{code}", str(name)) for code, name in DEPARTMENTS.items()),
            *((f"person:{id_}", name) for id_, name in people)]


@bp.route("/kpi/scorecards")
@requires("kpi.view")
def scorecard():
    user = require_actor()
    subjects = _subjects(user.company_id)
    asked_subject = request.args.get("subject") or subjects[0][0]
    periods = _periods(user.company_id)
    asked_period = request.args.get("period") or periods[0][0]
    card = attempt(lambda: services.scorecard(user.company_id, Subject.parse(asked_subject),
                                              ScorePeriod.parse(asked_period)))
    return render_template("kpi/scorecard.html", card=card, subjects=subjects, periods=periods,
                           asked_subject=asked_subject,
                           asked_period=asked_period, names=NAMES, formulas=FORMULAS,
                           may_confirm=user.can("kpi.confirm"), confirm_form=ConfirmForm())


@bp.route("/kpi/scorecards/confirm", methods=["POST"])
@requires("kpi.confirm")
def confirm():
    user = require_actor()
    form = ConfirmForm()
    if not form.validate():
        flash_form_errors(form)
    elif attempt(lambda: services.confirm(user.company_id, Subject.parse(form.subject.data),
                                          ScorePeriod.parse(form.period.data), _indicator(form.indicator.data),
                                          user)) is not None:
        commit()
    return redirect(url_for("kpi_scorecards.scorecard", subject=form.subject.data, period=form.period.data))


def _indicator(value: str | None) -> Indicator:
    return services.parse_indicator(value)


@bp.route("/kpi/scorecards/orders")
@requires("kpi.view")
def orders():
    user = require_actor()
    if not request.args.get("subject") or not request.args.get("period"):  # a figure is chosen on its scorecard
        return redirect(url_for("kpi_scorecards.scorecard"))
    subject, period = Subject.parse(request.args.get("subject")), ScorePeriod.parse(request.args.get("period"))
    indicator = _indicator(request.args.get("indicator"))
    found = services.orders_behind(user.company_id, subject, period, indicator)
    return render_template("kpi/scorecard_orders.html", orders=found, subject=subject_name(subject), period=period,
                           indicator=indicator, names=NAMES, order_url=order_url, limit=services.DRILL_LIMIT)


@bp.route("/kpi/targets", methods=["GET", "POST"])
@requires("kpi.targets")
def targets():
    user = require_actor()
    current = services.company_targets(user.company_id)
    form = TargetsForm()
    if request.method == "GET":
        for indicator, row in current.items():
            getattr(form, f"{indicator.value}_target").data = row.target
            getattr(form, f"{indicator.value}_penalty_below").data = row.penalty_below
    elif not form.validate():
        flash_form_errors(form)
    else:
        values = {indicator: (getattr(form, f"{indicator.value}_target").data,
                              getattr(form, f"{indicator.value}_penalty_below").data) for indicator in Indicator}
        if attempt(lambda: services.set_targets(user.company_id, values, user)) is not None:
            commit()
            return redirect(url_for("kpi_scorecards.targets"))
    return render_template("kpi/targets.html", form=form, indicators=list(Indicator), names=NAMES,
                           formulas=FORMULAS)
