"""Every link of a form's error summary leads to a field of the page (issue 16 item 8:
"#f-proposal" pointed at nothing when the error was about the proposal a vote is opened on,
which the vote form does not show)."""

from __future__ import annotations

import re

from flask import Response

from federation.web.error_summary import check_summary_links, unlink_missing

PAGE = """<main><div class="error-summary" role="alert" tabindex="-1">
  <h2>Le formulaire contient des erreurs</h2>
  <ul><li><a href="#f-title">Titre trop court.</a></li>
  <li><a href="#f-proposal">La proposition doit être en délibération.</a></li></ul>
</div>
<form><label for="f-title">Titre</label><input id="f-title" name="title"></form></main>"""


def missing_targets(html: str) -> list[str]:
    """The summary's links whose target id is not on the page."""
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    return [t for t in re.findall(r'href="#([^"]+)"', html) if t not in ids]


def test_the_planted_page_links_to_a_missing_field():
    """Planted twin: the summary as the macro writes it points at #f-proposal."""
    assert missing_targets(PAGE) == ["f-proposal"]


def test_links_to_missing_fields_become_plain_messages():
    fixed = unlink_missing(PAGE)
    assert missing_targets(fixed) == []
    assert '<a href="#f-title">Titre trop court.</a>' in fixed  # a field on the page: linked
    assert "La proposition doit être en délibération." in fixed  # the message stays


def test_every_form_page_with_errors_is_checked(app):
    assert check_summary_links in app.after_request_funcs[None]
    response = check_summary_links(Response(PAGE, status=422, mimetype="text/html"))
    assert missing_targets(response.get_data(as_text=True)) == []
    ok = check_summary_links(Response(PAGE, status=200, mimetype="text/html"))
    assert ok.get_data(as_text=True) == PAGE  # pages without errors are left alone
