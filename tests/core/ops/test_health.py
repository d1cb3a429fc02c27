"""/healthz, /readyz and /metrics (issue 17 item 3), and the request id of every response."""

from __future__ import annotations

from sqlalchemy import text

from federation.db import db
from federation.ops.web import readiness


def test_healthz_answers_without_touching_the_database(app, client, count_queries):
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert counter.count == 0


def test_readyz_checks_the_database_and_the_migrations(app, client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["ready"] is True
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "at head"
    assert "redis" not in body["checks"]  # not configured: not checked


def test_readyz_is_503_when_the_schema_is_behind(app, client, monkeypatch):
    from federation import migrate

    heads = migrate.heads(app)
    monkeypatch.setattr(migrate, "heads", lambda _app: [*heads, "9999future"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"].startswith("behind")


def test_readyz_is_503_when_the_database_is_unreachable(make_app):
    down = make_app(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"].startswith("unavailable")
    assert "Traceback" not in response.get_data(as_text=True)
    assert down.test_client().get("/healthz").status_code == 200


def test_readyz_checks_redis_when_configured(make_app):
    unreachable = make_app(redis_url="redis://127.0.0.1:1/0")
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"].startswith("unavailable")


def test_every_response_carries_a_request_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert first and second and first != second
    kept = client.get("/", headers={"X-Request-ID": "proxy-given-1234"})
    assert kept.headers["X-Request-ID"] == "proxy-given-1234"
    forged = client.get("/", headers={"X-Request-ID": '"}, {"admin": true'})
    assert forged.headers["X-Request-ID"] != '"}, {"admin": true'  # not kept: a new id


def test_metrics_count_requests_by_endpoint(app, client):
    client.get("/")
    client.get("/no/such/page")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'endpoint="web.portal",method="GET",status="200"' in body
    assert 'endpoint="none"' in body  # an unknown URL: a bounded label, not its path
    assert "/no/such/page" not in body
    assert "convergence_http_request_duration_seconds_bucket" in body
    assert "convergence_db_pool_connections" in body
    assert "convergence_queue_depth" in body


def test_metrics_can_be_switched_off(make_app):
    off = make_app(metrics=False)
    assert off.test_client().get("/metrics").status_code == 404


def test_database_reachable_in_readiness(app):
    ready, checks = readiness(app)
    assert ready, checks
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1
