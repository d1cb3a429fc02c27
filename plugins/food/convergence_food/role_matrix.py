# ruff: noqa: E501 (one line per route: the table reads as a table)
"""R9: who may call each route of the food plugin — its pages and its API — as the
status answered to each role of :data:`federation.api.role_matrix.ROLES` (anonymous, member,
facilitator, admin, admin of another commune, coordinator, delegate, platform admin).

Declared through the hook ``federation_role_matrix`` (the plugin base class reads this
module) and walked by ``tests/core/api/test_role_matrix.py``, which fails on a difference
and on a route of the plugin missing here. After a reviewed change of access:
``python -m tests.core.api.role_walk food`` prints this table.
"""

from __future__ import annotations

ROLE_MATRIX: dict[str, str] = {
    "GET /api/v1/communes/{commune}/food/aid": "401 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/candidates": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/contracts": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/contracts/{contract_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/distributions": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/distributions/{distribution_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/needs": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/plots": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/pot": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/producers": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/producers/{producer_id}/harvest-shifts": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/producers/{producer_id}/products": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/food/subscriptions": "401 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/aid": "302 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/aid/requests": "302 404 404 404 404 404 404 404",
    "GET /c/{commune}/food/contracts": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/contracts/{contract_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/distributions": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/distributions/{distribution_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/distributions/{distribution_id}/print": "302 403 200 200 403 403 403 200",
    "GET /c/{commune}/food/land": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/needs": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/pot": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/producers": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/producers/{producer_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/food/subscriptions/{subscription_id}": "302 404 404 404 404 404 404 404",
    "POST /api/v1/communes/{commune}/food/aid": "401 201 201 201 403 403 201 403",
    "POST /api/v1/communes/{commune}/food/aid/requests/{request_id}": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/candidates": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/contracts": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/contracts/{contract_id}/deliveries": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/contracts/{contract_id}/lines": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/contracts/{contract_id}/propose": "401 403 409 409 403 403 403 409",
    "POST /api/v1/communes/{commune}/food/contracts/{contract_id}/subscriptions": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/distributions": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/distributions/{distribution_id}/rota": "401 403 409 409 403 403 403 409",
    "POST /api/v1/communes/{commune}/food/matches": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/plots": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/pot/gifts": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/pot/sharing": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/producers": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/producers/shared": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/producers/{producer_id}/harvest-shifts": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/producers/{producer_id}/products": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/food/subscriptions/{subscription_id}/changes": "422 422 422 422 422 422 422 422",
    "POST /c/{commune}/food/aid": "302 302 302 302 422 422 302 422",
    "POST /c/{commune}/food/aid/requests": "302 404 404 404 404 404 404 404",
    "POST /c/{commune}/food/contracts": "302 422 422 422 422 422 422 422",
    "POST /c/{commune}/food/contracts/{contract_id}": "302 400 400 400 400 400 400 400",
    "POST /c/{commune}/food/distributions": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/food/distributions/{distribution_id}": "302 403 400 400 403 403 403 400",
    "POST /c/{commune}/food/land": "302 400 400 400 400 400 400 400",
    "POST /c/{commune}/food/needs": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/food/pot": "302 422 422 422 403 403 422 403",
    "POST /c/{commune}/food/producers": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/food/producers/{producer_id}": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/food/subscriptions/{subscription_id}": "302 404 404 404 404 404 404 404",
    "PUT /api/v1/communes/{commune}/food/needs": "422 422 422 422 422 422 422 422",
}
