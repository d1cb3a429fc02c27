"""Budget files uploaded in UTF-16 (a spreadsheet's "Unicode text") are read through
federation.csvio; they were decoded as Latin-1 and refused for "missing columns"."""

from __future__ import annotations

import io

import pytest

from tests.plugins.budget.test_open_budget import CSV


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "utf-8-sig"])
def test_upload_in_any_usual_encoding(client, factory, town, encoding):
    factory.login(client, town.agent)
    response = client.post(
        f"{town.web}/import",
        data={"year": "2026", "file": (io.BytesIO(CSV.encode(encoding)), "budget.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.text[:300]
    assert "Entretien des bâtiments" in response.text
