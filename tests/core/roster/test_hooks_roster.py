"""The roster's hooks (``test_hook_<name>``, as tests/core/test_hooks.py asks of every hook)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from federation import roster
from federation.plugins.base import ConvergencePlugin, hookimpl
from tests.core.roster.conftest import user

SEEN: list = []


class ListeningPlugin(ConvergencePlugin):
    name = "rosterlistener"
    always_on = True

    @hookimpl
    def federation_roster_shift_attended(self, commune, shift, user_ids):
        SEEN.append((commune.slug, shift.source_kind, shift.source_ref, sorted(user_ids)))

    @hookimpl
    def federation_roster_source_link(self, commune, source_kind, source_ref):
        if source_kind != "listener.thing":
            return None
        return (f"Chose {source_ref}", f"/c/{commune.slug}/listener/{source_ref}")


@pytest.fixture
def listener(app):
    pm = app.extensions["convergence"].pm
    pm.register_plugin(ListeningPlugin())
    SEEN.clear()
    yield SEEN
    pm.unregister_plugin("rosterlistener")


def test_hook_federation_roster_shift_attended(listener, village, make_shift, in_commune):
    shift_id = make_shift(village.commune, source_kind="listener.thing", source_ref="3")
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        ups = [roster.sign_up(shift, shift.roles[0], user(m)).id for m in village.members[:2]]
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        roster.record_attendance(
            shift,
            {ups[0]: "attended", ups[1]: "missed"},
            now=shift.starts_at + timedelta(hours=1),
        )
    assert listener == [("roster-ville", "listener.thing", "3", [village.members[0].user.id])]


def test_hook_federation_roster_source_link(listener, village, make_shift, in_commune):
    mine = make_shift(village.commune, source_kind="listener.thing", source_ref="9")
    other = make_shift(village.commune, source_kind="other.kind", source_ref="9")
    with in_commune(village.commune):
        assert roster.source_link(roster.get_shift(mine)) == (
            "Chose 9",
            "/c/roster-ville/listener/9",
        )
        assert roster.source_link(roster.get_shift(other)) is None
