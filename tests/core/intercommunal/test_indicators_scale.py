"""Federation indicators at scale (issue 12 item 6): with the built-in plugins that give
indicators switched on in every member commune and a row of data in each, the federation
page's indicators cost the same statements for 10 and for 200 member communes, cold (every
plugin's hook computes) and warm (the shared cache answers)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from federation.db import db
from federation.plugins import Indicator, hookimpl
from federation.plugins.models import PluginActivation
from federation.tenancy.context import unscoped
from federation.tenancy.models import FederationMember
from federation.tenancy.services import NewCommune, create_communes, create_federation
from federation.testing.queries import count_queries
from federation.testing.redis import redis_or_skip

#: plugins of this suite whose ``federation_indicators`` hook is measured
INDICATOR_PLUGINS = ("budget", "water", "food", "housing")


def _seed(app, size: int, slug: str, plugins: list[str]) -> str:
    """A federation of ``size`` new communes, every plugin on, a row of data in each."""
    from convergence_budget.models import BudgetLine
    from convergence_water.models import WaterResource

    with app.app_context(), unscoped():
        communes = create_communes(
            [NewCommune(f"{slug} {i}", f"{slug}-{i}", population=100 + i) for i in range(size)]
        )
        ids = [c.id for c in communes]
        fed = create_federation(slug.title(), slug)
        db.session.execute(
            insert(FederationMember), [{"federation_id": fed.id, "commune_id": c} for c in ids]
        )
        db.session.execute(
            insert(PluginActivation),
            [
                {"commune_id": c, "plugin": p, "enabled": True, "settings": {}}
                for c in ids
                for p in plugins
            ],
        )
        if "budget" in plugins:
            db.session.execute(
                insert(BudgetLine),
                [
                    {
                        "commune_id": c,
                        "year": 2026,
                        "section": "operation",
                        "chapter": "011",
                        "label": "Charges",
                        "planned": Decimal(1000 + c),
                    }
                    for c in ids
                ],
            )
        if "water" in plugins:
            db.session.execute(
                insert(WaterResource),
                [
                    {
                        "commune_id": c,
                        "code": "source",
                        "name": "Source",
                        "kind": "spring",
                        "yield_winter": 9000,
                        "yield_spring": 9000,
                        "yield_summer": 4000,
                        "yield_autumn": 6000,
                    }
                    for c in ids
                ],
            )
        db.session.commit()
    return slug


def _plugins(app) -> list[str]:
    pm = app.extensions["convergence"].pm
    found = [n for n in INDICATOR_PLUGINS if n in pm.switchable]
    if "budget" not in found or "water" not in found:
        pytest.skip("the budget and water plugins are not installed")
    return found


def _statements(app, client, slug: str) -> int:
    with count_queries(app) as counter:
        response = client.get(f"/api/v1/federations/{slug}/indicators")
    assert response.status_code == 200, response.data
    assert response.json, "no indicator: the plugins were not called"
    return counter.count


def _cold_and_warm(app, client, size: int, plugins: list[str]) -> tuple[int, int]:
    slug = _seed(app, size, f"fed{size}", plugins)
    cold = _statements(app, client, slug)
    warm = _statements(app, client, slug)
    return cold, warm


@pytest.fixture
def shared_cache(app):
    """The indicators cache in Redis (db 4), as in production: a warm read crosses requests."""
    from redis import Redis

    from federation.intercommunal.cache import RedisBackend

    url = redis_or_skip(4)
    app.extensions["convergence_cache"] = RedisBackend(Redis.from_url(url))
    yield
    app.extensions.pop("convergence_cache", None)


def test_indicators_cost_the_same_statements_for_10_and_200_communes(app, client, shared_cache):
    plugins = _plugins(app)
    small = _cold_and_warm(app, client, 10, plugins)
    large = _cold_and_warm(app, client, 200, plugins)
    assert small == large, (small, large)
    assert small[1] < small[0]  # the warm read does not call the plugins


def test_cold_indicators_per_plugin_are_constant(app, client):
    """Each plugin alone (no shared cache: every read computes), so a plugin that loops
    per commune is named by the failure."""
    for plugin in _plugins(app):
        small = _statements(app, client, _seed(app, 10, f"{plugin}-s", [plugin]))
        large = _statements(app, client, _seed(app, 60, f"{plugin}-l", [plugin]))
        assert small == large, (plugin, small, large)


class PerCommunePlugin:
    """Planted twin: an indicator computed with one query per commune."""

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        values = {
            cid: db.session.scalar(
                select(func.count(PluginActivation.id)).where(PluginActivation.commune_id == cid)
            )
            for cid in commune_ids
        }
        return [Indicator("planted.loop", "loop", values)]


def test_planted_per_commune_indicator_is_caught(app, client):
    plugins = _plugins(app)
    pm = app.extensions["convergence"].pm
    pm.register(PerCommunePlugin(), name="planted-loop")
    try:
        small = _statements(app, client, _seed(app, 10, "loop-s", plugins[:1]))
        large = _statements(app, client, _seed(app, 30, "loop-l", plugins[:1]))
    finally:
        pm.unregister(name="planted-loop")
    assert large - small == 20  # one more statement per member commune
