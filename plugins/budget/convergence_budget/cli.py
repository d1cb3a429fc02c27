"""``convergence budget …``: import a budget CSV, import/export pabulib files, tally."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from federation.db import db
from federation.errors import ServiceError
from federation.tenancy.context import commune_scope, unscoped


@click.group("budget")
def budget_cli() -> None:
    """Budget: CSV import, participatory budgets (pabulib), tallies."""


def _commune_id(slug: str) -> int:
    from federation.tenancy.services import get_commune

    with unscoped():
        try:
            return get_commune(slug).id
        except ServiceError as exc:
            raise click.ClickException(str(exc.message)) from None


def _fail(exc: ServiceError) -> None:
    db.session.rollback()
    messages = [str(exc.message)]
    for field, items in (exc.errors or {}).items():
        messages += [f"  {field}: {m}" for m in items]
    raise click.ClickException("\n".join(messages))


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes() if path != "-" else sys.stdin.buffer.read()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None


@budget_cli.command("import-csv")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--year", type=int, required=True)
@click.option("--dry-run", is_flag=True, help="Check the file and show the preview only.")
@click.argument("path")
@with_appcontext
def import_csv(slug: str, year: int, dry_run: bool, path: str) -> None:
    """Import a year's budget lines from a CSV file (all lines or none)."""
    from federation import csvio

    from . import services

    with commune_scope(_commune_id(slug)):
        try:
            text = csvio.read_source(_read(path))  # any usual encoding, or a clear error
            preview = services.import_csv(text, year, actor="convergence budget", dry_run=dry_run)
        except ServiceError as exc:
            _fail(exc)
        if not dry_run:
            db.session.commit()
    verb = "checked" if dry_run else "imported"
    click.echo(
        f"{len(preview.rows)} lines {verb} for {year}: {preview.planned_expenses} € expenses, "
        f"{preview.planned_revenue} € revenue planned ({preview.total_planned} € in all)."
    )
    for note in preview.notes():
        click.echo(f"warning: {note}")
    if preview.executed_without_decision:
        click.echo(
            f"{preview.executed_without_decision} € executed in the file, booked by nothing: "
            "no decision points to it (see `convergence budget reconcile`)."
        )


@budget_cli.command("book")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--line", "line_id", type=int, required=True, help="Budget line id.")
@click.option("--amount", required=True)
@click.option("--label", required=True, help="What the money was spent on.")
@click.option("--decision", "decision_id", type=int, default=None, help="Adopted decision id.")
@click.option(
    "--voted-line",
    is_flag=True,
    help="Ordinary operating spending allowed by the voted line (the commune's rules).",
)
@with_appcontext
def book(
    slug: str, line_id: int, amount: str, label: str, decision_id: int | None, voted_line: bool
) -> None:
    """Book a spending on a line, pointing to the decision that allowed it."""
    from . import services

    if voted_line == (decision_id is not None):
        raise click.UsageError("give --decision ID, or --voted-line")
    with commune_scope(_commune_id(slug)):
        try:
            entry = services.book_for(
                services.get_line(line_id),
                amount,
                label,
                "line" if voted_line else "decision",
                decision_id=decision_id,
                actor="convergence budget",
            )
        except ServiceError as exc:
            _fail(exc)
        db.session.commit()
        click.echo(
            f"entry {entry.id}: {entry.amount} € on line {line_id} ({entry.kind}), "
            f"journal n° {entry.journal_seq}."
        )


@budget_cli.command("execution")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--year", type=int, default=None)
@with_appcontext
def execution_cmd(slug: str, year: int | None) -> None:
    """Planned vs executed: balance per section, per chapter and per function (M57)."""
    from . import execution, services

    with commune_scope(_commune_id(slug)):
        year = year or services.current_year()
        found = execution.report(year)
        unlinked = services.without_decision(year) if year else []
    click.echo(f"budget {year} (M57 {execution.m57.EXERCISE})")
    for s in found.sections:
        click.echo(
            f"  {s.section:<11} revenue {s.revenue:>14}  expenses {s.expenses:>14}  "
            f"balance {s.balance:>14}  executed {s.executed_expenses:>14}"
        )
    for direction, items in found.chapters.items():
        click.echo(f"{direction} per chapter:")
        for f in items:
            click.echo(f"  {f.key:<6} {f.planned:>14} {f.executed:>14}  {f.label}")
    click.echo("expenses per function:")
    for f in found.functions:
        click.echo(f"  {f.key:<6} {f.planned:>14} {f.executed:>14}  {f.label}")
    click.echo(f"without decision: {len(unlinked)} entries, {found.without_decision} €")
    for entry, line in unlinked:
        click.echo(f"  entry {entry.id}: {entry.amount} € — {entry.label} ({line.label})")


@budget_cli.command("reconcile")
@click.option("--commune", "slug", required=True, help="Commune slug.")
@click.option("--year", type=int, required=True)
@click.argument("path")
@with_appcontext
def reconcile_cmd(slug: str, year: int, path: str) -> None:
    """Compare an accounting export's executed amounts with the spending booked under a
    decision; list what has none. Books nothing."""
    from federation import csvio

    from . import execution

    with commune_scope(_commune_id(slug)):
        try:
            text = csvio.read_source(_read(path))
            found = execution.reconcile(text, year)
        except ServiceError as exc:
            _fail(exc)
        db.session.rollback()  # nothing to write
    for message in found.errors:
        click.echo(f"error: {message}")
    for r in found.rows:
        lines = ",".join(str(n) for n in r.numbers)
        click.echo(
            f"line {lines}: {r.direction} {r.chapter} {r.nature or '-'} {r.function or '-'}: "
            f"file {r.reported}, with decision {r.with_decision}, without {r.gap} "
            f"[{r.status}]"
        )
    click.echo(
        f"executed {found.reported} €, with a decision {found.with_decision} €, "
        f"without a decision {found.gap} € ({len(found.without_decision_entries)} entries "
        "booked before the rule)."
    )


@budget_cli.command("import-pb")
@click.option("--commune", "slug", required=True)
@click.option("--title", default=None)
@click.argument("path")
@with_appcontext
def import_pb(slug: str, title: str | None, path: str) -> None:
    """Load a pabulib .pb file as a participatory budget, and tally it under the file's
    rule (a background job: inline without Redis, queued with it)."""
    from . import participatory as pb

    data = _read(path)
    started = time.perf_counter()
    with commune_scope(_commune_id(slug)):
        try:
            process = pb.import_pb(data, actor="convergence budget", title=title)
        except ServiceError as exc:
            _fail(exc)
        db.session.commit()  # the tally job runs now (inline) or is queued (RQ)
        process = pb.get_process(process.id)
        db.session.refresh(process)
        took = time.perf_counter() - started
        head = (
            f"process {process.id}: {len(pb.projects(process))} projects, "
            f"{process.imported_ballots} ballots; "
        )
        if not pb.results_ready(process):
            click.echo(head + f"tally queued as job {pb.tally_job_id(process)} ({took:.1f} s).")
            return
        result = process.result or {}
        file_rule = result.get("file_rule") or process.rule
        utilities = result.get("utilities")
        named = f", utilities {pb.rules.UTILITIES[utilities]}" if utilities else ""
        click.echo(
            head + f"vote type {process.pabulib_vote_type}; {file_rule} ({process.rule}{named}) "
            f"selects {len(result.get('selected', []))} projects ({took:.1f} s)."
        )
        if result.get("truncated"):
            click.echo(_truncated_note(result["outcomes"][process.rule]))


def _truncated_note(outcome: dict) -> str:
    from flask_babel import gettext as _

    return _(
        "Attention : la complétion a été arrêtée après %(n)s calculs de la méthode des "
        "parts égales ; le résultat n'est peut-être pas celui de la règle complète.",
        n=outcome.get("runs"),
    )


@budget_cli.command("export-pb")
@click.option("--commune", "slug", required=True)
@click.option("--process", "process_id", type=int, required=True)
@click.option("--output", "-o", default="-", help="File to write (default: standard output).")
@click.option(
    "--format",
    "kind",
    type=click.Choice(["pb", "csv"]),
    default="pb",
    help="pb: the pabulib file (as imported); csv: the results table for spreadsheets.",
)
@with_appcontext
def export_pb(slug: str, process_id: int, output: str, kind: str) -> None:
    """Write a participatory budget in pabulib format (after its vote)."""
    from . import participatory as pb

    with commune_scope(_commune_id(slug)):
        try:
            process = pb.get_process(process_id)
            text = pb.export_pb(process) if kind == "pb" else pb.results_csv(process)
        except ServiceError as exc:
            _fail(exc)
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"written to {output}")


@budget_cli.command("tally")
@click.option("--commune", "slug", default=None)
@click.option("--process", "process_id", type=int, default=None)
@click.option("--file", "path", default=None, help="Tally a .pb file without the database.")
@click.option(
    "--rule",
    type=click.Choice(["own", "greedy", "mes", "both"]),
    default="own",
    help="own (default): the file's META rule, or the process's rule.",
)
@click.option(
    "--utilities",
    type=click.Choice(["cost", "cardinality"]),
    default=None,
    help="MES utilities: cost (Cost_Sat) or cardinality (Cardinality_Sat); default: the "
    "process's choice, else cost.",
)
@with_appcontext
def tally(
    slug: str | None, process_id: int | None, path: str | None, rule: str, utilities: str | None
) -> None:
    """Count a participatory budget (from the database, or a .pb file) and explain it."""
    from . import participatory as pb
    from . import rules

    if path:
        _tally_file(path, rule, utilities)
        return
    if not (slug and process_id):
        raise click.UsageError("give --file, or --commune and --process")
    with commune_scope(_commune_id(slug)):
        try:
            process = pb.get_process(process_id)
            election, projects = pb.election_of(process)
        except ServiceError as exc:
            _fail(exc)
        chosen = _chosen(rule, process.rule)
        for name in chosen:
            started = time.perf_counter()
            options = pb.options_for(process, name) if name == process.rule else {}
            if utilities and name == "mes":
                options["utilities"] = utilities
            outcome = rules.tally(election, name, **options)
            took = time.perf_counter() - started
            named = f"{name}{_utilities(outcome)}"
            click.echo(f"== {named}: {len(outcome.selected)} projects ({took:.2f} s)")
            data = outcome.as_json()
            if outcome.truncated:
                click.echo(_truncated_note(data))
            for pid, project in projects.items():
                detail = data["details"].get(pid, {})
                mark = "+" if pid in outcome.selected else "-"
                why = pb.describe(detail, name, data, process.pabulib_vote_type, process.currency)
                click.echo(f" {mark} {project.title}: {why}")
    current_app.logger.debug("tally done")


def _chosen(rule: str, own: str) -> list[str]:
    if rule == "own":
        return [own]
    return ["greedy", "mes"] if rule == "both" else [rule]


def _utilities(outcome) -> str:
    """`` (Cost_Sat)`` after MES's name: the utilities it ran with."""
    from .rules import UTILITIES

    return f" ({UTILITIES[outcome.utilities]})" if outcome.utilities else ""


def _tally_file(path: str, rule: str, utilities: str | None = None) -> None:
    """The file's META rule (or the one asked), and whether it gives the file's official
    ``selected`` projects."""
    from . import pabulib, rules

    started = time.perf_counter()
    try:
        parsed = pabulib.parse(_read(path))
        election = parsed.election()
    except pabulib.PabulibError as exc:
        raise click.ClickException(str(exc)) from None
    meta_rule = (parsed.meta.get("rule") or "unknown").strip()
    if rule == "own":
        own, options = pabulib.rule_from_meta(parsed.meta)
        if own == "unknown":
            click.echo(
                f"rule of the file: {meta_rule} - not one this plugin reproduces; "
                "give --rule greedy, mes or both"
            )
            return
        runs = [(own, options)]
    else:
        runs = [(name, {}) for name in _chosen(rule, "greedy")]
    if utilities:
        runs = [(n, {**o, "utilities": utilities} if n == "mes" else o) for n, o in runs]
    official = {p for p, v in parsed.selected().items() if v > 0}
    for name, options in runs:
        outcome = rules.tally(election, name, **options)
        took = time.perf_counter() - started
        label = (f"{meta_rule} ({name})" if rule == "own" else name) + _utilities(outcome)
        click.echo(
            f"{label}: {len(outcome.selected)} projects, {rules._num(outcome.spent)} spent "
            f"({took:.2f} s): {', '.join(outcome.selected)}"
        )
        if outcome.truncated:
            click.echo(_truncated_note(outcome.as_json()))
        if official and rule == "own":
            ours = set(outcome.selected)
            if ours == official:
                click.echo(f"official outcome reproduced ({len(official)} projects)")
            else:
                click.echo(
                    "official outcome NOT reproduced: "
                    f"extra {sorted(ours - official)}, missing {sorted(official - ours)}"
                )
        started = time.perf_counter()
