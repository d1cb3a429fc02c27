"""Reading and writing volumes: people type m³ with a comma, the plugin counts litres."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import format_decimal
from flask_babel import gettext as _

from federation.errors import ValidationFailed

_M3 = re.compile(r"^(\d{1,12})(?:[.,](\d{1,3}))?$")
_INT = re.compile(r"^\d{1,15}$")
#: a daily volume above this (a million m³ per day) is a typing mistake
MAX_DAILY_LITRES = 10**12


def m3_to_litres(value: object, field: str) -> int:
    """``"12,5"`` m³ → 12500 litres, exactly; a clear error names ``field`` otherwise."""
    if isinstance(value, bool):
        raise ValidationFailed(_("Volume invalide."), field=field)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".")
    else:
        text = str(value or "").strip().replace("\u202f", "").replace(" ", "")
    if text.startswith("-"):
        raise ValidationFailed(_("Un volume ne peut pas être négatif."), field=field)
    match = _M3.match(text)
    if match is None:
        raise ValidationFailed(
            _("Volume invalide : un nombre de m³, trois décimales au plus (ex. 12,5)."),
            field=field,
        )
    whole, decimals = match.groups()
    litres = int(whole) * 1000 + int((decimals or "").ljust(3, "0"))
    if litres > MAX_DAILY_LITRES:
        raise ValidationFailed(_("Volume trop grand."), field=field)
    return litres


def whole_litres(value: object, field: str, maximum: int = MAX_DAILY_LITRES) -> int:
    """A whole number of litres (or of anything countable), not negative."""
    if isinstance(value, bool):
        raise ValidationFailed(_("Nombre entier attendu."), field=field)
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip().replace(" ", "")
        if text == "":
            return 0
        if text.startswith("-"):
            raise ValidationFailed(_("Une valeur négative n'a pas de sens ici."), field=field)
        if not _INT.match(text):
            raise ValidationFailed(_("Nombre entier attendu."), field=field)
        number = int(text)
    if number < 0:
        raise ValidationFailed(_("Une valeur négative n'a pas de sens ici."), field=field)
    if number > maximum:
        raise ValidationFailed(_("Valeur trop grande."), field=field)
    return number


def parse_day(value: object, field: str) -> date:
    """ISO (2026-07-14) or French (14/07/2026) dates."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        if "/" in text:
            day, month, year = text.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            _("Date invalide (AAAA-MM-JJ ou JJ/MM/AAAA)."), field=field
        ) from None


def fmt_m3(litres: int | None) -> str:
    """12500 → "12,5" in French, "12.5" in English (m³)."""
    if litres is None:
        return "—"
    value = litres / 1000
    return format_decimal(value, format="#,##0.#" if value < 100 else "#,##0")


def fmt_litres(litres: int | None) -> str:
    if litres is None:
        return "—"
    return format_decimal(int(litres), format="#,##0")


def plain_m3(litres: int | None) -> str:
    """12500 → "12.5": for form fields (no thousands separator, read back exactly)."""
    if litres is None:
        return ""
    whole, rest = divmod(int(litres), 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".")
