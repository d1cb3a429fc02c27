"""Datetimes the API sends carry their offset (UTC is how they are stored): on SQLite, a
``DateTime(timezone=True)`` column comes back naive, and answers said "2026-12-03T10:00:00"
where the document promises ``date-time`` (RFC 3339: an offset is required)."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, fields

from federation.api.fields import AwareDateTime, DateTime


def has_offset(text: str) -> bool:
    return datetime.fromisoformat(text).tzinfo is not None


def test_token_dates_carry_an_offset(client, factory):
    headers = factory.token(factory.user())
    [token] = client.get("/api/v1/me/tokens", headers=headers).json
    assert has_offset(token["created_at"]), token["created_at"]


def test_fields_add_utc_to_naive_values():
    naive = datetime(2026, 12, 3, 10, 0)  # what SQLite gives back

    class Ours(Schema):
        at = DateTime()
        aware = AwareDateTime()

    class Bare(Schema):
        at = fields.DateTime()

    dumped = Ours().dump({"at": naive, "aware": naive})
    assert dumped == {"at": "2026-12-03T10:00:00+00:00", "aware": "2026-12-03T10:00:00+00:00"}
    assert not has_offset(Bare().dump({"at": naive})["at"])  # the twin: a bare field
    aware = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert Ours().dump({"at": aware})["at"] == "2026-12-03T10:00:00+00:00"
