"""``convergence housing …``: import a vacancy file, move a dwelling's follow-up, apply the
campaigns whose sent date has passed, print a federation's supply and demand.

Bad input prints ``Error: …`` (with line numbers for files) and exits with code 1;
nothing is half-written. The CLI is the operator's: it acts as the housing circle.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from federation.db import db
from federation.errors import ServiceError


def _fail(message: object) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except ServiceError as exc:
        db.session.rollback()
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.as_dict().items())
        _fail(detail)


def _commune(slug: str) -> Any:
    from federation.plugins.services import is_enabled
    from federation.tenancy.context import unscoped
    from federation.tenancy.services import get_commune

    with unscoped(), _refusals():
        commune = get_commune(slug)
    if not is_enabled(commune.id, "housing"):
        _fail(
            f"the housing plugin is off in {slug} "
            f"(convergence plugin enable housing --commune {slug})"
        )
    return commune


@click.group("housing")
def housing_cli() -> None:
    """Housing: vacancy file import, follow-up, letter campaigns, supply and demand."""


@housing_cli.command("import-vacancies")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--year", type=int, default=None, help="Year of the file (if it has no column).")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
def import_vacancies(path: Path, slug: str, year: int | None, dry_run: bool) -> None:
    """Import the commune's vacancy file (LOVAC extraction, CSV). Every line in error is
    listed and nothing is written; a re-import updates known dwellings without duplicates."""
    from convergence_housing import services
    from federation.tenancy.context import commune_scope

    commune = _commune(slug)
    from federation import csvio

    with _refusals():  # any usual encoding, else a clear error (letters were replaced)
        content = csvio.read_source(path)
    with commune_scope(commune.id), _refusals():
        report = services.import_vacancies(content, year=year, dry_run=dry_run)
        if report.errors:
            db.session.rollback()
            for error in report.errors:
                click.echo(f"  {error}", err=True)
            _fail(f"{len(report.errors)} line(s) in error: nothing imported")
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    click.echo(
        f"{report.created} dwellings created, {report.updated} updated, "
        f"{report.unchanged} unchanged{' (dry run)' if dry_run else ''}."
    )


@housing_cli.command("set-status")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--dwelling", "ref", required=True, help="The dwelling's reference.")
@click.option("--substatus", default="", help="Sub-status (required for done and blocked).")
@click.argument("status")
def set_status(slug: str, ref: str, substatus: str, status: str) -> None:
    """Move a dwelling's follow-up along the vocabulary."""
    from convergence_housing import services
    from federation.tenancy.context import commune_scope

    commune = _commune(slug)
    with commune_scope(commune.id), _refusals():
        row = services.get_dwelling_by_ref(ref)
        services.set_status(row, status, substatus, source="cli", check=False)
        db.session.commit()
    click.echo(f"{ref}: {status}{' / ' + substatus if substatus else ''}")


@housing_cli.command("letters-sent")
@click.option("--commune", "slug", required=True, help="Commune slug.")
def letters_sent(slug: str) -> None:
    """Move to "awaiting reply" the dwellings of campaigns whose sent date has passed
    (run daily by cron)."""
    from convergence_housing import owners
    from federation.tenancy.context import commune_scope

    commune = _commune(slug)
    with commune_scope(commune.id), _refusals():
        moved = owners.apply_due_campaigns()
        db.session.commit()
    click.echo(f"{moved} dwellings now awaiting a reply.")


@housing_cli.command("supply")
@click.option("--federation", "slug", required=True, help="Federation slug.")
def supply(slug: str) -> None:
    """Supply and demand per member commune (three queries)."""
    from sqlalchemy import select

    from convergence_housing.supply import supply_demand
    from federation.tenancy.context import unscoped
    from federation.tenancy.models import Commune, Federation, FederationMember

    with unscoped():
        federation = db.session.scalar(select(Federation).where(Federation.slug == slug))
        if federation is None:
            _fail(f"no federation {slug!r}")
        members = dict(
            db.session.execute(
                select(Commune.id, Commune.slug)
                .join(FederationMember, FederationMember.commune_id == Commune.id)
                .where(
                    FederationMember.federation_id == federation.id,
                    FederationMember.left_on.is_(None),
                )
            ).all()
        )
    rows = supply_demand(list(members))
    click.echo(
        f"{'commune':<28} {'vacant':>7} {'followed':>9} {'done':>6} "
        f"{'requests':>9} {'allocated':>10}"
    )
    for cid, row in sorted(rows.items(), key=lambda item: members[item[0]]):
        click.echo(
            f"{members[cid]:<28} {sum(row.statuses.values()):>7} {row.followed:>9} "
            f"{row.back_in_use:>6} {row.open_requests:>9} {row.allocations:>10}"
        )
