"""The ``convergence`` command: a Flask CLI group with the core's commands.

Every command prints a clear message and exits with a non-zero code on failure; no
traceback for bad input. Commands act in an explicit scope (``unscoped`` for the
platform, a commune's scope for its data).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from federation.cli.ops import add_to as add_ops_commands
from federation.db import db
from federation.errors import ServiceError
from federation.jobs.cli import add_to as add_job_commands
from federation.tenancy.context import commune_scope, unscoped


def _create_app():
    from federation.app import create_app

    return create_app()


class ConvergenceGroup(FlaskGroup):
    def main(self, *args, **kwargs):
        from sqlalchemy.exc import InterfaceError, OperationalError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        from federation.config import ConfigError
        from federation.plugins.manager import PluginLoadError

        try:
            return super().main(*args, **kwargs)
        except (ConfigError, PluginLoadError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except (OperationalError, InterfaceError, PoolTimeout) as exc:
            # the database does not answer: one line saying so, no traceback, no password
            from federation.web.errors import database_error_summary

            click.echo(
                "Error: the database is unavailable (check DATABASE_URL and that the server "
                f"is running): {database_error_summary(exc)}",
                err=True,
            )
            sys.exit(3)


@click.group(
    cls=ConvergenceGroup, create_app=_create_app, add_version_option=False, load_dotenv=False
)
def main() -> None:
    """Convergence — a platform for federations of communes."""


def fail(message: object) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def run_service(fn, *args, **kwargs):
    """Call a service; a refused operation becomes a clear error and exit code 1."""
    try:
        result = fn(*args, **kwargs)
    except ServiceError as exc:
        db.session.rollback()
        fail(
            exc.message
            if not exc.errors
            else "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.as_dict().items())
        )
    return result


def _commune(slug: str):
    from federation.tenancy.services import get_commune

    return run_service(get_commune, slug)


def _federation(slug: str):
    from federation.tenancy.services import get_federation

    return run_service(get_federation, slug)


def _user(email: str):
    from federation.identity.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        fail(f"no account with e-mail {email}")
    return user


# --- db -------------------------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic: the core plus one branch per plugin)."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Migrate the schema (default: every branch to its head)."""
    from federation import migrate

    before = migrate.current(current_app)
    migrate.upgrade(current_app, revision)
    after = migrate.current(current_app)
    # say what happened: a new database was migrated, an old one moved, or nothing to do
    if not before:
        click.echo(f"New database migrated: {len(after)} branch(es) at their latest revision.")
    elif before != after:
        click.echo(f"Database migrated: {len(after - before)} branch(es) moved to a new revision.")
    else:
        click.echo("Database was already up to date: nothing to migrate.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Go back to REVISION (e.g. 'water@base' removes the water plugin's tables)."""
    from federation import migrate

    migrate.downgrade(current_app, revision)


@db_group.command("heads")
def db_heads() -> None:
    """The head revision of each branch."""
    from federation import migrate

    for head in migrate.heads(current_app):
        click.echo(head)


@db_group.command("current")
def db_current() -> None:
    """The revisions the database is at."""
    from federation import migrate

    for rev in sorted(migrate.current(current_app)):
        click.echo(rev)


@db_group.command("check")
def db_check() -> None:
    """Fail when the database is not at every head or when models and schema differ."""
    from federation import migrate

    missing = set(migrate.heads(current_app)) - migrate.current(current_app)
    if missing:
        fail(f"database is not at heads; missing {sorted(missing)}: run 'convergence db upgrade'")
    differences = migrate.drift(current_app)
    if differences:
        fail("models and migrations differ:\n" + "\n".join(map(str, differences)))
    click.echo("Schema matches the models.")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--plugin", default=None, help="Create the revision in a plugin's branch.")
@click.option("--empty", is_flag=True, help="Do not autogenerate.")
def db_revision(message: str, plugin: str | None, empty: bool) -> None:
    """Create a migration for the core or a plugin."""
    from federation import migrate

    try:
        migrate.revision(current_app, message, plugin=plugin, autogenerate=not empty)
    except ValueError as exc:
        fail(exc)


# --- communes --------------------------------------------------------------------------


@main.group("commune")
def commune_group() -> None:
    """Communes (the tenants)."""


@commune_group.command("create")
@click.argument("name")
@click.option("--slug")
@click.option("--insee", "insee_code")
@click.option("--population", type=click.IntRange(min=0))
@click.option("--locale", "default_locale", type=click.Choice(["fr", "en"]), default="fr")
@click.option("--host")
def commune_create(name, slug, insee_code, population, default_locale, host) -> None:
    """Create a commune."""
    from federation.tenancy.services import create_commune

    with unscoped():
        commune = run_service(
            create_commune,
            name,
            slug,
            insee_code=insee_code,
            population=population,
            default_locale=default_locale,
            host=host,
        )
        db.session.commit()
    click.echo(f"Created commune {commune.slug} (id {commune.id}).")


@commune_group.command("backfill")
@click.option("--batch", type=click.IntRange(1, 100000), default=2000)
def commune_backfill(batch: int) -> None:
    """Announce every existing commune to the plugins again (the commune-created hooks,
    which are idempotent): communes created before every path announced them (the CSV
    import did not) get what plugins seed, e.g. their popular assembly. Run it once after
    upgrading; running it again changes nothing."""
    from sqlalchemy import select

    from federation.tenancy.models import Commune
    from federation.tenancy.services import announce_created

    with unscoped():
        ids = list(db.session.scalars(select(Commune.id).order_by(Commune.id)))
        for start in range(0, len(ids), batch):
            part = list(
                db.session.scalars(
                    select(Commune).where(Commune.id.in_(ids[start : start + batch]))
                )
            )
            announce_created(part)
            db.session.commit()
    click.echo(f"Announced {len(ids)} commune(s) to the plugins.")


@commune_group.command("list")
@click.option("--search", "query", default="")
@click.option("--limit", type=click.IntRange(1, 100000), default=100)
def commune_list(query: str, limit: int) -> None:
    """List communes (search by name or INSEE code)."""
    from federation.tenancy.services import search_communes

    for c in search_communes(query, limit=limit):
        click.echo(f"{c.slug}\t{c.insee_code or '-'}\t{c.population or '-'}\t{c.name}")


@commune_group.command("show")
@click.argument("slug")
def commune_show(slug: str) -> None:
    """Show a commune, its federations and enabled plugins."""
    from federation.identity.services import members_of
    from federation.plugins.services import enabled_plugins
    from federation.tenancy.services import federations_of

    commune = _commune(slug)
    click.echo(f"{commune.name} ({commune.slug})")
    click.echo(f"  INSEE: {commune.insee_code or '-'}  population: {commune.population or '-'}")
    click.echo(f"  locale: {commune.default_locale}  host: {commune.host or '-'}")
    click.echo(f"  verification: {commune.verification_method}")
    click.echo(f"  federations: {', '.join(f.slug for f in federations_of(commune.id)) or '-'}")
    click.echo(f"  plugins: {', '.join(sorted(enabled_plugins(commune.id))) or '-'}")
    click.echo(f"  members: {len(members_of(commune.id, 'active'))}")


@commune_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--departement",
    "departements",
    multiple=True,
    help="Only these départements (repeatable), e.g. --departement 23",
)
@click.option(
    "--update", is_flag=True, help="Update names, populations and départements of known communes."
)
@click.option(
    "--partial",
    is_flag=True,
    help="Write the good lines even when some lines fail (the exit status is still 1).",
)
@click.option(
    "--create-federations",
    is_flag=True,
    help="Make each intercommunality (epci_siren, epci_nom) a federation of kind epci "
    "(epci-<siren>, created when missing) with its communes as members.",
)
def commune_import(
    path: Path,
    departements: tuple[str, ...],
    update: bool,
    partial: bool,
    create_federations: bool,
) -> None:
    """Create communes from the official list (CSV: code_insee, nom, dep,
    population_municipale, epci_siren, epci_nom).

    Lines with errors are reported with their line number; then nothing is written (all or
    nothing) unless --partial, and the exit status is 1. Otherwise everything is written in
    one transaction (bulk inserts and updates: the whole list takes seconds). Each
    commune keeps its intercommunality (EPCI SIREN and name); --create-federations also
    makes them federations, in the same transaction, with a journal entry each.
    """
    from federation.intercommunal.epci import EpciReport, attach_epci_federations
    from federation.tenancy.services import import_communes_csv

    with path.open("rb") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    with (
        unscoped(),
        click.progressbar(length=total, label="Importing communes", file=sys.stderr) as bar,
    ):
        report = run_service(
            import_communes_csv,
            path,
            only_departements=departements or None,
            update_existing=update,
            progress=bar.update,
        )
        kept = partial or not report.errors
        epci = EpciReport()
        if kept and create_federations:
            epci = run_service(attach_epci_federations, report.epci)
        if kept:
            db.session.commit()
        else:
            db.session.rollback()
    click.echo(
        f"Created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"skipped {report.skipped}, errors {len(report.errors)}."
        + ("" if kept else " Nothing written (--partial writes the good lines).")
    )
    if create_federations and kept:
        click.echo(
            f"Intercommunalities: {len(report.epci)}; federations created {epci.created}, "
            f"communes joined {epci.joined}."
        )
    for error in report.errors[:50]:
        click.echo(f"  {error}", err=True)
    if len(report.errors) > 50:
        click.echo(f"  … and {len(report.errors) - 50} more", err=True)
    if report.errors:
        sys.exit(1)


@commune_group.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def commune_export(slug: str, output: Path) -> None:
    """Export a commune's data (core and plugins) as JSON."""
    from federation.ops.files import atomic_write
    from federation.transfer import export_commune

    commune = _commune(slug)
    with atomic_write(output) as handle:  # interrupted: no partial file, an old one intact
        handle.write(export_commune(commune))
    from federation.security import security_event

    security_event("commune_exported", at=commune.id, by="cli")
    click.echo(f"Exported {slug} to {output}.")


@commune_group.command("import-data")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Slug of the new commune (default: the exported one).")
def commune_import_data(path: Path, slug: str | None) -> None:
    """Recreate a commune from a JSON export (all or nothing)."""
    from federation.transfer import import_commune

    with unscoped():
        commune = run_service(import_commune, path.read_text(encoding="utf-8"), slug=slug)
        db.session.commit()
    click.echo(f"Imported commune {commune.slug}.")


# --- federations -----------------------------------------------------------------------


@main.group("federation")
def federation_group() -> None:
    """Federations of communes."""


@federation_group.command("create")
@click.argument("name")
@click.option("--slug")
@click.option("--kind", type=click.Choice(["basin", "food", "epci", "other"]), default="other")
@click.option("--description", default="")
def federation_create(name, slug, kind, description) -> None:
    """Create a federation."""
    from federation.tenancy.services import create_federation

    federation = run_service(create_federation, name, slug, kind=kind, description=description)
    db.session.commit()
    click.echo(f"Created federation {federation.slug}.")


@federation_group.command("add-commune")
@click.argument("federation")
@click.argument("communes", nargs=-1, required=True)
def federation_add_commune(federation: str, communes: tuple[str, ...]) -> None:
    """Add one or more communes (by slug) to a federation."""
    from federation.tenancy.services import add_commune_to_federation

    fed = _federation(federation)
    for slug in communes:
        run_service(add_commune_to_federation, fed, _commune(slug))
    db.session.commit()
    click.echo(f"Added {len(communes)} commune(s) to {fed.slug}.")


@federation_group.command("list")
def federation_list() -> None:
    """List federations and their member communes."""
    from federation.tenancy.services import list_federations, member_communes

    for fed in list_federations():
        members = member_communes(fed.id)
        click.echo(
            f"{fed.slug}\t{fed.kind}\t{fed.name}\t{', '.join(c.slug for c in members) or '-'}"
        )


@federation_group.command("grant")
@click.argument("federation")
@click.argument("email")
@click.argument("role", type=click.Choice(["coordinator", "delegate"]))
def federation_grant(federation: str, email: str, role: str) -> None:
    """Give a federation role (coordinator, delegate) to an account."""
    from federation.identity.services import grant_federation_role

    run_service(grant_federation_role, _federation(federation).id, _user(email), role)
    db.session.commit()
    click.echo(f"{email} is now {role} of {federation}.")


# --- plugins -------------------------------------------------------------------------


@main.group("plugin")
def plugin_group() -> None:
    """Plugins: installed, and switched on per commune."""


@plugin_group.command("list")
@click.option("--commune", "slug", help="Show whether each plugin is on in this commune.")
def plugin_list(slug: str | None) -> None:
    """Installed plugins (and their state in a commune)."""
    from federation.plugins.services import enabled_plugins, manager

    enabled = enabled_plugins(_commune(slug).id) if slug else None
    for name, plugin in sorted(manager().switchable.items()):
        state = "" if enabled is None else ("\ton" if name in enabled else "\toff")
        requires = ",".join(sorted(plugin.requires)) or "-"
        click.echo(f"{name}\t{plugin.version}\trequires:{requires}{state}")


@plugin_group.command("enable")
@click.argument("name")
@click.option("--commune", "slugs", multiple=True, required=True)
@click.option("--setting", "settings", multiple=True, help="key=value (repeatable)")
def plugin_enable(name: str, slugs: tuple[str, ...], settings: tuple[str, ...]) -> None:
    """Switch a plugin on for one or more communes."""
    from federation.plugins.services import enable_plugin

    values = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"--setting {item!r}: expected key=value")
        values[key] = value
    for slug in slugs:
        commune = _commune(slug)
        with commune_scope(commune.id):
            run_service(enable_plugin, commune, name, values or None)
        click.echo(f"{name} enabled for {slug}.")
    db.session.commit()


@plugin_group.command("disable")
@click.argument("name")
@click.option("--commune", "slugs", multiple=True, required=True)
def plugin_disable(name: str, slugs: tuple[str, ...]) -> None:
    """Switch a plugin off for communes (its data is kept)."""
    from federation.plugins.services import disable_plugin

    for slug in slugs:
        commune = _commune(slug)
        with commune_scope(commune.id):
            run_service(disable_plugin, commune, name)
        click.echo(f"{name} disabled for {slug}.")
    db.session.commit()


@plugin_group.command("new", with_appcontext=False)
@click.argument("name")
@click.option("--path", "parent", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--label", help="The plugin's French label (default: its name).")
def plugin_new(name: str, parent: Path, label: str | None) -> None:
    """Create a plugin distribution PATH/convergence-NAME (see the plugin guide)."""
    from federation.plugins.scaffold import ScaffoldError, generate

    try:
        target = generate(name, parent, label)
    except ScaffoldError as exc:
        fail(exc)
    click.echo(f"Plugin {name} created in {target}.")
    click.echo(f'Next: pip install -e "{target}[test]" && convergence db upgrade')


@plugin_group.command("check")
@click.argument("name")
def plugin_check(name: str) -> None:
    """Check an installed plugin: metadata, hooks, tenant tables, catalogs, migrations."""
    from federation.plugins.check import check_plugin

    problems = check_plugin(current_app, name)
    for problem in problems:
        click.echo(f"{name}: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{name}: all checks passed.")


# --- users ---------------------------------------------------------------------------


@main.group("user")
def user_group() -> None:
    """Accounts and roles."""


@user_group.command("create")
@click.argument("email")
@click.option("--name", "display_name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--platform-admin", is_flag=True)
@click.option("--locale", type=click.Choice(["fr", "en"]), default="fr")
def user_create(email, display_name, password, platform_admin, locale) -> None:
    """Create an account."""
    from federation.identity.services import create_user

    user = run_service(
        create_user, email, password, display_name, locale=locale, is_platform_admin=platform_admin
    )
    db.session.commit()
    click.echo(f"Created account {user.email} (id {user.id}).")


@user_group.command("grant")
@click.argument("email")
@click.argument("role")
@click.option("--commune", "slug", required=True)
def user_grant(email: str, role: str, slug: str) -> None:
    """Give a commune role; makes the person a verified member first if needed."""
    from federation.identity import services

    user, commune = _user(email), _commune(slug)
    member = services.membership(commune.id, user.id) or run_service(
        services.request_membership, commune.id, user
    )
    if not member.is_active:
        services.activate_membership(member, by=None, method="cli")
    run_service(services.grant_role, member, role)
    db.session.commit()
    click.echo(f"{email} holds {role} in {slug}.")


@user_group.command("revoke")
@click.argument("email")
@click.argument("role")
@click.option("--commune", "slug", required=True)
def user_revoke(email: str, role: str, slug: str) -> None:
    """Take a commune role back."""
    from federation.identity import services

    user, commune = _user(email), _commune(slug)
    member = services.membership(commune.id, user.id)
    if member is None:
        fail(f"{email} is not a member of {slug}")
    run_service(services.revoke_role, member, role)
    db.session.commit()
    click.echo(f"{email} no longer holds {role} in {slug}.")


@user_group.command("list")
@click.option("--commune", "slug")
def user_list(slug: str | None) -> None:
    """List accounts, or the members of a commune with their roles."""
    from sqlalchemy import select

    from federation.identity.models import User
    from federation.identity.services import members_of

    if slug:
        for m in members_of(_commune(slug).id):
            roles = ",".join(sorted(m.role_names() | ({"member"} if m.is_active else set())))
            click.echo(f"{m.user.email}\t{m.status}\t{roles or '-'}")
        return
    for user in db.session.scalars(select(User).order_by(User.email)):
        admin = "\tplatform-admin" if user.is_platform_admin else ""
        click.echo(f"{user.email}\t{user.display_name}{admin}")


# --- journal -------------------------------------------------------------------------


@main.group("journal")
def journal_group() -> None:
    """The public journal."""


@journal_group.command("verify")
@click.option("--commune", "slug", help="Only this commune's chain.")
@click.option("--federation", "fed_slug", help="Only this federation's chain.")
def journal_verify(slug: str | None, fed_slug: str | None) -> None:
    """Recompute the hash chains; report the first broken entry of each."""
    from federation.journal.services import commune_chain, federation_chain, verify

    chain = None
    if slug:
        chain = commune_chain(_commune(slug).id)
    elif fed_slug:
        chain = federation_chain(_federation(fed_slug).id)
    reports = verify(chain)
    broken = [r for r in reports if r.broken]
    for report in reports:
        status = (
            "OK"
            if report.broken is None
            else (f"BROKEN at entry {report.broken.seq}: {report.broken.reason}")
        )
        click.echo(
            f"{report.chain}\t{report.entries} entries\thead {report.head_hash[:16]}…\t{status}"
        )
    if not reports:
        click.echo("No journal entries yet.")
    if broken:
        sys.exit(1)
    click.echo(f"{len(reports)} chain(s) verified.")


@journal_group.command("checkpoint")
def journal_checkpoint() -> None:
    """Countersign every chain's head (platform and federation chains) and record a
    checkpoint that 'journal verify' compares against: deleting the last entries of a
    chain is then detected. Run it from cron (e.g. hourly); nothing is written when no
    chain moved."""
    from federation.journal.services import checkpoint

    with unscoped():
        report = checkpoint(actor="cli")
        db.session.commit()
    click.echo(
        f"{report.chains} chain head(s) checkpointed, "
        f"{report.countersignatures} countersignature(s) written."
    )


# --- demo ----------------------------------------------------------------------------


@main.group("demo")
def demo_group() -> None:
    """The demonstration federation."""


@demo_group.command("load")
@click.option("--reset", is_flag=True, help="Load even if demo data is already there.")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Demo definition (default: the instance's demo.toml).",
)
def demo_load(reset: bool, path: Path | None) -> None:
    """Create the demo communes, federation, accounts and every plugin's demo data."""
    from federation.demo import load_demo

    with unscoped():
        summary = run_service(load_demo, current_app._get_current_object(), force=reset, path=path)
    click.echo(summary)


# --- notifications -------------------------------------------------------------------


@main.group("notifications")
def notifications_group() -> None:
    """Notifications."""


@notifications_group.command("digest")
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), required=True)
def notifications_digest(frequency: str) -> None:
    """Send the e-mail digests of people who chose this frequency (run it from cron)."""
    from federation.identity.notifications import send_digests

    with unscoped():
        sent = send_digests(frequency)
        db.session.commit()
    click.echo(f"{sent} digest(s) sent.")


add_job_commands(main)  # `convergence worker`, `convergence jobs list/show`
add_ops_commands(main)  # `convergence scheduler`, `convergence ops check-restore/task`
