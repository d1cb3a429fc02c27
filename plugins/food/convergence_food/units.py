"""Money and quantities shown in the reader's locale (reading them is
:mod:`federation.validation`'s job: ``money`` and ``quantity``)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_currency, format_decimal

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
LIMIT = Decimal("1e9")


def fmt_money(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return format_currency(amount, "EUR")


def fmt_qty(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return format_decimal(amount, format="#,##0.###")
