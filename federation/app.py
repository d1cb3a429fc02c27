"""The application factory. It reads configuration and wires things; it runs no query."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.routing import IntegerConverter

from federation import config as cfg
from federation.db import db
from federation.extensions import ConvergenceState
from federation.identity.permissions import PermissionRegistry
from federation.plugins.manager import ConvergencePluginManager

log = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).resolve().parent


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` URL values fit the database's integer columns: a larger id is a 404,
    never a database error (PostgreSQL refuses integers above 2**31 - 1)."""

    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = 2**31 - 1,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class ConvergenceFlask(Flask):
    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """R20: every template is autoescaped, whatever its extension (.j2, .txt…)."""
        return True


def _print_mail_in_development(app: Flask) -> None:
    """``MAIL_BACKEND = "log"`` (development, the demo): every e-mail is printed on the
    server's output, so that a verification or password-reset link can be followed without
    an SMTP server. Python's root logger shows only warnings, which hid them."""
    if app.config["MAIL_BACKEND"] != "log":
        return
    logger = logging.getLogger("convergence.mail")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def create_app(instance: str | None = None, **overrides: Any) -> Flask:
    """Build the app for an instance (``instances/<name>/``, default ``demo``).

    ``overrides`` win over everything else: settings of :data:`federation.config.SETTINGS`
    by name (``database_url=…``), or plain Flask settings (``TESTING=True``). A
    ``plugins=[…]`` override (or ``CONVERGENCE_PLUGINS``) restricts the plugins loaded;
    ``extra_plugins=[obj, …]`` registers plugin objects directly (tests).
    """
    extra_plugins = overrides.pop("extra_plugins", [])
    instance = instance or os.environ.get("CONVERGENCE_INSTANCE") or "demo"
    values, folder = cfg.load_settings(instance, overrides)
    flask_overrides = values.pop("_FLASK")

    app = ConvergenceFlask(
        "federation",
        root_path=str(PACKAGE_DIR),
        instance_path=str(folder.resolve()),
        template_folder="templates",
        static_folder="static",
    )
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.config.update(values)
    app.config.update(
        SECRET_KEY=values["SECRET_KEY"] or cfg.instance_secret_key(folder),
        SQLALCHEMY_DATABASE_URI=cfg.database_uri(values, folder),
        SQLALCHEMY_ECHO=values["SQL_ECHO"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        # Flask's trusted hosts (R7): any other Host header is a 400; empty means every
        # host (development). Commune hosts are resolved in federation.requests.
        TRUSTED_HOSTS=list(values["HOSTS"]) or None,
        # __Host- cookies: Secure, Path=/, no Domain (R18)
        SESSION_COOKIE_NAME="__Host-session" if values["SECURE_COOKIES"] else "convergence",
        SESSION_COOKIE_DOMAIN=False,
        SESSION_COOKIE_PATH="/",
        REMEMBER_COOKIE_NAME=(
            "__Host-remember" if values["SECURE_COOKIES"] else "convergence_remember"
        ),
        REMEMBER_COOKIE_PATH="/",
        SESSION_COOKIE_SECURE=values["SECURE_COOKIES"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_DURATION=60 * 60 * 24 * 30,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=values["SECURE_COOKIES"],
        PERMANENT_SESSION_LIFETIME=60 * 60 * 12,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=values["DEFAULT_LOCALE"],
        API_TITLE="Convergence",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        RATELIMIT_STORAGE_URI=values["REDIS_URL"] or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    app.config.update(flask_overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_options(app)
    _print_mail_in_development(app)
    from federation.ops import init_ops

    init_ops(app)  # pool per process, JSON logs, /healthz /readyz /metrics (issue 17)

    state = ConvergenceState(
        pm=_plugin_manager(app, extra_plugins), permissions=PermissionRegistry(), instance=instance
    )
    app.extensions["convergence"] = state
    for perms in state.pm.hook.federation_permissions():
        for perm in perms or []:
            state.permissions.add(perm)
    for found in state.pm.hook.federation_voting_methods():
        for method in found or []:
            state.voting_methods[method.name] = method
    _collect_text_kinds(app, state)

    db.init_app(app)
    _init_i18n(app, state)
    _init_auth(app, state)
    _init_templates(app, folder)
    _init_jobs(app, state)
    _register_blueprints(app, state)
    _init_requests(app, state)
    from federation.web.errors import register_error_handlers

    register_error_handlers(app)
    return app


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, WAL and a busy timeout: SQLite's best settings for a web app."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _sqlite_options(app: Flask) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


def _plugin_manager(app: Flask, extra: list[Any]) -> ConvergencePluginManager:
    from federation.core_plugin import CorePlugin
    from federation.governance.notices import NoticesPlugin
    from federation.governance.plugin import GovernancePlugin
    from federation.intercommunal.plugin import IntercommunalPlugin
    from federation.roster.plugin import RosterPlugin

    pm = ConvergencePluginManager()
    pm.register_plugin(CorePlugin())
    pm.register_plugin(GovernancePlugin())
    pm.register_plugin(NoticesPlugin())
    pm.register_plugin(IntercommunalPlugin())
    pm.register_plugin(RosterPlugin())
    from federation.governance.stages import StagesPlugin

    pm.register_plugin(StagesPlugin())  # a commune's stage (issue 19)
    from federation.calendar.plugin import CalendarPlugin
    from federation.search.plugin import SearchPlugin

    pm.register_plugin(SearchPlugin())  # finding things (issue 16)
    pm.register_plugin(CalendarPlugin())  # calendars and places (issue 16)
    if not app.config["SAFE_MODE"]:
        pm.load_entrypoints(only=app.config["PLUGINS"])
    for plugin in extra:
        pm.register_plugin(plugin)
    pm.check()
    if os.environ.get("CONVERGENCE_TRACE_HOOKS"):
        pm.trace.root.setwriter(log.debug)
        pm.enable_tracing()
    return pm


def _collect_text_kinds(app: Flask, state: ConvergenceState) -> None:
    """The renderers of every stored kind (journal, notifications, e-mails), by kind."""
    from federation.texts import register_kinds

    with app.app_context():
        for impl in state.pm.hook.federation_text_kinds.get_hookimpls():
            register_kinds(impl.function() or {}, owner=impl.plugin_name)


def _init_i18n(app: Flask, state: ConvergenceState) -> None:
    from flask_babel import Babel

    from federation.i18n import catalog_settings, select_locale

    plugins = [
        (str(p.translations_path), p.gettext_domain)
        for p in state.pm.by_name.values()
        if p.name != "core" and p.translations_path.is_dir()
    ]
    dirs, domains = catalog_settings(str(PACKAGE_DIR / "translations"), plugins)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = dirs
    app.config["BABEL_DOMAIN"] = domains
    Babel(app, locale_selector=select_locale)


def _init_auth(app: Flask, state: ConvergenceState) -> None:
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    from flask_login import LoginManager
    from flask_wtf import CSRFProtect

    from federation.identity.services import user_by_session_id
    from federation.security import is_api_request, load_token_user

    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = None

    @login.user_loader
    def _load_user(session_id: str) -> Any:
        if is_api_request():
            return None  # the API authenticates with tokens only (see federation.security)
        return user_by_session_id(session_id)

    login.request_loader(lambda _req: load_token_user())

    state.csrf = CSRFProtect(app)
    state.limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=[],
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        strategy="moving-window",
    )


def _init_templates(app: Flask, folder: Path) -> None:
    # instance overrides first, then the core's, then each blueprint's (plugins).
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(folder / "templates")),
            FileSystemLoader(str(PACKAGE_DIR / "templates")),
        ]
    )
    from federation.web.templating import init_templating

    init_templating(app)


def _init_jobs(app: Flask, state: ConvergenceState) -> None:
    url = app.config["REDIS_URL"]
    if not url or app.config.get("JOBS_INLINE"):
        return
    from redis import Redis
    from rq import Queue

    state.redis = Redis.from_url(url)
    state.queue = Queue("convergence", connection=state.redis)


def _register_blueprints(app: Flask, state: ConvergenceState) -> None:
    from federation.api import init_api

    init_api(app, state)
    from federation.web.views import register_core_web

    register_core_web(app)
    for blueprints in state.pm.hook.federation_blueprints():
        for bp in blueprints or []:
            plugin = _owner(state, bp)
            app.register_blueprint(bp, url_prefix=f"/c/<commune>/{plugin}")
            state.plugin_blueprints[bp.name] = plugin
    for blueprints in state.pm.hook.federation_federation_blueprints():
        for bp in blueprints or []:
            plugin = _owner(state, bp)
            app.register_blueprint(bp, url_prefix=f"/f/<federation>/{plugin}")
            state.plugin_federation_blueprints[bp.name] = plugin
    _register_api_blueprints(state)
    # after every blueprint, the API's included: the limits wrap the views of the pages and
    # of the API that send account e-mails (registered above through the hook)
    from federation.auth.limits import install as install_limits

    install_limits(app)
    from federation.cli.plugins import add_plugin_commands

    add_plugin_commands(app, state)


def _register_api_blueprints(state: ConvergenceState) -> None:
    """REST blueprints from the ``federation_api_blueprints`` hook: the core's own (its
    always-on modules', with their own ``/api/v1/…`` prefix) first, then each plugin's
    under ``/api/v1/communes/<commune>/<plugin>`` with the plugin's per-commune guard."""
    from federation.api import register_api_blueprint

    impls = list(reversed(state.pm.hook.federation_api_blueprints.get_hookimpls()))
    impls.sort(key=lambda impl: not getattr(impl.plugin, "always_on", False))
    for impl in impls:
        for bp in impl.function() or []:
            if getattr(impl.plugin, "always_on", False):
                register_api_blueprint(state, bp)
                continue
            plugin = _owner(state, bp)
            register_api_blueprint(state, bp, url_prefix=f"/api/v1/communes/<commune>/{plugin}")
            state.plugin_blueprints[bp.name] = plugin


def _owner(state: ConvergenceState, bp: Any) -> str:
    """Plugin blueprints are named ``<plugin>`` or ``<plugin>_<suffix>``."""
    for name in state.pm.switchable:
        if bp.name == name or bp.name.startswith(f"{name}_"):
            return name
    raise RuntimeError(
        f"blueprint {bp.name!r} must be named after its plugin ('<plugin>' or '<plugin>_…')"
    )


def _init_requests(app: Flask, state: ConvergenceState) -> None:
    from federation.requests import install_request_hooks
    from federation.security import add_security_headers

    install_request_hooks(app, state)
    from federation.web.page_cache import install as install_page_cache

    install_page_cache(app)  # public pages in Redis, never stale (needs REDIS_URL)
    app.after_request(add_security_headers)

    @app.before_request
    def _remember_start() -> None:
        g.request_path = request.path
