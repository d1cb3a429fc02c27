# ruff: noqa: E501 (one line per route: the table reads as a table)
"""R9: who may call each route of the budget plugin — its pages and its API — as the
status answered to each role of :data:`federation.api.role_matrix.ROLES` (anonymous, member,
facilitator, admin, admin of another commune, coordinator, delegate, platform admin).

Declared through the hook ``federation_role_matrix`` (the plugin base class reads this
module) and walked by ``tests/core/api/test_role_matrix.py``, which fails on a difference
and on a route of the plugin missing here. After a reviewed change of access:
``python -m tests.core.api.role_walk budget`` prints this table.
"""

from __future__ import annotations

ROLE_MATRIX: dict[str, str] = {
    "GET /api/v1/communes/{commune}/budget/entries": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/entries/without-decision": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/execution": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/lines": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/lines/{line_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/lines/{line_id}/entries": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/processes": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/processes/{process_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/processes/{process_id}/export.pb": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/processes/{process_id}/projects": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/processes/{process_id}/results": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/budget/processes/{process_id}/results.csv": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/entries/{entry_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/execution": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/import": "302 403 403 200 403 403 403 200",
    "GET /c/{commune}/budget/lines/{line_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/pb/": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/pb/projects/{project_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/pb/{process_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/pb/{process_id}/export.pb": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/pb/{process_id}/results": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/pb/{process_id}/results.csv": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/budget/pb/{process_id}/submit": "302 200 200 200 403 403 200 200",
    "GET /c/{commune}/budget/pb/{process_id}/vote": "302 200 200 200 403 403 200 200",
    "GET /c/{commune}/budget/proposals/{proposal_id}/spending": "302 200 200 200 403 403 200 200",
    "GET /c/{commune}/budget/reconcile": "302 403 403 200 403 403 403 200",
    "PATCH /api/v1/communes/{commune}/budget/processes/{process_id}": "401 403 403 409 403 403 403 409",
    "POST /api/v1/communes/{commune}/budget/import-csv": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/import-pb": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/lines": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/lines/{line_id}/amendments": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/lines/{line_id}/entries": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/processes": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/processes/{process_id}/ballots": "401 409 409 409 403 403 409 409",
    "POST /api/v1/communes/{commune}/budget/processes/{process_id}/phase": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/processes/{process_id}/projects": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/projects/{project_id}/follow-ups": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/projects/{project_id}/review": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/projects/{project_id}/spending": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/proposals/{proposal_id}/spending": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/budget/reconcile": "422 422 422 422 422 422 422 422",
    "POST /c/{commune}/budget/import": "302 403 403 422 403 403 403 422",
    "POST /c/{commune}/budget/lines": "302 403 403 422 403 403 403 422",
    "POST /c/{commune}/budget/lines/{line_id}": "302 403 403 422 403 403 403 422",
    "POST /c/{commune}/budget/pb/": "302 403 403 422 403 403 403 422",
    "POST /c/{commune}/budget/pb/projects/{project_id}": "400 400 400 400 400 400 400 400",
    "POST /c/{commune}/budget/pb/{process_id}/phase": "302 403 403 302 403 403 403 302",
    "POST /c/{commune}/budget/pb/{process_id}/submit": "302 422 422 422 403 403 422 422",
    "POST /c/{commune}/budget/pb/{process_id}/vote": "302 422 422 422 403 403 422 422",
    "POST /c/{commune}/budget/proposals/{proposal_id}/spending": "302 422 422 422 403 403 422 422",
    "POST /c/{commune}/budget/reconcile": "302 403 403 422 403 403 403 422",
}
