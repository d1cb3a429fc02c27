"""0003actions: the plugin's places move into the core's ``places`` (one table of places).
A plugin place becomes the commune's core place of the same name (any case), or a new
one; its accessibility and opening hours go to ``actions_place_details``; rooms, events and
projects follow; another commune's place of the same name is never taken. The downgrade
gives the plugin its table back."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from federation import migrate
from federation.tenancy.scoping import raw_tenant_sql
from tests.core.test_migrations import _drop, _fresh_database

NOW = "2026-12-01 10:00:00+00:00"


def _rows(conn, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(sql)).all()]


def test_the_plugin_places_move_into_the_core_places_and_back(
    make_app, app, convergence_database_url, tmp_path
):
    url, created = _fresh_database(convergence_database_url, tmp_path)
    try:
        fresh = make_app(database_url=url)
        with fresh.app_context(), raw_tenant_sql("the test writes and reads rows as the owner"):
            migrate.upgrade(fresh, "0014search")
            migrate.upgrade(fresh, "0002actions")
            engine = create_engine(url)
            with engine.begin() as conn:
                for cid, slug in ((1, "une"), (2, "deux")):
                    conn.execute(
                        text(
                            "INSERT INTO communes (id, slug, name, default_locale, description, "
                            "verification_method, created_at) "
                            "VALUES (:i, :s, :s, 'fr', '', 'approval', :t)"
                        ),
                        {"i": cid, "s": slug, "t": NOW},
                    )
                # commune 1 has a core place "maison commune"; commune 2 one "Le Hangar"
                core_ids = [
                    conn.execute(
                        text(
                            "INSERT INTO places (commune_id, name, address, description, "
                            "created_at) VALUES (:c, :n, '', '', :t) RETURNING id"
                        ),
                        {"c": cid, "n": name, "t": NOW},
                    ).scalar()
                    for cid, name in ((1, "maison commune"), (2, "Le Hangar"))
                ]
                conn.execute(
                    text(
                        "INSERT INTO actions_places (id, commune_id, name, address, "
                        "accessibility, opening_hours, description, created_at) VALUES "
                        "(1, 1, 'Le Hangar', 'Route', 'Rampe', :hours, '', :t), "
                        "(2, 1, 'Maison Commune', '', 'Plain-pied', '{}', '', :t)"
                    ),
                    {"t": NOW, "hours": '{"5": [["09:00", "12:00"]]}'},
                )
                conn.execute(
                    text(
                        "INSERT INTO actions_rooms (id, commune_id, place_id, name, capacity, "
                        "max_hours, min_notice_hours, members_only) VALUES "
                        "(1, 1, 1, 'Atelier', 10, 4, 0, true), (2, 1, 2, 'Salle', 60, 4, 0, true)"
                    )
                )
                conn.execute(
                    text(
                        "INSERT INTO actions_events (id, commune_id, title, description, "
                        "starts_at, ends_at, place_id, location, accessibility, capacity, "
                        "waiting_list, approval, open_to_email, private_list, status, "
                        "created_at) VALUES (1, 1, 'Fête', '', :t, :t, 2, '', '', 0, true, "
                        "false, false, false, 'open', :t)"
                    ),
                    {"t": NOW},
                )
            migrate.upgrade(fresh)
            with engine.connect() as conn:
                places = _rows(conn, "SELECT id, commune_id, name FROM places ORDER BY id")
                # "Maison Commune" is commune 1's "maison commune"; commune 1's Hangar is new
                # (commune 2's Hangar is not taken)
                assert places[:2] == [
                    (core_ids[0], 1, "maison commune"),
                    (core_ids[1], 2, "Le Hangar"),
                ]
                (hangar,) = [p for p in places if p[1] == 1 and p[2] == "Le Hangar"]
                assert len(places) == 3
                rooms = _rows(conn, "SELECT id, place_id FROM actions_rooms ORDER BY id")
                assert rooms == [(1, hangar[0]), (2, core_ids[0])]
                assert _rows(conn, "SELECT place_id FROM actions_events") == [(core_ids[0],)]
                details = _rows(
                    conn,
                    "SELECT place_id, commune_id, accessibility FROM actions_place_details "
                    "ORDER BY place_id",
                )
                assert details == [(core_ids[0], 1, "Plain-pied"), (hangar[0], 1, "Rampe")]
            assert "actions_places" not in _tables(engine)
            migrate.downgrade(fresh, "0002actions")
            with engine.connect() as conn:
                back = _rows(conn, "SELECT id, name, accessibility FROM actions_places ORDER BY id")
                assert back == [
                    (core_ids[0], "maison commune", "Plain-pied"),
                    (hangar[0], "Le Hangar", "Rampe"),
                ]
                rooms = _rows(conn, "SELECT id, place_id FROM actions_rooms ORDER BY id")
                assert rooms == [(1, hangar[0]), (2, core_ids[0])]
            engine.dispose()
            from federation.db import db

            db.engine.dispose()
    finally:
        _drop(created)


def _tables(engine) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(engine).get_table_names())
