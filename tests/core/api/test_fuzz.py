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
