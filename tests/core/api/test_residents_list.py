"""The residents list takes e-mail addresses only: random bytes pasted (64 KiB were stored
as "239 addresses") or any bad line refuse the whole list, naming the lines."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from federation.db import db
from federation.errors import ValidationFailed
from federation.identity.verification import ResidentEntry, import_residents


def count(in_db) -> int:
    with in_db():
        return db.session.scalar(select(func.count(ResidentEntry.id)))


def test_random_bytes_are_refused(factory, in_db):
    commune = factory.commune()
    noise = os.urandom(64 * 1024).decode("latin-1").splitlines()
    with in_db(), pytest.raises(ValidationFailed) as caught:
        import_residents(commune.id, noise)
    assert caught.value.field == "emails"
    assert count(in_db) == 0


def test_one_bad_line_refuses_the_list_naming_it(factory, in_db):
    commune = factory.commune()
    lines = ["a@example.org", "", "not an address", "b@example.org", "c@@x"]
    with in_db(), pytest.raises(ValidationFailed) as caught:
        import_residents(commune.id, lines)
    assert "3" in str(caught.value.as_dict()) and "5" in str(caught.value.as_dict())
    assert count(in_db) == 0
    with in_db():
        assert import_residents(commune.id, ["A@Example.org", "", "b@example.org "]) == 2
    assert count(in_db) == 2


def test_admin_page_reports_the_refusal(client, factory, in_db):
    commune = factory.commune()
    admin = factory.member(commune, "admin")
    factory.login(client, admin)
    response = client.post(
        f"/c/{commune.slug}/admin/verification",
        data={"action": "residents", "emails": "ok@example.org\n\x00\x01garbage"},
    )
    assert response.status_code in (200, 422)
    assert count(in_db) == 0
