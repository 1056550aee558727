"""The application factory: a readable list of configure steps, no module-global app."""
from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import refresh as refresh_locale

from core import config as ordo_config
from core import pdf, sqlite
from core.api import API_PREFIX, OrdoApi, is_api_request
from core.api.problems import from_ordo_error, problem
from core.db import busy, commit, is_busy
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import RequestURITooLarge

from core.errors import Conflict, OrdoError
from core.extensions import babel, csrf, db, login_manager, migrate
from core.plugins import Manifest, PluginRegistry, discover

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("zh_CN", "en")
PUBLIC_ENDPOINTS = {"auth.login", "static", "api-docs.openapi_json"}


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    plugins: Sequence[Manifest] | None = None,
    instance_path: str | os.PathLike[str] | None = None,
) -> Flask:
    """Build an Ordo app; ``plugins`` replaces entry-point discovery (tests, embedding)."""
    instance = Path(instance_path or os.environ.get("ORDO_INSTANCE_PATH") or ROOT / "instance")
    app = Flask(
        "ordo",
        root_path=str(ROOT),
        instance_path=str(instance.resolve()),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure_settings(app, config)
    configure_extensions(app)
    configure_plugins(app, plugins)
    configure_auth(app)
    configure_blueprints(app)
    configure_errors(app)
    configure_transactions(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, config: Mapping[str, Any] | None) -> None:
    app.config.update(ordo_config.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config:
            app.config["SQLALCHEMY_DATABASE_URI"] = ordo_config.normalise_database_url(
                config["SQLALCHEMY_DATABASE_URI"])


def configure_extensions(app: Flask) -> None:
    import core.models  # noqa: F401 - register the core's tables

    db.init_app(app)
    sqlite.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    from core.labels import label

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["status_label"] = label
    app.jinja_env.globals["label"] = label
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    pdf.init_app(app)


def _select_locale() -> str:
    from core.auth.context import current_actor

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_actor()
    if user is not None and user.locale in LOCALES:
        return user.locale
    return request.accept_languages.best_match(LOCALES) or current_app.config["BABEL_DEFAULT_LOCALE"]


def configure_plugins(app: Flask, plugins: Sequence[Manifest] | None) -> None:
    # Registering a plugin imports its hooks module, and with it the plugin's models.
    app.extensions["ordo.plugins"] = PluginRegistry(discover() if plugins is None else plugins)


def configure_auth(app: Flask) -> None:
    from core.auth.context import bearer_user
    from core.auth.services import active_user
    from core.models import User

    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return active_user(int(user_id))

    @app.before_request
    def authenticate() -> Any:
        # Who acts is decided per request; an app context shared by several requests
        # (tests push one around many) must not hand one request's user to the next.
        g.pop("api_user", None)
        g.pop("_login_user", None)
        refresh_locale()  # likewise the language Flask-Babel worked out for the previous request
        if request.endpoint in PUBLIC_ENDPOINTS or _is_public(app.view_functions.get(request.endpoint or "")):
            return None
        if is_api_request():
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            user = bearer_user(token.strip()) if scheme.lower() == "bearer" and token else None
            if user is None:
                return problem(401, "Unauthorized", gettext("send a valid token as 'Authorization: Bearer <token>'"),
                               headers={"WWW-Authenticate": "Bearer"})
            g.api_user = user
            return None
        from flask_login import current_user

        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None

    @app.before_request
    def refuse_disabled_module() -> Any:
        """A plugin's pages and API answer 404 for a company that switched it off.

        They stay open while orders that started with the module are in flight.
        """
        from core.auth.context import current_actor
        from core.modules import modules_in_use

        owner = app.extensions["ordo.blueprint_owners"].get(request.blueprint or "")
        user = current_actor()
        if owner is None or user is None or owner in modules_in_use(user.company_id):
            return None
        message = gettext("the %(module)s module is not enabled for your company", module=owner)
        if is_api_request():
            return problem(404, "Not Found", message)
        from core.portal import render_error

        return render_error(404, message)


def _is_public(view: Any) -> bool:
    """Whether a view (or, for a MethodView, the method answering this request) is marked public."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return bool(getattr(view, "public", False))


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def configure_blueprints(app: Flask) -> None:
    from core.admin.masterdata import bp as masterdata_bp
    from core.admin.views import bp as admin_bp
    from core.api.resources import blp as core_api
    from core.auth.views import bp as auth_bp
    from core.portal import bp as portal_bp

    owners: dict[str, str] = {}
    app.extensions["ordo.blueprint_owners"] = owners
    for blueprint in (portal_bp, auth_bp, admin_bp, masterdata_bp):
        app.register_blueprint(blueprint)
    api = OrdoApi(app)
    app.extensions["ordo.api"] = api
    api.register_blueprint(core_api, url_prefix=API_PREFIX)
    csrf.exempt(core_api)
    registry = app.extensions["ordo.plugins"]
    for manifest in registry.manifests.values():
        for target in manifest.blueprints:
            blueprint: Blueprint = _load(target)
            app.register_blueprint(blueprint)
            if not manifest.required:
                owners[blueprint.name] = manifest.name
        for target in manifest.api_blueprints:
            api_blueprint = _load(target)
            api.register_blueprint(api_blueprint, url_prefix=API_PREFIX)
            csrf.exempt(api_blueprint)
            if not manifest.required:
                owners[api_blueprint.name] = manifest.name
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]


def configure_errors(app: Flask) -> None:
    @app.errorhandler(StaleDataError)
    def lost_race(error: StaleDataError) -> Any:
        # An autoflush met a row that another request changed first.
        return ordo_error(Conflict(gettext("The record was changed by someone else; reload it and try again.")))

    @app.errorhandler(OrdoError)
    def ordo_error(error: OrdoError) -> Any:
        db.session.rollback()
        if is_api_request():
            return from_ordo_error(error)
        from core.portal import render_error

        return render_error(error.status, error.message)

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError) -> Any:
        # A write that outwaited the busy timeout is worth retrying (503), not a fault (500).
        if not is_busy(error):
            raise error
        db.session.rollback()  # before the message: choosing its language may read the user
        return ordo_error(busy())

    def refuse_long_url() -> None:
        """414 (problem+json for the API) for a URL over ORDO_MAX_URL_LENGTH, before anything reads it."""
        limit = app.config["ORDO_MAX_URL_LENGTH"]
        if len(request.environ.get("RAW_URI") or request.full_path) > limit:
            raise RequestURITooLarge(gettext("The URL is longer than %(limit)s characters.", limit=limit))

    app.before_request_funcs.setdefault(None, []).insert(0, refuse_long_url)


def configure_transactions(app: Flask) -> None:
    """Commit a request's work when it succeeded; this is the portal's and API's one commit."""

    @app.after_request
    def commit_on_success(response: Any) -> Any:
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            commit()
        except OrdoError as error:
            if is_api_request():
                return from_ordo_error(error)
            from core.portal import render_error

            return app.make_response(render_error(error.status, error.message))
        return response


def configure_cli(app: Flask) -> None:
    from core.cli import register
    from core.migrations import db_group

    app.cli.add_command(db_group())  # replaces Flask-Migrate's group: upgrade means all branches
    register(app)
