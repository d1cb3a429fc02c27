"""``convergence governance …``: the jobs a cron runs, and counting a vote by hand."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from federation.db import db, utcnow
from federation.tenancy.context import commune_scope, unscoped


@click.group("governance")
def governance_cli() -> None:
    """Governance: votes and mandates."""


@governance_cli.command("close-due")
def close_due() -> None:
    """Close and count every open vote whose closing time has passed (run it from cron)."""
    from federation.governance import votes
    from federation.governance.models import Vote
    from federation.identity.models import User

    with unscoped():
        due = [
            (v.id, v.commune_id)
            for v in db.session.scalars(
                select(Vote).where(Vote.status == "open", Vote.closes_at.is_not(None))
            )
            if (v.closes_at if v.closes_at.tzinfo else v.closes_at.replace(tzinfo=utcnow().tzinfo))
            <= utcnow()
        ]
    from federation.errors import ServiceError

    system = User(display_name="plateforme", email="", password_hash="")
    closed = 0
    for vote_id, commune_id in due:
        with commune_scope(commune_id):
            vote = db.session.get(Vote, vote_id)
            try:  # the same one path as the page and the API, one transaction per vote
                votes.close_vote(vote, system)
            except ServiceError as exc:  # closed meanwhile by someone else, or refused
                db.session.rollback()
                click.echo(f"vote {vote_id} (commune {commune_id}) not closed: {exc.message}")
                continue
            db.session.commit()
            closed += 1
        click.echo(f"closed vote {vote_id} (commune {commune_id})")
    click.echo(f"{closed} vote(s) closed.")


@governance_cli.command("end-mandates")
def end_mandates() -> None:
    """End the mandates whose term is over and take their roles back."""
    from federation.governance.mandates import end_expired

    with unscoped():
        count = end_expired()
        db.session.commit()
    click.echo(f"{count} mandate(s) ended.")


@governance_cli.command("tally")
@click.argument("vote_id", type=int)
@click.option("--commune", "slug", required=True)
def tally(vote_id: int, slug: str) -> None:
    """Count a vote from the database and print the result as JSON (nothing is written).

    Refused while the results of an open vote are hidden.
    """
    from federation.errors import ServiceError
    from federation.governance import votes
    from federation.tenancy.services import get_commune

    try:
        commune = get_commune(slug)
        with commune_scope(commune.id):
            vote = votes.get_vote(vote_id)
            if not votes.results_visible(vote):
                click.echo("Error: the results of this vote are hidden until it closes.", err=True)
                sys.exit(1)
            click.echo(
                json.dumps(votes.compute_result(vote), ensure_ascii=False, indent=2, default=str)
            )
    except ServiceError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
