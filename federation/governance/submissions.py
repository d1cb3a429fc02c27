"""A proposal a module writes for a body, and its vote opened at once when asked.

Plugins (housing, elections, food, water, budget…) turn their own objects — an allocation,
a contract, a list of candidates — into a proposal the body deliberates; a facilitator may
open its majority vote in the same step. One path, so that "only facilitation opens a
vote" is checked in one place.

A title the module writes is data (issue 16): pass a :class:`Generated` — a text kind
declared through the hook ``federation_text_kinds`` and its parameters — rather than a
sentence. The proposal, its vote and the decision keep the kind and the parameters, and
show the title (and the generated part of the text) in the reader's language; the stored
``title`` column keeps the French rendering as a fallback. A title people typed (a ``str``)
stays as given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from federation.errors import Conflict
from federation.governance import proposals, votes
from federation.governance.models import Body, GeneratedTitle, Proposal
from federation.identity.services import has_permission
from federation.texts import has_kind, render

#: the language of the stored fallback (the source language of the catalogs)
FALLBACK_LOCALE = "fr"


@dataclass(frozen=True)
class Generated:
    """A title written by the system: ``kind`` renders ``params`` as the title,
    ``text_kind`` (optional) renders the same ``params`` as the generated part of the text.

    ``params`` is JSON data: ids, codes, names people gave, numbers and amounts as text
    (``"12.50"``) with their currency or unit code — never a label already translated or an
    amount already formatted: the renderers format them for the reader.

    ``typed_title``: a title the person gave instead (kept as given; the generated text
    still reads in each language).
    """

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    text_kind: str | None = None
    typed_title: str = ""

    def check(self) -> None:
        """Both kinds have a renderer (a kind nobody declared is a programming error)."""
        for kind in (self.kind, self.text_kind):
            if kind and not has_kind(kind):
                raise LookupError(f"text kind {kind!r} has no renderer (federation_text_kinds)")

    def fallback(self, kind: str | None = None) -> str:
        """The stored fallback: the rendering in the source language."""
        with force_locale(FALLBACK_LOCALE):
            return render(kind or self.kind, dict(self.params))


def generate_title(row: GeneratedTitle, title: Generated) -> None:
    """Give ``row`` (a proposal, a vote, a decision) a generated title: its fallback, then
    its kind and parameters (setting ``title`` clears the kind: fallback first)."""
    title.check()
    if title.typed_title.strip():
        row.title = title.typed_title.strip()[:200]
    else:
        row.title = title.fallback()[:200]
        row.title_kind = title.kind
    row.title_params = dict(title.params)
    if title.text_kind and hasattr(row, "text_kind"):
        row.text_kind = title.text_kind


def propose_to_body(
    body: Body,
    author: Any,
    title: str | Generated,
    text: str,
    extra: dict[str, Any],
    *,
    open_vote: bool,
    prepare: Callable[[Proposal], Any] | None = None,
) -> Proposal:
    """Create the proposal (title cut to 200 characters), move it to deliberation, and
    open its majority vote (threshold 1/2, results shown) when ``open_vote`` — which only
    someone holding ``gov.facilitate`` in the body's commune may ask.

    ``title`` is what people typed (kept as given) or a :class:`Generated` title; ``text``
    is what people typed (the generated part, if any, comes from ``Generated.text_kind``).
    ``prepare(proposal)`` runs once the proposal is in deliberation, before its vote opens
    (a module attaching its object to the proposal).
    """
    if isinstance(title, Generated):
        title.check()
        shown = title.typed_title.strip() or title.fallback()
        proposal = proposals.create_proposal(body, author, shown[:200], text, extra=extra)
        generate_title(proposal, title)
    else:
        proposal = proposals.create_proposal(body, author, title[:200], text, extra=extra)
    proposals.transition(proposal, "deliberation", author)
    if prepare is not None:
        prepare(proposal)
    if open_vote:
        if not has_permission(author, "gov.facilitate", body.commune_id):
            raise Conflict(_("Seule la facilitation ouvre un vote."), field="open_vote")
        vote = votes.create_vote(
            body,
            proposal.stored_title,
            "majority",
            proposal=proposal,
            results_hidden=False,
            settings={"threshold": "1/2"},
        )
        votes.open_vote(vote, author)
    return proposal
