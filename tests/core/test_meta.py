"""Structural rules checked over the whole code base (core and every plugin)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from federation.db import db
from federation.tenancy.federation_data import is_federation_class
from federation.tenancy.scoping import is_tenant_class

ROOT = Path(__file__).resolve().parents[2]
#: tables without commune_id, each for a reason (R1)
GLOBAL_TABLES = {
    "communes": "the tenants themselves",
    "federations": "groupings of communes",
    "federation_members": "which commune belongs to which federation",
    "users": "one shared identity for the whole deployment",
    "memberships": "shared identity: read through identity.services, filtered by commune",
    "membership_roles": "hang off memberships, carry commune_id, filtered the same way",
    "federation_roles": "federation-level roles",
    "api_tokens": "personal, per user",
    "notifications": "personal, per user",
    "journal_entries": "public by nature, read by chain (commune or federation)",
    "journal_checkpoints": "heads of the public journal's chains, public like them",
    "alembic_version": "Alembic's own",
    "federation_plugins": "federation-level switches, public",
    "federation_proposals": "federation-level, public",
    "federation_ratifications": "one row per member commune and federation proposal, public",
    "federation_pooled_projects": "federation-level, public",
    "federation_pooled_contributions": "public amounts per commune of a pooled project",
    "federation_pooled_expenses": "public spending of a pooled project",
}


def test_every_table_is_tenant_scoped_or_allowlisted(app):
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        if is_tenant_class(mapper.class_):
            column = table.c.commune_id
            assert not column.nullable and column.index, table.name
            continue
        if is_federation_class(mapper.class_):  # shared by the communes that opted in
            column = table.c.federation_id
            assert not column.nullable and column.index, table.name
            assert mapper.class_.__federation_topic__, table.name
            continue
        assert table.name in GLOBAL_TABLES, (
            f"table {table.name} has no commune_id: use TenantMixin or justify it in GLOBAL_TABLES"
        )


def test_tenant_unique_constraints_lead_with_commune_id(app):
    for mapper in db.Model.registry.mappers:
        if not is_tenant_class(mapper.class_):
            continue
        for constraint in mapper.local_table.constraints:
            if constraint.__class__.__name__ == "UniqueConstraint":
                assert constraint.columns.keys()[0] == "commune_id", mapper.local_table.name


def _python_sources():
    for base in (ROOT / "federation", ROOT / "plugins"):
        yield from (
            p for p in base.rglob("*.py") if "migrations" not in p.parts and "tests" not in p.parts
        )


def test_no_raw_sql_in_application_code():
    """R4 (issue 11 item 2): Core statements and raw SQL only in the reviewed modules.

    At run time the tenant guard refuses them on tenant tables outside
    ``federation.tenancy.scoping.raw_tenant_sql(reason)``; this rule keeps the escape hatch
    itself, and every raw path, in the modules listed here with their reason.
    """
    allowed = {
        "federation/tenancy/scoping.py": "defines the escape hatch raw_tenant_sql",
        "federation/testing/database.py": "test database build and reset, in raw_tenant_sql",
        "federation/migrate.py": "owner's migrations and grants, in raw_tenant_sql",
        "plugins/water/convergence_water/bulk.py": "COPY of rows checked one by one",
        "federation/search/index.py": "index rows written in the flush, communes checked",
        "federation/db.py": "SQLite's BEGIN before a savepoint (transaction control, no table)",
        "federation/search/accents.py": "PostgreSQL DDL: unaccent, text search configurations, "
        "the index recomputed as the owner",
        "federation/search/cli.py": "'search accents' as the owner, in raw_tenant_sql",
    }
    raw_sql = re.compile(
        r"(?<!def )\btext\(|exec_driver_sql|\.connect\(\)\.execute|driver_connection"
        r"|\.__table__\.(insert|update|delete|select)\("
        r"|\b(insert|update|delete|select)\(\s*[\w.]+\.__table__\b"
        r"|\braw_tenant_sql\b"
    )
    planted = [
        'db.session.execute(text("SELECT * FROM notes_notes"))',
        "db.session.execute(select(Note.__table__))",
        "db.session.execute(Note.__table__.insert(), rows)",
        "db.session.execute(update(models.Note.__table__).values(x=1))",
        "conn.exec_driver_sql(sql)",
        "raw = connection.connection.driver_connection",
        'with raw_tenant_sql("why"):',
    ]
    assert all(raw_sql.search(line) for line in planted)  # the rule can fail
    assert not raw_sql.search("db.session.execute(insert(Note), rows)")
    offenders = []
    for path in _python_sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in allowed:
            continue
        source = re.sub(r"\b\w+_where=text\(", "", path.read_text())  # partial-index DDL
        if raw_sql.search(source):
            offenders.append(rel)
    assert offenders == []


def test_core_never_imports_a_plugin():
    for path in (ROOT / "federation").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+convergence_", path.read_text(), re.M), path


@pytest.mark.parametrize(
    "name", ["page.html", "x.j2", "x.html.j2", "mail.txt", "plugin/x.svg", None]
)
def test_every_template_is_autoescaped(app, name):
    assert app.select_jinja_autoescape(name) is True


def test_autoescape_renders_a_payload_escaped(app):
    with app.test_request_context():
        template = app.jinja_env.from_string("{{ value }}")
        assert "<script>" not in template.render(value="<script>x</script>")


def test_templates_never_mark_data_safe():
    for path in list((ROOT / "federation").rglob("*.html")) + list(
        (ROOT / "plugins").rglob("*.html")
    ):
        text = path.read_text()
        assert "|safe" not in text.replace(" ", ""), path
        assert "Markup(" not in text, path


def test_user_content_is_escaped_in_pages(client, factory, in_commune):
    from tests.support.notes_plugin import Note

    commune = factory.commune(name="<script>alert(1)</script>")
    factory.enable(commune, "notes")
    with in_commune(commune):
        db.session.add(Note(title="<img src=x onerror=alert(1)>"))
    for url in (f"/c/{commune.slug}/", f"/c/{commune.slug}/notes/", "/"):
        body = client.get(url).text
        assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
