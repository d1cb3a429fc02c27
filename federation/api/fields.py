"""Marshmallow fields shared by every API schema (the core's and the plugins').

:class:`Integer` holds any integer read from a query string or a JSON body to what the
database stores (a 32-bit signed column on PostgreSQL): a larger value is a 422 naming the
field, never a database error. Every schema uses it instead of ``fields.Integer``;
tests/core/api/test_integer_bounds.py walks the OpenAPI document for any integer without
bounds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import fields, validate

DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
DB_INT = validate.Range(min=DB_INT_MIN, max=DB_INT_MAX)


class Integer(fields.Integer):
    """``fields.Integer`` within the database's integer range (besides its own validators)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = kwargs.get("validate")
        if given is None:
            validators: list[Any] = []
        elif callable(given):
            validators = [given]
        else:
            validators = list(given)
        kwargs["validate"] = [DB_INT, *validators]
        super().__init__(*args, **kwargs)


Int = Integer


#: how decimals travel (``fields.Decimal(as_string=True)``): a string of digits, a dot and
#: the decimals, never a binary float — declared so in the OpenAPI document
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def decimal_property(
    _converter: Any, field: Any, ret: dict[str, Any], **_kwargs: Any
) -> dict[str, Any]:
    """apispec attribute function (bound to its converter): a ``Decimal`` sent as a
    string is declared ``type: string, format: decimal`` (apispec says ``number``), and the
    bounds of any field (a date's bounds go to ``x-minimum``/``x-maximum``) and of its
    ``Range`` are numbers (apispec copies them as the field serialises them: "0.00")."""
    for key in ("minimum", "maximum"):
        if key in ret and not isinstance(ret[key], int | float):
            try:
                number = float(ret[key])
            except (TypeError, ValueError):  # a date's Range: not a JSON Schema bound
                ret[f"x-{key}"] = str(ret.pop(key))
                continue
            ret[key] = int(number) if number.is_integer() else number
    if not isinstance(field, fields.Decimal):
        return {}
    if field.as_string:
        ret["type"] = "string"
        ret["format"] = "decimal"
        ret.setdefault("pattern", DECIMAL_PATTERN)
    return {}


class _UtcOut:
    """Datetimes always go out with their offset: a naive value (SQLite drops the zone of a
    ``DateTime(timezone=True)`` column) is UTC, which is how every datetime is stored."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)  # type: ignore[misc]


class DateTime(_UtcOut, fields.DateTime):
    """``fields.DateTime`` whose answers carry an offset (UTC when the value has none)."""


class AwareDateTime(_UtcOut, fields.AwareDateTime):
    """``fields.AwareDateTime`` (an offset required on input) whose answers carry one too."""
