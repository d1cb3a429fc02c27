"""Marshmallow fields shared by every API schema (the core's and the plugins').

:class:`Integer` holds any integer read from a query string or a JSON body to what the
database stores (a 32-bit signed column on PostgreSQL): a larger value is a 422 naming the
field, never a database error. Every schema uses it instead of ``fields.Integer``;
tests/core/api/test_integer_bounds.py walks the OpenAPI document for any integer without
bounds.
"""

from __future__ import annotations

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
