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
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import RequestURITooLarge

import core.models  # noqa: F401 - register the core's tables
from core import config as ordo_config
from core import formatting, pdf, sqlite, stored_text
from core.admin.masterdata import bp as masterdata_bp
from core.admin.outbox import bp as outbox_bp
from core.admin.views import bp as admin_bp
from core.api import API_PREFIX, OrdoApi, is_api_request
from core.api.company import blp as company_api
from core.api.problems import from_ordo_error, problem
from core.api.calendar import blp as calendar_api
from core.api.outbox import blp as outbox_api
from core.api.resources import blp as core_api
from core.auth.context import bearer_user, current_actor, sees_prices
from core.auth.services import session_user
from core.auth.views import bp as auth_bp
from core.cli import register as register_commands
from core.contracts import Stage
from core.db import busy, commit, discard, is_busy, request_failed
from core.entry.forms import iter_errors
from core.entry.views import bp as entry_bp
from core.errors import Conflict, OrdoError
from core.extensions import babel, csrf, db, login_manager, migrate
from core.labels import collect as collect_labels
from core.labels import MODULE, label, system_note
from core.languages import LOCALES
from core.migrations import db_group
from core.models import User
from core.modules import modules_in_use
from core.order_views import bp as orders_bp
from core.plugins import Manifest, PluginRegistry, discover
from core.portal import bp as portal_bp
from core.portal import order_url, panel_anchor
from core.security import configure_security
from core.time_left import time_left
from core.web import IdConverter, render_error

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_ENDPOINTS = {"auth.login", "static", "api-docs.openapi_json"}

# The core's own plugins, registered by name as pytest lists its essential and
# default plugins; the plugin manager knows none of them.
ESSENTIAL_PLUGINS = {"core": "core.defaults.essentials", "core.jobs": "core.defaults.jobs"}
STAGE_FALLBACKS = {
    Stage.REVIEW: "core.defaults.review",
    Stage.LOGISTICS: "core.defaults.logistics",
    Stage.BILLING: "core.defaults.billing",
}


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
    configure_security(app)  # first: its after_request then runs last, on the response that is sent
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
    db.init_app(app)
    sqlite.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["label"] = label
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["system_note"] = system_note
    app.jinja_env.globals["order_url"] = order_url
    app.jinja_env.globals["panel_anchor"] = panel_anchor  # the id of a panel's section on the order page
    app.jinja_env.globals["form_errors"] = iter_errors  # the ``error_summary`` macro's list
    app.jinja_env.globals["time_left_of"] = time_left  # the data of the ``time_left`` macro
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.context_processor(price_visibility)
    formatting.init_app(app)
    stored_text.init_app(app)
    pdf.init_app(app)


def price_visibility() -> dict[str, bool]:
    """Every page and document knows whether its reader may see amounts: ``{% if show_prices %}``."""
    return {"show_prices": sees_prices(current_actor())}


def _select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_actor()
    if user is not None and user.locale in LOCALES:
        return user.locale
    return request.accept_languages.best_match(LOCALES) or current_app.config["BABEL_DEFAULT_LOCALE"]


def configure_plugins(app: Flask, plugins: Sequence[Manifest] | None) -> None:
    # Registering a plugin imports its hooks module, and with it the plugin's models.
    registry = app.extensions["ordo.plugins"] = build_registry(discover() if plugins is None else plugins)
    app.extensions["ordo.labels"] = collect_labels(registry)


def build_registry(manifests: Sequence[Manifest]) -> PluginRegistry:
    """The plugin registry of these manifests with the core's own plugins."""
    return PluginRegistry(
        manifests,
        essentials=[(name, importlib.import_module(module)) for name, module in ESSENTIAL_PLUGINS.items()],
        fallbacks={stage: (f"core.fallback.{stage.value}", importlib.import_module(module))
                   for stage, module in STAGE_FALLBACKS.items()},
    )


def configure_auth(app: Flask) -> None:
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        return session_user(session_id)  # "<id>:<session version>", see User.get_id

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
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None

    @app.before_request
    def refuse_disabled_module() -> Any:
        """A plugin's pages and API answer 404 for a company that switched it off.

        They stay open while orders that started with the module are in flight.
        """
        owner = app.extensions["ordo.blueprint_owners"].get(request.blueprint or "")
        user = current_actor()
        if owner is None or user is None or owner in modules_in_use(user.company_id):
            return None
        message = gettext("the %(module)s module is not enabled for your company", module=label(owner, MODULE))
        if is_api_request():
            return problem(404, "Not Found", message)
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
    owners: dict[str, str] = {}
    app.extensions["ordo.blueprint_owners"] = owners
    app.url_map.converters["id"] = IdConverter  # before any rule: ``<id:order_id>``
    for core_blueprint in (portal_bp, orders_bp, auth_bp, admin_bp, masterdata_bp, outbox_bp, entry_bp):
        app.register_blueprint(core_blueprint)
    api = OrdoApi(app)
    app.extensions["ordo.api"] = api
    for core_api_blueprint in (core_api, outbox_api, calendar_api, company_api):
        api.register_blueprint(core_api_blueprint, url_prefix=API_PREFIX)
        csrf.exempt(core_api_blueprint)
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
        discard()  # before rendering: the page reads the database with a clean session
        if is_api_request():
            return from_ordo_error(error)
        return render_error(error.status, error.message)

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError) -> Any:
        # A write that outwaited the busy timeout is worth retrying (503), not a fault (500).
        if not is_busy(error):
            raise error
        discard()  # before the message: choosing its language may read the user
        return ordo_error(busy())

    def refuse_long_url() -> None:
        """414 (problem+json for the API) for a URL over ORDO_MAX_URL_LENGTH, before anything reads it."""
        limit = app.config["ORDO_MAX_URL_LENGTH"]
        if len(request.environ.get("RAW_URI") or request.full_path) > limit:
            raise RequestURITooLarge(gettext("The URL is longer than %(limit)s characters.", limit=limit))

    app.before_request_funcs.setdefault(None, []).insert(0, refuse_long_url)


def configure_transactions(app: Flask) -> None:
    """A request is one transaction: committed here when it succeeded, discarded otherwise.

    This is the portal's and the API's one commit; views and services never
    commit, and services never roll back.
    """

    @app.after_request
    def commit_on_success(response: Any) -> Any:
        if response.status_code >= 400 or request_failed():
            discard()
            return response
        try:
            commit()
        except OrdoError as error:
            if is_api_request():
                return from_ordo_error(error)
            return app.make_response(render_error(error.status, error.message))
        return response

    @app.teardown_request
    def discard_on_error(error: BaseException | None) -> None:
        if error is not None:
            discard()


def configure_cli(app: Flask) -> None:
    app.cli.add_command(db_group())  # replaces Flask-Migrate's group: upgrade means all branches
    register_commands(app)
