"""Intake's API: create a draft (idempotently), edit it, submit it; hand in an order file and follow its import."""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy.orm import defer

from core.api import ApiBlueprint, ProblemSchema
from core.api.problems import PROBLEM_JSON
from core.api.schemas import OrderSchema
from core.api.schemas import PageArgsSchema
from core.auth.context import require_actor, requires
from core.db import page_of, scoped
from core.errors import Conflict
from core.keyset import Keyset
from core.orders.queries import get_order
from plugins.intake import import_jobs, services
from plugins.intake.models import ImportJob
from plugins.intake.schemas import (
    IdempotencyHeaderSchema, IfMatchHeaderSchema, ImportPageSchema, ImportSchema, ImportUploadSchema,
    IntakeSettingsSchema, OrderCreateSchema, OrderPatchSchema, SubmitSchema,
)
from plugins.intake.settings import settings_for, update_settings

blp = ApiBlueprint("intake_api", __name__, description="Order entry: create, edit and submit orders")

CREATED = 201
ACCEPTED = 202
UNPROCESSABLE = 422
NEWEST_FIRST = Keyset(ImportJob.id, descending=True)


@blp.route("/orders")
class NewOrder(MethodView):
    @requires("order.create")
    @blp.arguments(OrderCreateSchema)
    @blp.arguments(IdempotencyHeaderSchema, location="headers")
    @blp.response(CREATED, OrderSchema)
    def post(self, data, headers):
        """Create a draft order; a retry with the same Idempotency-Key replays it."""
        actor = require_actor()
        key = headers.get("idempotency_key")
        fingerprint = services.request_hash(OrderCreateSchema().dump(data))
        if key:
            earlier = services.earlier_request(actor, key, fingerprint)
            if earlier is not None:
                order = get_order(actor, earlier.order_id)
                return order, earlier.status_code, {"Idempotent-Replayed": "true"}
        order = services.create_draft(actor.company, data, actor, check_duplicates=True,
                                      confirm_duplicate=data.get("confirm_duplicate", False))
        if key:
            services.remember_request(order, actor, key, fingerprint, CREATED)
        return order, CREATED


@blp.route("/orders/<id:order_id>")
class DraftOrder(MethodView):
    @requires("order.edit")
    @blp.arguments(OrderPatchSchema(partial=True))
    @blp.arguments(IfMatchHeaderSchema, location="headers")
    @blp.response(200, OrderSchema)
    def patch(self, data, headers, order_id):
        """Change some fields of a draft order; sent ``lines`` replace all lines."""
        actor = require_actor()
        order = get_order(actor, order_id)
        expected = headers.get("if_match")
        if expected is not None and expected.removeprefix("W/").strip('"') != str(order.version):
            raise Conflict(_("order %(number)s changed since version %(version)s; reload it",
                             number=order.display_number, version=expected),
                           field="If-Match")
        return services.update_draft(order, data, actor, check_duplicates=True,
                                     confirm_duplicate=data.get("confirm_duplicate", False))


@blp.route("/orders/<id:order_id>/submit")
class SubmitOrder(MethodView):
    @requires("order.submit")
    @blp.arguments(SubmitSchema(), required=False)
    @blp.response(200, OrderSchema)
    @blp.alt_response(UNPROCESSABLE, description="The checks found blocking problems, or warnings not confirmed: "
                      "``errors`` lists each with its field, code and severity.", schema=ProblemSchema,
                      content_type=PROBLEM_JSON)
    def post(self, data, order_id):
        """Re-check a draft, number it and submit it for review (approved at once when review is off)."""
        actor = require_actor()
        return services.submit(get_order(actor, order_id), actor, confirm_warnings=data.get("confirm_warnings", False),
                               version=data.get("version"), check_duplicates=True,
                               confirm_duplicate=data.get("confirm_duplicate", False))


@blp.route("/intake/settings")
class IntakeSettings(MethodView):
    @requires("intake.settings")
    @blp.response(200, IntakeSettingsSchema)
    def get(self):
        """How the company takes orders: number format, duplicate window, direct portal submission."""
        return settings_for(require_actor().company_id)

    @requires("intake.settings")
    @blp.arguments(IntakeSettingsSchema)
    @blp.response(200, IntakeSettingsSchema)
    def put(self, data):
        """Change how the company takes orders; fields left out stay as they are."""
        actor = require_actor()
        return update_settings(actor.company, data, actor)


@blp.route("/imports")
class Imports(MethodView):
    @requires("order.import")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ImportPageSchema)
    def get(self, args):
        """The company's imports, newest first; follow ``next`` for more."""
        # Without the files handed in: a page of imports does not read every file.
        query = scoped(ImportJob, require_actor().company_id).options(defer(ImportJob.content))
        return page_of(query, NEWEST_FIRST, page=args.get("page"), per_page=args["per_page"],
                       cursor=args.get("cursor"))

    @requires("order.import")
    @blp.arguments(ImportUploadSchema, location="multipart")
    @blp.response(ACCEPTED, ImportSchema, description="Queued: the worker imports the file; follow the Location.")
    def post(self, data):
        """Hand in an order file (CSV or .xlsx) to import with a column mapping; the worker imports it.

        A file that cannot be imported at all (its type, size, encoding, a column
        the mapping needs) is refused at once with 400; otherwise the import is
        queued, and ``GET /imports/{id}`` shows its progress and, when done, the
        orders created and each bad row with its column and reason.
        """
        actor = require_actor()
        upload = data["file"]
        job = import_jobs.start(actor.company, actor, upload.filename, upload.read(), data["mapping"],
                                submit=data["submit"])
        return job, ACCEPTED, {"Location": url_for("intake_api.ImportResource", import_id=job.id)}


@blp.route("/imports/<id:import_id>")
class ImportResource(MethodView):
    @requires("order.import")
    @blp.response(200, ImportSchema)
    def get(self, import_id):
        """One import: its status, progress and, once done, what it did."""
        return import_jobs.get_import(require_actor(), import_id)
