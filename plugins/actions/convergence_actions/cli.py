"""``convergence actions …``: list campaigns and events, send reminders, check people in
with their codes, report a campaign back. Each command goes through the same services as
the pages and the API; a refusal prints ``Error: …`` and exits with code 1, nothing
half-written."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.as_dict().items())
        _fail(details or exc.message)


@contextmanager
def _in_commune(slug: str) -> Iterator[Any]:
    from federation.plugins.services import is_enabled
    from federation.tenancy.context import commune_scope, unscoped
    from federation.tenancy.services import get_commune

    with unscoped(), _refusals():
        commune = get_commune(slug)
    if not is_enabled(commune.id, "actions"):
        _fail(
            f"the actions plugin is off in {slug} "
            f"(convergence plugin enable actions --commune {slug})"
        )
    with commune_scope(commune.id), _refusals():
        yield commune


def _actor(email: str) -> Any:
    from sqlalchemy import select

    from federation.identity.models import User

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _fail(f"no account {email}")
    return user


@click.group("actions")
def actions_cli() -> None:
    """Collective actions: campaigns, events, reminders, check-in at the door."""


@actions_cli.command("campaigns")
@click.option("--commune", "slug", required=True, help="Commune slug.")
def list_campaigns(slug: str) -> None:
    """List the commune's campaigns with their mandate and figures."""
    from convergence_actions import services

    with _in_commune(slug):
        for row in services.campaigns():
            figures = services.campaign_figures(row)
            click.echo(
                f"{row.id}\t{row.status}\t{row.title}\tdecision {row.decision_id}\t"
                f"{figures['events']} events, {figures['people']} people, "
                f"{figures['hours']} h"
            )


@actions_cli.command("events")
@click.option("--commune", "slug", required=True, help="Commune slug.")
def list_events(slug: str) -> None:
    """List the commune's events with their registrations."""
    from convergence_actions import events

    with _in_commune(slug):
        rows = events.events()
        found = events.counts([e.id for e in rows])
        for row in rows:
            c = found[row.id]
            click.echo(
                f"{row.id}\t{row.starts_at:%Y-%m-%d %H:%M}\t{row.title}\t"
                f"{c['confirmed']}/{row.capacity or '∞'} confirmed, {c['waiting']} waiting, "
                f"{c['pending']} pending"
            )


def _committed(slug: str, work: Any) -> Any:
    """``work()`` in the commune's scope, committed; its result."""
    with _in_commune(slug):
        result = work()
        db.session.commit()
    return result


@actions_cli.command("remind")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--hours", default=24, show_default=True, help="Events starting within.")
def remind(slug: str, hours: int) -> None:
    """Remind the participants of the events starting soon (once per event)."""
    from convergence_actions import events

    sent = _committed(slug, lambda: events.send_reminders(hours=hours))
    click.echo(f"{sent} reminders sent")


@actions_cli.command("deadlines")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--days", default=7, show_default=True, help="Deadlines within.")
def deadlines(slug: str, days: int) -> None:
    """Tell the carriers and supporters of campaigns whose deadline is near (once each)."""
    from convergence_actions import services

    told = _committed(slug, lambda: services.remind_deadlines(days=days))
    click.echo(f"{told} people told of a near deadline")


@actions_cli.command("schedule")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--by", "by", required=True, help="E-mail of the organiser.")
@click.option("--title", required=True)
@click.option("--starts", "starts_at", required=True, help="Start, ISO 8601 (2027-03-20T14:00).")
@click.option("--ends", "ends_at", required=True, help="End, ISO 8601.")
@click.option("--location", default="")
@click.option("--capacity", default=0, show_default=True, help="Places (0: no limit).")
@click.option("--campaign", "campaign_id", type=int, default=None, help="Campaign id, if any.")
def schedule(slug: str, by: str, campaign_id: int | None, **data: Any) -> None:
    """Schedule an event, of a campaign or on its own (the pages' and the API's service)."""
    from convergence_actions import events

    with _in_commune(slug):
        row = events.schedule({**data, "campaign_id": campaign_id}, _actor(by))
        db.session.commit()
        click.echo(f"event {row.id} scheduled")


@actions_cli.command("check-in")
@click.argument("event_id", type=int)
@click.argument("code")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--by", "by", required=True, help="E-mail of the organiser at the door.")
def check_in(event_id: int, code: str, slug: str, by: str) -> None:
    """Record the attendance of the registration with CODE."""
    from convergence_actions import events

    with _in_commune(slug):
        row = events.check_in(events.get_event(event_id), code, _actor(by))
        db.session.commit()
        click.echo(f"registration {row.id} attended")


@actions_cli.command("report")
@click.argument("campaign_id", type=int)
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--by", "by", required=True, help="E-mail of the organiser reporting.")
@click.option("--text", required=True, help="The report to the assembly.")
@click.option("--meeting", "meeting_id", type=int, default=None, help="Assembly meeting id.")
def report(campaign_id: int, slug: str, by: str, text: str, meeting_id: int | None) -> None:
    """Report a campaign back to the assembly and close it."""
    from convergence_actions import services

    with _in_commune(slug):
        row = services.report_back(
            services.get_campaign(campaign_id), text, _actor(by), meeting_id=meeting_id
        )
        db.session.commit()
        click.echo(f"campaign {row.id} reported")
