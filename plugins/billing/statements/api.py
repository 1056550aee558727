"""Statements' JSON API: the list, one statement with its lines and disputes, the customer's confirmation
or dispute and stamped copy, staff's answers, the PDF, the statement day and the invoicing of monthly orders."""
from __future__ import annotations

from contextlib import closing
from typing import Any

from flask import Response
from flask.views import MethodView

from core import attachments
from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.documents import document_response
from plugins.billing.statements import documents, invoicing, services
from plugins.billing.statements.models import Statement
from plugins.billing.statements.schemas import (
    DisputeRequestSchema, MonthlyInvoicingSchema, ResolveRequestSchema, StatementAttachmentSchema,
    StatementAttachmentUploadSchema, StatementDaySchema, StatementDaysSchema, StatementDetailSchema,
    StatementDisputeSchema, StatementPageSchema,
    StatementQuerySchema,
)
from plugins.billing.statements.services import ANSWER, RESOLVE, VIEW

PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}

blp = ApiBlueprint("billing_statements_api", __name__,
                   description="Monthly reconciliation statements (对账单), confirmed or disputed line by line")


def payload(statement: Statement) -> StatementView:
    return StatementView(statement, {"lines": list(statement.lines), "disputes": services.disputes_of(statement),
                                     "attachments": services.attachments_of(statement)})


class StatementView:
    """A statement as its answer reads it: its own attributes, and its lines, disputes and attachments."""

    def __init__(self, statement: Statement, extra: dict[str, Any]) -> None:
        self._statement = statement
        self._extra = extra

    def __getattr__(self, name: str) -> Any:
        if name in self._extra:
            return self._extra[name]
        return getattr(self._statement, name)


@blp.route("/statements")
class Statements(MethodView):
    @requires(VIEW)
    @blp.arguments(StatementQuerySchema, location="query")
    @blp.response(200, StatementPageSchema)
    def get(self, args):
        """List the statements, newest first (a customer's user: their own)."""
        return services.search_statements(require_actor(), **args)


@blp.route("/statements/<id:statement_id>")
class StatementDetail(MethodView):
    @requires(VIEW)
    @blp.response(200, StatementDetailSchema)
    def get(self, statement_id):
        """One statement with its lines, the disputes and their answers, and the attached stamped copies."""
        return payload(services.get_statement(require_actor(), statement_id))


@blp.route("/statements/<id:statement_id>/confirm")
class StatementConfirm(MethodView):
    @requires(ANSWER)
    @blp.response(200, StatementDetailSchema)
    def post(self, statement_id):
        """The customer confirms the statement: it is frozen. A second confirmation is a 409 naming ``status``."""
        actor = require_actor()
        return payload(services.confirm(services.get_statement(actor, statement_id), actor))


@blp.route("/statements/<id:statement_id>/dispute")
class StatementDispute(MethodView):
    @requires(ANSWER)
    @blp.arguments(DisputeRequestSchema)
    @blp.response(201, StatementDetailSchema)
    def post(self, data, statement_id):
        """The customer disputes lines, each with a reason; each becomes a task for sales and finance.

        A line not on the statement or disputed before is a 400 naming ``lines[i].line_no``, an empty reason
        ``lines[i].reason``; a confirmed statement is a 409. Nothing changes on a refusal.
        """
        actor = require_actor()
        statement = services.get_statement(actor, statement_id)
        services.dispute(statement, actor, data["lines"])
        return payload(statement)


@blp.route("/statements/<id:statement_id>/attachments")
class StatementAttachments(MethodView):
    @requires(ANSWER)
    @blp.arguments(StatementAttachmentUploadSchema, location="multipart")
    @blp.response(201, StatementAttachmentSchema)
    def post(self, data, statement_id):
        """Attach the customer's stamped copy: PNG, JPEG or PDF; another type or a file over the limit is a 400
        naming ``file``."""
        actor = require_actor()
        statement = services.get_statement(actor, statement_id)
        with closing(data["file"]) as upload:
            content = upload.read(services.ATTACHMENT_MAX_BYTES + 1)
            name = upload.filename
        return services.attach(statement, actor, name, content)


@blp.route("/statements/<id:statement_id>/attachments/<id:copy_id>")
class StatementAttachmentFile(MethodView):
    @requires(VIEW)
    @blp.response(200, content_type="image/png")
    @blp.doc(responses={200: {"content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}
        for _, content_type in attachments.ATTACHMENT_TYPES}}})
    def get(self, statement_id, copy_id):
        """The attached stamped copy as uploaded, with its type."""
        row = services.get_attachment(services.get_statement(require_actor(), statement_id), copy_id)
        return Response(row.content, mimetype=row.content_type)


@blp.route("/statement-disputes/<id:dispute_id>/resolve")
class DisputeResolve(MethodView):
    @requires(RESOLVE)
    @blp.arguments(ResolveRequestSchema)
    @blp.response(200, StatementDisputeSchema)
    def post(self, data, dispute_id):
        """Answer a disputed line: a correction (a credit note of ``amount`` on the line's order, on the next
        statement) or an explanation. An answered dispute is a 409 naming ``dispute``."""
        actor = require_actor()
        return services.resolve(services.get_dispute(actor, dispute_id), actor, **data)


@blp.route("/statements/<id:statement_id>/document")
class StatementDocument(MethodView):
    @requires(VIEW)
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(304, description="Not Modified: the If-None-Match ETag is the stored document's")
    @blp.doc(responses=PDF)
    def get(self, statement_id):
        """The statement, a PDF in the customer's language, with an ETag; amounts only with prices."""
        actor = require_actor()
        return document_response(documents.statement_document(services.get_statement(actor, statement_id), actor))


@blp.route("/statement-days")
class StatementDays(MethodView):
    @requires(VIEW)
    @blp.response(200, StatementDaysSchema)
    def get(self):
        """The company's statement day and the customers' own ones."""
        return services.statement_days(require_actor().company_id)

    @requires(services.SETTINGS)
    @blp.arguments(StatementDaySchema)
    @blp.response(200, StatementDaysSchema)
    def put(self, data):
        """Set the company's statement day, or with ``customer_id`` a customer's own."""
        actor = require_actor()
        services.set_statement_day(actor.company_id, data["statement_day"], actor, data["customer_id"])
        return services.statement_days(actor.company_id)


@blp.route("/monthly-invoicing")
class MonthlyInvoicingPolicy(MethodView):
    @requires(VIEW)
    @blp.response(200, MonthlyInvoicingSchema)
    def get(self):
        """When the company invoices its monthly-settlement orders: at delivery, or in the monthly statement."""
        return {"monthly_invoicing": invoicing.monthly_invoicing(require_actor().company_id)}

    @requires(services.SETTINGS)
    @blp.arguments(MonthlyInvoicingSchema)
    @blp.response(200, MonthlyInvoicingSchema)
    def put(self, data):
        """Set when the company invoices its monthly-settlement orders; orders delivered already keep theirs."""
        actor = require_actor()
        return {"monthly_invoicing": invoicing.set_monthly_invoicing(actor.company_id, data["monthly_invoicing"],
                                                                     actor)}
