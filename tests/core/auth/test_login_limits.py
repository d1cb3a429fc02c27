"""Sign-in limits (R17): only failed attempts count, per address and per account. A room of
40 people signing in over one Wi-Fi within a minute never meets the limit; the 41st failed
attempt from one address is refused. Planted twins: counting every attempt (the old rule)
stops the room, and no limit lets the 41st failure through."""

from __future__ import annotations

import pytest

from federation.auth import limits
from federation.testing.redis import redis_available, redis_test_url

HALL = "203.0.113.7"  # one address for the whole room (NAT of the hall's Wi-Fi)
REDIS_DB = 7


def _post(client, email: str, password: str, address: str = HALL):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def assert_a_room_of_40_passes_and_the_41st_failure_is_refused(clients, people) -> None:
    """``clients`` take turns (two gunicorn workers behind one limit storage)."""

    def client(i: int):
        return clients[i % len(clients)]

    # 40 people sign in within a minute from the hall's one address
    signed_in = [_post(client(i), p.email, p.password) for i, p in enumerate(people)]
    assert signed_in == [302] * 40, signed_in
    # then 40 mistyped passwords, from 40 accounts, still from the hall
    failed = [_post(client(i), p.email, "une faute de frappe") for i, p in enumerate(people)]
    assert failed == [422] * 40, failed
    # the 41st failure is refused before the password is checked, and so is a good one
    assert _post(client(0), people[0].email, "encore raté") == 429
    assert _post(client(1), people[1].email, people[1].password) == 429
    # another address is not concerned
    assert _post(client(0), people[2].email, people[2].password, "198.51.100.1") == 302


@pytest.fixture
def people(factory):
    return [factory.user(f"habitant{i}@example.org") for i in range(40)]


def test_a_room_of_40_signs_in_and_the_41st_failure_is_refused(make_app, app, people):
    limited = make_app(RATELIMIT_ENABLED=True)
    assert_a_room_of_40_passes_and_the_41st_failure_is_refused([limited.test_client()], people)


def test_two_workers_count_together_in_redis(make_app, app, people):
    """R17 across workers: two apps (two gunicorn workers) share the limit through Redis."""
    url = redis_test_url(REDIS_DB)
    if not redis_available(url):
        pytest.skip(f"no Redis server at {url}")
    from redis import Redis

    Redis.from_url(url).flushdb()
    workers = [make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url) for _ in range(2)]
    assert_a_room_of_40_passes_and_the_41st_failure_is_refused(
        [w.test_client() for w in workers], people
    )


def test_planted_twin_counting_every_attempt_stops_the_room(make_app, app, people, monkeypatch):
    monkeypatch.setattr(limits, "failed_attempt", lambda response: True)
    limited = make_app(RATELIMIT_ENABLED=True)
    with pytest.raises(AssertionError, match="429"):
        assert_a_room_of_40_passes_and_the_41st_failure_is_refused([limited.test_client()], people)


def test_planted_twin_without_a_limit_the_41st_failure_goes_through(make_app, app, people):
    unlimited = make_app(RATELIMIT_ENABLED=True, login_rate_limit="100000 per minute")
    with pytest.raises(AssertionError, match="assert 422 == 429"):
        assert_a_room_of_40_passes_and_the_41st_failure_is_refused(
            [unlimited.test_client()], people
        )


def test_one_account_is_limited_whatever_the_address(make_app, app, factory):
    limited = make_app(RATELIMIT_ENABLED=True)
    client = limited.test_client()
    target, other = factory.user(), factory.user()
    tries = [_post(client, target.email, "mauvais", f"192.0.2.{i}") for i in range(11)]
    assert tries == [422] * 10 + [429], tries
    assert _post(client, target.email.upper(), target.password, "192.0.2.99") == 429
    assert _post(client, other.email, other.password, "192.0.2.1") == 302


def test_successful_sign_ins_of_one_account_are_not_counted(make_app, app, factory):
    limited = make_app(RATELIMIT_ENABLED=True)
    client = limited.test_client()
    person = factory.user()
    assert [_post(client, person.email, person.password) for _ in range(15)] == [302] * 15
    assert _post(client, person.email, "raté") == 422


def test_reset_e_mails_are_limited_per_account(make_app, app, factory):
    limited = make_app(RATELIMIT_ENABLED=True)
    client = limited.test_client()
    person = factory.user()
    asked = [
        client.post("/password/forgot", data={"email": person.email}).status_code for _ in range(4)
    ]
    assert asked == [302, 302, 302, 429]
    api = client.post("/api/v1/auth/password-reset", json={"email": person.email})
    assert api.status_code == 429
    other = client.post("/api/v1/auth/password-reset", json={"email": "x@example.org"})
    assert other.status_code == 202
