"""Readings files in any usual encoding, through the web and the CLI (federation.csvio):
the CLI crashed on Latin-1 (UnicodeDecodeError), the web replaced the letters it could not
read; random bytes are a clear error, never a traceback."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta

import pytest
from convergence_water.models import MeterReading
from sqlalchemy import func, select

from federation.db import db

from .test_readings import cli


def content(encoding: str) -> bytes:
    day = (date.today() - timedelta(days=2)).isoformat()
    return f"numéro de compteur;date de relevé;index (m³)\nM1;{day};12\n".encode(encoding)


def stored(in_commune, town) -> int:
    with in_commune(town.commune):
        return db.session.scalar(select(func.count(MeterReading.id)))


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-8-sig"])
def test_cli_reads_every_usual_encoding(app, tmp_path, water_town, in_commune, encoding):
    path = tmp_path / "releves.csv"
    path.write_bytes(content(encoding))
    result = cli(app)("water", "import-readings", str(path), "--commune", water_town.commune.slug)
    assert result.exit_code == 0, result.output
    assert stored(in_commune, water_town) == 1


def test_cli_refuses_random_bytes_with_a_message(app, tmp_path, water_town, in_commune):
    path = tmp_path / "bruit.csv"
    path.write_bytes(os.urandom(64 * 1024))
    result = cli(app)("water", "import-readings", str(path), "--commune", water_town.commune.slug)
    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output
    assert stored(in_commune, water_town) == 0


def test_web_import_reads_latin1(client, factory, water_town, in_commune):
    factory.login(client, water_town.agent)
    response = client.post(
        f"{water_town.base}/import",
        data={"file": (io.BytesIO(content("latin-1")), "releves.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert stored(in_commune, water_town) == 1
