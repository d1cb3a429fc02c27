"""A plugin that raises in a hook is isolated like in navigation (issue 17 item 6): logged with
its name, the page still renders, the other plugins still answer. One helper in the core
(``ConvergencePluginManager.call_isolated``, through ``plugins.services.call_in_commune``)
calls the stage offers and the roster hooks; each planted twin removes the isolation and sees
the failure reach the caller."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from federation import roster
from federation.db import db
from federation.governance import stages
from federation.identity.models import Notification
from federation.plugins import NavItem
from federation.plugins.base import ConvergencePlugin, hookimpl
from federation.plugins.manager import ConvergencePluginManager
from federation.tenancy.models import Commune
from tests.core.roster.conftest import user
from tests.core.roster.test_hooks_roster import SEEN, ListeningPlugin


class FailingPlugin(ConvergencePlugin):
    """Raises in every hook below, after writing a row (which must not stay)."""

    name = "failing_probe"
    always_on = True

    @hookimpl
    def federation_stage_offers(self, commune, stage):
        raise RuntimeError("probe plugin is broken")

    @hookimpl
    def federation_roster_shift_attended(self, commune, shift, user_ids):
        from federation.identity.models import User

        someone = db.session.scalar(select(User.id).limit(1))
        db.session.add(Notification(user_id=someone, kind="probe.half", params="{}"))
        db.session.flush()
        raise RuntimeError("probe plugin is broken")

    @hookimpl
    def federation_roster_source_link(self, commune, source_kind, source_ref):
        raise RuntimeError("probe plugin is broken")


class WorkingPlugin(ListeningPlugin):
    """The roster hooks' listener of test_hooks_roster, also offering at every stage."""

    name = "working_probe"

    @hookimpl
    def federation_stage_offers(self, commune, stage):
        return [NavItem("Offre qui marche", "governance.decisions")]


@pytest.fixture
def probes(app):
    """The failing plugin first (called first), then the working one."""
    pm = app.extensions["convergence"].pm
    pm.register_plugin(FailingPlugin())
    pm.register_plugin(WorkingPlugin())
    SEEN.clear()
    yield
    pm.unregister_plugin("failing_probe")
    pm.unregister_plugin("working_probe")


def _unisolated(self, hook_name, skip=(), *, savepoint=False, first=False, **kwargs):
    """The planted bug: the hooks called without isolation (what pluggy's caller does)."""
    results = []
    for impl in getattr(self.hook, hook_name).get_hookimpls():
        if impl.plugin_name in set(skip):
            continue
        result = impl.function(**{key: kwargs[key] for key in impl.argnames})
        if result is not None:
            results.append((impl.plugin_name, result))
            if first:
                break
    return results


def _failure_logged(caplog, hook_name: str) -> bool:
    return any(
        "failing_probe" in r.getMessage() and hook_name in r.getMessage() for r in caplog.records
    )


# --- federation_stage_offers ---------------------------------------------------------------


def _offers(in_commune, village) -> list[str]:
    with in_commune(village.commune):
        commune = db.session.get(Commune, village.commune.id)
        return [str(o.label) for o in stages.offers(commune, "campaign")]


def test_a_failing_stage_offer_is_isolated(probes, in_commune, village, caplog):
    caplog.set_level(logging.ERROR)
    assert "Offre qui marche" in _offers(in_commune, village)
    assert _failure_logged(caplog, "federation_stage_offers")


def test_planted_twin_stage_offers_without_isolation(probes, in_commune, village, monkeypatch):
    monkeypatch.setattr(ConvergencePluginManager, "call_isolated", _unisolated)
    with pytest.raises(RuntimeError, match="probe plugin"):
        _offers(in_commune, village)


# --- federation_roster_shift_attended -------------------------------------------------------


def _attend(village, make_shift, in_commune) -> None:
    shift_id = make_shift(village.commune, source_kind="listener.thing", source_ref="3")
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        signup = roster.sign_up(shift, shift.roles[0], user(village.members[0])).id
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        roster.record_attendance(
            shift, {signup: "attended"}, now=shift.starts_at + timedelta(hours=1)
        )


def _half_written(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Notification.id)).where(Notification.kind == "probe.half")
        )


def test_a_failing_attendance_handler_is_isolated_and_undone(
    app, probes, village, make_shift, in_commune, caplog
):
    caplog.set_level(logging.ERROR)
    _attend(village, make_shift, in_commune)
    assert [("roster-ville", "listener.thing", "3", [village.members[0].user.id])] == SEEN
    assert _failure_logged(caplog, "federation_roster_shift_attended")
    assert _half_written(app) == 0  # its savepoint is rolled back


def test_planted_twin_attendance_handlers_without_isolation(
    app, probes, village, make_shift, in_commune, monkeypatch
):
    monkeypatch.setattr(ConvergencePluginManager, "call_isolated", _unisolated)
    _attend(village, make_shift, in_commune)  # the domain event's own guard swallows it…
    assert SEEN == []  # …but the working plugin was never called


# --- federation_roster_source_link ----------------------------------------------------------


def test_a_failing_source_link_is_isolated_and_the_page_renders(
    app, client, probes, village, make_shift, in_commune, factory, caplog
):
    caplog.set_level(logging.ERROR)
    mine = make_shift(village.commune, source_kind="listener.thing", source_ref="9")
    other = make_shift(village.commune, source_kind="other.kind", source_ref="9")
    with in_commune(village.commune):
        assert roster.source_link(roster.get_shift(mine)) == (
            "Chose 9",
            "/c/roster-ville/listener/9",
        )
        assert roster.source_link(roster.get_shift(other)) is None
    assert _failure_logged(caplog, "federation_roster_source_link")
    factory.login(client, village.members[0])
    page = client.get(f"{village.base}/shifts/{other}")
    assert page.status_code == 200


def test_planted_twin_source_link_without_isolation(
    app, client, probes, village, make_shift, in_commune, factory, monkeypatch
):
    monkeypatch.setattr(ConvergencePluginManager, "call_isolated", _unisolated)
    other = make_shift(village.commune, source_kind="other.kind", source_ref="9")
    with in_commune(village.commune), pytest.raises(RuntimeError, match="probe plugin"):
        roster.source_link(roster.get_shift(other))
