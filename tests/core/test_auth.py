"""Accounts and security: argon2id, CSRF, rate limits, tokens, sessions, redirects, headers."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2 import Type as ArgonType
from sqlalchemy import select

from federation.db import db
from federation.identity import passwords, services
from federation.identity.models import User
from federation.security import safe_next


@pytest.fixture
def asvs_hashing(app, monkeypatch):
    """Production's hashing parameters (the suite runs with argon2's cheapest ones)."""
    monkeypatch.setitem(app.config, "PASSWORD_HASHING", "asvs")


def test_passwords_are_hashed_with_argon2id_meeting_asvs(app, factory, in_db, asvs_hashing):
    user = factory.user()
    with in_db():
        stored = db.session.get(User, user.id).password_hash
    params = extract_parameters(stored)
    assert params.type is ArgonType.ID
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism >= 1


def test_an_old_hash_is_upgraded_on_login(app, factory, in_db, asvs_hashing):
    user = factory.user()
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(user.password)
    with in_db():
        db.session.get(User, user.id).password_hash = weak
    with in_db():
        assert services.authenticate(user.email, user.password) is not None
    with in_db():
        upgraded = db.session.get(User, user.id).password_hash
    assert upgraded != weak and not passwords.needs_rehash(upgraded)


def test_the_fast_hashing_of_tests_is_refused_in_production(tmp_path):
    from federation.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="PASSWORD_HASHING"):
        load_settings(
            "prod-check",
            {
                "env": "production",
                "secret_key": "x" * 32,
                "redis_url": "redis://127.0.0.1:6379/0",
                "hosts": ["example.org"],
                "password_hashing": "fast-for-tests",
            },
        )


def test_email_is_unique_case_insensitively(app, factory, in_db):
    factory.user("Someone@Example.org")
    with in_db(), pytest.raises(services.Conflict):
        services.create_user("someone@example.ORG", "long enough pass", "Other")


def test_register_login_logout_through_the_forms(client, app):
    response = client.post(
        "/register",
        data={
            "display_name": "Léa",
            "email": "lea@example.org",
            "password": "a long password",
            "confirm": "a long password",
            "locale": "fr",
        },
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    client.post("/logout")
    assert client.get("/account/").status_code == 302
    bad = client.post("/login", data={"email": "lea@example.org", "password": "wrong one!"})
    assert bad.status_code == 422 and "incorrect" in bad.text
    good = client.post("/login", data={"email": "LEA@example.org", "password": "a long password"})
    assert good.status_code == 302


def test_register_errors_are_shown_next_to_the_field(client):
    response = client.post(
        "/register",
        data={
            "display_name": "",
            "email": "not-an-email",
            "password": "short",
            "confirm": "other",
            "locale": "fr",
        },
    )
    assert response.status_code == 422
    assert 'id="display_name-error"' in response.text
    assert 'id="password-error"' in response.text
    assert "error-summary" in response.text


def test_csrf_is_required_on_every_form(make_app, app, factory):
    csrf_app = make_app(WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    user = factory.user()
    assert (
        client.post("/login", data={"email": user.email, "password": user.password}).status_code
        == 400
    )
    assert client.post("/register", data={}).status_code == 400
    assert client.post("/lang/en").status_code == 400


def test_state_changing_routes_refuse_a_missing_csrf_token(make_app, app, factory):
    """R19: every POST/PUT/PATCH/DELETE web rule (API excluded: token-only) needs a token."""
    csrf_app = make_app(WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    commune = factory.commune()
    member = factory.member(commune, "admin")
    factory.login(client, member)
    for rule in csrf_app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static")):
            continue
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            values = {arg: (commune.slug if arg == "commune" else "1") for arg in rule.arguments}
            values = {k: ("en" if k == "code" else v) for k, v in values.items()}
            url = rule.rule
            for key, value in values.items():
                url = url.replace(f"<int:{key}>", value).replace(f"<{key}>", value)
            response = client.open(url, method=method, data={"x": "1"})
            assert response.status_code in (400, 404), (rule.rule, method, response.status_code)


def test_login_is_rate_limited(make_app, app, factory):
    limited = make_app(RATELIMIT_ENABLED=True, login_rate_limit="5 per minute")
    client = limited.test_client()
    statuses = [
        client.post("/login", data={"email": "x@example.org", "password": "nope"}).status_code
        for _ in range(7)
    ]
    assert statuses[:5] == [422] * 5 and statuses[5:] == [429, 429]


def test_api_token_authentication_and_revocation(client, factory, app, in_db):
    user = factory.user()
    headers = factory.token(user)
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json["email"] == user.email
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer cvg_nope"}).status_code == 401
    with in_db():
        [token] = services.tokens_of(db.session.get(User, user.id))
        token_id = token.id
        assert token.token_hash != headers["Authorization"].split()[1]  # stored hashed
    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_api_ignores_the_session_cookie(client, factory):
    user = factory.user()
    factory.login(client, user)
    assert client.get("/account/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_password_change_ends_other_sessions(app, factory):
    user = factory.user()
    first, second = app.test_client(), app.test_client()
    factory.login(first, user)
    factory.login(second, user)
    response = first.post(
        "/account/password",
        data={
            "current_password": user.password,
            "new_password": "another long one",
            "confirm": "another long one",
        },
    )
    assert response.status_code == 302
    assert first.get("/account/").status_code == 200
    assert second.get("/account/").status_code == 302  # sent to the login page


def test_wrong_current_password_is_shown_on_its_field(client, factory):
    user = factory.user()
    factory.login(client, user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong password",
            "new_password": "another long one",
            "confirm": "another long one",
        },
    )
    assert response.status_code == 422
    assert 'id="current_password-error"' in response.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "\\\\evil",
        "/\\evil",
        "javascript:alert(1)",
        "https://evil.example",
        "http:/evil",
        " //evil",
        "/%0a/evil\n",
        "",
    ],
)
def test_unsafe_redirect_targets_go_home(target):
    assert safe_next(target) == "/"


def test_safe_redirect_keeps_local_paths():
    assert safe_next("/c/tarnac/?x=1") == "/c/tarnac/?x=1"


def test_login_redirects_only_to_local_paths(client, factory):
    user = factory.user()
    response = client.post(
        "/login?next=//evil.example", data={"email": user.email, "password": user.password}
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_permission_checks(client, factory):
    commune = factory.commune()
    member = factory.member(commune, "member")
    facilitator = factory.member(commune, "facilitator")
    url = f"/c/{commune.slug}/admin/members"
    assert client.get(url).status_code == 302  # visitor → login
    factory.login(client, member)
    assert client.get(url).status_code == 403
    factory.login(client, facilitator)
    assert client.get(url).status_code == 200
    assert client.get(f"/c/{commune.slug}/admin/plugins").status_code == 403


def test_commune_can_change_which_role_holds_a_permission(app, factory, in_db):
    commune = factory.commune()
    member = factory.member(commune, "member")
    with in_db():
        user = db.session.get(User, member.user.id)
        assert services.has_permission(user, "notes.write", commune.id)
        services.set_role_permission(commune.id, "member", "notes.write", False)
    with in_db():
        user = db.session.get(User, member.user.id)
        assert not services.has_permission(user, "notes.write", commune.id)
        services.set_role_permission(commune.id, "admin", "core.admin", False)
    with in_db():
        assert "core.admin" in services.role_permission_table(commune.id)["admin"]


def test_pending_members_have_no_rights(app, factory, in_db):
    commune = factory.commune()
    pending = factory.member(commune, status="pending")
    with in_db():
        user = db.session.get(User, pending.user.id)
        assert not services.has_permission(user, "core.participate", commune.id)


def test_undeclared_permission_is_a_programming_error(app, factory, in_db):
    user = factory.user()
    with in_db(), pytest.raises(KeyError):
        services.has_permission(db.session.get(User, user.id), "nobody.declared", None)


def test_security_headers_on_pages_and_errors(client):
    for url in ("/", "/does-not-exist", "/api/v1/communes", "/api/v1/nothing-here"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        secure = client.get(url, base_url="https://localhost").headers
        assert "max-age=31536000" in secure["Strict-Transport-Security"]  # over TLS only
        assert headers["Referrer-Policy"]


def test_secure_cookie_settings(make_app, app, factory):
    secure = make_app(secure_cookies=True)
    user = factory.user()
    client = secure.test_client()
    response = client.post(
        "/login",
        data={"email": user.email, "password": user.password},
        base_url="https://localhost",
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_host_is_refused_when_hosts_are_configured(make_app, app, factory, in_db):
    commune = factory.commune("hosted")
    with in_db():
        from federation.tenancy.models import Commune

        db.session.get(Commune, commune.id).host = "hosted.example"
    hosted = make_app(hosts=["platform.example", "hosted.example"])  # commune hosts too
    client = hosted.test_client()
    assert client.get("/", base_url="http://evil.example").status_code == 400
    assert client.get("/", base_url="http://platform.example").status_code == 200
    response = client.get("/", base_url="http://hosted.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/c/hosted/")
    other = factory.commune("other")
    assert client.get(f"/c/{other.slug}/", base_url="http://hosted.example").status_code == 404


def test_security_events_are_logged_without_secrets(client, factory, caplog):
    user = factory.user()
    with caplog.at_level("INFO", logger="convergence.security"):
        client.post("/login", data={"email": user.email, "password": "wrong password!"})
    text = caplog.text
    assert "login_failed" in text
    assert "wrong password!" not in text and user.password not in text


def test_user_rows_have_no_plaintext(app, factory, in_db):
    user = factory.user()
    with in_db():
        row = db.session.scalar(select(User).where(User.id == user.id))
        assert user.password not in row.password_hash
