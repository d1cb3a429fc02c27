"""One CSV reader and writer for every import and export, the core's and the plugins'.

Reading (:func:`read_table`, :func:`records`):

- the bytes' encoding is found — UTF-8 with or without BOM, UTF-16 (BOM, or the zero bytes
  of ASCII text), else Windows-1252/Latin-1 when the result reads as text; anything else
  (a binary file, random bytes) is a clear error naming the field, never a traceback;
- the delimiter is sniffed from the header line (``;``, ``,``, tab or ``|``);
- a size limit (:data:`MAX_BYTES` unless the caller gives another) and a row limit;
- every error names its line (the physical line where the record starts);
- nothing is stored here: callers validate every line first and write all or nothing.

Writing (:func:`safe_cell`, :func:`writer`): a cell that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed
with an apostrophe; plain numbers (``-12.5``) are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _

from federation.errors import ValidationFailed

#: files larger than this are refused (the web's own limit is MAX_CONTENT_LENGTH)
MAX_BYTES = 20 * 1024 * 1024
DELIMITERS = (";", ",", "\t", "|")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")
#: characters no text file holds (C0 controls but tab and line ends, DEL, C1 controls)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _unreadable(field_name: str) -> ValidationFailed:
    return ValidationFailed(
        _(
            "Fichier illisible : ce n'est pas un fichier texte en UTF-8, Latin-1 ou UTF-16 "
            "(enregistrez-le au format CSV)."
        ),
        field=field_name,
    )


def _too_large(field_name: str, max_bytes: int) -> ValidationFailed:
    return ValidationFailed(
        _("Fichier trop volumineux : %(n)s octets au plus.", n=f"{max_bytes:,}".replace(",", " ")),
        field=field_name,
    )


def _is_text(text: str) -> bool:
    return _CONTROL.search(text) is None


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:4096]
    if len(head) < 2 or head.count(0) < len(head) // 4:
        return None
    even_zeros = head[0::2].count(0)
    odd_zeros = head[1::2].count(0)
    encoding = "utf-16-be" if even_zeros > odd_zeros else "utf-16-le"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode(data: bytes, *, field_name: str = "file", max_bytes: int = MAX_BYTES) -> str:
    """The text of a file's bytes, whatever the usual encoding; an error naming the field
    when it is too large or not text."""
    if len(data) > max_bytes:
        raise _too_large(field_name, max_bytes)
    text: str | None = None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise _unreadable(field_name) from None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _unreadable(field_name) from None
    else:
        text = _utf16_without_bom(data)
        if text is None:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = data.decode("cp1252")  # Latin-1 as spreadsheets write it
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
    if not _is_text(text):
        raise _unreadable(field_name)
    return text


def read_source(
    source: bytes | str | Path | IO[bytes] | IO[str],
    *,
    field_name: str = "file",
    max_bytes: int = MAX_BYTES,
) -> str:
    """Text from bytes, a path, a binary or text stream, or text already decoded."""
    if isinstance(source, Path):
        with source.open("rb") as handle:
            data = handle.read(max_bytes + 1)
        return decode(data, field_name=field_name, max_bytes=max_bytes)
    if isinstance(source, bytes | bytearray):
        return decode(bytes(source), field_name=field_name, max_bytes=max_bytes)
    if isinstance(source, str):
        if len(source) > max_bytes:
            raise _too_large(field_name, max_bytes)
        text = source.removeprefix("\ufeff")
        if not _is_text(text):
            raise _unreadable(field_name)
        return text
    chunk = source.read(max_bytes + 1)
    if isinstance(chunk, str):
        return read_source(chunk, field_name=field_name, max_bytes=max_bytes)
    return decode(chunk, field_name=field_name, max_bytes=max_bytes)


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most (outside quotes); a comma by default."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def records(
    lines: Iterable[str], delimiter: str, *, field_name: str = "file", first_line: int = 1
) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` of each non-blank record, the number of the line where it
    starts; a malformed record (an unclosed quote…) is an error naming its line."""
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValidationFailed(
                _("Ligne %(n)d : CSV illisible (%(e)s).", n=first_line + previous, e=str(exc)),
                field=field_name,
            ) from None
        start = first_line + previous
        previous = reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells


@dataclass
class Table:
    """A CSV file read whole: the header (stripped, BOM removed), the delimiter, and the
    records after the header with their line numbers."""

    header: list[str]
    delimiter: str
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def column(self, *names: str) -> int | None:
        """The index of the first column named one of ``names`` (case-insensitive)."""
        wanted = {n.strip().lower() for n in names}
        for index, name in enumerate(self.header):
            if name.strip().lower() in wanted:
                return index
        return None

    def dicts(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Records as ``{header: cell}`` (missing cells are empty)."""
        for number, cells in self.rows:
            yield (
                number,
                {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(self.header)},
            )


def read_table(
    source: bytes | str | Path | IO[bytes] | IO[str],
    *,
    field_name: str = "file",
    max_bytes: int = MAX_BYTES,
    max_rows: int | None = None,
) -> Table:
    """Read a whole CSV file with a header line (see the module's docstring)."""
    text = read_source(source, field_name=field_name, max_bytes=max_bytes)
    lines = io.StringIO(text, newline=None)
    header_line = ""
    first = 0
    for raw in lines:
        first += 1
        if raw.strip():
            header_line = raw
            break
    if not header_line:
        raise ValidationFailed(_("Le fichier est vide."), field=field_name)
    delimiter = sniff_delimiter(header_line)
    found = list(records([header_line], delimiter, field_name=field_name))
    if not found:  # a first line of empty cells (";;;", '""'): no column is named
        raise ValidationFailed(_("La première ligne ne nomme aucune colonne."), field=field_name)
    [(_n, header)] = found
    table = Table([h.strip().removeprefix("\ufeff").strip() for h in header], delimiter)
    for number, cells in records(lines, delimiter, field_name=field_name, first_line=first + 1):
        if max_rows is not None and len(table.rows) >= max_rows:
            raise ValidationFailed(
                _("Ligne %(n)d : %(m)d lignes au plus par fichier.", n=number, m=max_rows),
                field=field_name,
            )
        table.rows.append((number, cells))
    return table


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab, a carriage
    return) gets an apostrophe first, unless it is a plain number."""
    formula = isinstance(value, str) and value.startswith(_FORMULA_START)
    if formula and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str], **options: Any) -> SafeWriter:
    """The CSV writer of every export (``options`` as for :func:`csv.writer`)."""
    return SafeWriter(out, **options)
