# ruff: noqa: E501 (one line per route: the table reads as a table)
"""R9: who may call each route of the elections plugin — its pages and its API — as the
status answered to each role of :data:`federation.api.role_matrix.ROLES` (anonymous, member,
facilitator, admin, admin of another commune, coordinator, delegate, platform admin).

Declared through the hook ``federation_role_matrix`` (the plugin base class reads this
module) and walked by ``tests/core/api/test_role_matrix.py``, which fails on a difference
and on a route of the plugin missing here. After a reviewed change of access:
``python -m tests.core.api.role_walk elections`` prints this table.
"""

from __future__ import annotations

ROLE_MATRIX: dict[str, str] = {
    "DELETE /api/v1/communes/{commune}/elections/lists/{list_id}/candidacies/mine": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/elections/draws": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/elections/draws/{draw_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/elections/lists": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/elections/lists/{list_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/elections/lists/{list_id}/candidacies": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/elections/lists/{list_id}/filing": "401 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/elections/measures/{measure_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/elections/programme": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/elections/stage": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/elections/treasury": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/elections/": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/elections/draws/{draw_id}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/elections/draws/{draw_id}.json": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/elections/lists/{list_id}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/elections/lists/{list_id}/filing": "302 404 404 404 404 404 404 404",
    "GET /c/{commune}/elections/lists/{list_id}/filing.csv": "302 404 404 404 404 404 404 404",
    "GET /c/{commune}/elections/lists/{list_id}/filing.pdf": "302 404 404 404 404 404 404 404",
    "GET /c/{commune}/elections/measures/{measure_id}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/elections/programme": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/elections/treasury": "200 200 200 200 200 200 200 200",
    "PATCH /api/v1/communes/{commune}/elections/measures/{measure_id}": "404 404 404 404 404 404 404 404",
    "POST /api/v1/communes/{commune}/elections/draws": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/elections/draws/{draw_id}/commitment": "404 404 404 404 404 404 404 404",
    "POST /api/v1/communes/{commune}/elections/draws/{draw_id}/result": "404 404 404 404 404 404 404 404",
    "POST /api/v1/communes/{commune}/elections/draws/{draw_id}/volunteers": "404 404 404 404 404 404 404 404",
    "POST /api/v1/communes/{commune}/elections/lists": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/elections/lists/{list_id}/candidacies": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/elections/lists/{list_id}/coordinators": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/elections/lists/{list_id}/order": "404 404 404 404 404 404 404 404",
    "POST /api/v1/communes/{commune}/elections/lists/{list_id}/proposal": "404 404 404 404 404 404 404 404",
    "POST /api/v1/communes/{commune}/elections/lists/{list_id}/ranking": "404 404 404 404 404 404 404 404",
    "POST /api/v1/communes/{commune}/elections/programme/axes": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/elections/programme/measures": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/elections/programme/proposals": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/elections/stage/proposals": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/elections/treasury": "422 422 422 422 422 422 422 422",
    "POST /c/{commune}/elections/draws": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/elections/draws/{draw_id}/commit": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/draws/{draw_id}/draw": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/draws/{draw_id}/volunteer": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/lists": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/elections/lists/{list_id}/coordinators": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/lists/{list_id}/my-filing": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/lists/{list_id}/order": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/lists/{list_id}/propose": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/lists/{list_id}/ranking": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/lists/{list_id}/stand": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/lists/{list_id}/withdraw": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/measures/{measure_id}": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/elections/programme/axes": "302 302 302 302 403 403 302 403",
    "POST /c/{commune}/elections/programme/measures": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/elections/programme/propose": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/elections/stage": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/elections/treasury": "302 403 302 302 403 403 403 302",
    "PUT /api/v1/communes/{commune}/elections/lists/{list_id}/candidacies/mine/filing": "422 422 422 422 422 422 422 422",
}
