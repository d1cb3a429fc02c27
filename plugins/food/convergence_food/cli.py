"""``convergence food …``: list producers, add one, give to the pot, show the pot, plan a
distribution and print its pick-up lists. Each command goes through the same services as
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
    if not is_enabled(commune.id, "food"):
        _fail(f"the food plugin is off in {slug} (convergence plugin enable food --commune {slug})")
    with commune_scope(commune.id), _refusals():
        yield commune


@click.group("food")
def food_cli() -> None:
    """Food: producers, solidarity pot, distributions and pick-up lists."""


@food_cli.command("producers")
@click.option("--commune", "slug", required=True, help="Commune slug.")
def list_producers(slug: str) -> None:
    """List the commune's producers and their products."""
    from convergence_food import services

    with _in_commune(slug):
        products = services.products()
        for producer in services.producers():
            names = ", ".join(p.name for p in products if p.producer_id == producer.id)
            organic = " (bio)" if producer.organic else ""
            click.echo(f"{producer.id}\t{producer.name}{organic}\t{producer.kind}\t{names}")


@food_cli.command("add-producer")
@click.argument("name")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--kind", default="farm", show_default=True)
@click.option("--organic", is_flag=True)
@click.option("--surface", default="0", help="Surface in hectares.")
def add_producer(name: str, slug: str, kind: str, organic: bool, surface: str) -> None:
    """Add a producer."""
    from convergence_food import services

    with _in_commune(slug):
        row = services.create_producer(
            {"name": name, "kind": kind, "organic": organic, "surface_ha": surface}
        )
        db.session.commit()
        click.echo(f"producer {row.id} added")


@food_cli.command("gift")
@click.argument("amount")
@click.option("--commune", "slug", required=True, help="Commune slug.")
def gift(amount: str, slug: str) -> None:
    """Record a gift to the solidarity pot (e.g. "150,00")."""
    from convergence_food import solidarity

    with _in_commune(slug):
        movement = solidarity.gift(amount)
        db.session.commit()
        click.echo(f"pot balance: {movement.balance_after} EUR")


@food_cli.command("pot")
@click.option("--commune", "slug", required=True, help="Commune slug.")
def show_pot(slug: str) -> None:
    """Show the pot's balance and its movements (no names)."""
    from convergence_food import solidarity

    with _in_commune(slug):
        row = solidarity.active_pot()
        shared = solidarity.shared_federation()
        if shared is not None:
            click.echo(f"shared pot of federation {shared}")
        click.echo(f"balance {row.balance} EUR, received {row.received}, spent {row.spent}")
        for m in solidarity.movements():
            click.echo(f"{m.created_at:%Y-%m-%d}\t{m.kind}\t{m.amount}\t{m.balance_after}")


@food_cli.command("plan-distribution")
@click.argument("day")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--place", required=True)
@click.option("--starts", default="17:00", show_default=True)
@click.option("--ends", default="19:00", show_default=True)
def plan_distribution(day: str, slug: str, place: str, starts: str, ends: str) -> None:
    """Plan a distribution day (YYYY-MM-DD)."""
    from convergence_food import distributions

    with _in_commune(slug):
        row = distributions.create_distribution(
            {"day": day, "place": place, "starts_at": starts, "ends_at": ends}
        )
        db.session.commit()
        click.echo(f"distribution {row.id} planned")


@food_cli.command("pickup")
@click.argument("distribution_id", type=int)
@click.option("--commune", "slug", required=True, help="Commune slug.")
def pickup(distribution_id: int, slug: str) -> None:
    """Print a distribution's pick-up lists, per producer then per person."""
    from convergence_food import distributions

    with _in_commune(slug):
        lists = distributions.pickup(distributions.get_distribution(distribution_id))
        for pl in lists.producers:
            click.echo(f"== {pl.producer.name}")
            for product, taken, given in pl.items:
                click.echo(f"  {product.name}\t{taken} {product.unit}\t(given {given})")
        click.echo("== people")
        for person in lists.people:
            items = "; ".join(f"{p.name} {q}" for _prod, p, q in person.items)
            click.echo(f"  {person.name}\t{items}{' (given)' if person.given else ''}")


@food_cli.command("harvest")
@click.argument("producer_id", type=int)
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--starts", required=True, help="Start, YYYY-MM-DDTHH:MM (UTC).")
@click.option("--needed", default="4", show_default=True, help="People needed.")
@click.option("--minutes", default="180", show_default=True, help="Duration.")
@click.option("--repeat", type=click.Choice(["", "weekly", "monthly"]), default="")
@click.option("--weeks-ahead", default="4", show_default=True)
def open_harvest(
    producer_id: int,
    slug: str,
    starts: str,
    needed: str,
    minutes: str,
    repeat: str,
    weeks_ahead: str,
) -> None:
    """Open harvest-help shifts for a producer (one, or a weekly/monthly series)."""
    from convergence_food import harvest, services

    with _in_commune(slug):
        shifts = harvest.open_harvest(
            services.get_producer(producer_id),
            {
                "starts_at": starts,
                "needed": needed,
                "duration_minutes": minutes,
                "repeat": repeat,
                "weeks_ahead": weeks_ahead,
            },
        )
        db.session.commit()
        click.echo(f"{len(shifts)} harvest shift(s) open: {', '.join(str(s.id) for s in shifts)}")


@food_cli.command("share-pot")
@click.argument("federation")
@click.option("--commune", "slug", required=True, help="Commune slug.")
def share_pot(federation: str, slug: str) -> None:
    """Share the solidarity pot of a federation (its slug) with its other communes that
    opted in."""
    from convergence_food import solidarity
    from federation.tenancy.services import get_federation

    with _in_commune(slug):
        row = solidarity.share_pot(get_federation(federation).id, None)
        db.session.commit()
        click.echo(f"sharing the pot of {federation}: balance {row.balance} EUR")
