"""``convergence commune import`` keeps each commune's intercommunality (EPCI SIREN and
name, columns ``epci_siren``/``epci_nom``) and, with ``--create-federations``, makes each
EPCI a federation ``epci-<siren>`` (kind epci) with its communes as members, through the
tenancy services, with a journal entry per federation; a failing line exits 1 and writes
nothing (issue 20 item 7). The official list in /work/shared/data when present."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from click.testing import Result
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from federation.cli import main
from federation.db import db
from federation.journal.models import JournalEntry
from federation.tenancy import services as tenancy
from federation.tenancy.context import unscoped
from federation.tenancy.models import Commune, Federation, FederationMember

DATA = Path(
    os.environ.get(
        "CONVERGENCE_COMMUNES_DATA",
        Path(__file__).resolve().parents[4] / "shared/data/communes/communes_france_2026.csv",
    )
)
EPCICOM = DATA.parent / "raw/epcicom2025_from_xlsx.csv"
FIELDS = ["code_insee", "nom", "dep", "population_municipale", "epci_siren", "epci_nom"]
ROWS = [
    ("23001", "Ville Une", "23", "100", "200000001", "CC Creuse Sud"),
    ("23002", "Ville Deux", "23", "200", "200000001", "CC Creuse Sud"),
    ("23003", "Ville Trois", "23", "300", "200000002", "CA du Grand Guéret"),
    ("29155", "Ouessant", "29", "800", "", ""),
]


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), obj=info)

    return invoke


def _csv(path: Path, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(rows)
    return path


def _state(app) -> tuple[dict, dict, list]:
    """Communes' EPCI columns, federations' members, and the federations' journal kinds."""
    with app.app_context(), unscoped():
        communes = {
            code: (siren, name)
            for code, siren, name in db.session.execute(
                select(Commune.insee_code, Commune.epci_siren, Commune.epci_name)
            )
        }
        members: dict[str, list[str]] = {}
        for slug, kind, code in db.session.execute(
            select(Federation.slug, Federation.kind, Commune.insee_code)
            .join(FederationMember, FederationMember.federation_id == Federation.id)
            .join(Commune, Commune.id == FederationMember.commune_id)
            .where(FederationMember.left_on.is_(None))
            .order_by(Federation.slug, Commune.insee_code)
        ):
            assert kind == "epci"
            members.setdefault(slug, []).append(code)
        kinds = [
            (kind, json.loads(payload))
            for kind, payload in db.session.execute(
                select(JournalEntry.kind, JournalEntry.payload)
                .where(JournalEntry.federation_id.is_not(None))
                .order_by(JournalEntry.id)
            )
        ]
    return communes, members, kinds


def test_columns_stored_and_federations_created(run, app, tmp_path):
    result = run("commune", "import", str(_csv(tmp_path / "a.csv", ROWS)), "--create-federations")
    assert result.exit_code == 0, result.output
    assert "federations created 2, communes joined 3" in result.output
    communes, members, kinds = _state(app)
    assert communes["23001"] == ("200000001", "CC Creuse Sud")
    assert communes["29155"] == (None, None)
    assert members == {"epci-200000001": ["23001", "23002"], "epci-200000002": ["23003"]}
    assert [k for k, _p in kinds] == ["federation.created", "federation.created"]
    assert kinds[0][1]["communes"] == ["ville-deux", "ville-une"]

    # a commune joins an EPCI, another changes: attached once, with a journal entry
    rows = [*ROWS[:2], ("23003", "Ville Trois", "23", "300", "200000001", "CC Creuse Sud")]
    rows.append(("23004", "Ville Quatre", "23", "50", "200000002", "CA du Grand Guéret"))
    again = run(
        "commune", "import", str(_csv(tmp_path / "b.csv", rows)), "--update", "--create-federations"
    )
    assert again.exit_code == 0, again.output
    communes, members, kinds = _state(app)
    assert communes["23003"] == ("200000001", "CC Creuse Sud")
    # the file says where a commune is; leaving a federation stays a decision of its own
    assert members["epci-200000001"] == ["23001", "23002", "23003"]
    assert members["epci-200000002"] == ["23003", "23004"]
    assert [k for k, _p in kinds][2:] == ["federation.communes_added"] * 2


def test_without_the_option_no_federation(run, app, tmp_path):
    result = run("commune", "import", str(_csv(tmp_path / "a.csv", ROWS)))
    assert result.exit_code == 0, result.output
    communes, members, _kinds = _state(app)
    assert communes["23003"] == ("200000002", "CA du Grand Guéret")
    assert members == {}


@pytest.mark.parametrize("siren", ["20000000", "2000000011", "20000000A"])
def test_a_bad_epci_line_exits_1_and_writes_nothing(run, app, tmp_path, siren):
    rows = [*ROWS, ("23009", "Ville Neuf", "23", "9", siren, "CC Mal Écrite")]
    result = run("commune", "import", str(_csv(tmp_path / "a.csv", rows)), "--create-federations")
    assert result.exit_code == 1
    assert "ligne 6" in result.output and "SIREN" in result.output
    communes, members, kinds = _state(app)
    assert (communes, members, kinds) == ({}, {}, [])


def test_planted_unchecked_siren_is_found(run, app, tmp_path, monkeypatch):
    """Twin: without the SIREN check the bad line is written (and its federation made)."""
    monkeypatch.setattr(tenancy, "EPCI_SIREN_RE", __import__("re").compile(r".*"))
    rows = [*ROWS, ("23009", "Ville Neuf", "23", "9", "20000000A", "CC Mal Écrite")]
    result = run("commune", "import", str(_csv(tmp_path / "a.csv", rows)), "--create-federations")
    assert result.exit_code == 0
    communes, members, _kinds = _state(app)
    assert communes["23009"] == ("20000000A", "CC Mal Écrite")
    assert members["epci-20000000a"] == ["23009"]


def test_membership_is_not_doubled(app, factory):
    """The one membership service adds only communes that are not current members."""
    commune = factory.commune("epci-une")
    federation = factory.federation("epci-doublon", communes=[commune])
    with app.app_context(), unscoped():
        fed = db.session.get(Federation, federation.id)
        assert tenancy.add_communes_to_federation(fed, [commune.id, commune.id]) == []
        count = db.session.scalar(select(func.count()).select_from(FederationMember))
    assert count == 1


@pytest.mark.skipif(not DATA.exists(), reason="shared data absent")
def test_official_list_one_departement_matches_the_dgcl_file(run, app):
    result = run("commune", "import", str(DATA), "--departement", "23", "--create-federations")
    assert result.exit_code == 0, result.output
    _communes, members, kinds = _state(app)
    assert len(members) >= 5 and len(kinds) == len(members)
    assert all(slug.startswith("epci-2") for slug in members)
    if EPCICOM.exists():
        expected: dict[str, list[str]] = {}
        with EPCICOM.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["dep_com"] == "23":
                    expected.setdefault(f"epci-{row['siren']}", []).append(row["insee"])
        assert members == {slug: sorted(codes) for slug, codes in expected.items()}
