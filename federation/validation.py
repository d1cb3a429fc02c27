"""Reading what people type, once for the core and every plugin.

Each reader returns a clean value or raises :class:`~federation.errors.ValidationFailed`
naming the field, so a page, an API call and a CLI command built on one service answer the
same error (a 422 naming the field, a form message beside it, a CLI line). Amounts and
quantities are exact decimals: "1 234,50 €", "1234.5" and ``Decimal("12")`` are read alike,
binary floats are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from federation.errors import ValidationFailed

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
#: amounts and quantities at or above this are refused (a typing error, never a real figure)
LIMIT = Decimal("1e12")
_SPACES = ("\u202f", "\xa0", " ", "€")
_TRUE = {"1", "true", "on", "yes", "oui"}
#: what a person types for a number: digits, one decimal separator, a sign (no "1e3", "NaN")
_TYPED_NUMBER = re.compile(r"[+-]?(\d+([.]\d*)?|[.]\d+)")


def text_field(value: Any, field: str, maximum: int, *, required: bool = False) -> str:
    """Stripped text of at most ``maximum`` characters ("" when absent and not required)."""
    result = "" if value is None else str(value).strip()
    if required and not result:
        raise ValidationFailed(_("Ce champ est obligatoire."), field=field)
    if len(result) > maximum:
        raise ValidationFailed(_("%(n)d caractères au plus.", n=maximum), field=field)
    return result


def choice_field(value: Any, choices: Iterable[str], field: str) -> str:
    """One of ``choices`` (the stored keys, never their labels)."""
    result = "" if value is None else str(value).strip()
    if result not in set(choices):
        raise ValidationFailed(_("Valeur inconnue : %(v)s", v=result[:40]), field=field)
    return result


def tags_field(value: Any, vocabulary: Mapping[str, Any] | Iterable[str], field: str) -> list[str]:
    """Keys of a closed vocabulary, from a list or a comma-separated string, without repeats."""
    known = set(vocabulary)
    items = value.split(",") if isinstance(value, str) else list(value or [])
    result: list[str] = []
    for item in items:
        key = str(item).strip()
        if not key:
            continue
        if key not in known:
            raise ValidationFailed(_("Valeur inconnue : %(v)s", v=key[:40]), field=field)
        if key not in result:
            result.append(key)
    return result


def integer_field(
    value: Any,
    field: str,
    low: int = 0,
    high: int = 1_000_000,
    *,
    required: bool = False,
    default: int | None = None,
) -> int | None:
    """An integer between ``low`` and ``high``; ``default`` (or None) when absent and not
    required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed(_("Ce champ est obligatoire."), field=field)
        return default
    if isinstance(value, (bool, float)):
        raise ValidationFailed(_("Nombre entier attendu."), field=field)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("Nombre entier attendu."), field=field) from None
    if not low <= number <= high:
        raise ValidationFailed(_("Entre %(a)d et %(b)d.", a=low, b=high), field=field)
    return number


def ident(value: Any, field: str) -> int:
    """The id of an object named in a form or a request body."""
    number = integer_field(value, field, 1, 2**63 - 1, required=True)
    assert number is not None
    return number


def flag(value: Any) -> bool:
    """A checkbox or a boolean given as text ("on", "true", "oui", "1")."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def _clean_number(value: Any) -> str:
    text = str(value if value is not None else "").strip()
    for junk in _SPACES:
        text = text.replace(junk, "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return text


def _decimal(value: Any, field: str, invalid: str) -> Decimal:
    if isinstance(value, (bool, float)):
        raise ValidationFailed(invalid, field=field)
    if isinstance(value, Decimal):
        return value
    text = _clean_number(value)
    if not _TYPED_NUMBER.fullmatch(text):
        raise ValidationFailed(invalid, field=field)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(invalid, field=field) from None


def money(
    value: Any,
    field: str = "amount",
    *,
    allow_zero: bool = False,
    allow_negative: bool = False,
) -> Decimal:
    """An amount to the cent: ``"1 234,50 €"`` → ``Decimal("1234.50")``.

    Positive by default; ``allow_zero`` admits 0, ``allow_negative`` admits corrections."""
    amount = _decimal(value, field, _("Montant invalide."))
    if not amount.is_finite() or abs(amount) >= LIMIT or amount != amount.quantize(CENT):
        raise ValidationFailed(_("Montant invalide (au centime près)."), field=field)
    if (amount < 0 and not allow_negative) or (amount == 0 and not allow_zero):
        raise ValidationFailed(_("Le montant doit être positif."), field=field)
    return amount.quantize(CENT)


def quantity(value: Any, field: str, *, allow_zero: bool = True) -> Decimal:
    """A quantity (kilograms, pieces, m³…) with three decimals at most, never negative."""
    if value is None or (isinstance(value, str) and not value.strip()):
        value = "0"
    amount = _decimal(value, field, _("Quantité invalide."))
    if not amount.is_finite() or amount >= LIMIT or amount != amount.quantize(MILLI):
        raise ValidationFailed(_("Quantité invalide (trois décimales au plus)."), field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(_("La quantité doit être positive."), field=field)
    return amount.quantize(MILLI)
