"""Configuration: code defaults → ``instances/<name>/config.toml`` → environment → overrides.

A wrong or missing setting stops start-up with :class:`ConfigError`, whose message
names the setting.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from werkzeug.sansio.utils import host_is_trusted

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is wrong or missing; the message names it."""


#: setting → (type, default). TOML keys are the lower-case names.
SETTINGS: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "DEPLOYMENT_NAME": (str, "Convergence"),
    "ENV": (str, "development"),
    "SECRET_KEY": (str, None),
    "DATABASE_URL": (str, None),
    #: the tables' owner, for migrations only; DATABASE_URL is then the application role,
    #: subject to row-level security on PostgreSQL (R6). Default: DATABASE_URL.
    "MIGRATION_DATABASE_URL": (str, None),
    "REDIS_URL": (str, None),
    "PLUGINS": (list, None),
    "SAFE_MODE": (bool, False),
    "DEFAULT_LOCALE": (str, "fr"),
    #: host names the platform answers to (Flask's TRUSTED_HOSTS): exact names, or
    #: ".example.org" for a domain and its subdomains; commune hosts must be among them.
    #: Empty (development only): every Host is accepted. Required in production.
    "HOSTS": (list, []),
    #: canonical address of the platform, for absolute links in e-mails (R7)
    "BASE_URL": (str, "http://127.0.0.1:5000"),
    #: failed sign-ins allowed per address (a hall on one Wi-Fi shares one), then per
    #: account tried; successful sign-ins are not counted (federation/auth/limits.py)
    "LOGIN_RATE_LIMIT": (str, "40 per 10 minutes;400 per day"),
    "LOGIN_ACCOUNT_RATE_LIMIT": (str, "10 per 10 minutes;100 per hour"),
    #: password-reset and verification e-mails asked for, per address and per account
    "ACCOUNT_MAIL_RATE_LIMIT": (str, "20 per hour"),
    "ACCOUNT_MAIL_PER_ACCOUNT_RATE_LIMIT": (str, "3 per 10 minutes;10 per day"),
    #: lifetime in seconds of a password-reset link, of an e-mail verification link
    "PASSWORD_RESET_MAX_AGE": (int, 3600),
    "EMAIL_VERIFICATION_MAX_AGE": (int, 7 * 24 * 3600),
    #: parameters of new password hashes: "asvs" (argon2id t=3, m=64 MiB, p=4) or
    #: "fast-for-tests" (refused in production); see federation/identity/passwords.py
    "PASSWORD_HASHING": (str, "asvs"),
    "MAIL_BACKEND": (str, "log"),
    "MAIL_FROM": (str, "convergence@localhost"),
    "SMTP_HOST": (str, "localhost"),
    "SMTP_PORT": (int, 25),
    "SMTP_USER": (str, None),
    "SMTP_PASSWORD": (str, None),
    "SMTP_STARTTLS": (bool, False),
    "SECURE_COOKIES": (bool, False),
    #: reverse proxies in front of the application (nginx: 1). Their X-Forwarded-For,
    #: -Proto, -Host and -Port headers are trusted that many hops deep (werkzeug's
    #: ProxyFix): the login limits then count the client's address, not the proxy's.
    #: 0 (default): forwarded headers are ignored — a client cannot choose its address.
    "PROXIES": (int, 0),
    "SQL_ECHO": (bool, False),
    #: connections each process keeps (a gunicorn worker, an RQ worker): the database must
    #: accept workers x (DB_POOL_SIZE + DB_MAX_OVERFLOW) connections (docs: operations)
    "DB_POOL_SIZE": (int, 5),
    "DB_MAX_OVERFLOW": (int, 5),
    #: seconds a request waits for a free connection, then 503; seconds a connection lives
    "DB_POOL_TIMEOUT": (int, 10),
    "DB_POOL_RECYCLE": (int, 1800),
    #: "text" (development) or "json" (one JSON object a line: request id, commune, user id)
    "LOG_FORMAT": (str, "text"),
    #: serve Prometheus metrics at /metrics (keep it off the public site: see the guide)
    "METRICS": (bool, True),
    #: map tiles for the places page, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    #: (that server must allow it, and the attribution below); empty: a list, no map
    "MAP_TILES_URL": (str, ""),
    "MAP_TILES_ATTRIBUTION": (str, "© OpenStreetMap contributors"),
}
LOCALES = ("fr", "en")
TEST_ONLY_HASHING = ("fast-for-tests",)
ENV_NAMES = {
    "DATABASE_URL": "DATABASE_URL",
    "MIGRATION_DATABASE_URL": "MIGRATION_DATABASE_URL",
    "SECRET_KEY": "SECRET_KEY",
    "REDIS_URL": "REDIS_URL",
}


def instances_dir() -> Path:
    return Path(os.environ.get("CONVERGENCE_INSTANCES_DIR", REPO_ROOT / "instances"))


def instance_path(name: str) -> Path:
    explicit = os.environ.get("CONVERGENCE_INSTANCE_PATH")
    return Path(explicit) if explicit else instances_dir() / name


def _coerce(name: str, value: Any, source: str) -> Any:
    expected, _default = SETTINGS[name]
    if value is None:
        return None
    if expected is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name} ({source}) must be true or false, not {value!r}")
    if expected is list and isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if expected is int and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{name} ({source}) must be a whole number, not {value!r}") from None
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(
            f"{name} ({source}) must be of type {getattr(expected, '__name__', expected)}, "
            f"not {type(value).__name__}"
        )
    return value


def load_settings(instance: str, overrides: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    """Merged and validated settings, and the instance folder."""
    folder = instance_path(instance)
    values = {name: default for name, (_t, default) in SETTINGS.items()}
    config_file = folder / "config.toml"
    if config_file.exists():
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file}: not valid TOML: {exc}") from exc
        for key, value in data.items():
            name = key.upper()
            if name not in SETTINGS:
                raise ConfigError(f"{config_file}: unknown setting {key!r}")
            values[name] = _coerce(name, value, str(config_file))
    elif os.environ.get("CONVERGENCE_INSTANCE") and not folder.exists():
        raise ConfigError(f"CONVERGENCE_INSTANCE={instance!r}: no folder {folder}")
    for name in SETTINGS:
        env_name = ENV_NAMES.get(name, f"CONVERGENCE_{name}")
        if env_name in os.environ:
            values[name] = _coerce(name, os.environ[env_name], f"environment {env_name}")
    flask_overrides: dict[str, Any] = {}
    for key, value in overrides.items():
        if key.upper() in SETTINGS:
            values[key.upper()] = _coerce(key.upper(), value, "create_app argument")
        else:
            flask_overrides[key] = value  # plain Flask/extension settings (TESTING, …)
    _validate(values, folder)
    values["_FLASK"] = flask_overrides
    return values, folder


def _validate(values: dict[str, Any], folder: Path) -> None:
    if values["ENV"] not in ("development", "production", "testing"):
        raise ConfigError("ENV must be development, production or testing")
    if values["DEFAULT_LOCALE"] not in LOCALES:
        raise ConfigError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    if values["MAIL_BACKEND"] not in ("log", "smtp", "memory"):
        raise ConfigError("MAIL_BACKEND must be log, smtp or memory")
    if values["PASSWORD_HASHING"] not in ("asvs", *TEST_ONLY_HASHING):
        raise ConfigError("PASSWORD_HASHING must be asvs or fast-for-tests")
    if values["PASSWORD_HASHING"] in TEST_ONLY_HASHING and values["ENV"] == "production":
        raise ConfigError("PASSWORD_HASHING=fast-for-tests is for tests only, never production")
    for name in ("DATABASE_URL", "MIGRATION_DATABASE_URL"):
        if values[name]:
            try:
                make_url(values[name])
            except ArgumentError as exc:
                raise ConfigError(f"{name} is not a database URL: {exc}") from None
    _validate_migration_url(values)
    _validate_hosts(values["HOSTS"])
    if not 0 <= values["PROXIES"] <= 10:
        raise ConfigError("PROXIES must be the number of reverse proxies in front (0 to 10)")
    if values["ENV"] == "production":
        if not values["SECRET_KEY"]:
            raise ConfigError("SECRET_KEY must be set explicitly in production")
        if not values["REDIS_URL"]:
            raise ConfigError(
                "REDIS_URL must be set in production: rate limits kept in one worker's "
                "memory do not hold across gunicorn workers"
            )
        _validate_production_web(values)
    if values["SECRET_KEY"] is not None and len(values["SECRET_KEY"]) < 16:
        raise ConfigError("SECRET_KEY is too short (16 characters at least)")


_HOST_RE = re.compile(r"^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def _validate_hosts(hosts: list[str]) -> None:
    for host in hosts:
        if not isinstance(host, str) or not _HOST_RE.match(host):
            raise ConfigError(
                f"HOSTS: {host!r} is not a host name (write 'convergence.example', or "
                "'.convergence.example' for the domain and its subdomains; no scheme, no port)"
            )


def _validate_production_web(values: dict[str, Any]) -> None:
    """A production configuration (ENV = "production", or CONVERGENCE_ENV) names the
    hosts it trusts and sends cookies only over HTTPS, host-only (``__Host-``)."""
    if not values["HOSTS"]:
        raise ConfigError(
            "HOSTS must be set in production: the host names the platform answers to "
            "(any other Host header gets 400)"
        )
    if not values["SECURE_COOKIES"]:
        raise ConfigError(
            "SECURE_COOKIES must be true in production (cookies '__Host-' prefixed, "
            "Secure, sent over HTTPS only)"
        )
    base = urlsplit(values["BASE_URL"])
    if base.scheme != "https" or not host_is_trusted(base.hostname or "", values["HOSTS"]):
        raise ConfigError(
            f"BASE_URL ({values['BASE_URL']}) must be an https:// address on one of HOSTS "
            "in production (it makes the links of e-mails)"
        )


def _validate_migration_url(values: dict[str, Any]) -> None:
    """The owner's URL and the application's name the same database (only roles differ)."""
    app_url, owner_url = values["DATABASE_URL"], values["MIGRATION_DATABASE_URL"]
    if not owner_url:
        return
    if not app_url:
        raise ConfigError("MIGRATION_DATABASE_URL needs DATABASE_URL (the application role)")
    a, o = make_url(normalize_url(app_url)), make_url(normalize_url(owner_url))
    if (a.get_backend_name(), a.host, a.port, a.database) != (
        o.get_backend_name(),
        o.host,
        o.port,
        o.database,
    ):
        raise ConfigError(
            "MIGRATION_DATABASE_URL must name the same database as DATABASE_URL "
            "(the tables' owner and the application role connect to one database)"
        )


def instance_secret_key(folder: Path) -> str:
    """The key kept in the instance folder, generated on first start."""
    path = folder / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if len(key) >= 32:
            return key
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # created 0600 (never readable by others, not even between a write and a chmod)
    with suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as stream:
        stream.write(key)
    return key


def _private_sqlite_file(path: Path) -> None:
    """The SQLite file holds password and token hashes, households and ballots: created
    0600 before SQLite opens it (SQLite gives its WAL and shared-memory files the mode of
    the database file)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def database_uri(values: dict[str, Any], folder: Path) -> str:
    url = values["DATABASE_URL"]
    if not url:
        folder.mkdir(parents=True, exist_ok=True)
        _private_sqlite_file(folder / "convergence.sqlite")
        return f"sqlite:///{folder / 'convergence.sqlite'}"
    url = normalize_url(url)
    parsed = make_url(url)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file:")
    if parsed.get_backend_name() == "sqlite" and not in_memory:
        _private_sqlite_file(Path(database))
    return url


def migration_database_uri(values: dict[str, Any], folder: Path) -> str:
    """The owner's connection for migrations (the application's when not set apart)."""
    url = values.get("MIGRATION_DATABASE_URL")
    return normalize_url(url) if url else database_uri(values, folder)


def normalize_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
