"""Housing decisions go through the governance path: a proposal carries
``extra["housing"]`` and only its closed vote decides (``governance.decision_adopted``).

``extra["housing"]`` is one of (ids only: the journal copies it, no personal data)::

    {"grid_id": 3}         # the assembly adopts a version of the points grid
    {"allocation_id": 7}   # the housing circle adopts the proposed order for a dwelling
    {"project_id": 2}      # the assembly decides a collective purchase
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _

from convergence_housing import allocation as alloc
from convergence_housing import collective, sharing
from convergence_housing.constants import CRITERIA
from convergence_housing.models import Allocation, Grid, Project
from convergence_housing.services import assembly, housing_bodies, require_steer
from federation.db import db
from federation.errors import Conflict, ValidationFailed
from federation.governance.models import Body, Proposal
from federation.governance.submissions import Generated, propose_to_body

log = logging.getLogger(__name__)


def _open(
    body: Body, author: Any, title: Generated, payload: dict[str, Any], open_vote: bool
) -> Proposal:
    """The core's one path; the title and the generated text are data (``texts.PROPOSALS``
    renders them for the reader)."""
    return propose_to_body(body, author, title, "", {"housing": payload}, open_vote=open_vote)


def _assembly() -> Body:
    body = assembly()
    if body is None:
        raise ValidationFailed(_("La commune n'a pas d'assemblée."), field="body_id")
    return body


def _circle() -> Body:
    circles = housing_bodies()
    if not circles:
        raise ValidationFailed(
            _("Créez d'abord un cercle du logement (thème « logement »)."), field="body_id"
        )
    return circles[0]


def grid_params(version: int, criteria: dict[str, int]) -> dict[str, Any]:
    return {"version": version, "criteria": {name: criteria.get(name, 0) for name in CRITERIA}}


def propose_grid(
    data: dict[str, Any], author: Any, *, open_vote: bool = False
) -> tuple[Grid, Proposal]:
    """A new version of the public grid, put to the assembly."""
    require_steer(author)
    grid = alloc.new_grid(data)
    proposal = _open(
        _assembly(),
        author,
        Generated(
            "housing.proposal.grid",
            grid_params(grid.version, grid.criteria),
            "housing.proposal.grid.text",
        ),
        {"grid_id": grid.id},
        open_vote,
    )
    grid.proposal_id = proposal.id
    db.session.flush()
    return grid, proposal


def propose_allocation(
    row: Allocation, order: Any, reason: Any, author: Any, *, open_vote: bool = False
) -> Proposal:
    """The circle's proposed order, put to the housing circle's vote."""
    require_steer(author)
    if row.status != "examining":
        raise Conflict(_("Cette attribution est déjà au vote ou décidée."), field="allocation_id")
    row.proposed_order = alloc.parse_order(row, order, sharing.without_consent(row))
    sharing.check_order(row, row.proposed_order)
    row.reason = str(reason or "").strip()[:5000]
    proposal = _open(
        _circle(),
        author,
        Generated(
            "housing.proposal.allocation",
            alloc.describe_params(row),
            "housing.proposal.allocation.text",
        ),
        {"allocation_id": row.id},
        open_vote,
    )
    row.status, row.proposal_id = "in_vote", proposal.id
    db.session.flush()
    return proposal


def propose_purchase(project: Project, author: Any, *, open_vote: bool = False) -> Proposal:
    require_steer(author)
    collective.check_purchase(project)
    params = {
        "project": project.name,
        "price": str(project.price),
        "works": str(project.works),
        "pledged": str(project.pledged),
        "currency": collective.CURRENCY,
    }
    proposal = _open(
        _assembly(),
        author,
        Generated("housing.proposal.purchase", params, "housing.proposal.purchase.text"),
        {"project_id": project.id},
        open_vote,
    )
    project.status, project.proposal_id = "in_vote", proposal.id
    db.session.flush()
    return proposal


def _deciding(payload: dict[str, Any], housing: dict[str, Any]) -> bool:
    body_id = payload.get("body_id")
    if "allocation_id" in housing:
        return body_id in {b.id for b in housing_bodies()}
    body = assembly()
    return body is not None and body_id == body.id


def on_decision_adopted(payload: dict[str, Any]) -> None:
    housing = (payload.get("extra") or {}).get("housing")
    if not isinstance(housing, dict):
        return
    if not _deciding(payload, housing):
        log.warning("housing data on a proposal of a body that does not decide it: ignored")
        return
    decision_id = payload.get("decision_id")
    if housing.get("grid_id"):
        grid = db.session.get(Grid, int(housing["grid_id"]))
        if grid is not None and grid.proposal_id == payload.get("proposal_id"):
            alloc.put_grid_in_force(grid, decision_id)
    elif housing.get("allocation_id"):
        row = db.session.get(Allocation, int(housing["allocation_id"]))
        if row is not None and row.proposal_id == payload.get("proposal_id"):
            alloc.decide(row, decision_id)
    elif housing.get("project_id"):
        project = db.session.get(Project, int(housing["project_id"]))
        if project is not None and project.proposal_id == payload.get("proposal_id"):
            collective.decide_purchase(project, decision_id)


def on_proposal_rejected(payload: dict[str, Any]) -> None:
    housing = (payload.get("extra") or {}).get("housing")
    if not isinstance(housing, dict):
        return
    if housing.get("grid_id"):
        grid = db.session.get(Grid, int(housing["grid_id"]))
        if grid is not None and grid.status == "in_vote":
            grid.status = "rejected"
    elif housing.get("allocation_id"):
        row = db.session.get(Allocation, int(housing["allocation_id"]))
        if row is not None and row.proposal_id == payload.get("proposal_id"):
            alloc.reopen(row)
    elif housing.get("project_id"):
        project = db.session.get(Project, int(housing["project_id"]))
        if project is not None and project.proposal_id == payload.get("proposal_id"):
            collective.reopen(project)
