# ruff: noqa: E501 (one line per route: the table reads as a table)
"""R9: who may call each route of the water plugin — its pages and its API — as the
status answered to each role of :data:`federation.api.role_matrix.ROLES` (anonymous, member,
facilitator, admin, admin of another commune, coordinator, delegate, platform admin).

Declared through the hook ``federation_role_matrix`` (the plugin base class reads this
module) and walked by ``tests/core/api/test_role_matrix.py``, which fails on a difference
and on a route of the plugin missing here. After a reviewed change of access:
``python -m tests.core.api.role_walk water`` prints this table.
"""

from __future__ import annotations

ROLE_MATRIX: dict[str, str] = {
    "GET /api/v1/communes/{commune}/water/alerts": "401 403 200 200 403 403 403 200",
    "GET /api/v1/communes/{commune}/water/allocations": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/water/allocations/{run_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/water/basins/{federation_id}/balance": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/water/levels": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/water/me": "401 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/water/proposals/{proposal_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/water/resources": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/water/resources/{resource_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/water/resources/{resource_id}/readings": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/water/rules": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/water/users": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/water/users/{user_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/water/users/{user_id}/allocation": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/water/users/{user_id}/readings": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/water/": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/alerts": "302 403 200 200 403 403 403 200",
    "GET /c/{commune}/water/allocations": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/allocations/{run_id}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/water/basin-links": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/basin/{federation_id}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/water/import": "302 403 200 200 403 403 403 200",
    "GET /c/{commune}/water/levels": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/me": "302 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/me/basin": "302 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/resources": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/resources/{resource_id}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/water/rules": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/users": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/water/users/{user_id}": "404 404 404 404 404 404 404 404",
    "GET /f/{federation}/water/": "200 200 200 200 200 200 200 200",
    "GET /f/{federation}/water/runs/{run_id}": "404 404 404 404 404 404 404 404",
    "PATCH /api/v1/communes/{commune}/water/resources/{resource_id}": "401 403 404 404 403 403 403 404",
    "PATCH /api/v1/communes/{commune}/water/users/{user_id}": "401 403 404 404 403 403 403 404",
    "POST /api/v1/communes/{commune}/water/allocations": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/water/allocations/{run_id}/apply": "401 403 404 404 403 403 403 404",
    "POST /api/v1/communes/{commune}/water/levels": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/water/proposals": "401 403 422 422 403 403 403 422",
    "POST /api/v1/communes/{commune}/water/readings": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/water/readings/csv": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/water/resources": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/water/resources/{resource_id}/readings": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/water/users": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/water/users/{user_id}/readings": "422 422 422 422 422 422 422 422",
    "POST /c/{commune}/water/allocations": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/water/allocations/{run_id}": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/water/basin-links": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/water/import": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/water/levels": "400 400 400 400 400 400 400 400",
    "POST /c/{commune}/water/me": "302 404 404 404 404 404 404 404",
    "POST /c/{commune}/water/resources": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/water/resources/{resource_id}": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/water/rules": "302 403 400 400 403 403 403 400",
    "POST /c/{commune}/water/users": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/water/users/{user_id}": "404 404 404 404 404 404 404 404",
    "POST /f/{federation}/water/": "302 422 422 422 422 422 422 422",
    "PUT /api/v1/communes/{commune}/water/policy": "401 403 200 200 403 403 403 200",
    "PUT /api/v1/communes/{commune}/water/proposals/{proposal_id}": "401 403 404 404 403 403 403 404",
    "PUT /api/v1/communes/{commune}/water/rules": "422 422 422 422 422 422 422 422",
}
