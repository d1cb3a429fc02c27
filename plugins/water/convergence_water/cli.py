"""``convergence water …``: import meter readings (with a progress bar), compute
allocations, import drought levels, print a basin's balance.

Bad input prints ``Error: …`` (with line numbers for files) and exits with code 1;
nothing is half-written.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from federation.db import db
from federation.errors import ServiceError

LEVEL_HEADERS = {
    "level": ("niveau", "level"),
    "resource": ("ressource", "resource", "code"),
    "starts_on": ("debut", "début", "starts_on", "date_debut"),
    "ends_on": ("fin", "ends_on", "date_fin"),
    "reference": ("reference", "référence", "arrete", "arrêté"),
}


def _fail(message: object) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _describe(exc: ServiceError) -> str:
    if not exc.errors:
        return str(exc.message)
    lines = [str(exc.message)]
    for key, messages in exc.as_dict().items():
        lines.extend(f"  {key}: {m}" for m in messages)
    return "\n".join(lines)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except ServiceError as exc:
        db.session.rollback()
        _fail(_describe(exc))


def _commune(slug: str) -> Any:
    from federation.plugins.services import is_enabled
    from federation.tenancy.context import unscoped
    from federation.tenancy.services import get_commune

    with unscoped(), _refusals():
        commune = get_commune(slug)
    if not is_enabled(commune.id, "water"):
        _fail(
            f"the water plugin is off in {slug} (convergence plugin enable water --commune {slug})"
        )
    return commune


#: a readings file read by the CLI (a year of a town's meters is a few megabytes)
CLI_MAX_BYTES = 512 * 1024 * 1024


@click.group("water")
def water_cli() -> None:
    """Water: readings, allocations, drought levels, basin balance."""


@water_cli.command("import-readings")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--partial", is_flag=True, help="Store the good lines even if some are bad.")
def import_readings(path: Path, slug: str, partial: bool) -> None:
    """Import meter readings from a CSV file (compteur;date;index, a header line)."""
    from convergence_water import readings
    from federation import csvio
    from federation.tenancy.context import commune_scope

    commune = _commune(slug)
    with _refusals():  # any usual encoding (federation.csvio), else a clear error
        text = csvio.read_source(path, max_bytes=CLI_MAX_BYTES)
    total = max(text.count("\n") - 1, 0)
    with commune_scope(commune.id), _refusals():
        with click.progressbar(length=total, label="Importing readings", file=sys.stderr) as bar:
            stream = io.StringIO(text, newline=None)
            report = readings.import_csv(stream, partial=partial, progress=bar.update)
        db.session.commit()
    click.echo(
        f"{report.stored} readings stored, {report.rejected} rejected, "
        f"{report.alerts} over-use alerts."
    )
    for error in report.errors:
        click.echo(f"  line {error.line}: {error.field}: {error.message}")


@water_cli.command("allocate")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--resource", "code", default=None, help="Only this resource (its code).")
@click.option("--available-m3", default=None, help="Override the available volume (m³/day).")
@click.option("--apply", "apply_", is_flag=True, help="Apply at once (if the commune allows it).")
def allocate(slug: str, code: str | None, available_m3: str | None, apply_: bool) -> None:
    """Compute the allocation of the commune's resources and print it."""
    from sqlalchemy import select

    from convergence_water import services
    from convergence_water.constants import LEVEL_LABELS
    from convergence_water.models import WaterResource
    from convergence_water.units import fmt_m3
    from federation.tenancy.context import commune_scope

    commune = _commune(slug)
    with commune_scope(commune.id), _refusals():
        if code:
            found = db.session.scalar(select(WaterResource).where(WaterResource.code == code))
            if found is None:
                _fail(f"no resource with code {code!r} in {slug}")
            targets = [found]
        else:
            targets = services.resources()
        if apply_ and not services.settings().get("apply_without_vote"):
            _fail(
                f"{slug} puts allocations to the water circle's vote: compute without --apply, "
                "then put the allocation to the vote on its page"
            )
        click.echo(
            f"{'resource':<32} {'level':<18} {'available':>10} {'allocated':>10} {'users':>7}"
        )
        for resource in targets:
            run = services.compute_run(resource, trigger="manual", available_m3=available_m3)
            if apply_:
                services.apply_run(run)
            click.echo(
                f"{resource.name[:32]:<32} {LEVEL_LABELS[run.level]!s:<18} "
                f"{fmt_m3(run.available):>10} {fmt_m3(run.allocated):>10} {run.users_count:>7}"
                f"  run {run.id} ({'applied' if apply_ else 'proposed'})"
            )
        db.session.commit()


@water_cli.command("import-levels")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commune", "slug", default=None, help="Commune slug (levels by resource code).")
@click.option("--federation", "federation_slug", default=None, help="A basin: every member.")
def import_levels(path: Path, slug: str | None, federation_slug: str | None) -> None:
    """Import drought levels (an official order): niveau;ressource;debut;fin;reference.

    With --federation, each line without a resource sets the level of the basin in every
    member commune where the water plugin is on.
    """
    from sqlalchemy import select

    from convergence_water import services
    from convergence_water.balance import communes_with_water
    from convergence_water.models import WaterResource
    from federation.tenancy.context import commune_scope, unscoped
    from federation.tenancy.services import get_federation

    if bool(slug) == bool(federation_slug):
        _fail("give --commune or --federation")
    rows = _level_rows(path)
    if slug:
        targets = [(_commune(slug).id, None)]
    else:
        with unscoped(), _refusals():
            federation = get_federation(federation_slug)
        targets = [(cid, federation.id) for cid in communes_with_water(federation.id)]
        if not targets:
            _fail(f"the water plugin is on in no member of {federation_slug}")
    count = 0
    for commune_id, basin in targets:
        with commune_scope(commune_id):
            for line, row in rows:
                data = {k: row.get(k, "") for k in ("level", "starts_on", "ends_on", "reference")}
                code = row.get("resource", "").strip()
                if code:
                    resource = db.session.scalar(
                        select(WaterResource).where(WaterResource.code == code)
                    )
                    if resource is None:
                        if basin is not None:
                            continue  # a resource of another member commune
                        db.session.rollback()
                        _fail(f"line {line}: unknown resource {code!r}")
                    data["resource_id"] = resource.id
                elif basin is not None:
                    data["basin"] = basin
                try:
                    services.declare_level(data, source="import")
                except ServiceError as exc:
                    db.session.rollback()
                    _fail(f"line {line}: {exc.field or ''}: {exc.message}")
                count += 1
    db.session.commit()
    click.echo(f"{count} drought levels imported in {len(targets)} commune(s).")


def _level_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    from federation import csvio

    with _refusals():  # any usual encoding, sniffed delimiter, line-numbered errors
        table = csvio.read_table(path, max_bytes=CLI_MAX_BYTES)
    header = [h.lower() for h in table.header]
    positions = {}
    for key, names in LEVEL_HEADERS.items():
        for index, name in enumerate(header):
            if name in names:
                positions[key] = index
    if "level" not in positions:
        _fail("line 1: a 'niveau' column is required")
    rows = []
    for number, row in table.rows:
        rows.append(
            (number, {k: (row[i].strip() if i < len(row) else "") for k, i in positions.items()})
        )
    return rows


@water_cli.command("balance")
@click.option("--federation", "federation_slug", required=True, help="Federation (basin) slug.")
def balance(federation_slug: str) -> None:
    """Print the water balance of a basin, commune by commune (m³ per day)."""
    from convergence_water.balance import basin_balance, communes_with_water
    from convergence_water.units import fmt_m3
    from federation.tenancy.context import unscoped
    from federation.tenancy.services import get_federation

    with unscoped(), _refusals():
        federation = get_federation(federation_slug)
        result = basin_balance(federation, communes_with_water(federation.id))
    click.echo(
        f"{federation.name} — {'shared resources' if result.shared_only else 'all resources'}"
    )
    click.echo(
        f"{'commune':<28} {'level':<17} {'yield':>9} {'needs':>9} {'allocated':>10} {'used':>9}"
    )
    for row in result.communes:
        used = "—" if row.consumption_l is None else fmt_m3(row.consumption_l)
        click.echo(
            f"{row.name[:28]:<28} {row.level:<17} {fmt_m3(row.yield_l):>9} "
            f"{fmt_m3(row.need_total):>9} {fmt_m3(row.allocated_total):>10} {used:>9}"
        )
