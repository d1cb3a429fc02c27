"""Money and quantities: people type "12,50", the plugin keeps exact decimals.

The core has no shared money parser yet (budget, pooled projects and proposals each keep
their own): this one follows budget's rules (cents, comma or point, no binary floats).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import format_currency, format_decimal
from flask_babel import gettext as _

from federation.errors import ValidationFailed

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
LIMIT = Decimal("1e9")


def _clean(value: Any) -> str:
    text = str(value if value is not None else "").strip()
    for junk in ("\u202f", "\xa0", " ", "€"):
        text = text.replace(junk, "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return text


def money(value: Any, field: str, *, allow_zero: bool = True) -> Decimal:
    """An amount in euros, to the cent: ``"12,50"`` → ``Decimal("12.50")``."""
    if isinstance(value, (bool, float)):
        raise ValidationFailed(_("Montant invalide."), field=field)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(_clean(value))
    except InvalidOperation:
        raise ValidationFailed(_("Montant invalide."), field=field) from None
    if not amount.is_finite() or amount != amount.quantize(CENT) or abs(amount) >= LIMIT:
        raise ValidationFailed(_("Montant invalide (au centime près)."), field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(_("Le montant doit être positif."), field=field)
    return amount.quantize(CENT)


def quantity(value: Any, field: str, *, allow_zero: bool = True) -> Decimal:
    """A quantity (kilograms, pieces…), three decimals at most, not negative."""
    if isinstance(value, (bool, float)):
        raise ValidationFailed(_("Quantité invalide."), field=field)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(_clean(value) or "0")
    except InvalidOperation:
        raise ValidationFailed(_("Quantité invalide."), field=field) from None
    if not amount.is_finite() or amount != amount.quantize(MILLI) or amount >= LIMIT:
        raise ValidationFailed(_("Quantité invalide (trois décimales au plus)."), field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(_("La quantité doit être positive."), field=field)
    return amount.quantize(MILLI)


def fmt_money(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return format_currency(amount, "EUR")


def fmt_qty(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return format_decimal(amount, format="#,##0.###")
