"""federation.csvio: one reader for every import, one writer for every export."""

from __future__ import annotations

import io
import os

import pytest

from federation.csvio import decode, read_table, safe_cell, sniff_delimiter, writer
from federation.errors import ValidationFailed

TEXT = "compteur;date;index\nM1;2026-01-02;12\nÉcole;2026-01-03;13\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("latin-1"),
        TEXT.encode("cp1252"),
        TEXT.encode("utf-16"),  # with its BOM
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
    ],
)
def test_every_usual_encoding_is_read(app, data):
    with app.test_request_context():
        table = read_table(data)
    assert table.header == ["compteur", "date", "index"]
    assert table.delimiter == ";"
    assert table.rows == [(2, ["M1", "2026-01-02", "12"]), (3, ["École", "2026-01-03", "13"])]


def test_random_bytes_are_a_clear_error_naming_the_field(app):
    data = os.urandom(64 * 1024)
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        read_table(data, field_name="emails")
    assert caught.value.field == "emails"


def test_size_limit(app):
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        decode(b"a;b\n" * 100, max_bytes=50)
    assert caught.value.field == "file"


def test_delimiters_are_sniffed():
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter("a,b,c") == ","
    assert sniff_delimiter("a\tb\tc") == "\t"
    assert sniff_delimiter('"x;y",b,c') == ","
    assert sniff_delimiter("alone") == ","


def test_line_numbers_count_physical_lines_and_skip_blanks(app):
    text = 'a,b\n\n1,"two\nlines"\n3,4\n'
    with app.test_request_context():
        table = read_table(text)
    assert table.rows == [(3, ["1", "two\nlines"]), (5, ["3", "4"])]


def test_row_limit_names_the_line(app):
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        read_table("a\n1\n2\n3\n", max_rows=2)
    assert "4" in caught.value.message


def test_formula_cells_are_neutralised():
    for formula in ('=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "=1"):
        assert safe_cell(formula).startswith("'"), formula
    for plain in ("-12.5", "+3", "12", "texte", "", None, 4, "a=b"):
        assert safe_cell(plain) == plain
    out = io.StringIO()
    writer(out, delimiter=";").writerow(["=cmd|' /C calc'!A0", "-5", "ok"])
    assert out.getvalue() == "'=cmd|' /C calc'!A0;-5;ok\r\n"


@pytest.mark.parametrize("data", [b";;;\nM1;2026-01-02;12\n", b'""\nM1\n', b'"";""\n'])
def test_a_header_line_of_empty_cells_is_a_clear_error(app, data):
    """The fuzzer's 500 (housing vacancies import): a first line with no header name."""
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        read_table(data, field_name="csv")
    assert caught.value.field == "csv"
