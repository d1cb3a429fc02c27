"""``convergence roster …``: the jobs a cron runs (reminders, series, cycles) and a few
commands to look and act from a terminal, through the same services as the pages."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import select

from federation.db import db
from federation.errors import ServiceError
from federation.tenancy.context import commune_scope, unscoped


def _fail(message: object) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _commune_id(slug: str) -> int:
    from federation.tenancy.models import Commune

    with unscoped():
        commune = db.session.scalar(select(Commune).where(Commune.slug == slug))
    if commune is None:
        _fail(f"no commune {slug!r}")
    return commune.id  # type: ignore[union-attr]


def _communes_with(model) -> list[int]:
    with unscoped():
        return sorted(set(db.session.scalars(select(model.commune_id).distinct())))


@click.group("roster")
def roster_cli() -> None:
    """Roster: shifts, sign-ups, duties."""


@roster_cli.command("remind")
def remind() -> None:
    """Send the reminders of shifts starting soon (run it hourly from cron)."""
    from federation.roster import services
    from federation.roster.models import Signup

    total = 0
    for commune_id in _communes_with(Signup):
        with commune_scope(commune_id):
            sent = services.send_reminders()
            db.session.commit()
        total += sent
    click.echo(f"{total} reminder(s) sent.")


@roster_cli.command("extend")
def extend() -> None:
    """Create the shifts of every active series up to its horizon (run it daily)."""
    from federation.roster import services
    from federation.roster.models import RosterSeries

    total = 0
    for commune_id in _communes_with(RosterSeries):
        with commune_scope(commune_id):
            for series in db.session.scalars(
                select(RosterSeries).where(RosterSeries.active.is_(True))
            ):
                total += len(services.extend_series(series))
            db.session.commit()
    click.echo(f"{total} shift(s) created.")


@roster_cli.command("settle")
def settle() -> None:
    """Write the debits of the cycles begun (idempotent; statuses already count them)."""
    from federation.roster import duty
    from federation.roster.models import Duty

    total = 0
    communes = _communes_with(Duty)
    with click.progressbar(communes, label="communes") as bar:
        for commune_id in bar:
            with commune_scope(commune_id):
                for row in duty.active_duties():
                    total += duty.settle(row)
                db.session.commit()
    click.echo(f"{total} debit(s) written.")


@roster_cli.command("shifts")
@click.argument("commune")
def list_shifts(commune: str) -> None:
    """The upcoming shifts of a commune, with the places taken."""
    from federation.db import utcnow
    from federation.roster import services

    with commune_scope(_commune_id(commune)):
        found = services.shifts(after=utcnow())
        taken = services.filled(found)
        for shift in found:
            roles = ", ".join(f"{r.name} {taken.get(r.id, 0)}/{r.needed}" for r in shift.roles)
            click.echo(
                f"{shift.id}\t{shift.starts_at:%Y-%m-%d %H:%M}\t{shift.display_title}\t{roles}"
            )


@roster_cli.command("create")
@click.argument("commune")
@click.option("--title", required=True)
@click.option("--start", "start", required=True, help="YYYY-MM-DDTHH:MM (UTC)")
@click.option("--minutes", type=click.IntRange(1, 7 * 24 * 60), default=120)
@click.option("--role", "roles", multiple=True, required=True, help="name:needed[:skill]")
@click.option("--place", default="")
@click.option("--source", default="", help="kind:ref of a plugin object")
def create(commune, title, start, minutes, roles, place, source) -> None:
    """Open a shift (the same service as the page and the API)."""
    from federation.roster import services

    try:
        starts_at = datetime.fromisoformat(start)
    except ValueError:
        _fail(f"--start: not a date and time: {start!r}")
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=UTC)
    specs = []
    for number, raw in enumerate(roles, 1):
        parts = raw.split(":")
        if len(parts) not in (2, 3) or not parts[1].isdigit():
            _fail(f"--role #{number}: expected name:needed[:skill], got {raw!r}")
        specs.append(
            {
                "name": parts[0],
                "needed": int(parts[1]),
                "skill": parts[2] if len(parts) == 3 else "",
            }
        )
    kind, _sep, ref = source.partition(":")
    with commune_scope(_commune_id(commune)):
        try:
            shift = services.create_shift(
                title,
                starts_at,
                starts_at + timedelta(minutes=minutes),
                specs,
                place=place,
                source_kind=kind,
                source_ref=ref,
            )
        except ServiceError as exc:
            db.session.rollback()
            _fail(f"{exc.field or 'shift'}: {exc.message}")
        db.session.commit()
        click.echo(f"shift {shift.id} created.")


@roster_cli.command("status")
@click.argument("commune")
@click.argument("email")
def status(commune: str, email: str) -> None:
    """A member's duty status in a commune (derived from the ledger)."""
    from federation.identity.services import find_user_by_email
    from federation.roster import duty

    commune_id = _commune_id(commune)
    user = find_user_by_email(email)
    if user is None:
        _fail(f"no account {email!r}")
    with commune_scope(commune_id):
        found = duty.duty_status(user.id)
    if not found:
        click.echo("no duty in this commune.")
    for row in found:
        s = row.status
        click.echo(
            f"duty {row.duty_id}: {s.code} balance={s.balance} owed={s.owed} late={s.late} "
            f"cycle={s.cycle_starts}..{s.cycle_ends}"
        )
