"""Letters as PDF for printing (fpdf2: maintained, pure Python, no system dependency).

The letter's text comes already rendered in the reader's language; this module only lays it
out on an A4 page: the sender (the commune's housing circle) top left, the recipient's
block on the right, the date and the body. fpdf2's built-in fonts need no font file but
cover Latin-1 only: the few typographic signs outside it that French and English letters
use are written with their plain equivalents (« € » as « EUR », « œ » as « oe »…), and
anything else as « ? », so that a letter always prints.
"""

from __future__ import annotations

from fpdf import FPDF

PLAIN = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u202f": "\u00a0",
        "\u2009": " ",
        "\u0153": "oe",
        "\u0152": "OE",
        "\u0178": "Y",
        "\u20ac": "EUR",
    }
)


def latin1(text: str) -> str:
    return str(text).translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


def letter_pdf(title: str, sender: list[str], recipient: list[str], body: str) -> bytes:
    """One letter on A4: ``sender`` and ``recipient`` are lines; ``body`` keeps its
    paragraphs. Returns the PDF document (it starts with ``%PDF``)."""
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(title))
    pdf.set_creator("Convergence")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(80, 5.5, latin1("\n".join(line for line in sender if line)))
    pdf.ln(12)
    pdf.set_x(110)
    pdf.multi_cell(75, 5.5, latin1("\n".join(line for line in recipient if line)))
    pdf.ln(16)
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.multi_cell(0, 5.5, latin1(title))
    pdf.ln(6)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 5.5, latin1(body))
    return bytes(pdf.output())
