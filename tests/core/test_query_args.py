"""Integers in a page's query string stay within bounds (issue 20): ``?page=``, ``?before=``
and ``?year=`` beyond the database's range, or not whole numbers, answer 400 naming the
parameter (federation.query_args), never a 500 (PostgreSQL: integer out of range; SQLite:
OverflowError) nor another page."""

from __future__ import annotations

import pytest

from federation import query_args

HUGE = "99999999999999999999"


@pytest.fixture
def pages(factory):
    commune = factory.commune("bornes", "Bornes")
    factory.enable(commune, "budget")
    federation = factory.federation("bornes-fede", communes=[commune])
    return [
        ("/", "page"),
        ("/c/bornes/journal", "before"),
        ("/f/bornes-fede/journal", "before"),
        ("/c/bornes/search?q=eau", "page"),
        ("/f/bornes-fede/search?q=eau", "page"),
        ("/c/bornes/budget/", "year"),
    ], federation


def _with(url: str, name: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{name}={value}"


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "2147483648", "12abc", "1e3", "0x10"])
def test_out_of_range_or_not_whole_is_a_400_naming_the_parameter(client, pages, value):
    urls, _federation = pages
    for url, name in urls:
        response = client.get(_with(url, name, value))
        assert response.status_code == 400, (url, value, response.status_code)
        assert f"« {name} »" in response.get_data(as_text=True), url


def test_values_in_range_are_served(client, pages):
    urls, _federation = pages
    for url, name in urls:
        value = "2026" if name == "year" else "1"
        assert client.get(_with(url, name, value)).status_code == 200, url
        assert client.get(url).status_code == 200, url


def test_bounds_of_the_page(client, pages):
    assert client.get(f"/?page={query_args.PAGE_MAX}").status_code == 200
    assert client.get(f"/?page={query_args.PAGE_MAX + 1}").status_code == 400
    assert client.get("/?page=0").status_code == 400


def test_planted_unbounded_reading_is_found(client, pages, monkeypatch):
    """Twin: without the bounds check, a huge value reaches the database, and no answer
    names the parameter (PostgreSQL: 400 from the driver's DataError, SQLite: a 500)."""
    monkeypatch.setattr(query_args, "within", lambda _name, value, _lo, _hi: value)
    urls, _federation = pages
    named = []
    for url, name in urls:
        response = client.get(_with(url, name, HUGE))
        if response.status_code == 400 and f"« {name} »" in response.get_data(as_text=True):
            named.append(url)
    assert named == [], named
