# ruff: noqa: E501 (one line per route: the table reads as a table)
"""R9: who may call each route of the app — one table, gathered from the code that owns
the routes, walked by a test.

Every route of the URL map — pages and API, the core's and every plugin's — × eight
roles: anonymous, a member, a facilitator, the commune's admin, the admin of another
commune of the same federation, a coordinator and a delegate of the federation, a
platform admin. A row is ``"METHOD /path": "s1 … s8"``, the status the route answers each
role in the walk (``tests/core/api/role_walk.py``): path values are a seeded commune and
federation and, for an id, a row of that commune (the demo data of the core and of every
plugin is loaded in it) from the table the id's name designates, or an id naming no row
when none does; bodies are empty (JSON for the API, a form for a
page), each request on the seeded state — so 302 is "to the sign-in page" (pages), 401
"sign in" (API), 403 "not allowed", 404 "no such row (or not visible)", 422 "allowed,
the empty body refused", 200/201/302 after a write "done".

:data:`ROLE_MATRIX` holds the core's rows; each plugin declares its own in
``convergence_<name>/role_matrix.py`` (hook ``federation_role_matrix``);
:func:`collect` gathers them. ``tests/core/api/test_role_matrix.py`` walks every route
and fails on a difference, on a route no table declares, and on a row declared by code
that does not own the route. After a reviewed change of access:
``python -m tests.core.api.role_walk [core|PLUGIN]`` prints the tables, ``--markdown``
the guide's page (docs/pages/reference/role-matrix.md, checked by the test).
"""

from __future__ import annotations

from typing import Any

ROLES = (
    "anonymous",
    "member",
    "facilitator",
    "admin",
    "other_admin",
    "coordinator",
    "delegate",
    "platform_admin",
)

ROLE_MATRIX: dict[str, str] = {
    "DELETE /api/v1/communes/{commune}/concerns/{concern_id}/support": "401 204 204 204 403 403 204 204",
    "DELETE /api/v1/communes/{commune}/memberships/{membership_id}/roles/{role}": "401 403 403 422 403 403 403 422",
    "DELETE /api/v1/communes/{commune}/organisations/{slug}/representatives/{user_id}": "401 404 404 404 403 403 404 404",
    "DELETE /api/v1/communes/{commune}/proposals/{proposal_id}/follow": "401 204 204 204 403 403 204 204",
    "DELETE /api/v1/federations/{federation}/communes/{slug}": "401 403 403 403 403 403 403 404",
    "DELETE /api/v1/federations/{federation}/plugins/{name}": "401 403 403 403 403 404 403 404",
    "DELETE /api/v1/me/tokens/{token_id}": "401 404 404 404 404 404 404 404",
    "GET /": "200 200 200 200 200 200 200 200",
    "GET /account/": "302 200 200 200 200 200 200 200",
    "GET /account/delete": "302 200 200 200 200 200 200 200",
    "GET /account/email": "302 200 200 200 200 200 200 200",
    "GET /account/export": "302 200 200 200 200 200 200 200",
    "GET /account/memberships": "302 200 200 200 200 200 200 200",
    "GET /account/password": "302 200 200 200 200 200 200 200",
    "GET /account/tokens": "302 200 200 200 200 200 200 200",
    "GET /admin/": "302 403 403 403 403 403 403 200",
    "GET /api/v1/auth/email-verification": "401 200 200 200 200 200 200 200",
    "GET /api/v1/communes": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/bodies": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/concerns": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/decisions": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/jobs/{job_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/journal": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/journal/verify": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/mandates": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/meetings": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/memberships": "401 403 200 200 403 403 403 200",
    "GET /api/v1/communes/{commune}/organisations": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/organisations/{slug}/representatives": "404 404 404 404 404 404 404 404",
    "GET /api/v1/communes/{commune}/permissions": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/plugins": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/plugins-enabled": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/proposals": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/proposals/{proposal_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/proposals/{proposal_id}/comments": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/roster/duties": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/roster/duties/{duty_id}/statuses": "401 403 200 200 403 403 403 200",
    "GET /api/v1/communes/{commune}/roster/me/duty": "401 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/roster/me/duty/{duty_id}/ledger": "401 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/roster/me/shifts": "401 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/roster/settings": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/roster/shifts": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/roster/shifts/{shift_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/roster/shifts/{shift_id}/signups": "401 403 200 200 403 403 403 200",
    "GET /api/v1/communes/{commune}/search": "422 422 422 422 422 422 422 422",
    "GET /api/v1/communes/{commune}/votes/{vote_id}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/votes/{vote_id}/objections": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/votes/{vote_id}/results": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/votes/{vote_id}/roll": "200 200 200 200 200 200 200 200",
    "GET /api/v1/communes/{commune}/votes/{vote_id}/secret-ballots": "404 404 404 404 404 404 404 404",
    "GET /api/v1/federations": "200 200 200 200 200 200 200 200",
    "GET /api/v1/federations/{federation}": "200 200 200 200 200 200 200 200",
    "GET /api/v1/federations/{federation}/attention": "401 403 403 403 403 200 403 200",
    "GET /api/v1/federations/{federation}/council": "200 200 200 200 200 200 200 200",
    "GET /api/v1/federations/{federation}/indicators": "200 200 200 200 200 200 200 200",
    "GET /api/v1/federations/{federation}/journal": "200 200 200 200 200 200 200 200",
    "GET /api/v1/federations/{federation}/journal/verify": "200 200 200 200 200 200 200 200",
    "GET /api/v1/federations/{federation}/projects": "200 200 200 200 200 200 200 200",
    "GET /api/v1/federations/{federation}/proposals": "200 200 200 200 200 200 200 200",
    "GET /api/v1/federations/{federation}/proposals/{proposal_id}": "404 404 404 404 404 404 404 404",
    "GET /api/v1/federations/{federation}/search": "422 422 422 422 422 422 422 422",
    "GET /api/v1/me": "401 200 200 200 200 200 200 200",
    "GET /api/v1/me/memberships": "401 200 200 200 200 200 200 200",
    "GET /api/v1/me/tokens": "401 200 200 200 200 200 200 200",
    "GET /api/v1/openapi.json": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/admin/": "302 403 302 302 403 403 403 302",
    "GET /c/{commune}/admin/members": "302 403 200 200 403 403 403 200",
    "GET /c/{commune}/admin/permissions": "302 403 403 200 403 403 403 200",
    "GET /c/{commune}/admin/plugins": "302 403 403 200 403 403 403 200",
    "GET /c/{commune}/admin/plugins/{name}": "302 403 403 404 403 403 403 404",
    "GET /c/{commune}/admin/profile": "302 403 403 200 403 403 403 200",
    "GET /c/{commune}/admin/verification": "302 403 200 200 403 403 403 200",
    "GET /c/{commune}/bodies": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/bodies/{slug}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/bodies/{slug}/calendar.ics": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/bodies/{slug}/meetings/new": "302 403 404 404 403 403 403 404",
    "GET /c/{commune}/bodies/{slug}/proposals/new": "302 404 404 404 403 403 404 404",
    "GET /c/{commune}/calendar": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/calendar.ics": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/calendar/mine": "302 200 200 200 200 200 200 200",
    "GET /c/{commune}/concerns": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/concerns/{concern_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/decisions": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/join": "302 200 200 200 200 200 200 200",
    "GET /c/{commune}/journal": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/mandates": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/meetings/{meeting_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/organisations": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/organisations/{slug}": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/places": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/proposals": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/proposals/{proposal_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/roster/": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/roster/circles/{slug}.ics": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/roster/duty": "302 403 200 200 403 403 403 200",
    "GET /c/{commune}/roster/feed/{token}.ics": "404 404 404 404 404 404 404 404",
    "GET /c/{commune}/roster/mine": "302 200 200 200 200 200 200 200",
    "GET /c/{commune}/roster/new": "302 403 200 200 403 403 403 200",
    "GET /c/{commune}/roster/shifts/{shift_id}": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/search": "200 200 200 200 200 200 200 200",
    "GET /c/{commune}/votes/{vote_id}": "200 200 200 200 200 200 200 200",
    "GET /calendar": "302 200 200 200 200 200 200 200",
    "GET /email/verify/{token}": "400 400 400 400 400 400 400 400",
    "GET /f/{federation}/": "200 200 200 200 200 200 200 200",
    "GET /f/{federation}/coordination": "302 403 403 403 403 200 403 200",
    "GET /f/{federation}/council": "200 200 200 200 200 200 200 200",
    "GET /f/{federation}/journal": "200 200 200 200 200 200 200 200",
    "GET /f/{federation}/projects": "200 200 200 200 200 200 200 200",
    "GET /f/{federation}/projects/{project_id}": "404 404 404 404 404 404 404 404",
    "GET /f/{federation}/proposals": "200 200 200 200 200 200 200 200",
    "GET /f/{federation}/proposals/{proposal_id}": "404 404 404 404 404 404 404 404",
    "GET /f/{federation}/search": "200 200 200 200 200 200 200 200",
    "GET /home": "302 200 200 200 200 200 200 200",
    "GET /login": "200 200 200 200 200 200 200 200",
    "GET /notifications": "302 200 200 200 200 200 200 200",
    "GET /password/forgot": "200 200 200 200 200 200 200 200",
    "GET /password/reset/{token}": "400 400 400 400 400 400 400 400",
    "GET /register": "200 200 200 200 200 200 200 200",
    "GET /static/{filename}": "404 404 404 404 404 404 404 404",
    "PATCH /api/v1/communes/{commune}": "401 403 403 200 403 403 403 200",
    "PATCH /api/v1/communes/{commune}/roster/settings": "401 403 200 200 403 403 403 200",
    "PATCH /api/v1/communes/{commune}/votes/{vote_id}": "401 403 409 409 403 403 403 409",
    "POST /account/": "302 422 422 422 422 422 422 422",
    "POST /account/delete": "302 422 422 422 422 422 422 422",
    "POST /account/email": "302 302 302 302 302 302 302 302",
    "POST /account/password": "302 422 422 422 422 422 422 422",
    "POST /account/tokens": "302 200 200 200 200 200 200 200",
    "POST /account/tokens/{token_id}/revoke": "302 302 302 302 302 302 302 302",
    "POST /admin/": "302 403 403 403 403 403 403 422",
    "POST /api/v1/auth/email-verification": "401 202 202 202 202 202 202 202",
    "POST /api/v1/auth/email-verification/confirm": "422 422 422 422 422 422 422 422",
    "POST /api/v1/auth/password-reset": "422 422 422 422 422 422 422 422",
    "POST /api/v1/auth/password-reset/confirm": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/bodies": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/bodies/{slug}/members": "401 404 404 404 403 403 404 404",
    "POST /api/v1/communes/{commune}/comments/{comment_id}/hide": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/concerns": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/concerns/{concern_id}/merge": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/concerns/{concern_id}/support": "401 204 204 204 403 403 204 204",
    "POST /api/v1/communes/{commune}/mandates": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/mandates/elections": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/mandates/{mandate_id}/recall": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/mandates/{mandate_id}/recall-vote": "401 403 201 201 403 403 403 201",
    "POST /api/v1/communes/{commune}/meetings": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/meetings/{meeting_id}/attendance": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/meetings/{meeting_id}/minutes": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/memberships": "401 409 409 409 201 201 409 201",
    "POST /api/v1/communes/{commune}/memberships/{membership_id}/approve": "401 403 409 409 403 403 403 409",
    "POST /api/v1/communes/{commune}/memberships/{membership_id}/roles": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/objections/{objection_id}": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/organisations": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/organisations/{slug}/representatives": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/proposals": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/proposals/{proposal_id}/comments": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/proposals/{proposal_id}/cosign": "401 204 204 204 403 403 204 204",
    "POST /api/v1/communes/{commune}/proposals/{proposal_id}/follow": "401 204 204 204 403 403 204 204",
    "POST /api/v1/communes/{commune}/proposals/{proposal_id}/transition": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/roster/duties": "401 403 201 201 403 403 403 201",
    "POST /api/v1/communes/{commune}/roster/duties/{duty_id}/exemptions": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/roster/series": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/roster/shifts": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/roster/shifts/{shift_id}/attendance": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/roster/shifts/{shift_id}/cancel": "401 403 204 204 403 403 403 204",
    "POST /api/v1/communes/{commune}/roster/shifts/{shift_id}/signups": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/roster/signups/{signup_id}/cancel": "401 403 204 204 403 403 403 204",
    "POST /api/v1/communes/{commune}/votes": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/votes/{vote_id}/ballots": "422 422 422 422 422 422 422 422",
    "POST /api/v1/communes/{commune}/votes/{vote_id}/close": "401 403 409 409 403 403 403 409",
    "POST /api/v1/communes/{commune}/votes/{vote_id}/open": "401 403 409 409 403 403 403 409",
    "POST /api/v1/communes/{commune}/votes/{vote_id}/proxies": "422 422 422 422 422 422 422 422",
    "POST /api/v1/federations": "422 422 422 422 422 422 422 422",
    "POST /api/v1/federations/{federation}/communes": "422 422 422 422 422 422 422 422",
    "POST /api/v1/federations/{federation}/projects": "422 422 422 422 422 422 422 422",
    "POST /api/v1/federations/{federation}/projects/{project_id}/expenses": "422 422 422 422 422 422 422 422",
    "POST /api/v1/federations/{federation}/projects/{project_id}/submit": "401 403 403 403 403 404 403 404",
    "POST /api/v1/federations/{federation}/proposals": "422 422 422 422 422 422 422 422",
    "POST /api/v1/federations/{federation}/proposals/{proposal_id}/send": "401 403 403 403 403 404 403 404",
    "POST /api/v1/me/tokens": "422 422 422 422 422 422 422 422",
    "POST /c/{commune}/admin/members/{membership_id}/{action}": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/admin/permissions": "302 403 403 302 403 403 403 302",
    "POST /c/{commune}/admin/plugins/{name}": "302 403 403 404 403 403 403 404",
    "POST /c/{commune}/admin/profile": "302 403 403 302 403 403 403 302",
    "POST /c/{commune}/admin/verification": "302 403 200 200 403 403 403 200",
    "POST /c/{commune}/bodies": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/bodies/{slug}/meetings/new": "302 403 404 404 403 403 403 404",
    "POST /c/{commune}/bodies/{slug}/proposals/new": "302 404 404 404 403 403 404 404",
    "POST /c/{commune}/bodies/{slug}/{action}": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/concerns": "302 422 422 422 403 403 422 422",
    "POST /c/{commune}/concerns/{concern_id}/{action}": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/join": "302 200 200 200 302 302 200 302",
    "POST /c/{commune}/mandates": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/mandates/elections": "302 403 404 404 403 403 403 404",
    "POST /c/{commune}/mandates/{mandate_id}/recall": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/mandates/{mandate_id}/recall-vote": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/meetings/{meeting_id}/{action}": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/organisations": "302 422 422 422 403 403 422 422",
    "POST /c/{commune}/organisations/{slug}/representatives": "302 404 404 404 403 403 404 404",
    "POST /c/{commune}/organisations/{slug}/representatives/{user_id}/remove": "302 404 404 404 403 403 404 404",
    "POST /c/{commune}/places": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/proposals/{proposal_id}/{action}": "404 404 404 404 404 404 404 404",
    "POST /c/{commune}/roster/duty": "302 403 400 400 403 403 403 400",
    "POST /c/{commune}/roster/feed": "302 302 302 302 403 403 302 403",
    "POST /c/{commune}/roster/new": "302 403 422 422 403 403 403 422",
    "POST /c/{commune}/roster/shifts/{shift_id}/attendance": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/roster/shifts/{shift_id}/cancel": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/roster/shifts/{shift_id}/signup": "302 302 302 302 403 403 302 403",
    "POST /c/{commune}/roster/signups/{signup_id}/cancel": "302 403 302 302 403 403 403 302",
    "POST /c/{commune}/votes/{vote_id}/objections/{objection_id}": "302 403 404 404 403 403 403 404",
    "POST /c/{commune}/votes/{vote_id}/{action}": "404 404 404 404 404 404 404 404",
    "POST /email/verify/{token}": "400 400 400 400 400 400 400 400",
    "POST /f/{federation}/projects": "302 403 403 403 403 422 403 422",
    "POST /f/{federation}/projects/{project_id}": "404 404 404 404 404 404 404 404",
    "POST /f/{federation}/proposals": "302 403 403 403 403 422 403 422",
    "POST /f/{federation}/proposals/{proposal_id}/send": "302 403 403 403 403 302 403 302",
    "POST /lang/{code}": "404 404 404 404 404 404 404 404",
    "POST /login": "422 422 422 422 422 422 422 422",
    "POST /logout": "302 302 302 302 302 302 302 302",
    "POST /notifications": "302 302 302 302 302 302 302 302",
    "POST /password/forgot": "422 422 422 422 422 422 422 422",
    "POST /password/reset/{token}": "400 400 400 400 400 400 400 400",
    "POST /register": "422 422 422 422 422 422 422 422",
    "PUT /api/v1/communes/{commune}/plugins/{name}": "422 422 422 422 422 422 422 422",
    "PUT /api/v1/federations/{federation}/plugins/{name}": "401 403 403 403 403 404 403 404",
}


def rows_by_owner(app: Any) -> dict[str, dict[str, str]]:
    """``{"core": ROLE_MATRIX, plugin: its rows…}`` (hook ``federation_role_matrix``)."""
    found = {"core": dict(ROLE_MATRIX)}
    pm = app.extensions["convergence"].pm
    for impl in pm.hook.federation_role_matrix.get_hookimpls():
        rows = impl.function() or {}
        if rows:
            found[impl.plugin_name] = dict(rows)
    return found


def collect(app: Any) -> dict[str, str]:
    """The whole table: the core's rows and every plugin's.

    A route declared twice (by the core and a plugin, or by two plugins), a row without
    one status per role, or a row that declares a server error is refused."""
    table: dict[str, str] = {}
    owner: dict[str, str] = {}
    for name, rows in rows_by_owner(app).items():
        for key, statuses in rows.items():
            if key in table:
                raise ValueError(f"{key}: declared by {owner[key]} and {name}")
            codes = statuses.split()
            if len(codes) != len(ROLES) or any(c.startswith("5") for c in codes):
                raise ValueError(f"{key}: one status per role, no 5xx ({statuses!r})")
            table[key] = statuses
            owner[key] = name
    return table
