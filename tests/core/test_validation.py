"""The shared readers of what people type (federation.validation): one behaviour for the
core and every plugin, errors naming the field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from federation.errors import ValidationFailed
from federation.validation import (
    choice_field,
    flag,
    ident,
    integer_field,
    money,
    quantity,
    tags_field,
    text_field,
)


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():
        yield


def _field_of(call) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.field


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1 234,50 €", Decimal("1234.50")),
        ("1\u202f234,5", Decimal("1234.50")),
        ("1234.5", Decimal("1234.50")),
        (12, Decimal("12.00")),
        (Decimal("0.10"), Decimal("0.10")),
    ],
)
def test_money_reads_what_people_type_exactly(typed, amount):
    assert money(typed) == amount


@pytest.mark.parametrize(
    "typed",
    ["", "abc", "1,2,3", "0.001", 0.1, True, "1e3", "1e12", "NaN", "-5", "0", "1 000 000 000 000"],
)
def test_money_refuses_and_names_the_field(typed):
    assert _field_of(lambda: money(typed, "price")) == "price"


def test_money_zero_and_corrections_only_when_asked():
    assert money("0", allow_zero=True) == 0
    assert money("-12,30", allow_negative=True) == Decimal("-12.30")


def test_quantity_three_decimals_never_negative():
    assert quantity("2,125", "kg") == Decimal("2.125")
    assert quantity("", "kg") == 0
    for typed in ("-1", "0.0001", 1.5):
        assert _field_of(lambda typed=typed: quantity(typed, "kg")) == "kg"
    assert _field_of(lambda: quantity("0", "kg", allow_zero=False)) == "kg"


def test_text_choice_tags_integer_flag_ident():
    assert text_field("  hello ", "name", 10) == "hello"
    assert _field_of(lambda: text_field("", "name", 10, required=True)) == "name"
    assert _field_of(lambda: text_field("x" * 11, "name", 10)) == "name"
    assert choice_field("flat", ["house", "flat"], "kind") == "flat"
    assert _field_of(lambda: choice_field("castle", ["house", "flat"], "kind")) == "kind"
    assert tags_field("a, b,a,", {"a": 1, "b": 2}, "tags") == ["a", "b"]
    assert _field_of(lambda: tags_field(["a", "z"], {"a": 1}, "tags")) == "tags"
    assert integer_field("7", "rooms", 1, 20) == 7
    assert integer_field("", "rooms", default=3) == 3
    assert _field_of(lambda: integer_field("", "rooms", required=True)) == "rooms"
    for typed in ("21", "x", 2.5, True):
        assert _field_of(lambda typed=typed: integer_field(typed, "rooms", 1, 20)) == "rooms"
    assert flag("oui") and flag(True) and not flag("") and not flag(None)
    assert ident("12", "dwelling") == 12
    assert _field_of(lambda: ident("0", "dwelling")) == "dwelling"
