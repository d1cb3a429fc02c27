"""Housing requests, the points grid voted by the assembly, the examination of requests
for an available dwelling, the allocation put to the housing circle's vote, second looks.

The grid is a decision aid: it ranks and explains; the circle proposes an order; only the
vote decides (see :mod:`convergence_housing.decisions`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_housing.constants import CRITERIA, DEFAULT_GRID, MAX_POINTS, MIN_EXAMINED
from convergence_housing.models import Allocation, Dwelling, Grid, HousingRequest, Review
from convergence_housing.ranking import Candidate, Place, rank
from convergence_housing.services import (
    commune_id,
    current_commune,
    get_dwelling,
    is_member,
    log_change,
    require_member,
    require_steer,
    set_occupancy,
    settings,
)
from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.journal.services import record
from federation.plugins.events import emit
from federation.tenancy.models import Commune
from federation.validation import choice_field, flag, integer_field, text_field

# --- requests -----------------------------------------------------------------------------


def _communes(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    slugs = [str(s).strip() for s in items if str(s).strip()]
    if not slugs:
        return [current_commune().slug]
    known = set(db.session.scalars(select(Commune.slug).where(Commune.slug.in_(slugs))))
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise ValidationFailed(_("Commune inconnue : %(s)s", s=unknown[0][:60]), field="communes")
    return list(dict.fromkeys(slugs))


def create_request(
    data: dict[str, Any], applicant: Any, today: date | None = None
) -> HousingRequest:
    """A household asks for housing (a member of the commune, for themselves)."""
    require_member(applicant)
    people = integer_field(data.get("people"), "people", 1, 30, required=True)
    row = HousingRequest(
        applicant_id=applicant.id,
        household=text_field(data.get("household"), "household", 200, required=True),
        people=people,
        rooms_needed=integer_field(data.get("rooms_needed"), "rooms_needed", 1, 20)
        or max(1, people),
        needs=text_field(data.get("needs"), "needs", 5000),
        urgency=int(choice_field(str(data.get("urgency") or "0"), ("0", "1", "2", "3"), "urgency")),
        accessibility=flag(data.get("accessibility")),
        communes=_communes(data.get("communes")),
        status="open",
        submitted_on=today or date.today(),
    )
    db.session.add(row)
    db.session.flush()
    emit("housing.request_created", {"request_id": row.id}, commune_id=commune_id())
    return row


def get_request(request_id: Any) -> HousingRequest:
    try:
        row = db.session.get(HousingRequest, int(request_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Demande introuvable."), field="request_id")
    return row


def visible_request(request_id: Any, user: Any, private: bool) -> HousingRequest:
    """The applicant and the housing circle see a request; nobody else (404)."""
    row = get_request(request_id)
    if private or (user is not None and getattr(user, "id", None) == row.applicant_id):
        return row
    raise NotFound(_("Demande introuvable."), field="request_id")


def requests(status: str | None = None) -> list[HousingRequest]:
    query = select(HousingRequest).order_by(HousingRequest.id)
    if status:
        query = query.where(HousingRequest.status == status)
    return list(db.session.scalars(query))


def requests_of(user: Any) -> list[HousingRequest]:
    if user is None:
        return []
    return list(
        db.session.scalars(
            select(HousingRequest)
            .where(HousingRequest.applicant_id == user.id)
            .order_by(HousingRequest.id)
        )
    )


def withdraw_request(row: HousingRequest, user: Any) -> None:
    if getattr(user, "id", None) != row.applicant_id:
        raise Forbidden(_("Seul·e l'auteur·rice de la demande peut la retirer."))
    if row.status != "open":
        raise Conflict(_("Cette demande n'est plus ouverte."), field="status")
    row.status = "withdrawn"
    db.session.flush()


def request_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(HousingRequest.status, func.count()).group_by(HousingRequest.status)
    ).all()
    return dict(rows)


# --- the grid -----------------------------------------------------------------------------


def grid_in_force() -> Grid | None:
    return db.session.scalar(
        select(Grid).where(Grid.status == "in_force").order_by(Grid.version.desc()).limit(1)
    )


def grids() -> list[Grid]:
    return list(db.session.scalars(select(Grid).order_by(Grid.version.desc())))


def get_grid(grid_id: Any) -> Grid:
    try:
        row = db.session.get(Grid, int(grid_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Grille introuvable."), field="grid_id")
    return row


def parse_criteria(data: dict[str, Any]) -> dict[str, int]:
    return {
        name: integer_field(data.get(name, DEFAULT_GRID[name]), name, 0, MAX_POINTS) or 0
        for name in CRITERIA
    }


def new_grid(data: dict[str, Any]) -> Grid:
    """A new version of the grid, to be put to the assembly's vote."""
    criteria = parse_criteria(data)
    version = (db.session.scalar(select(func.max(Grid.version))) or 0) + 1
    row = Grid(version=version, criteria=criteria, status="in_vote")
    db.session.add(row)
    db.session.flush()
    return row


def put_grid_in_force(grid: Grid, decision_id: int | None) -> None:
    if grid.status == "in_force":
        return
    for old in db.session.scalars(select(Grid).where(Grid.status == "in_force")):
        old.status = "superseded"
    grid.status, grid.decision_id, grid.in_force_at = "in_force", decision_id, utcnow()
    db.session.flush()
    record(
        "housing.grid",
        payload={
            "grid": grid.id,
            "version": grid.version,
            "criteria": grid.criteria,
            "decision": decision_id,
        },
        commune_id=commune_id(),
        actor="@housing.assembly",
    )


# --- examinations and allocations ---------------------------------------------------------


def available_dwellings() -> list[Dwelling]:
    """Dwellings back in use, vacant, confirmed, and not under an open examination."""
    busy = select(Allocation.dwelling_id).where(
        Allocation.status.in_(("examining", "in_vote", "decided"))
    )
    return list(
        db.session.scalars(
            select(Dwelling)
            .where(
                Dwelling.status == "done",
                Dwelling.substatus == "back_in_use",
                Dwelling.occupancy == "vacant",
                Dwelling.confirmed.is_(True),
                Dwelling.id.not_in(busy),
            )
            .order_by(Dwelling.ref)
        )
    )


def candidates_for(slug: str) -> tuple[list[Candidate], dict[int, int]]:
    """Open requests wishing this commune: ours, and those of partner communes open to it
    (see :mod:`convergence_housing.sharing`). Returns the candidates and request → commune."""
    from convergence_housing import sharing

    here = commune_id()
    rows = db.session.scalars(select(HousingRequest).where(HousingRequest.status == "open"))
    candidates, homes = [], {}
    for r in rows:
        if not r.communes or slug in r.communes:
            candidates.append(
                Candidate(
                    r.id,
                    r.people,
                    r.rooms_needed,
                    r.urgency,
                    r.accessibility,
                    r.submitted_on,
                    tuple(r.communes or ()),
                )
            )
            homes[r.id] = here
    for s in sharing.requests_open_to(slug, sharing.partner_ids()):
        candidates.append(
            Candidate(
                s.id,
                s.people,
                s.rooms_needed,
                s.urgency,
                s.accessibility,
                s.submitted_on,
                s.communes,
            )
        )
        homes[s.id] = s.commune_id
    return candidates, homes


def start_examination(dwelling: Dwelling, actor: Any, today: date | None = None) -> Allocation:
    """Rank every open request wishing this commune with the grid in force (requests of
    partner communes open to this one included, each entry naming its commune)."""
    require_steer(actor)
    grid = grid_in_force()
    if grid is None:
        raise Conflict(_("Aucune grille d'attribution n'a encore été votée."), field="grid")
    if dwelling.id not in {d.id for d in available_dwellings()}:
        raise Conflict(
            _("Ce logement n'est pas disponible pour une attribution."), field="dwelling_id"
        )
    slug = current_commune().slug
    candidates, homes = candidates_for(slug)
    if not candidates:
        raise Conflict(_("Aucune demande ouverte pour cette commune."), field="dwelling_id")
    place = Place(dwelling.rooms, dwelling.accessible, slug)
    ranking = rank(candidates, place, grid.criteria, today or date.today())
    for entry in ranking:
        entry["commune"] = homes[entry["request"]]
    row = Allocation(
        dwelling_id=dwelling.id,
        grid_id=grid.id,
        status="examining",
        ranking=ranking,
        proposed_order=[],
    )
    db.session.add(row)
    db.session.flush()
    from convergence_housing import sharing

    sharing.notify_homes(row)
    return row


def allocations() -> list[Allocation]:
    return list(db.session.scalars(select(Allocation).order_by(Allocation.id.desc())))


def get_allocation(allocation_id: Any) -> Allocation:
    try:
        row = db.session.get(Allocation, int(allocation_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Attribution introuvable."), field="allocation_id")
    return row


def parse_order(allocation: Allocation, order: Any, excluded: set[int] | None = None) -> list[int]:
    """The circle's order: examined requests, once each, at least three (or all those it
    may name: ``excluded`` are other communes' requests without their commune's consent)."""
    items = order.replace(";", ",").split(",") if isinstance(order, str) else list(order or [])
    try:
        ids = [
            int(str(x).strip().lstrip("#").lstrip("n°").strip()) for x in items if str(x).strip()
        ]
    except ValueError:
        raise ValidationFailed(_("Donnez des numéros de demande."), field="order") from None
    ranked = [entry["request"] for entry in allocation.ranking]
    if len(set(ids)) != len(ids) or not set(ids) <= set(ranked):
        raise ValidationFailed(
            _("L'ordre ne peut citer que les demandes examinées, une fois chacune."), field="order"
        )
    needed = min(MIN_EXAMINED, len(set(ranked) - (excluded or set())))
    if len(ids) < needed:
        raise ValidationFailed(
            _("Classez au moins %(n)d demandes examinées.", n=needed), field="order"
        )
    return ids


def describe_params(allocation: Allocation) -> dict[str, Any]:
    """What the proposal says, as data: numbers only, no personal data."""
    dwelling = db.session.get(Dwelling, allocation.dwelling_id)
    grid = db.session.get(Grid, allocation.grid_id)
    return {
        "dwelling": dwelling.ref if dwelling else "?",
        "order": [int(i) for i in allocation.proposed_order],
        "examined": len(allocation.ranking),
        "grid_version": grid.version if grid else 0,
    }


def describe(allocation: Allocation) -> str:
    """The public sentence of the proposal, in the reader's language."""
    from federation.texts import render

    return render("housing.proposal.allocation.text", describe_params(allocation))


def decide(allocation: Allocation, decision_id: int | None, today: date | None = None) -> None:
    """The vote adopted the order: the first open request of it receives the dwelling."""
    if allocation.status == "decided":
        return
    from convergence_housing import sharing

    foreign = sharing.foreign_entries(allocation)
    chosen = None
    for request_id in allocation.proposed_order:
        if request_id in foreign:
            if sharing.open_foreign(allocation, request_id):
                chosen = request_id
                break
            continue
        row = db.session.get(HousingRequest, request_id)
        if row is not None and row.status == "open":
            chosen = request_id
            break
    allocation.status = "decided"
    allocation.decision_id = decision_id
    allocation.decided_on = today or date.today()
    dwelling = get_dwelling(allocation.dwelling_id)
    home = None
    if chosen is not None:
        if chosen in foreign:
            home = sharing.mark_allocated_elsewhere(allocation, chosen)
        else:
            db.session.get(HousingRequest, chosen).status = "allocated"
        if chosen in foreign:
            allocation.chosen_elsewhere_id = chosen
        else:
            allocation.chosen_request_id = chosen
        set_occupancy(dwelling, "rented", None, source="decision")
        log_change(dwelling, "allocated", "", allocation.id, None, "decision")
    db.session.flush()
    record(
        "housing.allocation",
        payload={
            "allocation": allocation.id,
            "dwelling": dwelling.ref,
            "decision": decision_id,
            "examined": len(allocation.ranking),
            "grid": allocation.grid_id,
            "household_commune": home,
        },
        commune_id=commune_id(),
        actor="@housing.circle",
    )
    emit("housing.allocated", {"allocation_id": allocation.id}, commune_id=commune_id())


def reopen(allocation: Allocation) -> None:
    """The vote rejected the order: the circle examines again and may propose another."""
    if allocation.status == "in_vote":
        allocation.status = "examining"
        allocation.proposal_id = None
        db.session.flush()


# --- second look --------------------------------------------------------------------------


def second_look_days() -> int:
    return int(settings().get("second_look_days", 30))


def ask_second_look(
    allocation: Allocation, request_id: Any, reason: Any, user: Any, today: date | None = None
) -> Review:
    """A household examined for this dwelling asks the circle to look again, within the
    set delay after the decision."""
    request_row = get_request(request_id)
    if getattr(user, "id", None) != request_row.applicant_id or not is_member(user):
        raise Forbidden(_("Seul·e l'auteur·rice de la demande peut demander un réexamen."))
    if request_row.id not in {e["request"] for e in allocation.ranking}:
        raise ValidationFailed(_("Cette demande n'a pas été examinée ici."), field="request_id")
    if allocation.status != "decided" or allocation.decided_on is None:
        raise Conflict(_("Le réexamen se demande après la décision."), field="allocation_id")
    deadline = allocation.decided_on + timedelta(days=second_look_days())
    if (today or date.today()) > deadline:
        raise Conflict(_("Le délai de réexamen est passé."), field="allocation_id")
    exists = db.session.scalar(
        select(Review.id).where(
            Review.allocation_id == allocation.id, Review.request_id == request_row.id
        )
    )
    if exists is not None:
        raise Conflict(_("Un réexamen est déjà demandé."), field="request_id")
    row = Review(
        allocation_id=allocation.id,
        request_id=request_row.id,
        reason=text_field(reason, "reason", 5000, required=True),
    )
    db.session.add(row)
    db.session.flush()
    emit("housing.second_look", {"review_id": row.id}, commune_id=commune_id())
    return row


def reviews(allocation: Allocation) -> list[Review]:
    return list(db.session.scalars(select(Review).where(Review.allocation_id == allocation.id)))


def answer_review(review: Review, answer: Any, actor: Any) -> None:
    require_steer(actor)
    if review.status != "open":
        raise Conflict(_("Ce réexamen a déjà sa réponse."), field="review_id")
    review.answer = text_field(answer, "answer", 5000, required=True)
    review.status = "done"
    db.session.flush()


def get_review(review_id: Any) -> Review:
    try:
        row = db.session.get(Review, int(review_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Réexamen introuvable."), field="review_id")
    return row
