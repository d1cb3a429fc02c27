"""The API keeps its contract under generated requests (schemathesis; see fuzzing.py).

Always on with few cases: one valid request per operation (the core's and the plugins'),
as anonymous and as a commune admin, strictly checked (no server error, status code,
content type and body as the OpenAPI document declares). ``.ci/fuzz`` runs the same with
valid and invalid requests, every role, at least 10,000 cases.
"""

from __future__ import annotations

import pytest

pytest.importorskip("schemathesis")

from tests.core.api import fuzzing


def test_few_cases_keep_the_contract(app):
    headers, pins = fuzzing.seed(app)
    report = fuzzing.run(
        app, headers, pins, examples=1, strict=True, negative=False, roles=("anonymous", "admin")
    )
    assert report.operations > 100
    assert report.cases >= 2 * report.operations - 20
    assert report.failures == []


def test_planted_server_error_is_found(app, monkeypatch):
    """Twin: an operation that fails with a 500 is reported."""
    headers, pins = fuzzing.seed(app)
    [endpoint] = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule == "/api/v1/communes/<commune>/journal"
    ]

    def planted(**_kwargs):
        raise RuntimeError("planted")

    monkeypatch.setitem(app.view_functions, endpoint, planted)
    report = fuzzing.run(app, headers, pins, examples=1, negative=False, roles=("anonymous",))
    assert any("/journal" in failure for failure in report.failures), report.failures[:3]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """The stateful phase puts the app's own SQLite file back before each scenario."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVERGENCE_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        app = fuzzing.scratch_app("stateful")
        yield app, *fuzzing.seed(app)


def test_stateful_sequences_keep_the_contract(fuzz_app):
    app, headers, pins = fuzz_app
    report = fuzzing.run_stateful(
        app, headers, pins, scenarios=3, steps=4, strict=True, roles=("admin",)
    )
    assert report.links > 100  # links between operations, inferred from the document
    assert report.stateful_cases >= 6 and report.cases == report.stateful_cases
    assert report.failures == []


def test_planted_server_error_in_a_sequence_is_found(fuzz_app, monkeypatch):
    """Twin: every API operation but the document itself fails with a 500."""
    app, headers, pins = fuzz_app

    def planted(**_kwargs):
        raise RuntimeError("planted")

    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and "openapi" not in rule.rule:
            monkeypatch.setitem(app.view_functions, rule.endpoint, planted)
    report = fuzzing.run_stateful(app, headers, pins, scenarios=2, steps=3, roles=("member",))
    assert report.failures and report.by_kind
    assert all("stateful" in failure for failure in report.failures)
