# ruff: noqa: E501 (one line per route: the table reads as a table)
"""R9: who may call each route of the actions plugin — its pages and its API — as the
status answered to each role of :data:`federation.api.role_matrix.ROLES` (anonymous, member,
facilitator, admin, admin of another commune, coordinator, delegate, platform admin).

Declared through the hook ``federation_role_matrix`` (the plugin base class reads this
module) and walked by ``tests/core/api/test_role_matrix.py``, which fails on a difference
and on a route of the plugin missing here. After a reviewed change of access:
``python -m tests.core.api.role_walk actions`` prints this table.
"""

from __future__ import annotations

ROLE_MATRIX: dict[str, str] = {
    "DELETE /api/v1/communes/{commune}/actions/bookings/{booking_id}": "401 403 204 204 403 403 403 403",
    "DELETE /api/v1/communes/{commune}/actions/campaigns/{campaign_id}/support": "401 204 204 204 403 403 204 403",
    "DELETE /api/v1/communes/{commune}/actions/events/{event_id}/registrations/{registration_id}": "401 403 204 204 403 403 403 403",
    "GET /api/v1/communes/{commune}/actions/campaigns": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/actions/campaigns/{campaign_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/actions/campaigns/{campaign_id}/pledges": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/actions/events": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/actions/events/{event_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/actions/events/{event_id}/registrations": "401 403 200 200 403 403 403 403",
    "GET /api/v1/communes/{commune}/actions/federation-campaigns": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/actions/federation-campaigns/{row_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/actions/places": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/actions/projects": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/actions/rooms/{room_id}/bookings": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/calendar.ics": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/campaigns/{campaign_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/events/new": "401 403 200 200 403 403 403 403",
    "GET /c/{commune}/actions/events/{event_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/events/{event_id}/door": "401 403 200 200 403 403 403 403",
    "GET /c/{commune}/actions/events/{event_id}/event.ics": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/events/{event_id}/participants": "401 403 200 200 403 403 403 403",
    "GET /c/{commune}/actions/federation": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/federation/{row_id}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/actions/places": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/places/{place_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/projects": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/actions/projects/{project_id}": "200 200 200 200 200 200 200 200",
    "GET /f/{federation}/actions/": "200 200 200 200 200 200 200 200",
    "GET /f/{federation}/actions/campaigns/{row_id}": "404 404 404 404 404 404 404 404",
    "PATCH /api/v1/communes/{commune}/actions/events/{event_id}/registrations/{registration_id}": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/campaigns": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/campaigns/{campaign_id}/pledges": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/campaigns/{campaign_id}/report": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/campaigns/{campaign_id}/support": "401 409 409 409 403 403 409 403",
    "POST /api/v1/communes/{commune}/actions/events": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/events/{event_id}/check-in": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/events/{event_id}/registrations": "422 409 409 409 403 403 409 403",
    "POST /api/v1/communes/{commune}/actions/events/{event_id}/roles": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/federation-campaigns": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/mandates": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/places": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/places/{place_id}/rooms": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/projects": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/actions/projects/{project_id}/steps/{step_id}": "401 403 200 200 403 403 403 403",
    "POST /api/v1/communes/{commune}/actions/rooms/{room_id}/bookings": "422 422 422 422 422 422 422 422",
    "POST /c/{commune}/actions/": "401 422 422 422 422 422 422 422",
    "POST /c/{commune}/actions/campaigns/{campaign_id}": "401 400 400 400 400 400 400 400",
    "POST /c/{commune}/actions/events/new": "401 403 422 422 403 403 403 403",
    "POST /c/{commune}/actions/events/{event_id}": "401 400 400 400 400 400 400 400",
    "POST /c/{commune}/actions/events/{event_id}/door": "401 403 422 422 403 403 403 403",
    "POST /c/{commune}/actions/events/{event_id}/participants": "401 403 422 422 403 403 403 403",
    "POST /c/{commune}/actions/federation": "401 403 422 422 403 403 403 403",
    "POST /c/{commune}/actions/places": "401 403 422 422 403 403 403 403",
    "POST /c/{commune}/actions/places/{place_id}": "401 400 400 400 400 400 400 400",
    "POST /c/{commune}/actions/projects": "401 403 422 422 403 403 403 403",
    "POST /c/{commune}/actions/projects/{project_id}": "401 403 422 422 403 403 403 403",
}
