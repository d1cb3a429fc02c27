"""Vacancy files in Latin-1 (as spreadsheets save them) keep their letters, through the
CLI and the web (federation.csvio): they were decoded as UTF-8 "with replacement", and
"Rue de l'Église" was stored as "Rue de l'�glise"."""

from __future__ import annotations

import io

from convergence_housing.models import Dwelling
from sqlalchemy import select

from federation.db import db

from .test_followup import HEADER

LINE = "A9;3 rue de l'Église;MAISON;4;80;1900;2019;F;Hélène Proprio;Limoges;Personne physique"


def addresses(in_commune, town) -> list[str]:
    with in_commune(town.commune):
        return list(db.session.scalars(select(Dwelling.address)))


def test_cli_keeps_latin1_letters(app, tmp_path, town, in_commune):
    path = tmp_path / "lovac.csv"
    path.write_bytes(f"{HEADER}\n{LINE}\n".encode("latin-1"))
    from flask.cli import ScriptInfo

    from federation.cli import main

    info = ScriptInfo(create_app=lambda: app)
    args = ["housing", "import-vacancies", str(path), "--commune", town.commune.slug]
    result = app.test_cli_runner().invoke(main, [*args, "--year", "2024"], obj=info)
    assert result.exit_code == 0, result.output
    assert addresses(in_commune, town) == ["3 rue de l'Église"]


def test_web_keeps_latin1_letters(client, factory, town, in_commune):
    factory.login(client, town.facilitator)
    response = client.post(
        f"{town.base}/import",
        data={
            "file": (io.BytesIO(f"{HEADER}\n{LINE}\n".encode("latin-1")), "lovac.csv"),
            "year": "2024",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 302), response.text[:300]
    assert addresses(in_commune, town) == ["3 rue de l'Église"]
