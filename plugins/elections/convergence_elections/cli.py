"""``convergence elections …``: council size and list length for a population, and the
re-check of a published sortition that anyone can run.

Bad input prints ``Error: …`` and exits with code 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from convergence_elections import law, sortition


def _fail(message: object) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.group("elections")
def elections_cli() -> None:
    """Elections: list length by population, verifiable sortition."""


@elections_cli.command("seats")
@click.argument("population", type=click.IntRange(min=0))
def seats_command(population: int) -> None:
    """Seats (CGCT art. L2121-2) and list length (law 2025-444) for POPULATION."""
    rule = law.list_length(population)
    click.echo(
        f"population {population}: {rule.seats} seats; a list carries "
        f"{rule.minimum} to {rule.maximum} names, strict alternation of sexes "
        f"({'; '.join(rule.references)})"
    )


def _from_journal(slug: str, draw_id: int) -> dict[str, Any]:
    """The commitment entry and the draw entry, as the public journal holds them."""
    from sqlalchemy import select

    from federation.db import db
    from federation.journal.models import JournalEntry
    from federation.journal.services import commune_chain
    from federation.tenancy.context import unscoped
    from federation.tenancy.services import get_commune

    with unscoped():
        commune = get_commune(slug)
        rows = db.session.scalars(
            select(JournalEntry)
            .where(
                JournalEntry.chain == commune_chain(commune.id),
                JournalEntry.kind.in_(["elections.draw_committed", "elections.draw_done"]),
            )
            .order_by(JournalEntry.seq)
        )
        found: dict[str, Any] = {}
        for row in rows:
            payload = json.loads(row.payload)
            if payload.get("draw") == draw_id:
                found[row.kind] = (row.seq, payload)
    if "elections.draw_committed" not in found or "elections.draw_done" not in found:
        _fail(f"draw {draw_id} of {slug} is not committed and drawn in the journal")
    commit_seq, committed = found["elections.draw_committed"]
    draw_seq, done = found["elections.draw_done"]
    if commit_seq >= draw_seq:
        _fail("the commitment was not published before the draw")
    for key in ("commitment", "pool_digest", "quotas"):
        if committed[key] != done[key]:
            _fail(f"the {key} published at the draw differs from the one committed before it")
    return done


@elections_cli.command("verify-draw")
@click.argument("commune", required=False)
@click.argument("draw_id", type=int, required=False)
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A draw's published JSON (…/elections/draws/<id>.json) instead of the journal.",
)
def verify_draw(commune: str | None, draw_id: int | None, path: Path | None) -> None:
    """Recompute a draw from its revealed seed: COMMUNE DRAW_ID (read from the journal,
    which `convergence journal verify` checks) or --file draw.json."""
    if path is not None:
        try:
            published = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _fail(f"cannot read {path}: {exc}")
    elif commune and draw_id is not None:
        published = _from_journal(commune, draw_id)
    else:
        _fail("give COMMUNE DRAW_ID or --file")
    problems = sortition.verify(published)
    if problems:
        for problem in problems:
            click.echo(f"FAILED: {problem}", err=True)
        sys.exit(1)
    selected = sum(len(v) for v in published["selected"].values())
    click.echo(
        f"OK: seed matches commitment {published['commitment'][:16]}…, pool matches its "
        f"digest, {selected} selected with exact quotas "
        + ", ".join(f"{k}={v}" for k, v in sorted(published["quotas"].items()))
    )
