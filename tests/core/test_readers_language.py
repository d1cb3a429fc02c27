"""What the system writes reads in the reader's language, and pages show no raw format
(issue 16 items 1 and 2).

On the demo as ``make demo`` loads it (every installed plugin):

* every journal entry and every notification is rendered in French and in English; the
  English text holds no fragment of a French message of the catalogs (nor the French text
  a fragment of an English one) once the values people gave (titles, names) are taken out,
  and a sentence that does not change with the language is a leftover;
* every kind the code writes (``record(...)``, ``notify(kind=...)``, food's ``journal``…)
  has a renderer, and no ``record`` call passes a sentence;
* the account e-mails (address verification, password reset) read in the recipient's
  language;
* the main pages, in both languages, show no raw number, amount or date ("18500.00 €",
  "2026-12-02", "35.4 %", "1 membres").

Each check has its planted twin: a kind rendered from a French literal, a ``record`` call
with a kind nobody declared, a page with a raw amount.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from federation.db import db

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "instances" / "demo" / "demo.toml"
PASSWORD = "demo-convergence"
#: the packages whose writes are checked (the core and the built-in plugins of issue 16)
SOURCES = [
    ROOT / "federation",
    *(ROOT / "plugins" / p for p in ("budget", "water", "housing", "food")),
]
CATALOGS = [
    ROOT / "federation/translations/en/LC_MESSAGES/convergence.po",
    *sorted(ROOT.glob("plugins/*/convergence_*/translations/en/LC_MESSAGES/*.po")),
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%|\{\w+\}")


# --- the language check ---------------------------------------------------------------------


def _fragments() -> tuple[set[str], set[str]]:
    """Literal pieces (8 characters or more) of the French msgids and of their English
    translations; a piece both languages share is no evidence and is left out."""
    french: set[str] = set()
    english: set[str] = set()
    for path in CATALOGS:
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            if ids == strings:
                continue
            for text, into in [(t, french) for t in ids] + [(t, english) for t in strings]:
                for piece in PLACEHOLDER.split(text):
                    piece = piece.strip(" .:;,()«»“”—-·\n")
                    # two words at least: a lone word ("position", "communal") is often
                    # the same in both languages
                    if len(piece) >= 8 and " " in piece and re.search(r"[a-zA-Zéèà]{3}", piece):
                        into.add(piece)
    return french - english, english - french


FRENCH, ENGLISH = _fragments()


def _given(params: Any) -> Iterator[str]:
    """The values in the parameters (names people gave stay as given)."""
    if isinstance(params, Mapping):
        for value in params.values():
            yield from _given(value)
    elif isinstance(params, list | tuple):
        for value in params:
            yield from _given(value)
    elif isinstance(params, str) and len(params) >= 3:
        yield params


def _without_given(text: str, params: Any) -> str:
    for value in sorted(_given(params), key=len, reverse=True):
        text = text.replace(value, "")
    return text


def _has(text: str, piece: str) -> bool:
    """``piece`` in ``text`` as whole words ("Vote clos" is not in "Vote closed")."""
    return piece in text and re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text) is not None


def leftovers(kind: str, params: Mapping[str, Any], fr: str, en: str) -> list[str]:
    """What is wrong with one text read in both languages (empty: nothing)."""
    found = []
    fr_own, en_own = _without_given(fr, params), _without_given(en, params)
    if fr == en and len(re.findall(r"[^\W\d_]", fr_own)) >= 4:
        found.append(f"{kind}: the same in both languages: {fr!r}")
    found += [f"{kind}: French in English: {p!r} in {en!r}" for p in FRENCH if _has(en_own, p)]
    found += [f"{kind}: English in French: {p!r} in {fr!r}" for p in ENGLISH if _has(fr_own, p)]
    return found


def _both(app: Flask, render) -> tuple[str, str]:
    with app.test_request_context():
        with force_locale("fr"):
            fr = render()
        with force_locale("en"):
            en = render()
    return fr, en


# --- the demo ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(session_app: Flask, make_app) -> Iterator[Flask]:
    """The demo loaded once for this module by an app with the installed plugins only."""
    from flask.cli import ScriptInfo

    from federation.cli import main

    session_app.extensions["convergence_test_db"].reset(session_app)
    app = make_app(extra_plugins=[])
    loaded = app.test_cli_runner().invoke(
        main,
        ["demo", "load", "--file", str(DEMO)],
        obj=ScriptInfo(create_app=lambda: app),
        catch_exceptions=True,
    )
    assert loaded.exit_code == 0, loaded.output
    yield app


def _stored(app: Flask) -> list[tuple[str, dict, Any]]:
    """Every journal entry and notification: (kind, parameters, the row)."""
    from federation.identity.models import Notification
    from federation.journal.models import JournalEntry
    from federation.tenancy.context import unscoped

    with app.app_context(), unscoped():
        rows: list[tuple[str, dict, Any]] = [
            (e.kind, e.params, e) for e in db.session.scalars(select(JournalEntry))
        ]
        rows += [
            (n.kind, json.loads(n.params or "{}"), n)
            for n in db.session.scalars(select(Notification))
        ]
        for _kind, _params, row in rows:
            db.session.expunge(row)
    return rows


def test_every_stored_text_reads_in_each_language(demo):
    from federation.texts import has_kind

    rows = _stored(demo)
    assert len(rows) > 50, "the demo writes journal entries and notices"
    problems = []
    kinds = set()
    for kind, params, row in rows:
        with demo.app_context():
            if not has_kind(kind):
                problems.append(f"{kind}: no renderer")
                continue
            if getattr(row, "summary", "") or getattr(row, "message", ""):
                problems.append(f"{kind}: a sentence is stored")
        fr, en = _both(demo, lambda row=row: row.text)
        problems += leftovers(kind, params, fr, en)
        kinds.add(kind)
        actor = getattr(row, "actor", "")
        if actor.startswith("@"):  # one of the system's own actors: named when read
            from federation.core_texts import actor_text

            fr, en = _both(demo, lambda actor=actor: actor_text(actor))
            if fr == actor[1:]:
                problems.append(f"{kind}: actor {actor} has no renderer")
            problems += leftovers(f"actor {actor}", {}, fr, en)
    assert not problems, "\n".join(sorted(set(problems)))
    assert len(kinds) >= 20  # the demo writes many kinds: the check is not vacuous


def test_a_kind_rendered_from_a_french_literal_is_caught(demo):
    """Planted twin: a renderer that writes French whatever the reader's language."""
    from federation.texts import registry, render

    kinds = {
        "twin.literal": lambda p: f"Réparation du vélo {p['bike']} terminée",
        "twin.half": lambda p: "Dépense du projet " + p["bike"],
    }
    with demo.app_context():
        registry().update(kinds)
    try:
        for kind in kinds:
            fr, en = _both(demo, lambda kind=kind: render(kind, {"bike": "12"}))
            assert leftovers(kind, {"bike": "12"}, fr, en), kind
    finally:
        with demo.app_context():
            for kind in kinds:
                registry().pop(kind)


def test_account_mails_read_in_the_recipients_language(demo):
    from federation.auth.reset import request_password_reset
    from federation.auth.verification import send_verification
    from federation.identity.models import User
    from federation.identity.notifications import OUTBOX
    from federation.testing.factories import Factory

    factory = Factory(demo)
    mails = {}
    for locale in ("fr", "en"):
        user = factory.user(locale=locale)
        with demo.test_request_context(
            headers={"Accept-Language": "fr" if locale == "en" else "en"}
        ):
            person = db.session.get(User, user.id)
            person.email_verified_at = None  # so that the verification mail goes
            start = len(OUTBOX)
            send_verification(person)
            request_password_reset(person.email)
            db.session.commit()
            mails[locale] = [f"{m['Subject']}\n{m.get_content()}" for m in OUTBOX[start:]]
    assert len(mails["fr"]) == len(mails["en"]) == 2
    problems = []
    for fr, en in zip(mails["fr"], mails["en"], strict=True):
        problems += leftovers("mail", {}, fr, en)
    assert not problems, problems


# --- every kind the code writes has a renderer ------------------------------------------------

#: call → (position of the kind among the arguments, prefix the callee adds)
WRITERS = {
    "record": (0, ""),
    "notify": (None, ""),  # kind=…
    "tell": (None, ""),
    "notify_followers": (1, ""),
    "notify_circle": (0, ""),
    "_notify": (1, ""),
    "journal": (0, "food."),  # convergence_food.services.journal adds the prefix
}


def written_kinds(source: str, path: str = "<planted>") -> tuple[set[str], list[str]]:
    """The kinds a module writes (string literals; an f-string gives its prefix with a
    ``*``) and the ``record`` calls that still pass a sentence."""
    kinds: set[str] = set()
    sentences: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in WRITERS:
            continue
        position, prefix = WRITERS[name]
        if name == "journal" and "convergence_food" not in path and path != "<planted>":
            continue
        arg = next((k.value for k in node.keywords if k.arg == "kind"), None)
        if arg is None and position is not None and len(node.args) > position:
            arg = node.args[position]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            kinds.add(prefix + arg.value)
        elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
            kinds.add(prefix + arg.values[0].value + "*")
        if name == "record" and (
            len(node.args) > 1 or any(k.arg == "summary" for k in node.keywords)
        ):
            sentences.append(f"{path}:{node.lineno}")
    return kinds, sentences


def _code_kinds() -> tuple[set[str], list[str]]:
    kinds: set[str] = set()
    sentences: list[str] = []
    for root in SOURCES:
        for path in root.rglob("*.py"):
            if "/tests/" in str(path) or "/migrations/" in str(path):
                continue
            found, calls = written_kinds(path.read_text(encoding="utf-8"), str(path))
            kinds |= found
            sentences += calls
    return kinds, sentences


def _unrendered(app: Flask, kinds: set[str]) -> list[str]:
    from federation.texts import registry

    with app.app_context():
        known = set(registry())
    missing = []
    for kind in sorted(kinds):
        if kind.endswith("*"):
            if not any(k.startswith(kind[:-1]) for k in known):
                missing.append(kind)
        elif kind not in known:
            missing.append(kind)
    return missing


def test_every_kind_the_code_writes_has_a_renderer(demo):
    kinds, sentences = _code_kinds()
    assert len(kinds) >= 60  # the scan finds the writes
    assert _unrendered(demo, kinds) == []
    assert sentences == [], "record() calls that still pass a sentence"


def test_the_scan_catches_an_undeclared_kind(demo):
    """Planted twin: a write of a kind nobody declared, and a sentence passed to record."""
    planted = (
        "record('bikes.stolen', 'Vélo volé', {}, commune_id=1)\n"
        "notify(3, kind='bikes.found', params={})\n"
    )
    kinds, sentences = written_kinds(planted)
    assert kinds == {"bikes.stolen", "bikes.found"}
    assert _unrendered(demo, kinds) == ["bikes.found", "bikes.stolen"]
    assert sentences == ["<planted>:1"]


# --- no raw format on the pages ---------------------------------------------------------------

ISO_DATE = re.compile(r"(?<![\w/#=-])(19|20)\d\d-[01]\d-[0-3]\d(?![\w/-])")
PYTHON_FORMAT = re.compile(r"%\.\d+f|%\(\w+\)[sd]")
#: what is raw in each language (Babel writes "18 500,00 €", "35,4 %" in French and
#: "€18,500.00", "35.4%" in English)
RAW = {
    "fr": {
        "an amount written by hand": re.compile(r"\d\.\d{2}\s?€|€\s?\d"),
        "a percentage written by hand": re.compile(r"\d\.\d\s?%"),
        "an ISO date": ISO_DATE,
        "a singular with a plural": re.compile(
            r"\b1 (membres|soutiens|votes|projets|personnes|lignes|communes|usager·es|heures)\b"
        ),
        "a Python format": PYTHON_FORMAT,
    },
    "en": {
        "an amount written by hand": re.compile(r"\d[.,]\d{2}\s?€"),
        "a percentage written by hand": re.compile(r"\d\s%"),
        "an ISO date": ISO_DATE,
        "a singular with a plural": re.compile(
            r"\b1 (members|supporters|votes|projects|people|lines|communes|users|hours)\b"
        ),
        "a Python format": PYTHON_FORMAT,
    },
}


def visible_text(html: str) -> str:
    """The text a reader sees: no tags, attributes, scripts or styles."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


def raw_formats(html: str, lang: str) -> list[str]:
    text = visible_text(html)
    return [f"{what}: {m.group(0)!r}" for what, rx in RAW[lang].items() for m in rx.finditer(text)]


def _pages(app: Flask) -> list[str]:
    from federation.governance.models import Proposal, Vote
    from federation.intercommunal.models import PooledProject
    from federation.tenancy.context import unscoped
    from federation.tenancy.models import Commune

    with app.app_context(), unscoped():
        faux = db.session.scalar(select(Commune).where(Commune.slug == "faux-la-montagne"))
        votes = db.session.scalars(select(Vote.id).where(Vote.commune_id == faux.id)).all()
        proposals = db.session.scalars(
            select(Proposal.id).where(Proposal.commune_id == faux.id)
        ).all()
        projects = db.session.scalars(select(PooledProject.id)).all()
        runs = _ids(faux.id, "water_allocation_runs")
        purchases = _ids(faux.id, "housing_projects")
    base = "/c/faux-la-montagne"
    return [
        "/",
        f"{base}/",
        f"{base}/journal",
        f"{base}/proposals",
        f"{base}/decisions",
        f"{base}/concerns",
        f"{base}/meetings",
        f"{base}/mandates",
        *[f"{base}/votes/{v}" for v in votes[:5]],
        *[f"{base}/proposals/{p}" for p in proposals[:8]],
        f"{base}/budget/",
        f"{base}/budget/pb",
        f"{base}/water/",
        f"{base}/water/levels",
        f"{base}/water/allocations",
        *[f"{base}/water/allocations/{r}" for r in runs[:3]],
        f"{base}/water/rules",
        f"{base}/housing/",
        f"{base}/housing/projects",
        *[f"{base}/housing/projects/{p}" for p in purchases[:3]],
        f"{base}/food/",
        f"{base}/food/pot",
        f"{base}/food/distributions",
        f"{base}/roster/",
        "/c/peyrelevade/",
        "/c/peyrelevade/water/",
        "/f/plateau-millevaches/",
        "/f/plateau-millevaches/journal",
        "/f/plateau-millevaches/council",
        "/f/plateau-millevaches/projects",
        "/f/plateau-millevaches/proposals",
        *[f"/f/plateau-millevaches/projects/{p}" for p in projects],
        "/account/",
        "/account/notifications",
    ]


def _ids(commune_id: int, table: str) -> list[int]:
    """Ids of a plugin's rows of the commune (none when the plugin is not installed)."""
    from sqlalchemy import inspect, text

    from federation.tenancy.scoping import raw_tenant_sql

    if not inspect(db.engine).has_table(table):
        return []
    query = text(f"SELECT id FROM {table} WHERE commune_id = :c ORDER BY id")
    with raw_tenant_sql("test: the pages of a plugin's rows, read without the plugin"):
        return list(db.session.scalars(query, {"c": commune_id}))


def _stored_titles(app: Flask) -> list[str]:
    """Titles and texts of proposals and votes as stored (escaped as pages show them)."""
    from markupsafe import escape

    from federation.governance.models import Proposal, Vote
    from federation.tenancy.context import unscoped

    with app.app_context(), unscoped():
        found = [
            t for row in db.session.execute(select(Proposal.title, Proposal.text)) for t in row
        ]
        found += list(db.session.scalars(select(Vote.title)))
    return sorted({str(escape(t)) for t in found if t}, key=len, reverse=True)


def _crawl(app: Flask, lang: str, email: str, strip: list[str]) -> list[str]:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    seen, problems = 0, []
    for url in _pages(app):
        response = client.get(f"{url}?lang={lang}")
        if response.status_code != 200:
            continue  # a page this person may not see, or a plugin not installed
        seen += 1
        html = response.get_data(as_text=True)
        for text in strip:
            html = html.replace(text, "")
        problems += [f"{url}: {p}" for p in raw_formats(html, lang)]
    assert seen >= 20
    return problems


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(
    "email", ["facilitatrice@demo.convergence.local", "habitante@demo.convergence.local"]
)
def test_pages_show_no_raw_format(demo, lang, email):
    """Everything the pages format (the stored titles and texts of proposals and votes
    aside: see the next test)."""
    problems = _crawl(demo, lang, email, strip=_stored_titles(demo))
    assert not problems, "\n".join(problems)


def _generated(app: Flask) -> list[Any]:
    """The proposals, votes, decisions and federation proposals whose title or text the
    system wrote (a kind is stored), detached."""
    from federation.governance.models import Decision, Proposal, Vote
    from federation.intercommunal.models import FederationProposal
    from federation.tenancy.context import unscoped

    rows: list[Any] = []
    with app.app_context(), unscoped():
        for model in (Proposal, Vote, Decision, FederationProposal):
            query = select(model).where(model.title_kind.is_not(None))
            if hasattr(model, "text_kind"):
                query = select(model).where(
                    (model.title_kind.is_not(None)) | (model.text_kind.is_not(None))
                )
            rows += db.session.scalars(query)
        for row in rows:
            db.session.expunge(row)
    return rows


def test_generated_proposal_texts_read_in_english(demo):
    """The proposals plugins generate (a food contract, a water allocation, a housing
    allocation or grid, a pooled project), their votes and decisions are kind + parameters:
    read in each language, no raw format on the English pages (stored titles included)."""
    problems = _crawl(demo, "en", "facilitatrice@demo.convergence.local", strip=[])
    rows = _generated(demo)
    kinds = {row.title_kind or row.text_kind for row in rows}
    assert {k.split(".")[0] for k in kinds} >= {"food", "water", "housing"}, kinds
    for row in rows:
        if row.title_kind:  # (a title people typed stays as given)
            title = _both(demo, lambda row=row: row.title)
            problems += leftovers(f"title {row.title_kind}", row.title_params or {}, *title)
        if getattr(row, "text_kind", None):
            fr, en = _both(demo, lambda row=row: row.text.removeprefix(row.given_text))
            problems += leftovers(f"text {row.text_kind}", row.title_params or {}, fr, en)
    problems += _api_titles(demo)
    assert not problems, "\n".join(problems)


def _api_titles(app: Flask) -> list[str]:
    """The API gives ``title`` in the request's language, with ``title_kind`` and
    ``title_params`` for a generated one."""
    client = app.test_client()
    url = "/api/v1/communes/faux-la-montagne/proposals"
    read = {
        lang: client.get(url, headers={"Accept-Language": lang}).get_json() for lang in ("fr", "en")
    }
    generated = [(f, e) for f, e in zip(read["fr"], read["en"], strict=True) if f["title_kind"]]
    problems = [] if generated else ["the API gives no generated title"]
    for fr, en in generated:
        problems += leftovers(
            f"API {fr['title_kind']}", fr["title_params"], fr["title"], en["title"]
        )
    return problems


@contextmanager
def _stored_as_french_sentences(app: Flask) -> Iterator[None]:
    """Plant the bug: the generated titles and texts stored as their French sentences (what
    the plugins stored before), their kinds dropped; put back afterwards."""
    from flask_babel import force_locale

    from federation.tenancy.context import unscoped

    rows = _generated(app)
    kept = [
        (row, row.stored_title, row.title_kind, getattr(row, "given_text", None)) for row in rows
    ]
    with app.test_request_context(), unscoped(), force_locale("fr"):
        for row in rows:
            row = db.session.merge(row)
            row.title = row.title[:200]  # the French rendering, typed: the kind is dropped
            if getattr(row, "text_kind", None):
                row.text, row.text_kind = row.text, None
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context(), unscoped():
            for row, title, title_kind, given_text in kept:
                row = db.session.merge(row)
                row.title, row.title_kind = title, title_kind
                if given_text is not None:
                    row.text = given_text
            db.session.commit()


def test_a_generated_text_stored_as_a_french_sentence_is_caught(demo):
    """Planted twin: a plugin storing the French sentence again (amounts formatted in
    French) shows it to English readers: the crawl finds it."""
    with _stored_as_french_sentences(demo):
        problems = _crawl(demo, "en", "facilitatrice@demo.convergence.local", strip=[])
    assert any("an amount written by hand" in p for p in problems), problems
    assert _generated(demo)  # put back


def test_the_page_scan_catches_raw_formats():
    """Planted twin: the formats issue 16 found on the pages."""
    page = (
        "<p>Dépense : 18500.00 € le 2026-12-02, exécuté à 35.4 %, 1 membres</p>"
        '<time datetime="2026-12-02">2 déc. 2026</time><a href="/x?d=2026-12-02">x</a>'
    )
    assert len(raw_formats(page, "fr")) == 4, raw_formats(page, "fr")
    assert len(raw_formats(page.replace("membres", "members"), "en")) == 4
    fine = '<p>18 500,00 € le 2 déc. 2026, 35,4 %, 1 membre</p><time datetime="2026-12-02">'
    assert raw_formats(fine, "fr") == []
    assert raw_formats("<p>€18,500.00 on Dec 2, 2026, 35.4%, 1 member</p>", "en") == []


def test_the_generated_assembly_name_reads_in_each_language(demo):
    """The popular assembly the system creates for a commune is named when read; a body
    named by people keeps its name."""
    from types import SimpleNamespace

    from federation.governance.texts import body_name

    client = demo.test_client()
    en = client.get("/c/faux-la-montagne/bodies/assemblee?lang=en").get_data(as_text=True)
    fr = client.get("/c/faux-la-montagne/bodies/assemblee?lang=fr").get_data(as_text=True)
    assert "<h1>Popular assembly of Faux-la-Montagne</h1>" in en
    assert "<h1>Assemblée populaire de Faux-la-Montagne</h1>" in fr
    given = SimpleNamespace(kind="assembly", slug="assemblee", name="Le grand conseil")
    created_in_english = SimpleNamespace(
        kind="assembly", slug="assemblee", name="Popular assembly of Tarnac"
    )
    with demo.test_request_context(), force_locale("fr"):
        assert body_name(given) == "Le grand conseil"
        assert body_name(created_in_english) == "Assemblée populaire de Tarnac"
