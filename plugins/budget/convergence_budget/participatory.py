"""Participatory budgeting: a process per year (submission → feasibility review → vote →
results → follow-up), projects submitted by inhabitants, secret ballots with their limits
held under concurrency (R12), frozen rules (R13), results under greedy and the Method of
Equal Shares with an explanation for every project, and pabulib import/export."""

from __future__ import annotations

import io
import json
import secrets
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from federation import csvio
from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.formatting import money as format_money
from federation.governance import ballot_box
from federation.journal.services import record
from federation.lazy import lazy_module
from federation.security import security_event

from .models import (
    BALLOT_KINDS,
    PB_RULES,
    PHASES,
    PBBallot,
    PBFollowUp,
    PBParticipation,
    PBProcess,
    PBProject,
    PBSealedBallot,
    random_id,
)
from .services import _text, _year, book, get_line, money

# the rules (numpy, gmpy2) and the pabulib reader load with the first tally or file
rules = lazy_module("convergence_budget.rules")
pabulib = lazy_module("convergence_budget.pabulib")

PHASE_LABELS = {
    "submission": _l("dépôt des projets"),
    "review": _l("étude de faisabilité"),
    "vote": _l("vote"),
    "results": _l("résultats"),
    "follow_up": _l("suivi des projets lauréats"),
}
BALLOT_LABELS = {
    "approval": _l("approbation (cocher des projets)"),
    "cumulative": _l("points à répartir"),
    "ranked": _l("classement"),
}
#: pabulib's vote types, each shown as such
VOTE_TYPE_LABELS = {
    "approval": _l("approbation (cocher des projets)"),
    "choose-1": _l("un seul projet (choose-1)"),
    "cumulative": _l("points à répartir"),
    "scoring": _l("une note par projet"),
    "ordinal": _l("classement"),
}
#: what a project's score counts, per vote type (results tables)
SCORE_HEADINGS = {
    "approval": _l("Voix"),
    "choose-1": _l("Voix"),
    "cumulative": _l("Points"),
    "scoring": _l("Points"),
    "ordinal": _l("Points de classement"),
}
#: the utilities of the Method of Equal Shares (rules.UTILITIES), named as pabutools does
UTILITY_LABELS = {
    "cost": _l("le coût du projet pour chaque soutien (Cost_Sat)"),
    "cardinality": _l("1 par projet soutenu (Cardinality_Sat)"),
}
RULE_LABELS = {"greedy": _l("glouton (par score)"), "mes": _l("parts égales")}
STATUS_LABELS = {
    "submitted": _l("déposé"),
    "feasible": _l("faisable"),
    "unfeasible": _l("non faisable"),
    "withdrawn": _l("retiré"),
}
#: the rules of the vote: frozen once it opens (R13)
FROZEN = (
    "amount",
    "ballot_kind",
    "min_choices",
    "max_choices",
    "max_points",
    "cost_cap",
    "rule",
    "rule_options",
)
DEFAULT_RULES: dict[str, Any] = {
    "ballot_kind": "approval",
    "min_choices": 1,
    "max_choices": 5,
    "max_points": 10,
    "cost_cap": True,
    "rule": "mes",
    "rule_options": {},
}
#: options of the rules a process may set (see :func:`convergence_budget.rules.tally`)
RULE_OPTION_KEYS: dict[str, Any] = {
    "skip": bool,
    "threshold": int,
    "reserve": int,
    "completion": ("add1", "none"),
    "method": ("search", "scan"),
    "integral": bool,
    "stop_when_exhaustive": bool,
    "complete_with_greedy": bool,
    "comparison": bool,
    "step": int,
    "percent": int,
    #: MES utilities (rules.UTILITIES): Cost_Sat or Cardinality_Sat
    "utilities": ("cost", "cardinality"),
}
#: the rule's upper bounds (``percent`` and ``reserve`` are percentages)
_OPTION_MAX = {"percent": 100, "reserve": 100}


def _int(value: Any, field: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("Nombre entier attendu."), field=field) from None
    if not low <= number <= high:
        raise ValidationFailed(_("Entre %(a)d et %(b)d.", a=low, b=high), field=field)
    return number


def _rule_options(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed(_("Options de règle invalides."), field="rule_options")
    options: dict[str, Any] = {}
    for key, item in value.items():
        kind = RULE_OPTION_KEYS.get(key)
        if kind is None:
            raise ValidationFailed(_("Option inconnue : %(k)s", k=key), field="rule_options")
        if kind is bool:
            if not isinstance(item, bool):
                raise ValidationFailed(_("Vrai ou faux attendu."), field="rule_options")
            options[key] = item
        elif isinstance(kind, tuple):
            if item not in kind:
                raise ValidationFailed(
                    _("%(k)s : une de ces valeurs : %(v)s", k=key, v=", ".join(kind)),
                    field="rule_options",
                )
            options[key] = item
        else:
            low = 0 if key == "threshold" else 1
            options[key] = _int(item, "rule_options", low, _OPTION_MAX.get(key, 10**9))
    if "step" in options and "percent" in options:
        raise ValidationFailed(
            _("Pas de la complétion : par votant·e ou en pourcentage, pas les deux."),
            field="rule_options",
        )
    return options


def _check_rules(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "amount" in values:
        out["amount"] = money(values["amount"], "amount")
    if "ballot_kind" in values:
        if values["ballot_kind"] not in BALLOT_KINDS:
            raise ValidationFailed(_("Type de bulletin inconnu."), field="ballot_kind")
        out["ballot_kind"] = values["ballot_kind"]
    for key in ("min_choices", "max_choices"):
        if key in values:
            out[key] = _int(values[key], key, 0 if key == "min_choices" else 1, 500)
    if "max_points" in values:
        out["max_points"] = _int(values["max_points"], "max_points", 1, 1000)
    if "cost_cap" in values:
        out["cost_cap"] = bool(values["cost_cap"])
    if "rule" in values:
        if values["rule"] not in PB_RULES:
            raise ValidationFailed(_("Règle inconnue : glouton ou parts égales."), field="rule")
        out["rule"] = values["rule"]
    if "rule_options" in values:
        out["rule_options"] = _rule_options(values["rule_options"])
    return out


def create_process(
    title: Any,
    year: Any,
    amount: Any,
    *,
    actor: str,
    description: Any = "",
    budget_line_id: Any = None,
    **rules_values: Any,
) -> PBProcess:
    unknown = set(rules_values) - set(FROZEN)
    if unknown:
        raise ValidationFailed(_("Champ inconnu."), field=sorted(unknown)[0])
    values = _check_rules({"amount": amount, **rules_values})
    process = PBProcess(
        title=_text(title, "title", 200, required=True),
        description=_text(description, "description", 20000),
        year=_year(year),
        **{**DEFAULT_RULES, **values},
    )
    if budget_line_id not in (None, ""):
        process.budget_line_id = get_line(_int(budget_line_id, "budget_line_id", 1, 2**31)).id
    _check_limits(process)
    db.session.add(process)
    db.session.flush()
    record(
        "budget.pb_opened",
        payload={
            "process": process.id,
            "title": process.title,
            "year": process.year,
            "amount": str(process.amount),
            "currency": process.currency,
        },
        commune_id=process.commune_id,
        actor=actor,
    )
    return process


def _check_limits(process: PBProcess) -> None:
    if process.min_choices > process.max_choices:
        raise ValidationFailed(_("Le minimum de projets dépasse le maximum."), field="min_choices")


def get_process(process_id: int) -> PBProcess:
    process = db.session.get(PBProcess, process_id)
    if process is None:
        raise NotFound(_("Budget participatif introuvable."), field="process")
    return process


def processes() -> list[PBProcess]:
    return list(
        db.session.scalars(select(PBProcess).order_by(PBProcess.year.desc(), PBProcess.id.desc()))
    )


def change_rules(process: PBProcess, **changes: Any) -> None:
    """Change the voting rules, only before the vote opens (R13: 409 afterwards)."""
    if process.phase not in ("submission", "review"):
        raise Conflict(
            _("Les règles du vote sont figées depuis son ouverture."),
            field=next(iter(changes), "phase"),
        )
    editable = {*FROZEN, "title", "description", "budget_line_id"}
    for key in changes:
        if key not in editable:
            raise ValidationFailed(_("Champ inconnu."), field=key)
    values = _check_rules(changes)
    for key, value in values.items():
        setattr(process, key, value)
    if "title" in changes:
        process.title = _text(changes["title"], "title", 200, required=True)
    if "description" in changes:
        process.description = _text(changes["description"], "description", 20000)
    if "budget_line_id" in changes:
        line_id = changes["budget_line_id"]
        process.budget_line_id = (
            None
            if line_id in (None, "")
            else get_line(_int(line_id, "budget_line_id", 1, 2**31)).id
        )
    _check_limits(process)


def advance(process: PBProcess, to: str, *, actor: Any) -> None:
    """Move the process to its next phase; opening the vote freezes the rules, closing it
    tallies the ballots and publishes the results in the journal."""
    if to not in PHASES:
        raise ValidationFailed(_("Phase inconnue."), field="phase")
    current = PHASES.index(process.phase)
    if PHASES.index(to) != current + 1 and not (process.phase == "review" and to == "submission"):
        raise Conflict(
            _(
                "Le budget participatif passe de « %(a)s » à l'étape suivante seulement.",
                a=PHASE_LABELS[process.phase],
            ),
            field="phase",
        )
    name = getattr(actor, "display_name", str(actor))
    if to == "results":  # the close: wait for the ballots in flight, then open the box
        ballot_box.lock(process, exclusive=True)
        if process.phase != "vote":
            raise Conflict(_("Le vote n'est pas ouvert."), field="phase")
    if to == "vote":
        feasible = [p for p in projects(process) if p.status == "feasible"]
        if not feasible:
            raise Conflict(_("Aucun projet jugé faisable : rien à mettre au vote."), field="phase")
        pending = [p for p in projects(process) if p.status == "submitted"]
        if pending:
            raise Conflict(
                _("%(n)d projet(s) attendent encore l'étude de faisabilité.", n=len(pending)),
                field="phase",
            )
        process.vote_opened_at = utcnow()
        process.eligible_count = _eligible_count(process.commune_id)
        process.phase = to
        record(
            "budget.pb_vote_opened",
            payload={
                "process": process.id,
                "title": process.title,
                **_rules_of(process),
                "projects": len(feasible),
            },
            commune_id=process.commune_id,
            actor=name,
        )
        return
    if to == "results":
        process.vote_closed_at = utcnow()
        process.phase = to
        _open_ballot_box(process)
        _enqueue_tally(process, name)
        return
    process.phase = to


BALLOT_BOX = "budget_pb"


def _open_ballot_box(process: PBProcess) -> int:
    """In the closing transaction: the sealed ballots, opened by the core ballot box, are
    written in random order (one transaction id for all, random ids and receipts)."""
    opened = ballot_box.open_all(PBSealedBallot, PBSealedBallot.process_id, BALLOT_BOX, process.id)
    for receipt, content in opened:
        db.session.add(PBBallot(receipt=receipt, process_id=process.id, content=content))
    db.session.flush()
    return len(opened)


def _rules_of(process: PBProcess) -> dict[str, Any]:
    return {
        "amount": str(process.amount),
        "ballot_kind": process.ballot_kind,
        "min_choices": process.min_choices,
        "max_choices": process.max_choices,
        "max_points": process.max_points,
        "cost_cap": process.cost_cap,
        "rule": process.rule,
        "rule_options": process.rule_options,
    }


def _eligible_count(commune_id: int) -> int:
    from federation.identity.models import Membership

    return (
        db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.commune_id == commune_id, Membership.status == "active"
            )
        )
        or 0
    )


# --- projects ------------------------------------------------------------------------------


def submit_project(
    process: PBProcess,
    author: Any,
    title: Any,
    description: Any,
    estimated_cost: Any,
    *,
    place: Any = "",
    theme: Any = "",
) -> PBProject:
    if process.phase != "submission":
        raise Conflict(_("Le dépôt des projets est clos."), field="phase")
    cost = money(estimated_cost, "estimated_cost")
    if cost > process.amount:
        raise ValidationFailed(
            _(
                "Le coût estimé dépasse l'enveloppe (%(a)s).",
                a=format_money(process.amount, process.currency),
            ),
            field="estimated_cost",
        )
    project = PBProject(
        process_id=process.id,
        external_id=secrets.token_hex(6),
        title=_text(title, "title", 300, required=True),
        description=_text(description, "description", 20000, required=True),
        place=_text(place, "place", 200),
        theme=_text(theme, "theme", 100),
        estimated_cost=cost,
        author_id=author.id if author else None,
    )
    db.session.add(project)
    db.session.flush()
    project.external_id = f"p{project.id}"
    return project


def get_project(project_id: int) -> PBProject:
    project = db.session.get(PBProject, project_id)
    if project is None:
        raise NotFound(_("Projet introuvable."), field="project")
    return project


def projects(process: PBProcess) -> list[PBProject]:
    return list(
        db.session.scalars(
            select(PBProject).where(PBProject.process_id == process.id).order_by(PBProject.id)
        )
    )


def review(
    project: PBProject, feasible: bool, reason: Any, *, reviewer: Any, cost: Any = None
) -> None:
    """A municipal agent's feasibility and cost review, with a public reason (journaled)."""
    process = get_process(project.process_id)
    if process.phase not in ("submission", "review"):
        raise Conflict(_("L'étude de faisabilité est close."), field="phase")
    reason = _text(reason, "reason", 5000, required=True)
    if cost not in (None, ""):
        reviewed = money(cost, "cost")
        if reviewed > process.amount:
            raise ValidationFailed(
                _(
                    "Le coût dépasse l'enveloppe (%(a)s).",
                    a=format_money(process.amount, process.currency),
                ),
                field="cost",
            )
        project.reviewed_cost = reviewed
    project.status = "feasible" if feasible else "unfeasible"
    project.review_reason = reason
    project.reviewed_by_id = reviewer.id
    record(
        "budget.pb_review",
        payload={
            "process": process.id,
            "project": project.id,
            "title": project.title,
            "currency": process.currency,
            "status": project.status,
            "cost": str(project.cost),
            "reason": reason,
        },
        commune_id=project.commune_id,
        actor=reviewer.display_name,
    )


def follow_up(project: PBProject, author: Any, progress: Any, text: Any) -> PBFollowUp:
    process = get_process(project.process_id)
    if process.phase not in ("results", "follow_up") or not project.selected:
        raise Conflict(_("Le suivi concerne les projets lauréats."), field="project")
    progress = _int(progress, "progress", 0, 100)
    row = PBFollowUp(
        project_id=project.id,
        author_id=author.id,
        progress=progress,
        text=_text(text, "text", 5000, required=True),
    )
    project.progress = progress
    db.session.add(row)
    db.session.flush()
    return row


def follow_ups(project: PBProject) -> list[PBFollowUp]:
    return list(
        db.session.scalars(
            select(PBFollowUp).where(PBFollowUp.project_id == project.id).order_by(PBFollowUp.id)
        )
    )


def book_project(project: PBProject, amount: Any, *, actor: Any) -> Any:
    """Book a winning project's spending on the process's budget line (journaled)."""
    process = get_process(project.process_id)
    if not project.selected:
        raise Conflict(_("Seuls les projets lauréats sont financés."), field="project")
    if process.budget_line_id is None:
        raise Conflict(
            _("Ce budget participatif n'a pas de ligne budgétaire."), field="budget_line_id"
        )
    return book(
        get_line(process.budget_line_id),
        amount,
        project.title[:200],
        kind="pb",
        decided_by=_("Vote des habitant·es : %(t)s", t=process.title)[:200],
        actor=actor.display_name,
        pb_project_id=project.id,
        extra={"process": process.id},
    )


# --- voting --------------------------------------------------------------------------------


def canonical(weights: dict[str, Any], ranking: list[str] | None = None) -> str:
    body: dict[str, Any] = {"p": {k: _jsonable(v) for k, v in sorted(weights.items())}}
    if ranking is not None:
        body["r"] = list(ranking)
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    frac = Fraction(value) if not isinstance(value, Fraction) else value
    return int(frac) if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"


def validate_ballot(process: PBProcess, ballot: Any) -> str:
    """Check a ballot against the frozen rules; return its canonical content.

    ``approval``: ``{"projects": [ids]}``; ``cumulative``: ``{"points": {id: n}}``;
    ``ranked``: ``{"ranking": [ids]}`` (best first). Ids are project ids (integers).
    """
    feasible = {p.id: p for p in projects(process) if p.status == "feasible"}
    kind = process.ballot_kind
    if not isinstance(ballot, dict):
        raise ValidationFailed(_("Bulletin invalide."), field="ballot")
    if kind == "cumulative":
        points = ballot.get("points")
        if not isinstance(points, dict):
            raise ValidationFailed(_("Répartissez vos points entre les projets."), field="points")
        chosen: dict[int, int] = {}
        for key, value in points.items():
            pid = _project_id(key, feasible, "points")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationFailed(_("Des points entiers, positifs."), field="points")
            if value:
                chosen[pid] = value
        total = sum(chosen.values())
        if total > process.max_points:
            raise ValidationFailed(
                _("%(n)d points donnés : %(m)d au plus.", n=total, m=process.max_points),
                field="points",
            )
        ids = list(chosen)
        weights = {feasible[p].external_id: v for p, v in chosen.items()}
        ranking = None
    else:
        key = "ranking" if kind == "ranked" else "projects"
        raw = ballot.get(key)
        if not isinstance(raw, list):
            raise ValidationFailed(_("Choisissez des projets."), field=key)
        ids = [_project_id(v, feasible, key) for v in raw]
        if len(set(ids)) != len(ids):
            raise ValidationFailed(_("Un projet est choisi deux fois."), field=key)
        if kind == "ranked":
            top = process.max_choices
            weights = {feasible[p].external_id: top - i for i, p in enumerate(ids)}
            ranking = [feasible[p].external_id for p in ids]
        else:
            weights = {feasible[p].external_id: 1 for p in ids}
            ranking = None
    field_name = (
        "points" if kind == "cumulative" else ("ranking" if kind == "ranked" else "projects")
    )
    if len(ids) > process.max_choices:
        raise ValidationFailed(
            _("%(n)d projets choisis : %(m)d au plus.", n=len(ids), m=process.max_choices),
            field=field_name,
        )
    if len(ids) < process.min_choices:
        raise ValidationFailed(
            _("%(n)d projets choisis : %(m)d au moins.", n=len(ids), m=process.min_choices),
            field=field_name,
        )
    if process.cost_cap and kind == "approval":
        total_cost = sum((feasible[p].cost for p in ids), Decimal(0))
        if total_cost > process.amount:
            raise ValidationFailed(
                _(
                    "Votre sélection coûte %(c)s €, plus que l'enveloppe de %(a)s €.",
                    c=total_cost,
                    a=process.amount,
                ),
                field=field_name,
            )
    return canonical(weights, ranking)


def _project_id(value: Any, feasible: dict[int, PBProject], field: str) -> int:
    try:
        pid = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Projet inconnu."), field=field) from None
    if pid not in feasible:
        raise ValidationFailed(_("Projet inconnu ou non soumis au vote."), field=field)
    return pid


def may_vote(process: PBProcess, user: Any) -> bool:
    from federation.identity.services import membership

    member = membership(process.commune_id, user.id)
    return member is not None and member.status == "active"


def cast(process: PBProcess, voter: Any, ballot: Any) -> tuple[str | None, bool]:
    """Record one secret ballot in one transaction: who voted (UNIQUE per person) and the
    ballot, sealed in the core ballot box until the vote closes (no user, no time; at the
    close it is opened and written in random order, so no row left shares the voter's
    transaction). A second ballot of the same person changes nothing and answers
    ``(None, True)``; 16 at once give one ballot (R12). The process row is locked (shared)
    first: a ballot is sealed before the close opens the box, or refused after it.
    """
    ballot_box.lock(process, exclusive=False)
    if process.phase != "vote":
        raise Conflict(_("Le vote n'est pas ouvert."), field="phase")
    if not may_vote(process, voter):
        raise Forbidden(_("Seul·es les habitant·es membres vérifié·es votent."))
    content = validate_ballot(process, ballot)
    receipt = secrets.token_hex(16)
    try:
        with db.session.begin_nested():
            db.session.add(
                PBParticipation(process_id=process.id, voter_id=voter.id, cast_on=date.today())
            )
            db.session.flush()
            ballot_box.put(
                PBSealedBallot,
                PBSealedBallot.process_id,
                BALLOT_BOX,
                process.id,
                [receipt, content],
            )
    except IntegrityError:
        return None, True
    security_event("pb_vote_cast", process=process.id)  # never the choice
    return receipt, False


def has_voted(process: PBProcess, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(PBParticipation.id).where(
                PBParticipation.process_id == process.id, PBParticipation.voter_id == user_id
            )
        )
        is not None
    )


def participants(process: PBProcess) -> int:
    counted = db.session.scalar(
        select(func.count(PBParticipation.id)).where(PBParticipation.process_id == process.id)
    )
    return int(counted or 0) + process.imported_ballots


# --- tally ---------------------------------------------------------------------------------


def grouped_ballots(process: PBProcess) -> list[tuple[dict[str, Any], int]]:
    """Identical ballots counted together: one grouped query, never one per ballot."""
    rows = db.session.execute(
        select(PBBallot.content, func.count())
        .where(PBBallot.process_id == process.id)
        .group_by(PBBallot.content)
    ).all()
    parsed = json.loads("[" + ",".join(content for content, _n in rows) + "]") if rows else []
    return [
        ({k: v if isinstance(v, int) else Fraction(v) for k, v in body["p"].items()}, count)
        for body, (_content, count) in zip(parsed, rows, strict=True)
    ]


def election_of(process: PBProcess) -> tuple[rules.Election, dict[str, PBProject]]:
    feasible = {p.external_id: p for p in projects(process) if p.status == "feasible"}
    ballots = []
    for weights, count in grouped_ballots(process):
        kept = {k: v for k, v in weights.items() if k in feasible}
        ballots.append((kept, count))
    election = rules.Election(process.amount, {pid: p.cost for pid, p in feasible.items()}, ballots)
    return election, feasible


def options_for(process: PBProcess, rule: str) -> dict[str, Any]:
    options = dict(process.rule_options or {})
    keys = rules.GREEDY_OPTIONS if rule == "greedy" else rules.MES_OPTIONS
    return {k: options[k] for k in keys if k in options}


TALLY_JOB = "convergence_budget.tally_job:run_tally"


def _enqueue_tally(process: PBProcess, actor: str) -> str:
    """In the closing transaction: the tally runs as a background job after the commit
    (RQ when Redis is configured, inline otherwise); until it has stored the result, the
    results page shows its progress."""
    from federation.jobs import enqueue

    job_id = enqueue(
        TALLY_JOB,
        kind="budget.tally",
        commune_id=process.commune_id,
        params={"process_id": process.id, "actor": actor},
    )
    process.result = {"job": job_id}
    return job_id


def tally(process: PBProcess, progress: Any = None) -> dict[str, Any]:
    """The process's own rule on the ballots (and greedy beside MES, for comparison: it
    costs milliseconds); a rule is never computed that the process did not choose."""
    election, _feasible = election_of(process)
    chosen = [process.rule] + (["greedy"] if process.rule == "mes" else [])
    outcomes = {
        rule: rules.tally(
            election,
            rule,
            progress=progress if rule == process.rule else None,
            **options_for(process, rule),
        ).as_json()
        for rule in chosen
    }
    official = outcomes[process.rule]
    return {
        "rule": process.rule,
        "utilities": official.get("utilities"),
        "file_rule": (process.rule_options or {}).get("meta_rule"),
        "selected": official["selected"],
        "spent": official["spent"],
        "truncated": official["truncated"],
        "ballots": election.voters,
        "participants": participants(process),
        "eligible": process.eligible_count,
        "scores": {p: rules._num(s) for p, s in election.scores.items()},
        "supporters": dict(election.supporters),
        "outcomes": outcomes,
    }


def publish(process: PBProcess, result: dict[str, Any], actor: str) -> None:
    """Store the tally, mark the funded projects and journal the results (the tally job's
    transaction)."""
    process.result = result
    for project in projects(process):
        project.selected = project.external_id in result["selected"]
    record(
        "budget.pb_results",
        payload={
            "process": process.id,
            "title": process.title,
            "rule": process.rule,
            "utilities": result.get("utilities"),
            "selected": result["selected"],
            "ballots": result["ballots"],
            "spent": result["spent"],
            "truncated": result["truncated"],
        },
        commune_id=process.commune_id,
        actor=actor,
    )


def results_visible(process: PBProcess) -> bool:
    """The vote is closed: its results page exists (the tally may still be running)."""
    return process.phase in ("results", "follow_up") and process.result is not None


def results_ready(process: PBProcess) -> bool:
    return results_visible(process) and "selected" in (process.result or {})


def tally_job_id(process: PBProcess) -> str | None:
    """The background tally of a closed vote whose result is not stored yet."""
    if results_ready(process):
        return None
    return (process.result or {}).get("job")


def tally_progress(process: PBProcess) -> dict[str, Any] | None:
    """The running tally as the ``jobs/_progress.html`` macros show it (read only)."""
    from federation.jobs import job_status
    from federation.jobs.labels import describe

    status = job_status(tally_job_id(process) or "")
    if status is None:
        return None
    return describe(
        status,
        {"budget.vote_open": _("Le vote n'est pas clos : il n'y a rien à compter.")},
    )


def results(process: PBProcess) -> dict[str, Any]:
    """Published at the close of the vote only, for everyone alike (R13); while the tally
    runs, its state (``computing``) and progress."""
    if not results_visible(process):
        raise Forbidden(_("Les résultats seront publiés à la clôture du vote."))
    if results_ready(process):
        return process.result or {}
    from federation.jobs import job_status

    status = job_status(tally_job_id(process) or "")
    return {
        "computing": True,
        "job": tally_job_id(process),
        "state": status.state if status else "unknown",
        "done": status.done if status else 0,
        "total": status.total if status else 0,
    }


def explain(process: PBProcess, rule: str, project: PBProject) -> str:
    """Why a project won or lost under a rule, in a sentence."""
    outcome = (process.result or {}).get("outcomes", {}).get(rule, {})
    detail = outcome.get("details", {}).get(project.external_id)
    if detail is None:
        return _("Projet non soumis au vote.")
    return describe(detail, rule, outcome, process.pabulib_vote_type, process.currency)


def _amount(value: Any, currency: str) -> str:
    """An exact amount (rational "a/b", integer, Decimal) in its currency."""
    frac = Fraction(str(value if value is not None else 0))
    exact = Decimal(frac.numerator) / Decimal(frac.denominator)
    return format_money(exact.quantize(Decimal("0.01")), currency)


def score_text(value: Any, kind: str) -> str:
    """A project's score in the words of its vote type: votes for approval and choose-1
    ballots, points for cumulative and scoring ones, ranking points (Borda: the first of
    three gets 3) for ordinal ones."""
    from flask_babel import format_decimal

    number = Fraction(str(value if value is not None else 0))
    shown = format_decimal(float(number), format="#,##0.###")
    n = int(number)
    if kind in ("cumulative", "scoring"):
        return ngettext("%(count)s point", "%(count)s points", n, count=shown)
    if kind == "ordinal":
        return ngettext(
            "%(count)s point de classement", "%(count)s points de classement", n, count=shown
        )
    return ngettext("%(count)s voix", "%(count)s voix", n, count=shown)


def supporters_text(count: Any) -> str:
    n = int(count or 0)
    return ngettext("%(num)d soutien", "%(num)d soutiens", n)


def describe(
    detail: dict[str, Any],
    rule: str,
    outcome: dict[str, Any],
    kind: str = "approval",
    currency: str = "EUR",
) -> str:
    """Why a project won or lost, in a sentence: scores in the words of the vote type
    (``kind``, pabulib's), amounts in the process's currency."""
    stage = detail.get("stage")
    reason = detail.get("reason")
    if detail.get("status") == "selected":
        if stage == "mes":
            payment = detail.get("payment")
            return _(
                "Retenu au tour %(r)s : payé par %(n)s, chacun·e au plus %(q)s (part de "
                "chaque votant·e : %(s)s).",
                r=detail.get("round"),
                n=supporters_text(detail.get("supporters")),
                q=_amount(payment if payment is not None else detail.get("price"), currency),
                s=_amount(outcome.get("per_voter_budget") or 0, currency),
            )
        if stage == "greedy_completion":
            return _(
                "Retenu pour compléter : %(v)s, et il tenait dans les %(l)s restants.",
                v=supporters_text(detail.get("supporters")),
                l=_amount(
                    Fraction(str(detail.get("left", 0))) + Fraction(str(detail.get("cost"))),
                    currency,
                ),
            )
        return _(
            "Retenu : rang %(k)s par score (%(v)s), il tenait dans le budget restant.",
            k=detail.get("rank"),
            v=score_text(detail.get("score"), kind),
        )
    if reason == "no_support":
        return _("Non retenu : personne n'a voté pour ce projet.")
    if reason == "threshold":
        return _(
            "Non retenu : %(v)s, sous le seuil de %(t)s.",
            v=score_text(detail.get("score"), kind),
            t=detail.get("threshold"),
        )
    if reason == "over_budget":
        return _(
            "Non retenu : à son tour (rang %(k)s, %(v)s), il coûtait %(c)s et il ne restait "
            "que %(l)s.",
            k=detail.get("rank"),
            v=score_text(detail.get("score"), kind),
            c=_amount(detail.get("cost"), currency),
            l=_amount(detail.get("left"), currency),
        )
    if reason == "stopped":
        return _("Non retenu : la règle s'arrête au premier projet qui ne tient pas.")
    if reason == "unaffordable":
        return _(
            "Non retenu : ses soutiens n'avaient plus que %(m)s de leurs parts pour un "
            "projet de %(c)s, et il ne tenait pas dans le reste du budget.",
            m=_amount(detail.get("money", 0), currency),
            c=_amount(detail.get("cost", 0), currency),
        )
    return _("Non retenu.")


# --- pabulib -------------------------------------------------------------------------------


def import_pb(data: bytes | str, *, actor: str, title: Any = None, year: Any = None) -> PBProcess:
    """Load a pabulib file as a process in its results phase, ballots included. Every
    project is feasible at its cost in the file. The file is kept as it was, to be exported
    back identical (:func:`export_pb`): its META, its vote type (:attr:`PBProcess.vote_type`)
    and each PROJECTS and VOTES row with every column (``source_row``: a public file's voter
    ids, age, sex…, never joined to a person of the platform)."""
    try:
        pb = pabulib.parse(data)
    except pabulib.PabulibError as exc:
        raise ValidationFailed(
            _("Fichier pabulib illisible : %(e)s", e=str(exc)), field="file"
        ) from None
    budget = pb.budget
    kind = {"ordinal": "ranked", "cumulative": "cumulative", "scoring": "cumulative"}.get(
        pb.vote_type, "approval"
    )  # how the platform's ballot forms would hold it; the file's own type is kept beside
    meta = pb.meta
    name = title or " ".join(
        x for x in (meta.get("unit", ""), meta.get("subunit", ""), meta.get("instance", "")) if x
    )
    try:
        amount = Decimal(budget.numerator) / Decimal(budget.denominator)
        if amount != amount.quantize(Decimal("0.01")) or amount <= 0:
            raise ValidationFailed(_("Budget au centime près attendu."), field="file")
        rule, options = pabulib.rule_from_meta(meta)
        if rule == "unknown":  # the file does not say: greedy, the usual rule, is computed
            rule = "greedy"
        options["meta_rule"] = (meta.get("rule") or "unknown").strip()
        if rule == "mes":
            options["utilities"] = "cost"  # Cost_Sat: equalshares.net's, pabulib's outcomes
        max_len = pb.max_length() or len(pb.projects)
        process = PBProcess(
            title=_text(name or _("Budget participatif importé"), "title", 200, required=True),
            year=_year(year or meta.get("instance", "")[:4] or date.today().year),
            amount=money(amount),
            phase="vote",
            ballot_kind=kind,
            vote_type=pb.vote_type,
            min_choices=int(float(meta.get("min_length", 0) or 0)),
            max_choices=max(1, max_len),
            max_points=int(float(meta.get("max_sum_points", 10) or 10)),
            cost_cap=False,
            rule=rule,
            rule_options=options,
            source_meta=dict(meta),
            description=_text(meta.get("description", ""), "description", 20000),
        )
    except ValueError:
        raise ValidationFailed(_("META du fichier invalide."), field="file") from None
    db.session.add(process)
    db.session.flush()
    for pid, row in pb.projects.items():
        cost = pb.cost(pid)
        db.session.add(
            PBProject(
                process_id=process.id,
                external_id=pid[:64],
                title=(row.get("name") or pid)[:300],
                description=row.get("description", "")[:20000],
                theme=(row.get("category") or "")[:100],
                place=(row.get("district") or row.get("subunit") or "")[:200],
                estimated_cost=money(Decimal(cost.numerator) / Decimal(cost.denominator), "file"),
                status="feasible",
                review_reason=_("Importé de pabulib."),
                source_row=dict(row),
            )
        )
    contents, rows = [], []
    for vote in pb.votes:
        weights = pb.weights(vote)
        ranking = list(vote.projects) if pb.vote_type == "ordinal" else None
        contents.append(canonical(weights, ranking))
        rows.append(vote.row())
    stored = store_imported_ballots(process, contents, rows)
    process.imported_ballots = stored
    process.eligible_count = stored
    process.vote_opened_at = utcnow()
    db.session.flush()
    advance(process, "results", actor=actor)
    return process


def store_imported_ballots(
    process: PBProcess, contents: list[str], source_rows: list[dict[str, str]] | None = None
) -> int:
    """Insert many secret ballots of ``process`` in one ORM bulk INSERT (with, for a
    pabulib file, each one's row of the file: ``source_rows``, aligned with ``contents``).

    The ORM-enabled ``insert(PBBallot)`` goes through the tenant guard: each row's
    ``commune_id`` (the process's) must be the current commune's, or nothing is written
    (issue 11 item 8; row-level security stands behind it on PostgreSQL).
    """
    rows = [
        {
            "id": random_id(),
            "receipt": secrets.token_hex(16),
            "process_id": process.id,
            "commune_id": process.commune_id,
            "content": content,
            "source_row": (
                None if source_rows is None else json.dumps(source_rows[n], ensure_ascii=False)
            ),
        }
        for n, content in enumerate(contents)
    ]
    if rows:
        db.session.execute(insert(PBBallot), rows)
    return len(rows)


#: the columns and META keys that hold what the platform computed, named as such
OUTCOME_COLUMN = "convergence_selected"


def imported(process: PBProcess) -> bool:
    """Whether the process is a pabulib file imported as it was (its rows kept)."""
    return process.vote_type is not None


def export_pb(process: PBProcess) -> str:
    """The process as a pabulib file (page, API and CLI all call this).

    An imported file comes back as it was: every META key and every PROJECTS and VOTES row
    with its columns and values (its ``selected``, its voter ids, currency, vote type). What
    the platform computed is added, never put in place of the file's data: the
    ``convergence_selected`` column (1 when the platform's tally funds the project) and the
    META keys ``convergence_rule`` and ``convergence_utilities`` (MES). A vote run here is
    written from the ballots: voters are numbered (META ``convergence_voter_ids``:
    ``renumbered``; the ballots are secret), ``selected`` is its result, the currency is the
    process's. Formula-like cells are written as they are (see :func:`pabulib.write`)."""
    if not results_visible(process):
        raise Forbidden(_("Les bulletins sont publiés à la clôture du vote."))
    if imported(process):
        return _export_imported(process)
    feasible = [p for p in projects(process) if p.status == "feasible"]
    kind = process.pabulib_vote_type
    meta = {k: str(v) for k, v in (process.source_meta or {}).items()}
    from federation.tenancy.models import Commune

    commune = db.session.get(Commune, process.commune_id)
    meta.setdefault("description", process.title)
    meta.setdefault("country", "France")
    meta.setdefault("unit", commune.name if commune else "")
    meta.setdefault("instance", str(process.year))
    meta["budget"] = str(process.amount.normalize() if process.amount % 1 else int(process.amount))
    meta["vote_type"] = kind
    meta.setdefault("rule", {"mes": "equalshares/add1", "greedy": "greedy"}[process.rule])
    meta["currency"] = process.currency
    if kind == "ordinal":
        meta["max_length"] = str(process.max_choices)
    meta["convergence_voter_ids"] = "renumbered"
    meta.update(_outcome_meta(process))
    selected = set((process.result or {}).get("selected", []))
    scores = (process.result or {}).get("scores", {})
    projects_rows: dict[str, dict[str, str]] = {}
    for p in sorted(feasible, key=lambda x: pabulib.natural_key(x.external_id)):
        projects_rows[p.external_id] = {
            "project_id": p.external_id,
            "cost": _plain(p.cost),
            "votes": str((process.result or {}).get("supporters", {}).get(p.external_id, 0)),
            "score": str(scores.get(p.external_id, 0)),
            "name": p.title,
            "category": p.theme,
            "selected": "1" if p.external_id in selected else "0",
            OUTCOME_COLUMN: "1" if p.external_id in selected else "0",
        }
    votes = []
    rows = db.session.scalars(
        select(PBBallot.content).where(PBBallot.process_id == process.id).order_by(PBBallot.receipt)
    )
    with_points = kind in ("cumulative", "scoring")
    for number, content in enumerate(rows, start=1):
        body = json.loads(content)
        if "r" in body:
            ids = list(body["r"])
            points = None
        else:
            ids = sorted(body["p"], key=lambda pid: pabulib.natural_key(pid))
            points = [Fraction(body["p"][pid]) for pid in ids] if with_points else None
        votes.append(pabulib.PBVote(str(number), ids, points))
    return pabulib.write(pabulib.PBFile(meta, projects_rows, votes))


def _outcome_meta(process: PBProcess) -> dict[str, str]:
    """META keys naming what the platform computed: its rule and MES's utilities."""
    result = process.result or {}
    if "selected" not in result:
        return {}
    meta = {"convergence_rule": process.rule}
    utilities = (result.get("outcomes", {}).get(process.rule) or {}).get("utilities")
    if utilities:
        meta["convergence_utilities"] = rules.UTILITIES[utilities]
    return meta


def _export_imported(process: PBProcess) -> str:
    meta = {k: str(v) for k, v in (process.source_meta or {}).items()}
    meta.update(_outcome_meta(process))
    ready = results_ready(process)
    selected = set((process.result or {}).get("selected", []))
    rows: dict[str, dict[str, str]] = {}
    for p in projects(process):
        row = dict(p.source_row or {})
        if ready:
            row[OUTCOME_COLUMN] = "1" if p.external_id in selected else "0"
        rows[p.external_id] = row
    texts = db.session.scalars(
        select(PBBallot.source_row).where(PBBallot.process_id == process.id)
    ).all()
    source = json.loads("[" + ",".join(filter(None, texts)) + "]")
    votes = [
        pabulib.PBVote(
            row.get("voter_id", ""),
            [v for v in row.get("vote", "").split(",") if v],
            None,
            {k: v for k, v in row.items() if k not in ("voter_id", "vote")},
        )
        for row in sorted(source, key=lambda r: pabulib.natural_key(r.get("voter_id", "")))
    ]
    return pabulib.write(pabulib.PBFile(meta, rows, votes), counts=False)


#: the results table's columns (a CSV for spreadsheets)
RESULTS_COLUMNS = (
    "project_id",
    "name",
    "cost",
    "currency",
    "score",
    "supporters",
    "selected",
    OUTCOME_COLUMN,
)


def results_csv(process: PBProcess) -> str:
    """The results as a table for spreadsheets (CSV, ``;``): per project its cost and
    currency, score, supporters, the file's own ``selected`` (an imported file's official
    outcome, empty otherwise) and the platform's. Written through
    :func:`federation.csvio.writer`: a cell a spreadsheet would run as a formula (a project
    named ``=HYPERLINK(…)``) is neutralised, unlike in the ``.pb`` file (data for programs,
    exported as it was)."""
    result = results(process)
    if "selected" not in result:
        raise Conflict(_("Le dépouillement est en cours."), field="process")
    selected = set(result["selected"])
    out = io.StringIO()
    writer = csvio.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(RESULTS_COLUMNS)
    for p in sorted(projects(process), key=lambda x: pabulib.natural_key(x.external_id)):
        if p.status != "feasible":
            continue
        official = (p.source_row or {}).get("selected", "") if imported(process) else ""
        writer.writerow(
            [
                p.external_id,
                p.title,
                _plain(p.cost),
                process.currency,
                result.get("scores", {}).get(p.external_id, 0),
                result.get("supporters", {}).get(p.external_id, 0),
                official,
                "1" if p.external_id in selected else "0",
            ]
        )
    return out.getvalue()


def _plain(amount: Decimal) -> str:
    return str(int(amount)) if amount == amount.to_integral_value() else str(amount)
