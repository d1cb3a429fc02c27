"""The page bench measures our pages, not something else (issue 12 item 1).

``bench/bench_pages.py`` compares our app with a bare Flask + SQLAlchemy app that replays
each page's captured SQL statements and returns its HTML. These tests run the capture and
the replay in-process (no timing): the capture is what our page does (asked again, our
app issues the same statements with the same parameters and the same HTML), and the bare
app replays exactly that. Planted twins — a bare app that skips a statement, changes a
parameter, serves other HTML or another visitor's statements, and a capture that misses a
statement of our page — must each be caught.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from federation.db import db

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from pages.bare_app import create_app as create_bare  # noqa: E402
from pages.capture import CaptureSet, capture_page, flask_requester, normalize  # noqa: E402
from pages.login import login  # noqa: E402
from pages.verify import verify_capture, verify_pages, verify_replay  # noqa: E402


@pytest.fixture
def bench(app, factory, tmp_path):
    """Our app's pages captured: the portal, a commune home anonymous and signed in
    (through the login form), the proposals API list anonymous and with a token."""
    commune = factory.commune("banc-essai")
    member = factory.member(commune)
    token = factory.token(member.user)
    home = f"/c/{commune.slug}/"
    api = f"/api/v1/communes/{commune.slug}/proposals"
    cookie = login(flask_requester(app), member.user.email, [home], member.user.password)
    assert "Cookie" in cookie
    with app.app_context():
        engine = db.engine
    specs = [
        ("portal-anon", "/", {}, False),
        ("commune-anon", home, {}, False),
        ("commune-signed", home, cookie, True),
        ("api-anon", api, {}, False),
        ("api-signed", api, token, True),
    ]
    captured = CaptureSet(
        database_url=app.config["SQLALCHEMY_DATABASE_URI"],
        engine_options=dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"]),
        secret_key=app.config["SECRET_KEY"],
        session_cookie_name=app.config["SESSION_COOKIE_NAME"],
        captures=[
            capture_page(app, engine, key, path, headers, signed=signed)
            for key, path, headers, signed in specs
        ],
    )
    facts = {"app": app, "engine": engine, "captured": captured, "tmp": tmp_path}
    facts.update(member=member, bare=[])
    yield facts
    for bare in facts["bare"]:  # no connection left open on the test database
        bare.extensions["bare_engine"].dispose()


def _bare(bench, captured: CaptureSet):
    path = bench["tmp"] / f"capture-{len(bench['bare'])}.pickle"
    captured.save(path)
    bare = create_bare(str(path))
    bench["bare"].append(bare)
    return bare


def _by_key(captured: CaptureSet):
    return {c.key: c for c in captured.captures}


def test_capture_is_what_our_page_does(bench):
    captures = _by_key(bench["captured"])
    for capture in captures.values():
        assert capture.status == 200, capture.key
        assert capture.statements, capture.key
        assert verify_capture(bench["app"], bench["engine"], capture) == [], capture.key
    # the signed-in capture is the signed-in page: her session is read, her name shown
    signed, anon = captures["commune-signed"], captures["commune-anon"]
    assert len(signed.statements) > len(anon.statements)
    name = bench["member"].user.display_name.encode()
    assert name in signed.body and name not in anon.body


def test_bare_app_replays_the_same_statements_and_html(bench):
    captured = bench["captured"]
    problems = verify_replay(_bare(bench, captured), captured)
    assert problems == {c.key: [] for c in captured.captures}


def _drop_statement(capture):
    del capture.statements[-1]


def _change_parameter(capture):
    index = next(i for i, s in enumerate(capture.statements) if s[1])
    sql, params, many = capture.statements[index]
    if isinstance(params, dict):
        key = next(iter(params))
        params = {**params, key: f"{params[key]}-other"}
    else:
        params = (f"{params[0]}-other", *params[1:])
    capture.statements[index] = (sql, params, many)


def _change_body(capture):
    capture.body = capture.body.replace(b"</main>", b"<p>autre chose</p></main>", 1)
    assert b"autre chose" in capture.body


@pytest.mark.parametrize(
    "plant", [_drop_statement, _change_parameter, _change_body], ids=lambda f: f.__name__
)
def test_planted_bare_app_that_does_something_else_is_caught(bench, plant):
    """The bare app built from a tampered capture, checked against our app's capture."""
    captured = bench["captured"]
    tampered = copy.deepcopy(captured)
    plant(_by_key(tampered)["commune-signed"])
    problems = verify_replay(_bare(bench, tampered), captured)
    assert problems["commune-signed"], plant.__name__
    assert problems["commune-anon"] == []


def test_planted_bare_app_replaying_the_anonymous_page_for_a_signed_visitor_is_caught(bench):
    captured = bench["captured"]
    tampered = copy.deepcopy(captured)
    pages = _by_key(tampered)
    pages["commune-signed"].statements = list(pages["commune-anon"].statements)
    assert verify_replay(_bare(bench, tampered), captured)["commune-signed"]


@pytest.mark.parametrize("plant", [_drop_statement, _change_body], ids=lambda f: f.__name__)
def test_planted_capture_that_is_not_our_page_is_caught(bench, plant):
    """A capture missing a statement of our page (or with other HTML) fails the check
    against our app asked again."""
    capture = copy.deepcopy(_by_key(bench["captured"])["commune-signed"])
    plant(capture)
    assert verify_capture(bench["app"], bench["engine"], capture)


def test_servers_answering_other_html_are_caught(bench):
    """The check over HTTP (both gunicorn servers, before the rounds): a server answering
    other HTML or another status for a page stops that page from being measured."""
    captures = bench["captured"].captures
    same = lambda capture: (capture.status, capture.body)  # noqa: E731
    other = lambda capture: (capture.status, capture.body + b"<!-- other -->")  # noqa: E731
    failing = lambda capture: (500, capture.body)  # noqa: E731
    assert all(not found for found in verify_pages(captures, same, same).values())
    assert all(verify_pages(captures, same, other).values())
    assert all(verify_pages(captures, failing, same).values())


def test_normalize_hides_only_csrf_tokens_and_chart_ids():
    one = b'<input type="hidden" name="csrf_token" value="abc.def"><svg id="chart-0a1b2c3d">'
    two = b'<input type="hidden" name="csrf_token" value="xyz.uvw"><svg id="chart-99ff00aa">'
    assert normalize(one) == normalize(two)
    assert normalize(one + b"<p>1</p>") != normalize(two + b"<p>2</p>")


def test_a_moving_now_is_the_same_parameter_nothing_else_is():
    """A page's "now" moves between the capture and the check: moments minutes apart are
    the same parameter; a moment a day apart, or any other value that differs, is not."""
    from datetime import datetime

    from pages.verify import statement_differences

    captured = [("SELECT … WHERE starts_at > ?", ("2026-12-03 05:09:03.393870", 1))]
    later = [("SELECT … WHERE starts_at > ?", ("2026-12-03 05:09:05.003967", 1))]
    assert statement_differences(captured, later) == []
    moment = datetime(2026, 12, 3, 5, 9, 3)
    assert statement_differences([("s", (moment,))], [("s", (moment.replace(second=9),))]) == []
    tomorrow = [("SELECT … WHERE starts_at > ?", ("2026-12-04 05:09:03.393870", 1))]
    assert statement_differences(captured, tomorrow)
    other = [("SELECT … WHERE starts_at > ?", ("2026-12-03 05:09:03.393870", 2))]
    assert statement_differences(captured, other)
    named = {"ends_at_1": moment, "only_1": 1}
    later_named = {**named, "ends_at_1": moment.replace(second=8)}
    assert statement_differences([("s", named)], [("s", later_named)]) == []
    assert statement_differences([("s", named)], [("s", {**named, "only_1": 2})])
    assert statement_differences([("s", named)], [("s", {"ends_at_1": moment})])
