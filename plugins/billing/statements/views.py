"""Portal pages of statements: the list (a list view with search and export), a statement with its lines,
the customer's confirmation or dispute with their stamped copy, staff's answers, the PDF and attachments."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from werkzeug.datastructures import FileStorage

from core.auth.context import require_actor, requires, sees_prices
from core.db import fail_request
from core.documents import document_response
from core.errors import OrdoError
from core.listview import Column, Filter, GroupBy, Kind, ListSpec, list_response
from core.models import Customer, User
from core.web import attempt, flash_form_errors, required
from plugins.billing.statements import documents, invoicing, services
from plugins.billing.statements.forms import (
    ConfirmForm, DisputeForm, MonthlyInvoicingForm, ResolveForm, StatementDayForm,
)
from plugins.billing.statements.models import DisputeStatus, Resolution, Statement, StatementStatus
from plugins.billing.statements.services import ANSWER, RESOLVE, VIEW

bp = Blueprint("billing_statements", __name__)


def _statements(user: User) -> Select[Any]:
    return services.visible_statements(user).join(Customer, Statement.customer_id == Customer.id)


STATEMENT_LIST = ListSpec(
    name="statements",
    source=_statements,
    id=Statement.id,
    columns=(
        Column("number", _l("Statement"), Statement.number, sortable=True,
               href=lambda row: url_for("billing_statements.statement", statement_id=row.id)),
        Column("customer", _l("Customer"), Customer.name, when=lambda user: user.customer_id is None),
        Column("statement_date", _l("Statement date"), Statement.statement_date, Kind.DATE, sortable=True),
        Column("opening_balance", _l("Opening balance"), Statement.opening_balance, Kind.MONEY),
        Column("debits", _l("Invoiced"), Statement.debits, Kind.MONEY),
        Column("credits", _l("Credited and paid"), Statement.credits, Kind.MONEY),
        Column("closing_balance", _l("Closing balance"), Statement.closing_balance, Kind.MONEY, sortable=True),
        Column("currency", _l("Currency"), Statement.currency),
        Column("status", _l("Status"), Statement.status, Kind.CODE, badge=True),
    ),
    search=(Statement.number, Customer.name, Customer.code),
    filters=(
        Filter("status", _l("Status"), Statement.status, choices=StatementStatus),
    ),
    group_bys=(
        GroupBy("status", _l("Status"), Statement.status, filter="status"),
        GroupBy("customer", _l("Customer"), Statement.customer_id, text=Customer.name,
                when=lambda user: user.customer_id is None),
    ),
    default_sort="-statement_date",
)


@bp.route("/statements")
@requires(VIEW)
def statements():
    actor = require_actor()
    settings = actor.can(services.SETTINGS) and actor.customer_id is None
    invoicing_form = None
    if settings:
        invoicing_form = MonthlyInvoicingForm(monthly_invoicing=invoicing.monthly_invoicing(actor.company_id).value)
    return list_response(STATEMENT_LIST, actor, "billing/statements/list.html",
                         days=services.statement_days(actor.company_id) if settings else None,
                         day_form=StatementDayForm() if settings else None, invoicing_form=invoicing_form)


@bp.route("/statements/statement-day", methods=["POST"])
@requires(services.SETTINGS)
def statement_day():
    actor = require_actor()
    form = StatementDayForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.set_statement_day(actor.company_id, required(form.statement_day.data), actor,
                                                    form.customer_id.data or None)) is not None:
        flash(_("The statement day is set."), "success")
    return redirect(url_for("billing_statements.statements"))


@bp.route("/statements/monthly-invoicing", methods=["POST"])
@requires(services.SETTINGS)
def monthly_invoicing():
    actor = require_actor()
    form = MonthlyInvoicingForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: invoicing.set_monthly_invoicing(actor.company_id, required(form.monthly_invoicing.data),
                                                         actor)) is not None:
        flash(_("The invoicing of monthly orders is set."), "success")
    return redirect(url_for("billing_statements.statements"))


@bp.route("/statements/<id:statement_id>")
@requires(VIEW)
def statement(statement_id: int):
    actor = require_actor()
    found = services.get_statement(actor, statement_id)
    disputes = services.disputes_of(found)
    by_line = {row.line_id: row for row in disputes}
    customer = actor.customer_id is not None
    return render_template(
        "billing/statements/detail.html", statement=found, rows=services.running_balances(found),
        disputes=by_line, attachments=services.attachments_of(found), show_prices=sees_prices(actor),
        can_answer=actor.can(ANSWER) and found.status in services.ANSWERABLE,
        can_resolve=not customer and actor.can(RESOLVE), open_status=DisputeStatus.OPEN,
        confirm_form=ConfirmForm(), dispute_form=DisputeForm(), resolve_form=ResolveForm())


@bp.route("/statements/<id:statement_id>/confirm", methods=["POST"])
@requires(ANSWER)
def confirm(statement_id: int):
    actor = require_actor()
    found = services.get_statement(actor, statement_id)
    if ConfirmForm().validate_on_submit() and attempt(lambda: services.confirm(found, actor)) is not None:
        flash(_("Statement %(number)s is confirmed. Thank you.", number=found.number), "success")
    return redirect(url_for("billing_statements.statement", statement_id=statement_id))


@bp.route("/statements/<id:statement_id>/dispute", methods=["POST"])
@requires(ANSWER)
def dispute(statement_id: int):
    actor = require_actor()
    found = services.get_statement(actor, statement_id)
    form = DisputeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("billing_statements.statement", statement_id=statement_id))
    chosen = []
    for value in request.form.getlist("line"):
        line_no = int(value) if value.isdigit() and len(value) < 8 else value
        chosen.append({"line_no": line_no, "reason": request.form.get(f"reason-{value}", "")})
    upload = form.attachment.data
    try:
        rows = services.dispute(found, actor, chosen)
        if isinstance(upload, FileStorage) and upload.filename:
            services.attach(found, actor, upload.filename, upload.read(services.ATTACHMENT_MAX_BYTES + 1))
    except OrdoError as error:
        fail_request()
        flash(error.message, "error")
    else:
        flash(_("Your dispute of %(count)s lines is sent; we will answer each.", count=len(rows)), "success")
    return redirect(url_for("billing_statements.statement", statement_id=statement_id))


@bp.route("/statement-disputes/<id:dispute_id>/resolve", methods=["POST"])
@requires(RESOLVE)
def resolve(dispute_id: int):
    actor = require_actor()
    row = services.get_dispute(actor, dispute_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.resolve(row, actor, resolution=Resolution(form.resolution.data),
                                          answer=required(form.answer.data), amount=form.amount.data)) is not None:
        flash(_("The answer is recorded and sent to the customer."), "success")
    return redirect(url_for("billing_statements.statement", statement_id=row.statement_id))


@bp.route("/statements/<id:statement_id>/document")
@requires(VIEW)
def statement_document(statement_id: int):
    actor = require_actor()
    return document_response(documents.statement_document(services.get_statement(actor, statement_id), actor))


@bp.route("/statements/<id:statement_id>/attachments/<id:copy_id>")
@requires(VIEW)
def attachment(statement_id: int, copy_id: int):
    row = services.get_attachment(services.get_statement(require_actor(), statement_id), copy_id)
    return Response(row.content, mimetype=row.content_type,
                    headers={"Content-Disposition": "attachment; filename=\"stamped-statement\""})
