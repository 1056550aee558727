"""Portal pages of order imports: the list with the upload form, the preview with the mapping, the import's page.

A file is uploaded (stored, not yet imported), previewed under a mapping (its
first rows, the field each header feeds, the required fields it lacks), its
mapping picked or edited and saved for a channel (each mapping offers an empty
template file with its headers), then confirmed (queued for
the worker's job ``intake.imports``) or discarded. The import's page shows the
progress while the job runs, then the orders created and the row errors.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, Select, and_, select

from core.auth.context import require_actor, requires, sees_prices
from core.db import fail_request
from core.errors import NotFound, OrdoError
from core.extensions import db
from core.labels import label
from core.listview import Column, Filter, Kind, ListSpec, list_response
from core.models import Channel, Order, User
from core.portal import order_url
from plugins.intake import import_jobs, mappings, saved_mappings
from plugins.intake.import_forms import ConfirmForm, DiscardForm, MappingForm, PickForm, UploadForm, mapping_choices
from plugins.intake.mappings import BUILT_IN, FIELDS, REQUIRED, ColumnMapping
from plugins.intake.models import ImportJob, ImportMapping, ImportStatus

bp = Blueprint("intake_imports", __name__)

# The orders an import created that its page links to at most; the rest are counted.
ORDERS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _imports(user: User) -> Select[Any]:
    return (select(ImportJob.id).outerjoin(ImportMapping, and_(ImportMapping.company_id == ImportJob.company_id,
                                                               ImportMapping.name == ImportJob.mapping))
            .where(ImportJob.company_id == user.company_id))


def _mapping_text(row: Row[Any]) -> str:
    built_in = BUILT_IN.get(row.mapping_name)
    return str(built_in.label) if built_in is not None else str(row.mapping or row.mapping_name)


def _created(row: Row[Any]) -> str:
    return str(len((row.created or {}).get("created", []))) if row.created else ""


def _errors(row: Row[Any]) -> str:
    return str(len((row.errors or {}).get("errors", []))) if row.errors else ""


def _import_link(row: Row[Any]) -> str:
    return url_for("intake_imports.import_page", import_id=row.id)


IMPORT_LIST = ListSpec(
    name="imports",
    source=_imports,
    id=ImportJob.id,
    columns=(
        Column("created_at", _l("Handed in"), ImportJob.created_at, Kind.DATETIME, sortable=True),
        Column("filename", _l("File"), ImportJob.filename, href=_import_link),
        Column("mapping", _l("Column mapping"), ImportMapping.label, text=_mapping_text),
        Column("status", _l("Status"), ImportJob.status, Kind.CODE, badge=True),
        Column("rows_total", _l("Rows"), ImportJob.rows_total, Kind.INT),
        Column("created", _l("Orders created"), ImportJob.results, text=_created),
        Column("errors", _l("Row errors"), ImportJob.results, text=_errors),
    ),
    search=(ImportJob.filename,),
    filters=(Filter("status", _l("Status"), ImportJob.status, choices=ImportStatus),),
    default_sort="-created_at",
    carry={"mapping_name": ImportJob.mapping},
)


def _available(user: User) -> list[ColumnMapping]:
    return mappings.available(user.company_id)


def _upload_form(available: list[ColumnMapping]) -> UploadForm:
    form = UploadForm()
    form.mapping.choices = mapping_choices(available)
    return form


@bp.route("/imports", methods=["GET", "POST"])
@requires("order.import")
def imports_list():
    """The company's imports, newest first, with the form to upload another file.

    A refused upload (no file, a file the limits or its type, encoding or content refuse, an unknown mapping)
    answers 400 with the page and the reason next to its field, as the API answers 400.
    """
    user = require_actor()
    available = _available(user)
    form = _upload_form(available)
    refused = False
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            job = _attempt(form, lambda: import_jobs.upload(
                user.company, user, upload.filename or "", upload.read(), form.mapping.data or "",
                submit=bool(form.submit_orders.data)))
            if job is not None:
                return redirect(url_for("intake_imports.import_page", import_id=job.id))
        flash(_("Check the fields marked below."), "error")
        refused = True
    page = list_response(IMPORT_LIST, user, "intake/imports.html", form=form, mappings=available,
                         generic=mappings.template_columns(BUILT_IN["generic"]), required=REQUIRED)
    return (page, 400) if refused else page


@bp.route("/imports/template")
@requires("order.import")
def mapping_template() -> Response:
    """An empty Excel file whose header row is what ``?mapping=`` (the generic one if none) reads, to fill in
    by hand and upload."""
    user = require_actor()
    name = request.args.get("mapping") or "generic"
    mapping = mappings.resolve(user.company_id, name)
    if mapping is None:
        raise NotFound(_("there is no mapping %(name)s", name=repr(name[:40])))
    return Response(mappings.template_file(mapping), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{mapping.name}-template.xlsx"'})


@bp.route("/imports/<id:import_id>")
@requires("order.import")
def import_page(import_id: int):
    """An uploaded file's preview under the chosen mapping, or a queued, running or finished import's progress
    and results."""
    user = require_actor()
    job = import_jobs.get_import(user, import_id)
    if job.status == ImportStatus.UPLOADED:
        return _preview_page(user, job, request.args.get("mapping") or job.mapping)
    return _results_page(job)


@bp.route("/imports/<id:import_id>/mapping", methods=["POST"])
@requires("order.import")
def save_mapping(import_id: int):
    """Save the mapping edited on the preview, for a channel, then preview the file with it."""
    user = require_actor()
    job = import_jobs.get_import(user, import_id)
    if job.status != ImportStatus.UPLOADED:
        return redirect(url_for("intake_imports.import_page", import_id=job.id))
    preview = import_jobs.preview(job, _resolved(user, request.form.get("current") or job.mapping))
    editor = MappingForm(prefix="edit").with_headers(preview.headers)
    if editor.validate_on_submit():
        try:
            saved = saved_mappings.save(user.company, user, name=(editor.name.data or "").strip(),
                                        label=editor.label.data or "", channel=editor.channel.data,
                                        columns=editor.columns())
        except OrdoError as error:
            fail_request()
            _place(editor, error)
        else:
            flash(_("Mapping %(label)s saved; the file is previewed with it.", label=saved.label), "success")
            return redirect(url_for("intake_imports.import_page", import_id=job.id, mapping=saved.name))
    else:
        flash(_("Check the fields marked below."), "error")
    return _preview_page(user, job, preview.mapping.name, editor=editor)


@bp.route("/imports/<id:import_id>/mapping/delete", methods=["POST"])
@requires("order.import")
def delete_mapping(import_id: int):
    """Delete the saved mapping the file is previewed with; the preview goes back to the file's own mapping
    or, if that was the one deleted, to the generic one."""
    user = require_actor()
    job = import_jobs.get_import(user, import_id)
    name = request.form.get("name") or ""
    if not DiscardForm().validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
    elif request.form.get("confirm") != "y":  # deleting asks first; nothing changes
        flash(_("Tick the box to confirm that the mapping is deleted."), "error")
    else:
        try:
            saved_mappings.delete(user.company, user, name)
        except OrdoError as error:
            fail_request()
            flash(error.message, "error")
        else:
            flash(_("Mapping %(name)s deleted.", name=name), "success")
    return redirect(url_for("intake_imports.import_page", import_id=job.id))


@bp.route("/imports/<id:import_id>/confirm", methods=["POST"])
@requires("order.import")
def confirm_import(import_id: int):
    user = require_actor()
    job = import_jobs.get_import(user, import_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(url_for("intake_imports.import_page", import_id=job.id))
    mapping_name = form.mapping.data or ""
    try:
        import_jobs.confirm(job, user, mapping_name, bool(form.submit_orders.data))
    except OrdoError as error:
        fail_request()
        if job.status != ImportStatus.UPLOADED:
            flash(error.message, "error")
            return redirect(url_for("intake_imports.import_page", import_id=job.id))
        return _preview_page(user, job, mapping_name, refused=error.message)
    flash(_("%(file)s is queued for import; this page shows its progress.", file=job.filename), "success")
    return redirect(url_for("intake_imports.import_page", import_id=job.id))


@bp.route("/imports/<id:import_id>/discard", methods=["POST"])
@requires("order.import")
def discard_import(import_id: int):
    user = require_actor()
    job = import_jobs.get_import(user, import_id)
    if not DiscardForm().validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(url_for("intake_imports.import_page", import_id=job.id))
    filename = job.filename
    try:
        import_jobs.discard_upload(job, user)
    except OrdoError as error:
        fail_request()
        flash(error.message, "error")
        return redirect(url_for("intake_imports.import_page", import_id=import_id))
    flash(_("%(file)s was discarded; nothing was imported.", file=filename), "success")
    return redirect(url_for("intake_imports.imports_list"))


# --- helpers --------------------------------------------------------------------


def _attempt(form: UploadForm, action: Any) -> ImportJob | None:
    """Run the upload; a refusal goes next to the field it names (the file, the mapping)."""
    try:
        job: ImportJob = action()
    except OrdoError as error:
        fail_request()
        target = form.mapping if error.field == "mapping" else form.file
        target.errors = [*target.errors, error.message]
        return None
    return job


def _place(editor: MappingForm, error: OrdoError) -> None:
    """Each of the service's problems next to the editor's field it names."""
    for problem in error.errors or [{"field": error.field or "", "message": error.message}]:
        name = problem.get("field") or ""
        if name.startswith("columns.") and name.removeprefix("columns.") in FIELDS:
            target = editor.column_field(name.removeprefix("columns."))
        else:
            target = editor._fields.get(name) if name in ("name", "label", "channel") else None
        if target is None:
            flash(problem["message"], "error")
        else:
            target.errors = [*target.errors, problem["message"]]


def _resolved(user: User, name: str) -> ColumnMapping:
    """The mapping of that name, or none (an empty one that feeds nothing) when there is no such mapping."""
    return mappings.resolve(user.company_id, name) or ColumnMapping(name, name, {})


def _preview_page(user: User, job: ImportJob, mapping_name: str, *, editor: MappingForm | None = None,
                  refused: str | None = None) -> Any:
    mapping = mappings.resolve(user.company_id, mapping_name)
    preview = import_jobs.preview(job, mapping or ColumnMapping(mapping_name, mapping_name, {}))
    pick = PickForm(formdata=None, mapping=mapping_name)
    pick.mapping.choices = mapping_choices(_available(user))
    if mapping is None:
        pick.mapping.errors = [_("there is no mapping %(name)s", name=mapping_name)]
        if not any(mapping_name == name for group in pick.mapping.choices.values() for name, _text in group):
            pick.mapping.data = ""
    elif preview.missing:
        pick.mapping.errors = [_("the file has no header for %(fields)s, which every import needs: pick another "
                                 "mapping or map the file's own headers below",
                                 fields=", ".join(label(name, "intake.field") for name in preview.missing))]
    if refused and not pick.mapping.errors:
        pick.mapping.errors = [refused]
    if editor is None:
        editor = MappingForm(formdata=None, prefix="edit").with_headers(preview.headers)
        row = saved_mappings.find(user.company_id, mapping_name) if mapping is not None else None
        if row is not None:
            editor.name.data, editor.label.data, editor.channel.data = row.name, row.label, row.channel.value
        else:
            editor.channel.data = (mapping.channel if mapping is not None else Channel.ECOMMERCE).value
        for name in FIELDS:
            editor.column_field(name).data = preview.header_of(name) or ""
    confirm = ConfirmForm(formdata=None, mapping=preview.mapping.name, submit_orders=job.submit)
    # Whoever may not see prices sees no amount of the file either (the import takes list prices for them):
    # only the values of the columns that feed a field other than the price, since any other may be one.
    hidden = (set() if sees_prices(user) else
              {position for position, fed in enumerate(preview.fields) if fed in (None, "unit_price")}
              | {position for name, position in preview.positions.items() if name == "unit_price"})
    return render_template("intake/import_preview.html", job=job, preview=preview, pick=pick, editor=editor,
                           hidden=hidden, saved=mapping is not None and mapping.name not in BUILT_IN,
                           known=mapping is not None,
                           confirm=confirm, discard=DiscardForm(formdata=None),
                           field_label=lambda name: label(name, "intake.field"),
                           fields=FIELDS)


def _results_page(job: ImportJob) -> Any:
    results = job.results or {}
    created_ids = list(results.get("created", []))
    shown = created_ids[:ORDERS_SHOWN]
    orders = {order.id: order for order in db.session.execute(
        select(Order).where(Order.company_id == job.company_id, Order.id.in_(shown))).scalars()} if shown else {}
    created = [(orders[ident], order_url(ident)) for ident in shown if ident in orders]
    running = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    mapping = BUILT_IN.get(job.mapping)
    saved = saved_mappings.find(job.company_id, job.mapping) if mapping is None else None
    mapping_text = str(mapping.label) if mapping is not None else (saved.label if saved is not None else job.mapping)
    return render_template("intake/import_page.html", job=job, results=results, created=created,
                           created_count=len(created_ids), running=running, mapping_text=mapping_text)
