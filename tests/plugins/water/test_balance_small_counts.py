"""The basin balance suppresses small counts as the federation indicators do (R10): a
commune's over-use alerts under 5 are not published, nor a total that would give them back."""

from __future__ import annotations

from datetime import date, timedelta

from convergence_water import services
from convergence_water.models import OveruseAlert

from federation.db import db


def test_alert_counts_under_five_are_suppressed(client, factory, in_commune, water_town):
    town = water_town
    basin = factory.federation("bassin-petit", communes=[town.commune], kind="basin")
    with in_commune(town.commune):
        for rid in (town.spring_id, town.borehole_id):
            services.update_resource(services.get_resource(rid), {"federation_id": basin.id})
        today = date.today()
        for key in ("martin", "dupuy"):  # two households over their allocation
            db.session.add(
                OveruseAlert(
                    water_user_id=town.users[key],
                    period_start=today - timedelta(days=7),
                    period_end=today,
                    consumption=2000,
                    allocation=1000,
                )
            )
    headers = factory.token(town.members[1].user)
    data = client.get(f"{town.api}/basins/{basin.id}/balance", headers=headers).json
    [row] = data["communes"]
    assert row["alerts"] is None  # 2 < 5: suppressed
    factory.login(client, town.members[1])
    page = client.get(f"{town.base}/basin/{basin.id}").text
    assert "<td>2</td>" not in page
