"""Fresh state for a page bench run: an instance folder and a database with the demo loaded.

What is included: the Alembic migrations (core and every installed plugin, as
``convergence db upgrade`` runs them) and the whole demo (``convergence demo load`` with
``instances/demo/demo.toml``: 6 communes, 2 federations, 12 accounts, votes, mandates,
budget and water data), built through the ``convergence`` command exactly as an operator
does. Nothing is reused from an earlier run: the SQLite file and the PostgreSQL database
(``conv_pagebench`` by default) are dropped and rebuilt.

The instance is configured as production is (``env = "production"``: Redis for rate
limits, trusted hosts, ``__Host-`` secure cookies); on PostgreSQL the application connects
as an unprivileged role (row-level security applies) and migrates as the owner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_FILE = REPO / "instances" / "demo" / "demo.toml"
SECRET_KEY = "pagebench-secret-key-0123456789abcdef"
APP_ROLE_PASSWORD = "pagebench-app"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/conv_pagebench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
#: variables that would override the instance's config.toml in the child processes
_OVERRIDING = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "SECRET_KEY", "REDIS_URL")


@dataclass
class Instance:
    """One database under test: its instance folder and how to reach it."""

    label: str  # "sqlite" or "postgresql"
    folder: Path
    database_url: str  # the application's connection
    owner_url: str | None = None  # PostgreSQL: the tables' owner (migrations)
    redis_url: str | None = None
    log: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """Environment for `convergence` and gunicorn processes serving this instance."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in _OVERRIDING and not k.startswith("CONVERGENCE_")
        }
        env["CONVERGENCE_INSTANCES_DIR"] = str(self.folder.parent)
        env["CONVERGENCE_INSTANCE"] = self.folder.name
        return env


def redis_reachable(url: str) -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def postgres_reachable(url: str) -> str | None:
    """None when the server answers, else the reason."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(database="postgres")
    try:
        engine = create_engine(admin, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return str(exc).splitlines()[0]
    return None


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(instance: Instance) -> None:
    instance.folder.mkdir(parents=True, exist_ok=True)
    production = instance.redis_url is not None
    settings: dict[str, object] = {
        "env": "production" if production else "development",
        "secret_key": SECRET_KEY,
        "database_url": instance.database_url,
        "hosts": ["127.0.0.1", "localhost"],
        "base_url": "https://localhost",
        "secure_cookies": production,
        "mail_backend": "log",
    }
    if instance.owner_url:
        settings["migration_database_url"] = instance.owner_url
    if instance.redis_url:
        settings["redis_url"] = instance.redis_url
    plugins = os.environ.get("BENCH_PAGES_PLUGINS")
    if plugins:  # default: every installed plugin, as production
        settings["plugins"] = [name.strip() for name in plugins.split(",") if name.strip()]
    lines = [f"{key} = {_toml_value(value)}" for key, value in settings.items()]
    (instance.folder / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def prepare_postgres(owner_url: str) -> str:
    """Drop and create the database and its application role; the application's URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(owner_url)
    name = url.database or "conv_pagebench"
    role = f"{name}_app"[:63]
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE ROLE "{role}"'))
        conn.execute(
            text(
                f'ALTER ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE '
                f"PASSWORD '{APP_ROLE_PASSWORD}'"
            )
        )
    engine.dispose()
    return app_url(owner_url)


def app_url(owner_url: str) -> str:
    """The application role's URL for the database of ``owner_url``."""
    from sqlalchemy.engine import make_url

    url = make_url(owner_url)
    role = f"{url.database or 'conv_pagebench'}_app"[:63]
    return url.set(username=role, password=APP_ROLE_PASSWORD).render_as_string(hide_password=False)


def build_commands(instance: Instance) -> list[list[str]]:
    convergence = str(BIN / "convergence")
    return [
        [convergence, "db", "upgrade"],
        [convergence, "demo", "load", "--file", str(DEMO_FILE)],
    ]


def start_build(instance: Instance) -> subprocess.Popen:
    """Migrate and load the demo in a child process (so two databases build at once)."""
    script = " && ".join(" ".join(f"'{part}'" for part in cmd) for cmd in build_commands(instance))
    log = open(instance.folder / "build.log", "w")  # noqa: SIM115 - closed by the child's end
    return subprocess.Popen(  # noqa: S602 - our own fixed command line
        script, shell=True, cwd=REPO, env=instance.env, stdout=log, stderr=subprocess.STDOUT
    )


def finish_build(instance: Instance, process: subprocess.Popen) -> None:
    code = process.wait()
    if code != 0:
        output = (instance.folder / "build.log").read_text(errors="replace")
        raise RuntimeError(f"building the {instance.label} state failed:\n{output[-3000:]}")


def demo_summary(instance: Instance) -> str:
    """What ``convergence demo load`` said it loaded (its last line)."""
    try:
        lines = (instance.folder / "build.log").read_text(errors="replace").splitlines()
    except OSError:
        return "(no build log)"
    loaded = [line for line in lines if line.startswith("Loaded ")]
    return loaded[-1] if loaded else "(no demo summary in the build log)"
