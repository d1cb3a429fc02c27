"""Server-side charts as inline SVG with a text alternative (no JavaScript, no CDN).

``bar_chart(title, rows)`` renders horizontal bars with a ``<title>``/``<desc>`` and a
data table that screen readers and printouts use; plugins call it from templates.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from html import escape

from flask_babel import gettext as _
from markupsafe import Markup


def _fmt(value: float | None, unit: str = "") -> str:
    """A value and its unit in the reader's locale ("7,4 %" / "7.4%", "12 500",
    "18 500,00 €" / "€18,500.00", "3,5 m³/j" / "3.5 m³/d", "4 h")."""
    from federation import formatting

    if value is None:
        return "—"
    if unit == "%":
        return formatting.percent(float(value) / 100)
    if unit == "€":
        return formatting.money(value, "EUR")
    if unit in formatting.UNITS:
        return formatting.quantity(value, unit)
    shown = formatting.number(value, 0 if float(value).is_integer() else 1)
    if unit == "m³/j":
        unit = _("m³/j")  # the indicators' per-day volume, in the reader's language
    return f"{shown} {unit}".strip()


#: an indicator's value with its unit, for the pages (the chart's own format)
format_value = _fmt


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float | None]],
    *,
    unit: str = "",
    max_value: float | None = None,
    width: int = 560,
    compare: Sequence[float | None] | None = None,
    compare_label: str = "",
) -> Markup:
    """Horizontal bars; ``compare`` draws a second, thinner bar per row (e.g. executed)."""
    row_h, label_w, pad = 28, 180, 8
    values = [v or 0 for _l, v in rows] + [v or 0 for v in (compare or [])]
    top = max_value or max([*values, 1])
    bar_w = width - label_w - 90
    height = max(len(rows), 1) * row_h + pad * 2
    title_e = escape(str(title))
    desc = "; ".join(f"{label}: {_fmt(v, unit)}" for label, v in rows)
    cid = "chart-" + secrets.token_hex(4)
    parts = [
        f'<figure class="chart"><svg role="img" aria-labelledby="{cid}-t {cid}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{cid}-t">{title_e}</title><desc id="{cid}-d">{escape(desc)}</desc>'
    ]
    for index, (label, value) in enumerate(rows):
        y = pad + index * row_h
        length = 0 if not value else max(2, bar_w * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 18}" text-anchor="end" class="chart-label">'
            f"{escape(str(label))[:32]}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="16" class="bar"/>'
        )
        if compare is not None and index < len(compare) and compare[index]:
            c_len = max(2, bar_w * (compare[index] or 0) / top)
            parts.append(
                f'<rect x="{label_w}" y="{y + 14}" width="{c_len:.1f}" height="6" '
                f'class="bar-compare"/>'
            )
        parts.append(
            f'<text x="{label_w + length + 6:.1f}" y="{y + 18}" class="chart-value">'
            f"{escape(_fmt(value, unit))}</text>"
        )
    parts.append("</svg>")
    parts.append(
        f"<figcaption>{title_e}</figcaption><details><summary>"
        f"{escape(_('Données'))}</summary><table><tbody>"
    )
    for index, (label, value) in enumerate(rows):
        extra = ""
        if compare is not None and index < len(compare):
            extra = f"<td>{escape(compare_label)} {escape(_fmt(compare[index], unit))}</td>"
        parts.append(
            f'<tr><th scope="row">{escape(str(label))}</th>'
            f"<td>{escape(_fmt(value, unit))}</td>{extra}</tr>"
        )
    parts.append("</tbody></table></details></figure>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped
