"""``convergence search``: rebuild the index, search from the command line."""

from __future__ import annotations

import html

import click
from sqlalchemy import select

from federation.db import db
from federation.tenancy.context import commune_scope, unscoped
from federation.tenancy.models import Commune


@click.group("search", help="Index de recherche.")
def search_cli() -> None:
    pass


@search_cli.command("reindex")
@click.option("--commune", "slug", help="Une seule commune (slug).")
def reindex(slug: str | None) -> None:
    """Reconstruire l'index (après un import en masse)."""
    from federation.search.index import reindex as rebuild

    with unscoped():
        query = select(Commune).order_by(Commune.id)
        if slug:
            query = query.where(Commune.slug == slug)
        communes = list(db.session.scalars(query))
    if slug and not communes:
        raise click.ClickException(f"unknown commune {slug!r}")
    total = 0
    with click.progressbar(communes, label="reindex") as bar:
        for commune in bar:
            with commune_scope(commune.id):
                total += rebuild(db.session)
            db.session.commit()
    click.echo(f"{total} objects indexed in {len(communes)} communes")


@search_cli.command("query")
@click.argument("slug")
@click.argument("words")
@click.option("--page", default=1, show_default=True)
@click.option("--private", is_flag=True, help="Inclure les objets non publics.")
def query(slug: str, words: str, page: int, private: bool) -> None:
    """Chercher WORDS dans la commune SLUG."""
    from federation.search.services import search

    with unscoped():
        commune = db.session.scalar(select(Commune).where(Commune.slug == slug))
    if commune is None:
        raise click.ClickException(f"unknown commune {slug!r}")
    with commune_scope(commune.id):
        found = search(words, page=page, include_private=private)
    click.echo(f"{found.total} results (page {found.page}/{found.pages})")
    for hit in found.hits:
        plain = html.unescape(str(hit.title).replace("<mark>", "[").replace("</mark>", "]"))
        click.echo(f"{hit.kind}\t{hit.ref}\t{plain}\t{hit.url}")


@search_cli.command("accents")
@click.option(
    "--url",
    default=None,
    help="Base de données (par défaut celle de l'application) : le rôle propriétaire des tables.",
)
def accents(url: str | None) -> None:
    """PostgreSQL : faire ignorer les accents à la recherche (après CREATE EXTENSION unaccent)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from federation.search import accents as pg
    from federation.tenancy.scoping import raw_tenant_sql

    engine = create_engine(url, poolclass=NullPool) if url else db.engine
    if engine.dialect.name != "postgresql":
        click.echo("SQLite: FTS5 already ignores accents, nothing to do")
        return
    try:
        with engine.begin() as conn, raw_tenant_sql("search accents: every commune's rows"):
            ignored = pg.install(conn)
            count = pg.refresh(conn) if ignored else 0
    finally:
        if url:
            engine.dispose()
    if not ignored:
        raise click.ClickException(
            "extension unaccent missing: a superuser runs CREATE EXTENSION unaccent, then again"
        )
    click.echo(f"accents ignored; {count} index rows recomputed")
