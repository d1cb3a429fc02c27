"""R25: the security log is JSON lines with the event, the commune and the user, never a
secret (a field named like one is not written) nor a vote's content."""

from __future__ import annotations

import json
import logging

import pytest

from federation.db import db
from federation.security import security_event


def events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "convergence.security"]


def test_login_failure_and_success_are_json_lines(client, factory, caplog):
    user = factory.user()
    with caplog.at_level(logging.INFO, logger="convergence.security"):
        client.post("/login", data={"email": user.email, "password": "wrong password!"})
        client.post("/login", data={"email": user.email, "password": user.password})
    found = events(caplog)
    assert [e["event"] for e in found][:2] == ["login_failed", "login_succeeded"]
    assert all({"ts", "event", "commune", "user", "ip", "endpoint"} <= set(e) for e in found)
    assert "wrong password!" not in caplog.text and user.password not in caplog.text


def test_role_changes_and_exports_are_logged(app, client, factory, in_db, caplog):
    from federation.identity import services
    from federation.identity.models import Membership

    commune = factory.commune()
    member = factory.member(commune)
    with caplog.at_level(logging.INFO, logger="convergence.security"):
        with in_db():
            row = db.session.get(Membership, member.membership_id)
            services.grant_role(row, "facilitator")
            services.revoke_role(row, "facilitator")
            services.set_role_permission(commune.id, "member", "core.participate", False)
        factory.login(client, member)
        client.get("/account/export")
    kinds = [e["event"] for e in events(caplog)]
    for kind in ("role_granted", "role_revoked", "role_rule_changed", "personal_data_exported"):
        assert kind in kinds, kinds


@pytest.mark.parametrize("name", ["password", "token", "secret", "ballot", "choice", "code"])
def test_a_field_named_like_a_secret_is_not_written(app, caplog, name):
    with app.test_request_context("/x"), caplog.at_level(logging.INFO, "convergence.security"):
        security_event("planted", **{name: "s3cr3t-value"}, vote=3)
    [event] = events(caplog)
    assert event[name] == "[not logged]" and event["vote"] == 3
    assert "s3cr3t-value" not in caplog.text
