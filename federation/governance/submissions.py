"""A proposal a module writes for a body, and its vote opened at once when asked.

Plugins (housing, elections…) turn their own objects — an allocation, a list of candidates —
into a proposal the body deliberates; a facilitator may open its majority vote in the same
step. One path, so that "only facilitation opens a vote" is checked in one place.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from federation.errors import Conflict
from federation.governance import proposals, votes
from federation.governance.models import Body, Proposal
from federation.identity.services import has_permission


def propose_to_body(
    body: Body,
    author: Any,
    title: str,
    text: str,
    extra: dict[str, Any],
    *,
    open_vote: bool,
) -> Proposal:
    """Create the proposal (title cut to 200 characters), move it to deliberation, and
    open its majority vote (threshold 1/2, results shown) when ``open_vote`` — which only
    someone holding ``gov.facilitate`` in the body's commune may ask."""
    proposal = proposals.create_proposal(body, author, title[:200], text, extra=extra)
    proposals.transition(proposal, "deliberation", author)
    if open_vote:
        if not has_permission(author, "gov.facilitate", body.commune_id):
            raise Conflict(_("Seule la facilitation ouvre un vote."), field="open_vote")
        vote = votes.create_vote(
            body,
            proposal.title,
            "majority",
            proposal=proposal,
            results_hidden=False,
            settings={"threshold": "1/2"},
        )
        votes.open_vote(vote, author)
    return proposal
