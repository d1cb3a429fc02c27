"""Search (issue 16 item 4): the index follows every write in its transaction; results are
ranked, highlighted and paginated; a commune's search never returns another commune's rows,
a federation's search only its member communes' public objects (attack tests, each with a
planted twin that removes the rule and is seen to fail)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from federation.db import db
from federation.governance.models import Body, Concern, Proposal
from federation.search import services
from federation.search.models import SearchEntry
from federation.tenancy import scoping
from federation.tenancy.context import commune_scope, federation_scope
from tests.support.notes_plugin import Note


def _body_id() -> int:
    return db.session.scalar(select(Body.id).order_by(Body.id).limit(1))


def _proposal(title, text="", status="deliberation") -> Proposal:
    row = Proposal(body_id=_body_id(), title=title, text=text, status=status)
    db.session.add(row)
    db.session.flush()
    return row


def _titles(found) -> list[str]:
    return [str(h.title) for h in found.hits]


@pytest.fixture
def two(factory):
    """Commune A and commune B, B holding rows with the word searched from A."""
    a = factory.commune("alpha", "Alpha")
    b = factory.commune("beta", "Beta")
    return a, b


def test_index_follows_writes_in_the_same_transaction(app, factory, in_commune):
    commune = factory.commune()
    with in_commune(commune):
        proposal = _proposal("Piste cyclable du bourg", "Relier l'école à la gare")
        concern = Concern(title="Éclairage", description="La rue du lavoir est sombre")
        db.session.add(concern)
        db.session.flush()
        pid = proposal.id
        assert services.search("cyclable").total == 1  # same transaction, before commit
        assert services.search("lavoir").hits[0].kind == "governance.concern"
    with in_commune(commune):
        db.session.get(Proposal, pid).title = "Voie verte du bourg"
    with in_commune(commune):
        assert services.search("cyclable").total == 0
        assert services.search("verte").hits[0].url == f"/c/{commune.slug}/proposals/{pid}"
        db.session.delete(db.session.get(Proposal, pid))
    with in_commune(commune):
        assert services.search("verte").total == 0
    with app.app_context(), commune_scope(commune.id):
        _proposal("Jardin partagé")
        db.session.rollback()  # the object and its index row go together
        assert services.search("jardin").total == 0
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 1


def test_journal_entries_and_meetings_are_found(app, factory, in_commune):
    from datetime import timedelta

    from federation.db import utcnow
    from federation.governance.models import Meeting
    from federation.journal.services import record

    commune = factory.commune()
    with in_commune(commune):
        record("test.free", summary="Achat de la tondeuse", commune_id=commune.id)
        db.session.add(
            Meeting(
                body_id=_body_id(),
                title="Assemblée d'hiver",
                starts_at=utcnow() + timedelta(days=3),
                place="Salle polyvalente",
            )
        )
    with in_commune(commune):
        assert services.search("tondeuse").hits[0].kind == "journal.entry"
        assert services.search("polyvalente").hits[0].kind == "governance.meeting"


def test_ranked_highlighted_and_escaped(factory, in_commune):
    commune = factory.commune()
    with in_commune(commune):
        _proposal("Budget annuel", "Le compost collectif du quartier")
        _proposal("Compost collectif", "Des bacs dans chaque rue")
        _proposal("<script>alert(1)</script> compost", "")
        for n in range(8):  # a corpus where the word is rare enough to weigh something
            _proposal(f"Sujet {n}", "sans rapport")
    with in_commune(commune):
        found = services.search("compost")
        assert found.total == 3
        assert _titles(found)[-1] == "Budget annuel"  # a match in the title ranks above
        assert "<mark>Compost</mark> collectif" in _titles(found)
        assert "&lt;script&gt;" in "".join(_titles(found))
        assert "<script>" not in "".join(_titles(found))
        assert "<mark>compost</mark>" in str(found.hits[-1].snippet)


def test_every_result_is_reachable_no_silent_cap(factory, in_commune):
    commune = factory.commune()
    with in_commune(commune):
        for n in range(45):
            _proposal(f"Fontaine numéro {n}")
    with in_commune(commune):
        first = services.search("fontaine", per_page=20)
        assert (first.total, first.pages, first.has_next) == (45, 3, True)
        refs = [h.ref for p in (1, 2, 3) for h in services.search("fontaine", page=p).hits]
        assert len(refs) == len(set(refs)) == 45
        assert services.search("fontaine", page=4).hits == []


def test_prefix_and_accents(factory, in_commune):
    commune = factory.commune()
    with in_commune(commune):
        _proposal("Réparation des vélos", "atelier")
    with in_commune(commune):
        assert services.search("répar").total == 1
        assert services.search("vélo").total == 1
        assert services.search("'; DROP TABLE search_entries; --").total == 0


def _accents_found(factory, in_commune) -> list[str]:
    """What an unaccented query finds of accented words (every query must find its row)."""
    commune = factory.commune()
    with in_commune(commune):
        _proposal("École des Épinettes", "créée près de la forêt")
    missed = []
    with in_commune(commune):
        for words in ("ecole", "ECOLE", "epinettes", "foret creee", "école"):
            if services.search(words).total != 1:
                missed.append(words)
        found = services.search("ecole")
        if found.hits and "<mark>École</mark>" not in str(found.hits[0].title):
            missed.append("highlight of École")
    return missed


def test_accents_are_ignored_on_either_database(factory, in_commune):
    """ "ecole" finds "École" with SQLite's FTS5 and with PostgreSQL (unaccent)."""
    assert _accents_found(factory, in_commune) == []


@contextmanager
def _accents_kept(app):
    """Plant the bug: an index that keeps accents (SQLite: an FTS5 table without
    remove_diacritics; PostgreSQL: the configurations without unaccent), then put it back."""
    from sqlalchemy import text

    from federation.search import accents

    database = app.extensions["convergence_test_db"]
    if database.is_sqlite:  # the next test copies the template again
        with app.app_context(), scoping.raw_tenant_sql("test: plants an FTS5 table"):
            db.session.execute(text("DROP TABLE search_fts"))
            db.session.execute(
                text(
                    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
                    "content='search_entries', content_rowid='id', "
                    "tokenize='unicode61 remove_diacritics 0')"
                )
            )
            db.session.commit()
        yield
        return
    with database.owner.begin() as conn:
        for name, (_base, stemmer) in accents.CONFIGS.items():
            conn.execute(
                text(
                    f"ALTER TEXT SEARCH CONFIGURATION {name} "
                    f"ALTER MAPPING FOR {accents.WORD_TOKENS} WITH {stemmer}"
                )
            )
    try:
        yield
    finally:
        with database.owner.begin() as conn:
            assert accents.install(conn)
            assert accents.ignores_accents(conn)


def test_planted_twin_an_index_keeping_accents_misses_ecole(app, factory, in_commune):
    with _accents_kept(app):
        missed = _accents_found(factory, in_commune)
    assert "ecole" in missed and "epinettes" in missed, missed


# -- isolation: the attack tests and their planted twins --------------------------------------


def _leaks_from_commune(app, a, b) -> list[str]:
    """Search A for a word only B's rows hold; what comes back from B."""
    with app.app_context(), commune_scope(a.id):
        found = services.search("zanzibar", include_private=True)
        return [h.url for h in found.hits if h.commune_id == b.id]


def _plant_b(app, b):
    with app.app_context(), commune_scope(b.id):
        _proposal("Zanzibar public", status="deliberation")
        _proposal("Zanzibar brouillon", status="draft")
        db.session.commit()


def test_attack_a_commune_never_finds_another_communes_rows(app, two):
    a, b = two
    _plant_b(app, b)
    with app.app_context(), commune_scope(b.id):
        assert services.search("zanzibar", include_private=True).total == 2  # they exist
    assert _leaks_from_commune(app, a, b) == []


@contextmanager
def _tenant_filter_removed():
    """Planted twin: the search runs with no tenant criteria (an unscoped session)."""
    real = services._scope

    def planted():
        scope = real()
        db.session.info[scoping.SCOPE_KEY] = scoping.UNSCOPED
        return scope

    services._scope = planted
    try:
        yield
    finally:
        services._scope = real


def test_planted_twin_without_the_tenant_filter_leaks(app, two):
    a, b = two
    _plant_b(app, b)
    with _tenant_filter_removed():
        leaks = _leaks_from_commune(app, a, b)
    assert leaks, "the attack test must be able to fail"
    with pytest.raises(AssertionError):
        assert leaks == []


def _federation_hits(app, ids, word) -> list:
    with app.app_context(), federation_scope(ids):
        return services.search(word, include_private=True).hits


def test_attack_federation_search_members_only_public_only(app, factory, two):
    a, b = two
    outsider = factory.commune("gamma", "Gamma")
    fed = factory.federation("plateau", communes=[a, b])
    _plant_b(app, b)
    _plant_b(app, outsider)
    from federation.tenancy.services import member_commune_ids

    with app.app_context(), scoping.scoped(db.session, scoping.UNSCOPED):
        ids = member_commune_ids(fed.id)
    hits = _federation_hits(app, ids, "zanzibar")
    assert [(h.commune_id, str(h.title)) for h in hits] == [(b.id, "<mark>Zanzibar</mark> public")]


def test_planted_twin_federation_without_the_public_rule_leaks(app, factory, two, monkeypatch):
    a, b = two
    fed = factory.federation("plateau", communes=[a, b])
    _plant_b(app, b)
    from federation.tenancy.services import member_commune_ids

    with app.app_context(), scoping.scoped(db.session, scoping.UNSCOPED):
        ids = member_commune_ids(fed.id)
    monkeypatch.setattr(services, "visibility", lambda scope, include_private: [])
    titles = [str(h.title) for h in _federation_hits(app, ids, "zanzibar")]
    assert "<mark>Zanzibar</mark> brouillon" in titles  # the rule removed: the draft leaks


def test_search_refuses_to_run_unscoped(app):
    with (
        app.app_context(),
        scoping.scoped(db.session, scoping.UNSCOPED),
        pytest.raises(scoping.TenantScopeError),
    ):
        services.search("x")


# -- the hook, pages, API, CLI ------------------------------------------------------------


def test_hook_federation_search_sources(app, factory, in_commune):
    on = factory.commune()
    off = factory.commune()
    factory.enable(on, "notes")
    for commune in (on, off):
        with in_commune(commune):
            db.session.add(Note(title="Carnet de la forêt", body="chênes"))
            db.session.add(Note(title="[privé] forêt", body=""))
    with in_commune(on):
        public = services.search("forêt")
        assert [(h.kind, h.url) for h in public.hits] == [
            ("notes.note", f"/c/{on.slug}/notes/{public.hits[0].ref}")
        ]
        assert services.search("forêt", include_private=True).total == 2
    with in_commune(off):  # the plugin is off there: its objects are not found
        assert services.search("forêt", include_private=True).total == 0
    across = _federation_hits(app, [on.id, off.id], "forêt")  # nor across a federation
    assert [(h.commune_id, h.kind) for h in across] == [(on.id, "notes.note")]


def test_pages_and_api(app, client, factory, in_commune):
    commune = factory.commune("pages")
    member = factory.member(commune)
    fed = factory.federation("fed-pages", communes=[commune])
    with in_commune(commune):
        _proposal("Marché de producteurs", "le samedi")
        _proposal("Marché couvert", "brouillon", status="draft")
    page = client.get("/c/pages/search?q=march%C3%A9")
    assert page.status_code == 200
    assert "<mark>Marché</mark> de producteurs" in page.text
    assert "Marché couvert" not in page.text  # a visitor: public objects only
    factory.login(client, member)
    assert "couvert" in client.get("/c/pages/search?q=march%C3%A9").text
    across = client.get(f"/f/{fed.slug}/search?q=march%C3%A9")
    assert across.status_code == 200 and "producteurs" in across.text
    assert "couvert" not in across.text
    api = client.get("/api/v1/communes/pages/search?q=march%C3%A9&per_page=1")
    assert api.status_code == 200, api.json
    assert (api.json["total"], api.json["pages"], len(api.json["hits"])) == (1, 1, 1)
    token = factory.token(member.user)
    mine = client.get("/api/v1/communes/pages/search?q=march%C3%A9", headers=token)
    assert mine.json["total"] == 2
    assert client.get(f"/api/v1/federations/{fed.slug}/search?q=march%C3%A9").json["total"] == 1
    assert client.get("/api/v1/communes/pages/search").status_code == 422
    bad = client.get("/api/v1/communes/pages/search?q=x&per_page=1000")
    assert bad.status_code == 422 and "per_page" in bad.json["errors"]["query"]


def test_cli_reindex_and_query(app, factory, in_commune):
    from sqlalchemy import delete

    commune = factory.commune("cli-search")
    with in_commune(commune):
        _proposal("Ressourcerie", "objets réparés")
    with in_commune(commune):  # rows written around the ORM (a bulk import): no index row
        db.session.execute(delete(SearchEntry).execution_options(synchronize_session=False))
    with in_commune(commune):
        assert services.search("ressourcerie").total == 0
    from flask.cli import ScriptInfo

    from federation.cli import main

    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    result = runner.invoke(main, ["search", "reindex", "--commune", "cli-search"], obj=info)
    assert result.exit_code == 0, result.output
    assert "objects indexed in 1 communes" in result.output
    found = runner.invoke(main, ["search", "query", "cli-search", "ressourcerie"], obj=info)
    assert found.exit_code == 0 and "[Ressourcerie]" in found.output
    database = app.extensions["convergence_test_db"]
    owner = [] if database.is_sqlite else ["--url", database.url]  # the owner's role
    accents = runner.invoke(main, ["search", "accents", *owner], obj=info)
    assert accents.exit_code == 0, accents.output
    assert ("nothing to do" if database.is_sqlite else "index rows recomputed") in accents.output


def test_migration_indexes_existing_rows(app, factory, in_commune):
    """Migration 0014search's INSERT … SELECT of the objects that exist (both dialects)."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import delete, text

    from federation.journal.services import record

    path = Path(__file__).parents[3] / "migrations/versions/0014search_search_index.py"
    spec = importlib.util.spec_from_file_location("m0014search", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    commune = factory.commune("ancienne")
    with in_commune(commune):
        _proposal("Lavoir ancien", "restauration")
        _proposal("Lavoir brouillon", status="draft")
        db.session.add(Concern(title="Lavoir fuyant", description="", place="", affected=""))
        record("test.free", summary="Lavoir réparé", commune_id=commune.id)
    with in_commune(commune):
        db.session.execute(delete(SearchEntry).execution_options(synchronize_session=False))
    with (
        app.app_context(),
        scoping.scoped(db.session, scoping.UNSCOPED),  # the owner runs migrations (no RLS)
        scoping.raw_tenant_sql("test: the migration's data step"),
    ):
        for statement in migration.existing_rows_sql():
            db.session.execute(text(statement))
        db.session.commit()
    with in_commune(commune):
        found = services.search("lavoir", include_private=True)
        assert sorted(h.kind for h in found.hits) == [
            "governance.concern",
            "governance.proposal",
            "governance.proposal",
            "journal.entry",
        ]
        assert services.search("lavoir").total == 3  # the draft is not public


def test_a_built_in_plugin_contributes_its_public_objects(factory, in_commune):
    """The food plugin's producers, found where food is enabled only."""
    from convergence_food.models import Producer

    on = factory.commune()
    off = factory.commune()
    factory.enable(on, "food")
    for commune in (on, off):
        with in_commune(commune):
            db.session.add(Producer(name="Ferme des Combes", kind="farm", description="fromages"))
    with in_commune(on):
        (hit,) = services.search("fromages").hits
        assert (hit.kind, hit.url) == ("food.producer", f"/c/{on.slug}/food/producers/{hit.ref}")
    with in_commune(off):
        assert services.search("fromages").total == 0


def test_search_page_queries_do_not_grow_with_results(app, client, factory, in_commune):
    from federation.journal.services import record
    from federation.testing.queries import count_queries

    commune = factory.commune("compte")
    member = factory.member(commune)
    factory.login(client, member)

    def counted() -> int:
        client.get("/c/compte/search?q=verger")  # warm the caches of the first request
        with count_queries(app) as counter:
            assert client.get("/c/compte/search?q=verger").status_code == 200
        return counter.count

    with in_commune(commune):
        _proposal("Verger communal")
        record("test.free", summary="Verger planté", commune_id=commune.id)
    few = counted()
    with in_commune(commune):
        for n in range(25):
            _proposal(f"Verger {n}")
            record("test.free", summary=f"Verger {n}", commune_id=commune.id)
    assert counted() <= few  # 20 hits on the page instead of 2: no more queries
    # 10 on PostgreSQL: one query per kind of result whose titles the system writes (journal
    # sentences, generated proposal titles), read again in the reader's language
    assert few <= 10, few


def test_planted_twin_federation_without_the_tenant_filter_finds_outsiders(app, factory, two):
    a, b = two
    outsider = factory.commune("delta", "Delta")
    fed = factory.federation("plateau-twin", communes=[a, b])
    _plant_b(app, outsider)
    from federation.tenancy.services import member_commune_ids

    with app.app_context(), scoping.scoped(db.session, scoping.UNSCOPED):
        ids = member_commune_ids(fed.id)
    assert _federation_hits(app, ids, "zanzibar") == []  # the rule holds
    with _tenant_filter_removed():
        leaked = _federation_hits(app, ids, "zanzibar")
    assert {h.commune_id for h in leaked} == {outsider.id}  # without it, the outsider leaks


def test_a_role_that_may_not_create_unaccent_migrates_accent_sensitive(app, caplog):
    """PostgreSQL: where the migrating role may not create the extension (a managed database,
    an old server), the configurations are still created (accent-sensitive, a warning
    says so); once a superuser has created ``unaccent``, ``install`` again ignores accents."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from federation.search import accents

    database = app.extensions["convergence_test_db"]
    if database.is_sqlite:
        pytest.skip("PostgreSQL only (SQLite's FTS5 removes diacritics itself)")
    url = make_url(database.url)
    scratch, role = f"{url.database}_noext"[:63], f"{url.database}_noext_role"[:63]
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))

    drop()
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'noext'"))
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    as_owner = create_engine(url.set(database=scratch), poolclass=NullPool)
    as_role = create_engine(
        url.set(database=scratch, username=role, password="noext"), poolclass=NullPool
    )
    try:
        with as_owner.begin() as conn:  # may create in the schema, not the extension
            conn.execute(text(f'GRANT CREATE ON SCHEMA public TO "{role}"'))
            conn.execute(text(f'REVOKE CREATE ON DATABASE "{scratch}" FROM PUBLIC'))
        # planted twin: the refusal outside a savepoint aborts the migration's transaction
        with as_role.connect() as conn, conn.begin():
            with pytest.raises(DBAPIError):
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
            with pytest.raises(DBAPIError, match="aborted"):
                conn.execute(text("SELECT 1"))
        with (
            caplog.at_level("WARNING", logger="federation.search.accents"),
            as_role.begin() as conn,
        ):
            assert accents.install(conn) is False
            assert not accents.ignores_accents(conn)
        assert "unaccent not created" in caplog.text
        with as_owner.begin() as conn:
            conn.execute(text("CREATE EXTENSION unaccent"))
        with as_role.begin() as conn:
            assert accents.install(conn) is True
            assert accents.ignores_accents(conn)
    finally:
        as_owner.dispose()
        as_role.dispose()
        drop()
        admin.dispose()
