"""Every number, amount, date and unit the interface shows goes through here (Babel).

One place so that "534 000,00 €" never sits beside "18500.00 €": the request's locale
applies (through Flask-Babel), the currency comes from the data (a participatory budget
imported from Warsaw is in PLN), and stored values stay plain (``Decimal``, ISO dates).
The same functions are Jinja filters (``money``, ``number``, ``percent``, ``day``,
``moment``, ``quantity``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_percent as babel_percent
from babel.units import format_compound_unit, format_unit
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
)

DEFAULT_CURRENCY = "EUR"


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def money(amount: Any, currency: str | None = None) -> str:
    """An amount in its currency (``EUR`` unless the data says otherwise)."""
    if amount is None or amount == "":
        return ""
    return format_currency(_decimal(amount), (currency or DEFAULT_CURRENCY).upper())


def number(value: Any, places: int | None = None) -> str:
    """A number with the locale's separators; ``places`` fixes the decimals shown."""
    if value is None or value == "":
        return ""
    if places is None:
        return format_decimal(_decimal(value), format="#,##0.###")
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(_decimal(value), format=pattern)


def percent(ratio: Any, places: int = 1) -> str:
    """``ratio`` (0.354) as a percentage in the locale ("35,4 %")."""
    if ratio is None or ratio == "":
        return ""
    rounded = round(_decimal(ratio) * 100, places) / 100
    return babel_percent(rounded, locale=get_locale(), decimal_quantization=False)


def day(value: date | datetime | str | None, style: str = "medium") -> str:
    """A date in the locale (``2026-12-02`` → "2 déc. 2026" / "Dec 2, 2026")."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, style)


def moment(value: datetime | str | None, style: str = "medium") -> str:
    """A date and time in the locale and the configured time zone."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_datetime(value, style)


#: our unit names → CLDR unit identifiers
UNITS = {
    "m3": "volume-cubic-meter",
    "l": "volume-liter",
    "kg": "mass-kilogram",
    "g": "mass-gram",
    "m2": "area-square-meter",
    "km": "length-kilometer",
    "h": "duration-hour",
    "ha": "area-hectare",
    "day": "duration-day",
}


def quantity(value: Any, unit: str, length: str = "short", per: str | None = None) -> str:
    """A measured quantity with its unit, both in the locale ("3,5 m³", "1.9 m³"); ``per``
    a unit it is counted by ("12,5 m³/j", length "long": "12,5 mètres cubes par jour")."""
    if value is None or value == "":
        return ""
    cldr = UNITS.get(unit, unit)
    if per:
        return format_compound_unit(
            _decimal(value),
            cldr,
            denominator_unit=UNITS.get(per, per),
            length=length,
            locale=get_locale(),
        )
    return format_unit(_decimal(value), cldr, length=length, locale=get_locale())


FILTERS = {
    "money": money,
    "number": number,
    "percent": percent,
    "day": day,
    "moment": moment,
    "quantity": quantity,
}
