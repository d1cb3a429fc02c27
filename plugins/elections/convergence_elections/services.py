"""The elections plugin's logic: the programme, the list, its candidacies and its order.

Services take plain values, validate them (a :class:`~federation.errors.ServiceError` names
the field at fault), flush and never commit: views, the API and the CLI commit. They act in
the current commune's scope. Decisions go through the governance path: a proposal carries
``extra["elections"]`` and only its closed vote decides (``governance.decision_adopted``)::

    {"axes": [1, 2], "step": "core"}      # the core group adopts the programme's axes
    {"axes": [1, 2], "step": "assembly"}  # then the assembly does
    {"list_id": 3}                        # the assembly adopts the final list
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_elections import law
from convergence_elections.models import (
    Axis,
    Candidacy,
    Coordinator,
    ElectionList,
    Measure,
    MeasureVersion,
)
from convergence_elections.ordering import OrderingError, Ranked, flatten, parity_order
from federation.db import db
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance import votes as gov_votes
from federation.governance.models import Body, Concern, Decision, Proposal
from federation.governance.submissions import propose_to_body
from federation.identity.services import has_permission, is_active_member
from federation.journal.services import record
from federation.tenancy.context import session
from federation.tenancy.models import Commune
from federation.validation import flag, ident, integer_field, text_field

log = logging.getLogger(__name__)

PLUGIN = "elections"
MANAGE = "elections.manage"
CORE_GROUP_THEMES = ("groupe moteur", "core_group", "core group")
METHODS = ("majority_judgment", "schulze", "stv")
SEXES = ("F", "M")
FOLLOW_UPS = ("in_progress", "done", "dropped")
MAX_THEMES = 8

# --- context and who may do what ----------------------------------------------------------


def commune_id() -> int:
    scope = session().scope
    if scope is None or scope.commune_id is None:
        raise RuntimeError("elections services run in a commune's scope")
    return scope.commune_id


def current_commune() -> Commune:
    return db.session.get(Commune, commune_id())


def _authenticated(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_member(user: Any) -> bool:
    return _authenticated(user) and is_active_member(commune_id(), user.id)


def can_manage(user: Any) -> bool:
    return _authenticated(user) and has_permission(user, MANAGE, commune_id())


def require_member(user: Any) -> None:
    if not is_member(user):
        raise Forbidden(_("Réservé aux habitant·es membres de la commune."))


def require_manage(user: Any) -> None:
    if not can_manage(user):
        raise Forbidden(_("Réservé à la facilitation de la liste."))


def assembly() -> Body:
    body = db.session.scalar(select(Body).where(Body.kind == "assembly").limit(1))
    if body is None:
        raise ValidationFailed(_("La commune n'a pas d'assemblée."), field="body_id")
    return body


def core_group() -> Body:
    """The core group: a circle whose theme is « groupe moteur »."""
    body = db.session.scalar(
        select(Body)
        .where(
            func.lower(Body.theme).in_(CORE_GROUP_THEMES),
            Body.kind != "assembly",
            Body.archived.is_(False),
        )
        .order_by(Body.id)
        .limit(1)
    )
    if body is None:
        raise ValidationFailed(
            _("Créez d'abord le groupe moteur (un cercle de thème « groupe moteur »)."),
            field="body_id",
        )
    return body


def _open(
    body: Body, author: Any, title: str, text: str, payload: dict[str, Any], open_vote: bool
) -> Any:
    return propose_to_body(body, author, title, text, {"elections": payload}, open_vote=open_vote)


# --- programme: axes ----------------------------------------------------------------------


def axes() -> list[Axis]:
    return list(db.session.scalars(select(Axis).order_by(Axis.position, Axis.id)))


def get_axis(axis_id: int) -> Axis:
    axis = db.session.get(Axis, axis_id)
    if axis is None:
        raise NotFound(_("Axe introuvable."), field="axis_id")
    return axis


def add_axis(data: dict[str, Any], author: Any) -> Axis:
    require_member(author)
    count = db.session.scalar(select(func.count(Axis.id))) or 0
    axis = Axis(
        title=text_field(data.get("title"), "title", 200, required=True),
        text=text_field(data.get("text"), "text", 5000),
        position=count + 1,
    )
    db.session.add(axis)
    db.session.flush()
    return axis


def propose_axes(step: str, author: Any, *, open_vote: bool = False) -> Proposal:
    """Put the axes to the core group (``step="core"``: the draft axes) or to the assembly
    (``step="assembly"``: those the core group adopted)."""
    require_manage(author)
    if step not in ("core", "assembly"):
        raise ValidationFailed(_("Étape inconnue."), field="step")
    wanted = "draft" if step == "core" else "core_adopted"
    rows = [a for a in axes() if a.status == wanted]
    if not rows:
        raise Conflict(_("Aucun axe à proposer à cette étape."), field="step")
    body = core_group() if step == "core" else assembly()
    text = "\n".join(
        f"{n}. {a.title}" + (f" — {a.text}" if a.text else "") for n, a in enumerate(rows, 1)
    )
    title = (
        _("Axes du programme (groupe moteur)")
        if step == "core"
        else _("Axes du programme (assemblée)")
    )
    proposal = _open(
        body, author, title, text, {"axes": [a.id for a in rows], "step": step}, open_vote
    )
    for axis in rows:
        axis.status = "core_vote" if step == "core" else "assembly_vote"
        axis.proposal_id = proposal.id
    db.session.flush()
    return proposal


def programme_founded() -> bool:
    """The founding prerequisite: at least one axis adopted by the assembly."""
    return any(a.status == "adopted" for a in axes())


# --- programme: measures, their sources and their history -------------------------------


def measures(axis_id: int | None = None) -> list[Measure]:
    query = select(Measure).order_by(Measure.axis_id, Measure.id)
    if axis_id is not None:
        query = query.where(Measure.axis_id == axis_id)
    return list(db.session.scalars(query))


def get_measure(measure_id: int) -> Measure:
    measure = db.session.get(Measure, measure_id)
    if measure is None:
        raise NotFound(_("Mesure introuvable."), field="measure_id")
    return measure


def history(measure: Measure) -> list[MeasureVersion]:
    return list(
        db.session.scalars(
            select(MeasureVersion)
            .where(MeasureVersion.measure_id == measure.id)
            .order_by(MeasureVersion.version.desc())
        )
    )


def _ids(value: Any, field: str) -> list[int]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).replace(",", " ").split()
    out = []
    for item in items[:50]:
        out.append(ident(item, field))
    return sorted(set(out))


def parse_sources(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Sources are adopted decisions and concerns of this commune (checked to exist here)."""
    decisions = _ids(data.get("decision_ids"), "decision_ids")
    concerns = _ids(data.get("concern_ids"), "concern_ids")
    if decisions:
        found = set(db.session.scalars(select(Decision.id).where(Decision.id.in_(decisions))))
        if found != set(decisions):
            raise ValidationFailed(_("Décision introuvable."), field="decision_ids")
    if concerns:
        found = set(db.session.scalars(select(Concern.id).where(Concern.id.in_(concerns))))
        if found != set(concerns):
            raise ValidationFailed(_("Préoccupation introuvable."), field="concern_ids")
    return [{"kind": "decision", "id": i} for i in decisions] + [
        {"kind": "concern", "id": i} for i in concerns
    ]


def _snapshot(measure: Measure, author: Any) -> None:
    db.session.add(
        MeasureVersion(
            measure_id=measure.id,
            version=measure.version,
            title=measure.title,
            text=measure.text,
            sources=list(measure.sources),
            follow_up=measure.follow_up,
            follow_up_reason=measure.follow_up_reason,
            author_id=getattr(author, "id", None),
        )
    )
    db.session.flush()


def add_measure(data: dict[str, Any], author: Any) -> Measure:
    """A measure of the detailed programme, under an adopted axis, with its sources."""
    require_manage(author)
    axis = get_axis(ident(data.get("axis_id"), "axis_id"))
    if axis.status != "adopted":
        raise Conflict(_("Un axe adopté par l'assemblée, d'abord."), field="axis_id")
    sources = parse_sources(data)
    if not sources:
        raise ValidationFailed(
            _("Chaque mesure cite au moins une décision ou une préoccupation."),
            field="decision_ids",
        )
    measure = Measure(
        axis_id=axis.id,
        title=text_field(data.get("title"), "title", 200, required=True),
        text=text_field(data.get("text"), "text", 10000),
        sources=sources,
        version=1,
    )
    db.session.add(measure)
    db.session.flush()
    _snapshot(measure, author)
    return measure


def edit_measure(measure: Measure, data: dict[str, Any], author: Any) -> Measure:
    """A new version of the measure; the previous ones stay in its history."""
    require_manage(author)
    if "title" in data:
        measure.title = text_field(data.get("title"), "title", 200, required=True)
    if "text" in data:
        measure.text = text_field(data.get("text"), "text", 10000)
    if "decision_ids" in data or "concern_ids" in data:
        measure.sources = parse_sources(data) or measure.sources
    if "follow_up" in data:
        value = data.get("follow_up") or None
        if value is not None and value not in FOLLOW_UPS:
            raise ValidationFailed(_("Suivi inconnu."), field="follow_up")
        stage = _stage()
        if value is not None and stage is not None and stage not in ("in_office", "opened_wide"):
            raise Conflict(_("Le suivi commence après l'élection."), field="follow_up")
        reason = text_field(data.get("follow_up_reason"), "follow_up_reason", 2000)
        if value == "dropped" and not reason:
            raise ValidationFailed(
                _("Dites pourquoi la mesure est abandonnée."), field="follow_up_reason"
            )
        measure.follow_up, measure.follow_up_reason = value, reason
    measure.version += 1
    db.session.flush()
    _snapshot(measure, author)
    return measure


def _stage() -> str | None:
    from federation.governance import stages

    return stages.current(commune_id())


# --- lists, coordinators and candidacies ------------------------------------------------


def lists() -> list[ElectionList]:
    return list(db.session.scalars(select(ElectionList).order_by(ElectionList.id.desc())))


def get_list(list_id: int) -> ElectionList:
    row = db.session.get(ElectionList, list_id)
    if row is None:
        raise NotFound(_("Liste introuvable."), field="list_id")
    return row


def create_list(data: dict[str, Any], author: Any) -> ElectionList:
    """A list sized by the law for the latest authenticated population municipale."""
    require_manage(author)
    population = data.get("population")
    if population in (None, ""):
        population = current_commune().population
    population = integer_field(population, "population", 0, 10_000_000, required=True)
    rule = law.list_length(population)
    length = data.get("length")
    length = (
        rule.seats
        if length in (None, "")
        else integer_field(length, "length", 1, 200, required=True)
    )
    if not rule.accepts(length):
        raise ValidationFailed(
            _(
                "Une liste compte de %(a)s à %(b)s noms pour %(s)s sièges.",
                a=rule.minimum,
                b=rule.maximum,
                s=rule.seats,
            ),
            field="length",
        )
    method = data.get("method") or "majority_judgment"
    if method not in METHODS:
        raise ValidationFailed(_("Méthode de vote inconnue : %(m)s", m=method), field="method")
    when = data.get("election_date")
    if isinstance(when, str) and when:
        try:
            when = date.fromisoformat(when)
        except ValueError:
            raise ValidationFailed(_("Date invalide."), field="election_date") from None
    row = ElectionList(
        title=text_field(data.get("title"), "title", 200, required=True),
        by_election=flag(data.get("by_election")),
        election_date=when or None,
        population=population,
        seats=rule.seats,
        length=length,
        method=method,
    )
    db.session.add(row)
    db.session.flush()
    add_coordinator(row, author.id, author)
    return row


def coordinator_ids(row: ElectionList) -> set[int]:
    return set(db.session.scalars(select(Coordinator.user_id).where(Coordinator.list_id == row.id)))


def is_coordinator(row: ElectionList, user: Any) -> bool:
    return is_member(user) and user.id in coordinator_ids(row)


def add_coordinator(row: ElectionList, user_id: int, actor: Any) -> None:
    require_manage(actor)
    if not is_active_member(commune_id(), user_id):
        raise ValidationFailed(_("Une personne membre de la commune."), field="user_id")
    if user_id not in coordinator_ids(row):
        db.session.add(Coordinator(list_id=row.id, user_id=user_id))
        db.session.flush()


def candidacies(row: ElectionList, *, active: bool = True) -> list[Candidacy]:
    query = select(Candidacy).where(Candidacy.list_id == row.id).order_by(Candidacy.id)
    if active:
        query = query.where(Candidacy.withdrawn.is_(False))
    return list(db.session.scalars(query))


def stand(row: ElectionList, data: dict[str, Any], user: Any) -> Candidacy:
    """A member volunteers: statement, themes, declared sex and declarations.

    The platform checks the link to the commune (an active membership); it records, but
    cannot check, the age and the registration on the electoral roll the person declares.
    """
    require_member(user)
    if row.status != "open":
        raise Conflict(_("Les candidatures sont closes pour cette liste."), field="status")
    sex = data.get("sex")
    if sex not in SEXES:
        raise ValidationFailed(
            _("Indiquez le sexe (F ou M), exigé par l'alternance stricte."), field="sex"
        )
    themes = data.get("themes") or []
    if isinstance(themes, str):
        themes = [t.strip() for t in themes.split(",")]
    themes = [text_field(t, "themes", 60) for t in themes if t and str(t).strip()][:MAX_THEMES]
    if not flag(data.get("declared_adult")):
        raise ValidationFailed(
            _("Il faut avoir 18 ans révolus le jour du scrutin."), field="declared_adult"
        )
    existing = db.session.scalar(
        select(Candidacy).where(Candidacy.list_id == row.id, Candidacy.user_id == user.id)
    )
    candidacy = existing or Candidacy(list_id=row.id, user_id=user.id)
    candidacy.name = user.display_name
    candidacy.sex = sex
    candidacy.statement = text_field(data.get("statement"), "statement", 5000, required=True)
    candidacy.themes = themes
    candidacy.declared_adult = True
    candidacy.declared_on_roll = flag(data.get("declared_on_roll"))
    candidacy.withdrawn = False
    if existing is None:
        db.session.add(candidacy)
    db.session.flush()
    return candidacy


def own_candidacy(row: ElectionList, user: Any) -> Candidacy:
    """The person's active candidacy on the list (NotFound when there is none)."""
    mine = next((c for c in candidacies(row) if c.user_id == user.id), None)
    if mine is None:
        raise NotFound(_("Candidature introuvable."), field="candidacy")
    return mine


def withdraw(candidacy: Candidacy, user: Any) -> None:
    if getattr(user, "id", None) != candidacy.user_id:
        raise Forbidden(_("Seule la personne candidate retire sa candidature."))
    candidacy.withdrawn = True
    db.session.flush()


def get_candidacy(candidacy_id: int) -> Candidacy:
    row = db.session.get(Candidacy, candidacy_id)
    if row is None:
        raise NotFound(_("Candidature introuvable."), field="candidacy_id")
    return row


def active_member_ids(user_ids: list[int]) -> set[int]:
    """Which of these people are active members of the commune (one query)."""
    from federation.identity.models import Membership

    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.commune_id == commune_id(),
                Membership.status == "active",
                Membership.user_id.in_(user_ids),
            )
        )
    )


def all_checks(people: list[Candidacy]) -> dict[int, list[tuple[str, str]]]:
    """:func:`checks` for every candidacy of a page, in one query."""
    active = active_member_ids([c.user_id for c in people if c.user_id is not None])
    return {c.id: checks(c, active) for c in people}


def checks(candidacy: Candidacy, active: set[int] | None = None) -> list[tuple[str, str]]:
    """What the platform checked and what it only records, for the page (key, state)."""
    if active is None:
        active = active_member_ids([candidacy.user_id] if candidacy.user_id else [])
    linked = candidacy.user_id in active
    return [
        ("commune", "checked" if linked else "missing"),
        ("adult", "declared" if candidacy.declared_adult else "missing"),
        ("roll", "declared" if candidacy.declared_on_roll else "missing"),
    ]


# --- ordering the list: the vote, then strict alternation -------------------------------


def open_ranking(row: ElectionList, actor: Any) -> Any:
    """The members rank or grade the candidates (the list's method) in an assembly vote."""
    require_manage(actor)
    if row.status != "open":
        raise Conflict(_("Le vote sur l'ordre est déjà ouvert."), field="status")
    people = candidacies(row)
    rule = law.list_length(row.population)
    if len(people) < rule.minimum:
        raise Conflict(
            _("Il faut au moins %(n)s candidatures.", n=rule.minimum), field="candidacies"
        )
    labels = [f"{c.name} (n° {c.id})" for c in people]
    settings: dict[str, Any] = {}
    if row.method == "stv":
        settings = {"seats": min(row.length, len(people))}
    vote = gov_votes.create_vote(
        assembly(),
        _("Ordre de la liste : %(t)s", t=row.title),
        row.method,
        options=labels,
        settings=settings,
        results_hidden=True,
    )
    for candidacy, option in zip(people, gov_votes.options_of(vote), strict=True):
        candidacy.option_id = option.id
    gov_votes.open_vote(vote, actor)
    row.vote_id, row.status = vote.id, "ranking"
    db.session.flush()
    return vote


def vote_ranking(row: ElectionList) -> list[list[int]]:
    """The closed vote's ranking as candidacy ids (groups of ties, best first)."""
    vote = gov_votes.get_vote(row.vote_id) if row.vote_id else None
    if vote is None or vote.status != "closed":
        raise Conflict(_("Le vote sur l'ordre n'est pas clos."), field="vote_id")
    by_option = {c.option_id: c.id for c in candidacies(row)}
    ranking = (vote.result or {}).get("ranking") or []
    groups = [[by_option[o] for o in group if o in by_option] for group in ranking]
    groups = [g for g in groups if g]
    seen = {i for g in groups for i in g}
    rest = sorted(set(by_option.values()) - seen)  # STV may rank only the elected
    if rest:
        groups.append(rest)
    return groups


def compute_order(row: ElectionList, actor: Any) -> ElectionList:
    """The order with strict alternation closest to the vote, explained step by step."""
    if not (can_manage(actor) or is_coordinator(row, actor)):
        raise Forbidden(_("Réservé à la facilitation de la liste."))
    if row.status not in ("ranking", "ordered"):
        raise Conflict(_("Le vote sur l'ordre n'a pas eu lieu."), field="status")
    flat, ties = flatten(vote_ranking(row))
    people = {c.id: c for c in candidacies(row)}
    ranked = [Ranked(i, people[i].sex, n) for n, i in enumerate(flat, 1) if i in people]
    rule = law.list_length(row.population)
    try:
        result = parity_order(ranked, row.length)
    except OrderingError as exc:
        raise Conflict(
            _(
                "Pas assez de candidat·es d'un sexe pour %(n)s noms en alternance stricte "
                "(%(f)s femmes, %(m)s hommes : %(p)s noms au plus).",
                n=row.length,
                f=exc.details.get("women", 0),
                m=exc.details.get("men", 0),
                p=exc.details.get("possible", 0),
            ),
            field="length",
        ) from exc
    assert rule.accepts(len(result.order))
    row.ranking, row.order, row.head_sex = flat, result.order, result.head_sex
    row.steps = ties + result.steps
    row.status = "ordered"
    db.session.flush()
    return row


def propose_list(row: ElectionList, author: Any, *, open_vote: bool = False) -> Proposal:
    """The assembly adopts the final list by vote."""
    require_manage(author)
    if row.status != "ordered":
        raise Conflict(_("Calculez d'abord l'ordre de la liste."), field="status")
    people = {c.id: c for c in candidacies(row, active=False)}
    text = "\n".join(f"{n}. {people[i].name} ({people[i].sex})" for n, i in enumerate(row.order, 1))
    proposal = _open(
        assembly(),
        author,
        _("Adopter la liste « %(t)s »", t=row.title),
        text,
        {"list_id": row.id},
        open_vote,
    )
    row.proposal_id, row.status = proposal.id, "in_vote"
    db.session.flush()
    return proposal


def ordered(row: ElectionList) -> list[Candidacy]:
    people = {c.id: c for c in candidacies(row, active=False)}
    return [people[i] for i in row.order if i in people]


# --- decisions ----------------------------------------------------------------------------


def on_decision_adopted(payload: dict[str, Any]) -> None:
    data = (payload.get("extra") or {}).get(PLUGIN)
    if not isinstance(data, dict):
        return
    proposal_id, decision_id = payload.get("proposal_id"), payload.get("decision_id")
    body = db.session.get(Body, payload.get("body_id"))
    if body is None:
        return
    if data.get("axes"):
        step = data.get("step")
        if (step == "assembly") != (body.kind == "assembly"):
            log.warning("elections: axes decided by the wrong body: ignored")
            return
        for axis in db.session.scalars(select(Axis).where(Axis.id.in_(data["axes"]))):
            if axis.proposal_id != proposal_id:
                continue
            if step == "core":
                axis.status, axis.core_decision_id = "core_adopted", decision_id
            else:
                axis.status, axis.decision_id = "adopted", decision_id
    elif data.get("list_id") and body.kind == "assembly":
        row = db.session.get(ElectionList, int(data["list_id"]))
        if row is not None and row.proposal_id == proposal_id and row.status != "adopted":
            row.status, row.decision_id = "adopted", decision_id
            from federation.identity.notifications import notify

            slug = db.session.get(Commune, row.commune_id).slug
            for person in ordered(row):
                if person.user_id is not None:
                    notify(
                        person.user_id,
                        kind="elections.on_the_list",
                        params={"title": row.title, "position": row.order.index(person.id) + 1},
                        link=f"/c/{slug}/elections/lists/{row.id}",
                        commune_id=row.commune_id,
                    )
            record(
                "elections.list_adopted",
                payload={
                    "list": row.id,
                    "title": row.title,
                    "names": len(row.order),
                    "decision": decision_id,
                },
                commune_id=row.commune_id,
            )


def on_proposal_rejected(payload: dict[str, Any]) -> None:
    data = (payload.get("extra") or {}).get(PLUGIN)
    if not isinstance(data, dict):
        return
    if data.get("axes"):
        back = "draft" if data.get("step") == "core" else "core_adopted"
        for axis in db.session.scalars(select(Axis).where(Axis.id.in_(data["axes"]))):
            if axis.proposal_id == payload.get("proposal_id"):
                axis.status = back
    elif data.get("list_id"):
        row = db.session.get(ElectionList, int(data["list_id"]))
        if row is not None and row.proposal_id == payload.get("proposal_id"):
            row.status = "ordered"


# --- indicators ---------------------------------------------------------------------------


def counts_by_commune(commune_ids: list[int]) -> dict[str, dict[int, int]]:
    """Adopted axes and active candidacies per commune, in two grouped queries."""
    axes_n = dict.fromkeys(commune_ids, 0)
    for cid, n in db.session.execute(
        select(Axis.commune_id, func.count(Axis.id))
        .where(Axis.status == "adopted")
        .group_by(Axis.commune_id)
    ):
        if cid in axes_n:
            axes_n[cid] = n
    people = dict.fromkeys(commune_ids, 0)
    for cid, n in db.session.execute(
        select(Candidacy.commune_id, func.count(Candidacy.id))
        .where(Candidacy.withdrawn.is_(False))
        .group_by(Candidacy.commune_id)
    ):
        if cid in people:
            people[cid] = n
    return {"axes": axes_n, "candidacies": people}
