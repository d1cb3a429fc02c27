"""The error summary links only to fields that are on the page (issue 16 item 8).

A service names the field its error is about (``ValidationFailed(..., field="proposal")``);
the form's summary (``_forms.html``, ``raw_summary``) links each message to ``#f-<field>``.
When that field is not one of the form's (the proposal a vote is opened on is no input of
the vote form), the link led nowhere: the message is kept, without a link. Done once, on
the rendered page of a form with errors, so that no view has to map service fields to its
inputs.
"""

from __future__ import annotations

import re

from flask import Response

_LINK = re.compile(r'<a href="#(f-[^"]+)">(.*?)</a>', re.S)
_SUMMARY = 'class="error-summary"'


def unlink_missing(html: str) -> str:
    """``html`` with the summary's links to absent ids turned into plain text."""
    start = html.find(_SUMMARY)
    if start < 0:
        return html
    end = html.find("</div>", start)
    if end < 0:
        return html
    ids = set(re.findall(r'\bid="([^"]+)"', html))

    def keep_or_unlink(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) in ids else match.group(2)

    return html[:start] + _LINK.sub(keep_or_unlink, html[start:end]) + html[end:]


def check_summary_links(response: Response) -> Response:
    """After each request: a form page with errors (4xx HTML) gets its summary fixed."""
    if (
        400 <= response.status_code < 500
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not response.is_streamed
    ):
        html = response.get_data(as_text=True)
        if _SUMMARY in html:
            response.set_data(unlink_missing(html))
    return response
