"""``convergence water basin-…``: recompute the basin allocations (the daily scheduled task
``water.basin_recompute``), propose a basin allocation, link a commune's connection to a
shared resource. Bad input prints ``Error: …`` and exits 1; nothing is half-written."""

from __future__ import annotations

from datetime import date

import click

from convergence_water.cli import _commune, _refusals, water_cli
from federation.db import db


@water_cli.command("basin-recompute")
@click.option("--today", default=None, help="Date to compute for (YYYY-MM-DD), default today.")
def basin_recompute(today: str | None) -> None:
    """Apply the ratified basin rule again where the season turned or the level changed."""
    from convergence_water import basin

    with _refusals():
        try:
            day = date.fromisoformat(today) if today else date.today()
        except ValueError:
            raise click.BadParameter("YYYY-MM-DD expected", param_hint="--today") from None
        runs = basin.recompute_all(day)
        lines = [
            f"  basin run {r.id}: {r.trigger}, level {r.level}, season {r.season}" for r in runs
        ]
        db.session.commit()
    click.echo(f"{len(runs)} basin allocations recomputed.")
    for line in lines:
        click.echo(line)


@water_cli.command("basin-propose")
@click.option("--federation", "fed_slug", required=True, help="Basin (federation) slug.")
@click.option("--resource", "resource_id", required=True, type=int, help="Shared resource id.")
@click.option("--email", required=True, help="Who proposes (a member of the basin's circle).")
@click.option("--vital-litres", default=None, help="Vital litres per person and day.")
def basin_propose(fed_slug: str, resource_id: int, email: str, vital_litres: str | None) -> None:
    """Propose a basin allocation of a shared resource to every member assembly."""
    from sqlalchemy import select

    from convergence_water import basin
    from federation.identity.services import find_user_by_email
    from federation.tenancy.models import Federation

    federation = db.session.scalar(select(Federation).where(Federation.slug == fed_slug))
    if federation is None:
        raise click.BadParameter(f"no federation {fed_slug!r}", param_hint="--federation")
    actor = find_user_by_email(email)
    if actor is None:
        raise click.BadParameter(f"no account {email!r}", param_hint="--email")
    with _refusals():
        run = basin.propose(federation.id, resource_id, actor, vital_litres=vital_litres)
        ids = run.id, run.federation_proposal_id
        db.session.commit()
    click.echo(f"basin run {ids[0]} proposed to the assemblies (intercommunal proposal {ids[1]}).")


@water_cli.command("basin-link")
@click.option("--commune", "slug", required=True, help="The drawing commune's slug.")
@click.option("--resource", "local_id", required=True, type=int, help="Its connection resource id.")
@click.option("--federation", "fed_slug", required=True, help="Basin (federation) slug.")
@click.option("--shared", "shared_id", required=True, type=int, help="Shared resource id.")
def basin_link(slug: str, local_id: int, fed_slug: str, shared_id: int) -> None:
    """Link a commune's connection resource to a resource shared in its basin."""
    from sqlalchemy import select

    from convergence_water import basin
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Federation

    commune = _commune(slug)
    federation = db.session.scalar(select(Federation).where(Federation.slug == fed_slug))
    if federation is None:
        raise click.BadParameter(f"no federation {fed_slug!r}", param_hint="--federation")
    with commune_scope(commune.id), _refusals():
        row_id = basin.link(local_id, federation.id, shared_id).id
        db.session.commit()
    click.echo(f"link {row_id}: resource {local_id} draws on shared resource {shared_id}.")
