"""Administration pages: users, the role-permission matrix, modules per company, the company's profile."""
from __future__ import annotations

from contextlib import closing

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy.orm import selectinload
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core import companies, company_profile
from core.admin.forms import CompanyProfileForm, ModuleForm, RolesForm, UserForm
from core.auth.context import require_actor, requires
from core.db import fail_request, get_scoped, scoped
from core.entry.forms import attempt_on
from core.errors import ValidationError
from core.extensions import db
from core.labels import MODULE, PERMISSION, ROLE, label
from core.models import Customer, Role, User
from core.modules import module_states, set_enabled
from core.web import attempt, flash_form_errors, required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_form(actor: User, user: User | None = None) -> UserForm:
    form = UserForm(obj=user) if user else UserForm()
    roles = db.session.execute(scoped(Role, actor.company_id).order_by(Role.name)).scalars()
    form.roles.choices = [SelectChoice(role.name, label(role.name, ROLE, role.label)) for role in roles]
    customers = db.session.execute(scoped(Customer, actor.company_id).order_by(Customer.code)).scalars()
    form.customer_id.choices = [SelectChoice(0, "—")] + [SelectChoice(c.id, f"{c.code} {c.name}") for c in customers]
    staff = db.session.execute(
        scoped(User, actor.company_id).where(User.customer_id.is_(None)).order_by(User.name)).scalars()
    form.superior_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(u.id, u.name) for u in staff if user is None or u.id != user.id]
    if user is not None and request.method == "GET":
        form.roles.data = user.role_names
        form.customer_id.data = user.customer_id or 0
        form.superior_id.data = user.superior_id or 0
    return form


@bp.route("/users", methods=["GET", "POST"])
@requires("admin.users")
def users():
    actor = require_actor()
    form = _user_form(actor)
    if request.method == "POST":
        if not form.validate_on_submit() or not form.password.data:
            if not form.password.data:
                flash(_("A new user needs a password of at least 8 characters."), "error")
            flash_form_errors(form)
        else:
            password = form.password.data
            created = attempt(lambda: companies.create_user(
                actor.company, username=required(form.username.data), password=password,
                name=required(form.name.data), roles=form.roles.data or [], email=form.email.data or None,
                customer_id=form.customer_id.data or None, superior_id=form.superior_id.data or None,
                actor=actor))
            if created is not None:
                flash(_("User %(username)s created.", username=created.username), "success")
                return redirect(url_for("admin.users"))
    rows = db.session.execute(scoped(User, actor.company_id).order_by(User.username)
                              .options(selectinload(User.roles))).scalars().all()
    return render_template("admin/users.html", users=rows, form=form)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@requires("admin.users")
def user_edit(user_id: int):
    actor = require_actor()
    user = get_scoped(User, actor.company_id, user_id, what=_("user"))
    form = _user_form(actor, user)
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_form_errors(form)
        else:
            def save():
                companies.update_user(user, roles=form.roles.data or [], active=form.active.data,
                                      name=required(form.name.data), email=form.email.data or None,
                                      superior_id=form.superior_id.data or None, actor=actor)
                if form.password.data:
                    user.set_password(form.password.data)
                return user
            if attempt(save) is not None:
                if form.password.data and user.id == actor.id:
                    login_user(user)  # a new password ends your other sessions, not this one
                flash(_("User %(username)s saved.", username=user.username), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", user=user, form=form)


@bp.route("/roles", methods=["GET", "POST"])
@requires("admin.roles")
def roles():
    actor = require_actor()
    form = RolesForm()
    role_rows = db.session.execute(scoped(Role, actor.company_id).order_by(Role.name)).scalars().all()
    permissions = companies.all_permissions()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, _("The form expired; reload the page and try again."))

        def save():
            for role in role_rows:
                granted = request.form.getlist(f"role-{role.id}")
                if role.name == "administrator" and "admin.roles" not in granted:
                    raise ValidationError(_("The administrator role must keep the permission “%(permission)s”.",
                                            permission=label("admin.roles", PERMISSION)),
                                          field="permissions")
                companies.set_role_permissions(role, granted, actor=actor)
            return True
        if attempt(save):
            flash(_("Permissions saved."), "success")
            return redirect(url_for("admin.roles"))
    # Each role's label and grants, and each permission's label, worked out once: the matrix has a cell per
    # permission and role (about a thousand), and asking each cell built the role's set of grants and looked
    # up its label again (0.2 s of CPU a page).
    columns = [(role.id, label(role.name, ROLE, role.label), role.permissions) for role in role_rows]
    rows = [(permission.name, str(permission.label)) for permission in permissions]
    return render_template("admin/roles.html", columns=columns, rows=rows, form=form)


@bp.route("/modules", methods=["GET", "POST"])
@requires("admin.modules")
def modules():
    actor = require_actor()
    form = ModuleForm()
    if request.method == "POST":
        name = request.form.get("module", "")
        enable = request.form.get("enabled") == "1"
        if not form.validate_on_submit():
            abort(400, _("The form expired; reload the page and try again."))
        if not enable and request.form.get("confirm") != "y":  # switching off asks first; nothing changes
            flash(_("%(name)s stays on: tick the box to confirm switching it off.", name=label(name, MODULE)), "error")
            return redirect(url_for("admin.modules"))
        state = attempt(lambda: set_enabled(actor.company, name, enable, actor=actor))
        if state is not None:
            flash(_("%(name)s is now %(state)s.", name=label(name, MODULE),
                    state=_("on") if state.enabled else _("off")), "success")
        return redirect(url_for("admin.modules"))
    return render_template("admin/modules.html", states=module_states(actor.company_id), form=form)


@bp.route("/company", methods=["GET", "POST"])
@requires("admin.company")
def company():
    """The company's profile, printed on every customer document: an administrator keeps it."""
    actor = require_actor()
    # From the profile's data, not the row: the row's ``logo`` bytes are no upload.
    form = CompanyProfileForm(data=company_profile.profile_of(actor.company))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and attempt_on(form, lambda: _save_profile(form, actor)) is not None:
            flash(_("The company profile is saved; new documents print it."), "success")
            return redirect(url_for("admin.company"))
        fail_request()
        flash(_("Check the fields marked below."), "error")
        status = 400
    return render_template("admin/company.html", form=form, company=actor.company), status


def _save_profile(form: CompanyProfileForm, actor: User) -> object:
    data = {name: form[name].data for name in company_profile.PROFILE_FIELDS}
    company_profile.update_profile(actor.company, data, actor=actor)
    upload = form.logo.data
    if form.remove_logo.data:
        company_profile.remove_logo(actor.company, actor=actor)
    elif upload:
        with closing(upload):  # a large upload is spooled to a temporary file
            content = upload.read()
        company_profile.set_logo(actor.company, content, actor=actor)
    return actor.company


@bp.route("/company/logo")
@requires("admin.company")
def company_logo():
    """The company's logo as stored, for the profile page."""
    company = require_actor().company
    if not company.logo_type or not company.logo:
        abort(404)
    return Response(company.logo, mimetype=company.logo_type, headers={"Cache-Control": "private, no-cache"})
