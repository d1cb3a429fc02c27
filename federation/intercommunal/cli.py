"""``convergence intercommunal …``: deadlines of ratifications, leaving a federation."""

from __future__ import annotations

import sys

import click

from federation.db import db
from federation.tenancy.context import unscoped


@click.group("intercommunal")
def intercommunal_cli() -> None:
    """Intercommunal coordination."""


@intercommunal_cli.command("close-due")
def close_due() -> None:
    """Decide the federation proposals whose ratification deadline has passed (cron)."""
    from federation.intercommunal.ratification import close_due as run

    with unscoped():
        decided = run()
        db.session.commit()
    click.echo(f"{len(decided)} proposal(s) decided.")


@intercommunal_cli.command("leave")
@click.argument("federation")
@click.argument("commune")
def leave(federation: str, commune: str) -> None:
    """A commune leaves a federation (its pending ratifications no longer count)."""
    from federation.errors import ServiceError
    from federation.intercommunal.ratification import commune_left
    from federation.tenancy.services import (
        get_commune,
        get_federation,
        remove_commune_from_federation,
    )

    try:
        with unscoped():
            fed, com = get_federation(federation), get_commune(commune)
            remove_commune_from_federation(fed, com)
            commune_left(fed, com)
            db.session.commit()
    except ServiceError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"{commune} left {federation}.")
