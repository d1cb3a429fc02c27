"""A refused import stores nothing, even past a batch (10,000 rows): one transaction.

On SQLite, the first batch's SAVEPOINT opened the transaction itself (pysqlite issues no
BEGIN before a SAVEPOINT), and its RELEASE committed 10,000 rows of a file answered
"rien n'est enregistré". federation.db begins the transaction before any savepoint.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from convergence_water.models import MeterReading
from sqlalchemy import func, select

from federation.db import db

ROWS = 10_800


def big_file(bad_last_line: bool) -> bytes:
    start = date(1990, 1, 1)
    lines = ["compteur;date;index"]
    for n in range(ROWS):
        meter = f"M{n % 5 + 1}"
        day = start + timedelta(days=n // 5)
        lines.append(f"{meter};{day.isoformat()};{n}")
    if bad_last_line:
        lines.append("M1;pas-une-date;1")
    return ("\n".join(lines) + "\n").encode()


def stored(in_commune, town) -> int:
    with in_commune(town.commune):
        return db.session.scalar(select(func.count(MeterReading.id)))


def test_web_import_with_a_bad_last_line_stores_nothing(client, factory, water_town, in_commune):
    factory.login(client, water_town.agent)
    response = client.post(
        f"{water_town.base}/import",
        data={"file": (io.BytesIO(big_file(bad_last_line=True)), "releves.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 422)
    assert stored(in_commune, water_town) == 0


def test_api_import_with_a_bad_last_line_stores_nothing(client, factory, water_town, in_commune):
    headers = factory.token(water_town.agent.user)
    response = client.post(
        f"{water_town.api}/readings/csv",
        json={"csv": big_file(bad_last_line=True).decode()},
        headers=headers,
    )
    assert response.status_code == 422
    assert stored(in_commune, water_town) == 0


def test_the_same_file_without_the_bad_line_is_stored(client, factory, water_town, in_commune):
    factory.login(client, water_town.agent)
    response = client.post(
        f"{water_town.base}/import",
        data={"file": (io.BytesIO(big_file(bad_last_line=False)), "releves.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert stored(in_commune, water_town) == ROWS
