"""A commune's stage on the path from movement to town hall.

The founding texts of the communalist convergences describe one path: a **core group**
forms, adopts the main axes of a **programme**, opens to the inhabitants, builds a citizen
and participatory **list** for the municipal election, runs its **campaign**, and once
**in office** opens the commune's institutions **wide**. The stage is the commune's place
on that path; it changes what the platform offers (a movement treasury and a membership
drive before the election; the municipal budget, the council's agenda and a wider
registration after it).

* The stage moves only by a decision: the assembly adopts a proposal carrying
  ``extra["stage"]``, and :func:`move` (the one service) records the change, the decision
  that moved it, and a journal entry (kind ``stage.moved``).
* A commune that never declared a stage is ``None``: it does not follow the path and every
  plugin offers everything (:func:`reached` answers ``True``).
* Plugins adapt what they offer through the hook
  :func:`~federation.hookspecs.federation_stage_offers`; :func:`offers` gathers the answers
  of the plugins enabled in the commune.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db, utcnow
from federation.errors import Conflict, ValidationFailed
from federation.plugins.base import ConvergencePlugin, hookimpl
from federation.tenancy.scoping import TenantMixin

#: the path, in order (the keys are stored; the labels are shown)
STAGES: tuple[str, ...] = (
    "core_group",
    "programme",
    "list",
    "campaign",
    "in_office",
    "opened_wide",
)
LABELS = {
    "core_group": _l("Groupe moteur"),
    "programme": _l("Programme"),
    "list": _l("Liste citoyenne"),
    "campaign": _l("Campagne"),
    "in_office": _l("Aux responsabilités"),
    "opened_wide": _l("Institutions ouvertes"),
}
MOVED = "stage.moved"


class StageChange(TenantMixin, db.Model):
    """One move of a commune along the path; the latest row is the current stage."""

    __tablename__ = "gov_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), nullable=False)
    previous: Mapped[str | None] = mapped_column(String(32))
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    journal_seq: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


def label(stage: str | None) -> str:
    return str(LABELS.get(stage or "", _l("Aucune étape déclarée")))


def check(stage: Any) -> str:
    if stage not in STAGES:
        raise ValidationFailed(_("Étape inconnue : %(s)s", s=str(stage)[:40]), field="stage")
    return stage


def history() -> list[StageChange]:
    """The current commune's moves, oldest first (the tenancy hook scopes the query)."""
    return list(db.session.scalars(select(StageChange).order_by(StageChange.id)))


def current(commune_id: int | None = None) -> str | None:
    """The current commune's stage (``None``: the commune does not follow the path)."""
    query = select(StageChange.stage).order_by(StageChange.id.desc()).limit(1)
    if commune_id is not None:
        query = query.where(StageChange.commune_id == commune_id)
    return db.session.scalar(query)


def reached(stage: str | None, target: str) -> bool:
    """Has a commune at ``stage`` reached ``target``? A commune with no stage has."""
    check(target)
    if stage is None:
        return True
    return STAGES.index(stage) >= STAGES.index(target)


def move(stage: str, *, decision_id: int, commune_id: int, actor: str = "") -> StageChange:
    """Record the move decided by ``decision_id`` (the one path), with its journal entry.

    The path goes forward one stage at a time (a commune may also step back, e.g. a list
    that was not elected returns to the campaign): a jump of several stages is refused.
    """
    from federation.journal.services import record

    check(stage)
    previous = current(commune_id)
    if previous == stage:
        raise Conflict(_("La commune est déjà à cette étape."), field="stage")
    if previous is not None and STAGES.index(stage) > STAGES.index(previous) + 1:
        raise Conflict(
            _(
                "On avance d'une étape à la fois : après « %(a)s » vient « %(b)s ».",
                a=label(previous),
                b=label(STAGES[STAGES.index(previous) + 1]),
            ),
            field="stage",
        )
    change = StageChange(
        commune_id=commune_id, stage=stage, previous=previous, decision_id=decision_id
    )
    db.session.add(change)
    db.session.flush()
    entry = record(
        MOVED,
        payload={"stage": stage, "previous": previous, "decision": decision_id},
        commune_id=commune_id,
        actor=actor,
    )
    change.journal_seq = entry.seq
    db.session.flush()
    return change


def propose(stage: str, author: Any, *, text: str = "") -> Any:
    """Put a move to the assembly: a proposal carrying ``extra["stage"]``, in deliberation;
    its adoption (by the assembly's closed vote) moves the stage."""
    from federation.governance.models import Body
    from federation.governance.proposals import create_proposal, transition

    check(stage)
    body = db.session.scalar(select(Body).where(Body.kind == "assembly").limit(1))
    if body is None:
        raise ValidationFailed(_("La commune n'a pas d'assemblée."), field="body_id")
    title = _("Passer à l'étape « %(s)s »", s=label(stage))
    proposal = create_proposal(body, author, title, text, extra={"stage": stage})
    transition(proposal, "deliberation", author)
    return proposal


def on_decision_adopted(payload: dict[str, Any], commune_id: int) -> StageChange | None:
    """The event handler: an assembly decision carrying ``extra["stage"]`` moves the stage."""
    from federation.governance.models import Body

    stage = (payload.get("extra") or {}).get("stage")
    if stage not in STAGES:
        return None
    body = db.session.get(Body, payload.get("body_id"))
    if body is None or body.kind != "assembly":
        return None  # only the assembly moves the commune along the path
    done = db.session.scalar(
        select(StageChange).where(StageChange.decision_id == payload["decision_id"])
    )
    if done is not None:
        return done  # already applied (the handler may run twice: demo, retries)
    return move(stage, decision_id=payload["decision_id"], commune_id=commune_id)


def offers(commune: Any, stage: str | None = None) -> list[Any]:
    """What the plugins enabled in ``commune`` offer at its stage (hook
    ``federation_stage_offers``), sorted by weight then label."""
    from federation.plugins.services import call_in_commune

    stage = current(commune.id) if stage is None else stage
    found: list[Any] = []
    # isolated: a plugin that raises is logged with its name and left out; the page renders
    for _plugin, answer in call_in_commune(
        commune.id, "federation_stage_offers", commune=commune, stage=stage
    ):
        found.extend(answer or [])
    return sorted(found, key=lambda item: (item.weight, str(item.label)))


def render_moved(params: dict[str, Any]) -> str:
    if params.get("previous"):
        return _(
            "La commune passe de l'étape « %(a)s » à l'étape « %(b)s » (décision n° %(d)s)",
            a=label(params["previous"]),
            b=label(params["stage"]),
            d=params.get("decision"),
        )
    return _(
        "La commune entre dans l'étape « %(b)s » (décision n° %(d)s)",
        b=label(params["stage"]),
        d=params.get("decision"),
    )


class StagesPlugin(ConvergencePlugin):
    """The stage's contributions (always on): its journal text and its decision handler."""

    name = "stages"
    label = _l("Étapes")
    always_on = True

    @hookimpl
    def federation_text_kinds(self):
        return {MOVED: render_moved}

    @hookimpl
    def federation_event(self, name, payload, commune):
        if name == "governance.decision_adopted" and commune is not None:
            on_decision_adopted(payload, commune.id)
