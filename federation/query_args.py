"""Integers read from a page's query string (``?page=``, ``?year=``, ``?before=``…), once
for the core and every plugin.

A value that is not a whole number, or that falls outside the bounds the page gives
(never beyond the database's 32-bit integers), is refused with a 400 that names the
parameter — never a 500 from the database (PostgreSQL's ``integer out of range``,
SQLite's ``OverflowError``) nor a silent fallback to another page.
"""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _

from federation.errors import ServiceError
from federation.formatting import number

#: the database's integer columns (PostgreSQL ``integer``; federation.api.fields bounds
#: the API's integers the same way)
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
#: the last page a listing offers (``?page=``)
PAGE_MAX = 10_000
_WHOLE = re.compile(r"[+-]?\d{1,12}")


class QueryArgumentError(ServiceError):
    """A query-string value out of its bounds: 400, ``field`` names the parameter."""

    status = 400


def int_arg(
    name: str,
    default: int | None = None,
    *,
    minimum: int = DB_INT_MIN,
    maximum: int = DB_INT_MAX,
) -> int | None:
    """The query-string parameter ``name`` as an integer in ``[minimum, maximum]``;
    ``default`` when absent or empty; :class:`QueryArgumentError` otherwise."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    value = int(raw) if _WHOLE.fullmatch(raw) else None
    return within(name, value, max(minimum, DB_INT_MIN), min(maximum, DB_INT_MAX))


def within(name: str, value: int | None, minimum: int, maximum: int) -> int:
    """``value`` when it is an integer between the bounds; refused, naming ``name``."""
    if value is None or not minimum <= value <= maximum:
        raise QueryArgumentError(
            _(
                "Le paramètre « %(name)s » doit être un nombre entier entre %(minimum)s "
                "et %(maximum)s.",
                name=name,
                minimum=number(minimum),
                maximum=number(maximum),
            ),
            field=name,
        )
    return value
