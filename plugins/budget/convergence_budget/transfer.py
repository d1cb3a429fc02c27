"""Commune export/import and personal data (GDPR) for the budget plugin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from federation.db import db

from .models import (
    BudgetAmendment,
    BudgetEntry,
    BudgetLine,
    PBBallot,
    PBFollowUp,
    PBParticipation,
    PBProcess,
    PBProject,
)

LINE_FIELDS = (
    "year",
    "section",
    "direction",
    "chapter",
    "function",
    "nature",
    "label",
    "theme",
    "planned",
)
#: fields an older export may lack
LINE_DEFAULTS = {"direction": "expense", "nature": ""}
PROCESS_FIELDS = (
    "year",
    "title",
    "description",
    "amount",
    "phase",
    "ballot_kind",
    "min_choices",
    "max_choices",
    "max_points",
    "cost_cap",
    "rule",
    "rule_options",
    "source_meta",
    "vote_type",
    "imported_ballots",
    "eligible_count",
    "result",
)
#: process fields an older export may lack
PROCESS_DEFAULTS: dict[str, Any] = {"vote_type": None}
PROJECT_FIELDS = (
    "external_id",
    "title",
    "description",
    "place",
    "theme",
    "estimated_cost",
    "status",
    "reviewed_cost",
    "review_reason",
    "selected",
    "progress",
    "source_row",
)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def export_commune() -> dict[str, Any]:
    lines = []
    for line in db.session.scalars(select(BudgetLine).order_by(BudgetLine.id)):
        lines.append(
            {
                **{k: _plain(getattr(line, k)) for k in LINE_FIELDS},
                "amendments": [
                    {"amount": str(a.amount), "reason": a.reason, "decided_by": a.decided_by}
                    for a in db.session.scalars(
                        select(BudgetAmendment).where(BudgetAmendment.line_id == line.id)
                    )
                ],
                "entries": [
                    {
                        "amount": str(e.amount),
                        "label": e.label,
                        "kind": e.kind,
                        "decided_by": e.decided_by,
                        "pooled_project_id": e.pooled_project_id,
                    }
                    for e in db.session.scalars(
                        select(BudgetEntry).where(BudgetEntry.line_id == line.id)
                    )
                ],
            }
        )
    processes = []
    for process in db.session.scalars(select(PBProcess).order_by(PBProcess.id)):
        processes.append(
            {
                **{k: _plain(getattr(process, k)) for k in PROCESS_FIELDS},
                "projects": [
                    {k: _plain(getattr(p, k)) for k in PROJECT_FIELDS}
                    for p in db.session.scalars(
                        select(PBProject).where(PBProject.process_id == process.id)
                    )
                ],
                # a ballot cast here: its content; an imported file's: with its row of the file
                "ballots": [
                    content if row is None else {"content": content, "source_row": row}
                    for content, row in db.session.execute(
                        select(PBBallot.content, PBBallot.source_row)
                        .where(PBBallot.process_id == process.id)
                        .order_by(PBBallot.receipt)
                    )
                ],
            }
        )
    return {"lines": lines, "processes": processes}


def import_commune(commune: Any, data: dict[str, Any]) -> None:
    import secrets

    for item in data.get("lines", []):
        line = BudgetLine(
            commune_id=commune.id, **{k: item.get(k, LINE_DEFAULTS.get(k)) for k in LINE_FIELDS}
        )
        db.session.add(line)
        db.session.flush()
        for a in item.get("amendments", []):
            db.session.add(BudgetAmendment(commune_id=commune.id, line_id=line.id, **a))
        for e in item.get("entries", []):
            db.session.add(BudgetEntry(commune_id=commune.id, line_id=line.id, **e))
    for item in data.get("processes", []):
        process = PBProcess(
            commune_id=commune.id,
            **{k: item[k] if k in item else PROCESS_DEFAULTS[k] for k in PROCESS_FIELDS},
        )
        db.session.add(process)
        db.session.flush()
        for p in item.get("projects", []):
            db.session.add(PBProject(commune_id=commune.id, process_id=process.id, **p))
        for ballot in item.get("ballots", []):
            found = ballot if isinstance(ballot, dict) else {"content": ballot}
            db.session.add(
                PBBallot(
                    commune_id=commune.id,
                    process_id=process.id,
                    receipt=secrets.token_hex(16),
                    content=found["content"],
                    source_row=found.get("source_row"),
                )
            )
    db.session.flush()


def user_data(user: Any) -> dict[str, Any]:
    """What the plugin knows of a person: projects, follow-up notes, votes taken part in
    (never the ballot: it is secret and not linked to anyone)."""
    return {
        "projects": [
            {"id": p.id, "title": p.title, "commune_id": p.commune_id}
            for p in db.session.scalars(select(PBProject).where(PBProject.author_id == user.id))
        ],
        "follow_ups": [
            {"project_id": f.project_id, "text": f.text}
            for f in db.session.scalars(select(PBFollowUp).where(PBFollowUp.author_id == user.id))
        ],
        "voted_in": [
            {"process_id": v.process_id, "commune_id": v.commune_id, "on": v.cast_on.isoformat()}
            for v in db.session.scalars(
                select(PBParticipation).where(PBParticipation.voter_id == user.id)
            )
        ],
    }


def erase_user(user: Any) -> None:
    for project in db.session.scalars(select(PBProject).where(PBProject.author_id == user.id)):
        project.author_id = None
    for project in db.session.scalars(select(PBProject).where(PBProject.reviewed_by_id == user.id)):
        project.reviewed_by_id = None
    for note in db.session.scalars(select(PBFollowUp).where(PBFollowUp.author_id == user.id)):
        note.author_id = None
