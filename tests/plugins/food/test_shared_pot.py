"""Issue 14 item 6: a solidarity pot per federation. Communes of a federation that opt in
share one pot (federation.tenancy.federation_data, topic ``food.pot``): fed by gifts and
above-price payments from any of them, drawn by reductions of any of them, only up to what
it holds; its movements go to the federation's journal without names. A commune outside the
federation, or inside without opting in, neither reads nor moves it — proven against a
planted twin (the access rule switched off), and on PostgreSQL by row-level security."""

from __future__ import annotations

import contextlib
import threading
from decimal import Decimal

import pytest
from convergence_food import contracts, solidarity
from convergence_food.models import SharedPot, SharedPotMovement, Subscription
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from federation.db import db
from federation.errors import Conflict, ValidationFailed
from federation.journal.models import JournalEntry
from federation.plugins.services import update_settings
from federation.tenancy import federation_data
from federation.tenancy.context import commune_scope
from federation.tenancy.models import Commune
from federation.tenancy.scoping import CrossCommuneWrite, TenantSession, raw_tenant_sql
from tests.plugins.food.conftest import make_town, user
from tests.plugins.food.test_pot_concurrency import holds, solidarity_rush

REDUCTION = Decimal("4.20")  # 1 kg of tomatoes × (4.20 − 2.80) × 3 deliveries


def _open_to_members(in_commune, town) -> None:
    with in_commune(town.commune):
        update_settings(
            db.session.get(Commune, town.commune.id), "food", {"aid_open_to": "members"}
        )


@pytest.fixture
def territory(factory, in_commune):
    """Two towns that share their federation's pot, a member town that does not, and a
    town outside the federation."""
    north = make_town(factory, in_commune, "nord")
    south = make_town(factory, in_commune, "sud")
    apart = make_town(factory, in_commune, "apart")
    outside = make_town(factory, in_commune, "dehors")
    fed = factory.federation("terroir", [north.commune, south.commune, apart.commune])
    for town in (north, south):
        _open_to_members(in_commune, town)
        with in_commune(town.commune):
            solidarity.share_pot(fed.id, user(town.facilitator))
    return {"north": north, "south": south, "apart": apart, "outside": outside, "fed": fed}


def _sees_pot(in_commune, town) -> bool:
    with in_commune(town.commune):
        return bool(db.session.scalars(select(SharedPot)).all())


def _pot_id(in_commune, town) -> int:
    with in_commune(town.commune):
        return solidarity.active_pot().id


def _moves_pot(in_commune, town, fed_id: int, pot_id: int) -> bool:
    """Try to write into the pot: a movement row, and an UPDATE of its balance."""
    from sqlalchemy import update

    with in_commune(town.commune):
        try:
            db.session.add(
                SharedPotMovement(
                    federation_id=fed_id, pot_id=pot_id, kind="gift", amount=1, balance_after=1
                )
            )
            db.session.flush()
            wrote = True
        except (CrossCommuneWrite, DBAPIError):  # the ORM rule, or PostgreSQL's policies
            wrote = False
        db.session.rollback()
        changed = db.session.execute(
            update(SharedPot)
            .where(SharedPot.federation_id == fed_id)
            .values(balance=SharedPot.balance + 1000)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.rollback()
    return wrote or bool(changed)


def test_communes_that_opt_in_share_one_pot(app, in_commune, territory):
    north, south, fed = territory["north"], territory["south"], territory["fed"]
    with in_commune(north.commune):
        solidarity.gift("10.00")
        contracts.subscribe(
            contracts.get_contract(north.contract_id),
            user(north.members[0]),
            {north.lines[0]: "1"},
            "support",
            "5.00",
        )
    with in_commune(south.commune):
        assert solidarity.active_pot().balance == Decimal("15.00")
        contracts.subscribe(  # a reduction in the south, paid by the north's gifts
            contracts.get_contract(south.contract_id),
            user(south.members[0]),
            {south.lines[0]: "1"},
            "solidarity",
        )
        contract = contracts.get_contract(south.contract_id)
        two_kilos = {south.lines[0]: "2"}  # 8.40 of reduction: fits in 10.80, not in 2.40
        contracts.subscribe(contract, user(south.members[1]), two_kilos, "solidarity")
        with pytest.raises(Conflict):
            contracts.subscribe(contract, user(south.members[2]), two_kilos, "solidarity")
        assert solidarity.active_pot().balance >= 0
        assert solidarity.pot().balance == 0  # the commune's own pot is not used
    with in_commune(north.commune):
        shared = solidarity.active_pot()
        moved = db.session.scalar(select(func.sum(SharedPotMovement.amount)))
        assert moved == shared.balance == shared.received - shared.spent
        assert {m.origin_commune_id for m in solidarity.movements()} == {
            north.commune.id,
            south.commune.id,
        }
    with app.app_context(), commune_scope(north.commune.id):
        entries = db.session.scalars(
            select(JournalEntry).where(JournalEntry.federation_id == fed.id)
        ).all()
        kinds = [e.kind for e in entries]
        # gift, support, two reductions (the refused one left nothing)
        assert kinds.count("food.shared_pot") == 4 and "food.shared_pot_joined" in kinds
        names = {user(r).display_name for r in (*north.members, *south.members)}
        for entry in entries:  # the journal without names
            assert not any(n in f"{entry.summary} {entry.text} {entry.payload}" for n in names)


def test_outsiders_neither_read_nor_move_the_pot(app, in_commune, territory):
    fed = territory["fed"]
    with in_commune(territory["north"].commune):
        solidarity.gift("20.00")
    assert _sees_pot(in_commune, territory["south"])
    pot_id = _pot_id(in_commune, territory["north"])
    for town in (territory["apart"], territory["outside"]):
        assert not _sees_pot(in_commune, town)
        assert not _moves_pot(in_commune, town, fed.id, pot_id)
    outside = territory["outside"]
    with in_commune(outside.commune):
        with pytest.raises(ValidationFailed):  # a commune outside the federation cannot join
            solidarity.share_pot(fed.id, user(outside.facilitator))
        db.session.rollback()
    with in_commune(territory["north"].commune):
        assert solidarity.active_pot().balance == Decimal("20.00")


def test_planted_twin_without_the_access_rule_is_caught(app, in_commune, territory):
    """The rule switched off: the commune outside the federation reads and moves the pot,
    and the same checks as above see it."""
    fed = territory["fed"]
    with in_commune(territory["north"].commune):
        solidarity.gift("20.00")
    pot_id = _pot_id(in_commune, territory["north"])
    event.remove(TenantSession, "do_orm_execute", federation_data._federation_criteria)
    event.remove(TenantSession, "before_flush", federation_data._check_federation_writes)
    database = app.extensions["convergence_test_db"]
    rls_on = _postgres(app) and bool(database.app_role)
    try:
        outside = territory["outside"]
        # on PostgreSQL the database's own policies still hold the line (defence in depth)
        assert _sees_pot(in_commune, outside) is not rls_on
        assert _moves_pot(in_commune, outside, fed.id, pot_id) is not rls_on
    finally:
        event.listen(TenantSession, "do_orm_execute", federation_data._federation_criteria)
        event.listen(TenantSession, "before_flush", federation_data._check_federation_writes)


def test_leaving_returns_to_the_commune_pot(app, in_commune, territory):
    south = territory["south"]
    with in_commune(south.commune):
        solidarity.leave_shared_pot(user(south.facilitator))
    with in_commune(south.commune):
        assert solidarity.shared_federation() is None
        assert not db.session.scalars(select(SharedPot)).all()
        solidarity.gift("3.00")
        assert solidarity.pot().balance == Decimal("3.00")


# --- PostgreSQL: row-level security and the lock -------------------------------------------


def _postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def test_row_level_security_repeats_the_rule(app, in_commune, territory):
    database = app.extensions["convergence_test_db"]
    if not _postgres(app) or not database.app_role:
        pytest.skip("row-level security: PostgreSQL with the application role")
    with in_commune(territory["north"].commune):
        solidarity.gift("20.00")

    def raw_count(town) -> int:
        with in_commune(town.commune), raw_tenant_sql("test: what the database lets through"):
            return db.session.execute(text("SELECT count(*) FROM food_shared_pots")).scalar()

    assert raw_count(territory["south"]) == 1  # the query can see it: a positive control
    assert raw_count(territory["apart"]) == 0
    assert raw_count(territory["outside"]) == 0
    with in_commune(territory["outside"].commune), raw_tenant_sql("test: write"):
        changed = db.session.execute(text("UPDATE food_shared_pots SET balance = 0")).rowcount
        assert changed == 0


THREADS = 12
COVERED = 4


def _race(app, factory, in_commune, territory) -> dict:
    north, south = territory["north"], territory["south"]
    people = [(t, factory.member(t.commune)) for t in (north, south) for _ in range(THREADS // 2)]
    with in_commune(north.commune):
        solidarity.gift(REDUCTION * COVERED)
    results = solidarity_rush(app, people)
    granted = 0
    for town in (north, south):
        with in_commune(town.commune):
            granted += db.session.scalar(
                select(func.count(Subscription.id)).where(Subscription.tier == "solidarity")
            )
    with in_commune(north.commune):
        pot = solidarity.active_pot()
        moved = db.session.scalar(select(func.sum(SharedPotMovement.amount))) or Decimal(0)
        return {
            "results": results,
            "balance": pot.balance,
            "granted": granted,
            "consistent": moved == pot.balance == pot.received - pot.spent,
        }


def test_shared_pot_never_negative_under_concurrent_requests(app, factory, in_commune, territory):
    if not _postgres(app):
        pytest.skip("concurrency is proven on PostgreSQL (CONVERGENCE_TEST_DATABASE_URL)")
    outcome = _race(app, factory, in_commune, territory)
    assert holds(outcome, COVERED), outcome


def test_planted_twin_without_the_shared_lock_is_caught(
    app, factory, in_commune, territory, monkeypatch
):
    if not _postgres(app):
        pytest.skip("concurrency is proven on PostgreSQL (CONVERGENCE_TEST_DATABASE_URL)")
    arrived = threading.Barrier(THREADS, timeout=60)

    def no_lock(_model, _row_id, **_kw) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            arrived.wait()

    monkeypatch.setattr(solidarity, "lock_row", no_lock)
    outcome = _race(app, factory, in_commune, territory)
    assert not holds(outcome, COVERED), outcome


def test_fail_closed_without_a_scope_and_read_only_in_a_federation_scope(
    app, in_commune, territory
):
    from sqlalchemy import update

    from federation.tenancy.context import federation_scope
    from federation.tenancy.scoping import TenantScopeError

    ids = [territory[k].commune.id for k in ("north", "south", "apart")]
    with app.app_context():
        with pytest.raises(TenantScopeError):
            db.session.scalars(select(SharedPot)).all()
        with federation_scope(ids):
            assert len(db.session.scalars(select(SharedPot)).all()) == 1
            with pytest.raises(CrossCommuneWrite):
                db.session.execute(update(SharedPot).values(balance=0))
        with federation_scope([territory["apart"].commune.id]):
            assert db.session.scalars(select(SharedPot)).all() == []


def test_a_pot_loaded_by_a_member_town_is_not_handed_to_an_outsider_by_get(
    app, territory, in_commune
):
    """``session.get`` answers from the identity map: the pot that a sharing town's scope
    loaded must not come back, in the same session, to a town outside the federation or
    one that did not opt in (planted twin: with the check removed it does)."""
    from federation.tenancy import scoping

    pot_id = _pot_id(in_commune, territory["north"])

    def seen_after_a_member_loaded_it() -> dict[str, bool]:
        seen = {}
        with app.app_context():
            with commune_scope(territory["north"].commune.id):
                loaded = db.session.get(SharedPot, pot_id)  # held: it stays in the map
                assert loaded is not None
            for name in ("outside", "apart"):
                with commune_scope(territory[name].commune.id):
                    seen[name] = db.session.get(SharedPot, pot_id) is not None
        return seen

    assert seen_after_a_member_loaded_it() == {"outside": False, "apart": False}
    planted = federation_data._may_see
    scoping.VISIBILITY_CHECKS.remove(planted)
    try:
        assert seen_after_a_member_loaded_it() == {"outside": True, "apart": True}
    finally:
        scoping.VISIBILITY_CHECKS.append(planted)
