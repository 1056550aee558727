"""Login, logout and the account page (language, API tokens)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from core.auth import services
from core.auth.context import require_actor, requires
from core.auth.forms import LanguageForm, LoginForm, RevokeForm, TokenForm
from core.errors import OrdoError
from core.extensions import db
from core.models import ApiToken
from core.web import attempt, required

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would hand the session to anyone.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("portal.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            user = services.authenticate(required(form.username.data), required(form.password.data),
                                         remote_addr=request.remote_addr)
        except services.Throttled as error:
            flash(error.message, "error")
            status, headers = error.status, {"Retry-After": str(error.retry_after)}
        except OrdoError as error:  # wrong username or password (401)
            flash(error.message, "error")
            status = error.status
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    # Signing out anywhere signs out everywhere: a copied cookie dies with the rest.
    require_actor().end_sessions()
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@requires(None)
def account():
    user = require_actor()
    language = LanguageForm(prefix="lang", locale=user.locale or "zh_CN")
    token_form = TokenForm(prefix="token")
    new_token = None
    if request.method == "POST" and "lang-locale" in request.form and language.validate_on_submit():
        user.locale = language.locale.data
        flash(_("Language saved."), "success")
        return redirect(url_for("auth.account"))
    if request.method == "POST" and "token-name" in request.form:
        if not user.can("account.tokens"):
            flash(_("You may not create API tokens."), "error")
        elif token_form.validate_on_submit():
            created = attempt(lambda: services.create_token(user, required(token_form.name.data)))
            if created is not None:
                new_token = created[0]
    tokens = db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ).scalars().all()
    return render_template("auth/account.html", language=language, token_form=token_form,
                           tokens=tokens, new_token=new_token, revoke_form=RevokeForm())


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@requires(None)
def revoke_token(token_id: int):
    user = require_actor()
    form = RevokeForm()
    if form.validate_on_submit():
        def revoke() -> bool:
            services.revoke_token(user, token_id)
            return True
        if attempt(revoke):
            flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.account"))
