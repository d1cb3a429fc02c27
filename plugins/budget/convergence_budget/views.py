"""Budget pages of a commune (``/c/<commune>/budget/``): the open budget, the ledger, CSV
import with a preview, spending attached to proposals, participatory budgeting. Thin: the
logic is in the services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from federation import csvio, query_args
from federation.db import db
from federation.errors import ServiceError
from federation.form_posts import done as _done
from federation.form_posts import posted_form as _form
from federation.form_posts import refused as _refused
from federation.identity.decorators import check_permission
from federation.identity.services import has_permission

from . import nomenclature as m57
from . import participatory as pb
from . import services
from .models import BALLOT_KINDS, PB_RULES, SECTIONS

bp = Blueprint("budget", __name__, template_folder="templates")
MAX_UPLOAD = 20_000_000


@bp.app_template_filter("euros")
def euros(value: Any, currency: str = "EUR") -> str:
    """An amount in its currency (euros unless the data says otherwise: an imported
    participatory budget keeps its file's), written the way of the current language."""
    from fractions import Fraction

    from federation.formatting import money

    if value is None:
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float(Fraction(str(value)))
    return money(number, currency)


@bp.app_template_filter("budget_label")
def budget_label(value: Any, kind: str) -> str:
    tables = {
        "section": services.SECTION_LABELS,
        "kind": services.KIND_LABELS,
        "direction": services.DIRECTION_LABELS,
        "phase": pb.PHASE_LABELS,
        "ballot": pb.BALLOT_LABELS,
        "vote_type": pb.VOTE_TYPE_LABELS,
        "utilities": pb.UTILITY_LABELS,
        "score": pb.SCORE_HEADINGS,
        "rule": pb.RULE_LABELS,
        "status": pb.STATUS_LABELS,
    }
    if kind == "chapter":  # the official labels of the nomenclature (French data)
        return m57.chapter_label(str(value)) or str(value)
    if kind == "function":
        return m57.function_label(str(value)) or str(value)
    return str(tables.get(kind, {}).get(value, value))


def _can(name: str) -> bool:
    return current_user.is_authenticated and has_permission(current_user, name, g.commune.id)


def _or_404(fn, *args: Any) -> Any:
    try:
        return fn(*args)
    except ServiceError:
        abort(404)


# --- the open budget -----------------------------------------------------------------------


@bp.route("/")
def index():
    years = services.years()
    year = query_args.int_arg("year", minimum=1000, maximum=9999) or services.current_year(years)
    rows = services.figures(year)
    return render_template(
        "budget/index.html",
        year=year,
        years=years,
        rows=rows,
        by_chapter=services.group_by(_spending(rows), "chapter"),
        by_theme=services.group_by(_spending(rows), "theme"),
        ledger=services.entries(year=year, limit=20),
        totals=_totals(rows),
        sections=SECTIONS,
        can_manage=_can("budget.manage"),
        open_proposals=_open_proposals(),
        errors={},
        values={},
    )


def _open_proposals() -> list[Any]:
    """Proposals still before their vote: spending can be attached to them (one query)."""
    if not current_user.is_authenticated:
        return []
    from sqlalchemy import select

    from federation.governance.models import Proposal

    query = select(Proposal).where(Proposal.status.in_(("draft", "deliberation")))
    if not _can("budget.attach"):
        query = query.where(Proposal.author_id == current_user.id)
    return list(db.session.scalars(query.order_by(Proposal.id.desc()).limit(20)))


def _totals(rows: list[services.LineFigures]) -> dict[str, Any]:
    """Planned and executed spending (expense lines), and planned revenue."""
    spending = [r for r in rows if r.line.direction == "expense"]
    planned = sum((r.planned for r in spending), services.Decimal(0))
    executed = sum((r.executed for r in spending), services.Decimal(0))
    revenue = sum((r.planned for r in rows if r.line.direction == "revenue"), services.Decimal(0))
    return {
        "planned": planned,
        "executed": executed,
        "revenue": revenue,
        "rate": float(executed / planned * 100) if planned else None,
    }


def _spending(rows: list[services.LineFigures]) -> list[services.LineFigures]:
    return [r for r in rows if r.line.direction == "expense"]


@bp.route("/lines", methods=["POST"])
def create_line():
    user = check_permission("budget.manage")
    form = _form()
    try:
        line = services.create_line(
            form.get("year"),
            form.get("section"),
            form.get("chapter"),
            form.get("function"),
            form.get("label"),
            form.get("planned"),
            form.get("theme"),
            direction=form.get("direction"),
            nature=form.get("nature"),
            actor=user.display_name,
        )
    except ServiceError as exc:
        db.session.rollback()
        year = services.current_year()
        rows = services.figures(year)
        return render_template(
            "budget/index.html",
            year=year,
            years=services.years(),
            rows=rows,
            by_chapter=services.group_by(_spending(rows), "chapter"),
            by_theme=services.group_by(_spending(rows), "theme"),
            ledger=services.entries(year=year, limit=20),
            totals=_totals(rows),
            sections=SECTIONS,
            can_manage=True,
            open_proposals=_open_proposals(),
            errors=exc.as_dict(),
            values=form,
        ), 422
    return _done(_("Ligne ajoutée."), url_for("budget.line", line_id=line.id))


@bp.route("/lines/<int:line_id>", methods=["GET", "POST"])
def line(line_id: int):
    row = _or_404(services.get_line, line_id)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        user = check_permission("budget.manage")
        values = _form()
        try:
            if values.get("action") == "amend":
                services.amend(
                    row, values.get("amount"), values.get("reason"), actor=user.display_name
                )
                message = _("Amendement enregistré et publié au journal.")
            else:
                services.book_for(
                    row,
                    values.get("amount"),
                    values.get("label"),
                    values.get("authority"),
                    decision_id=values.get("decision_id"),
                    actor=user.display_name,
                )
                message = _("Dépense inscrite et publiée au journal.")
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(message, url_for("budget.line", line_id=line_id))
    return render_template(
        "budget/line.html",
        figures=services.line_figures(row),
        amendments=services.amendments(row),
        ledger=services.entries(row),
        can_manage=_can("budget.manage"),
        decisions=services.bookable_decisions() if _can("budget.manage") else [],
        voted_line=services.voted_line_allows(row),
        errors=errors,
        values=values,
    ), 422 if errors else 200


@bp.route("/entries/<int:entry_id>")
def entry(entry_id: int):
    found = _or_404(services.get_entry, entry_id)
    line = services.get_line(found.line_id)
    decision = proposal = None
    if found.decision_id:
        from federation.governance.models import Decision

        decision = db.session.get(Decision, found.decision_id)
    if found.proposal_id:
        from federation.governance.models import Proposal

        proposal = db.session.get(Proposal, found.proposal_id)
    return render_template(
        "budget/entry.html", entry=found, line=line, decision=decision, proposal=proposal
    )


def _posted_csv(values: dict[str, Any]) -> str:
    """The CSV of a form: the uploaded file (any usual encoding, UTF-16 too, or a clear
    error naming the field), else the pasted text; kept in ``values`` for the next step."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        values["csv"] = csvio.read_source(upload.stream, field_name="csv", max_bytes=MAX_UPLOAD)
    return values.get("csv", "")


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    user = check_permission("budget.manage")
    errors: dict = {}
    preview = None
    values = _form() or {"year": services.current_year() or ""}
    if request.method == "POST":
        try:
            text = _posted_csv(values)
            if values.get("action") == "confirm":
                result = services.import_csv(text, values.get("year"), actor=user.display_name)
                return _done(
                    _("Budget %(y)s importé : %(n)d lignes.", y=result.year, n=len(result.rows)),
                    url_for("budget.index", year=result.year),
                )
            preview = services.preview_csv(text, values.get("year"))
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
    return render_template(
        "budget/import.html", preview=preview, errors=errors, values=values
    ), 422 if errors or (preview is not None and not preview.ok) else 200


@bp.route("/execution")
def execution():
    """Planned vs executed: revenue and expenses per section with the balance, per chapter
    and per function; the entries without a decision."""
    from . import execution as report

    years = services.years()
    year = query_args.int_arg("year", minimum=1000, maximum=9999) or services.current_year(years)
    return render_template(
        "budget/execution.html",
        year=year,
        years=years,
        report=report.report(year),
        unlinked=services.without_decision(year) if year else [],
        source=m57.SOURCE,
    )


@bp.route("/reconcile", methods=["GET", "POST"])
def reconcile():
    """Preview: an accounting export's executed amounts against the spending booked here
    with a decision. Books nothing."""
    from . import execution as report

    check_permission("budget.manage")
    errors: dict = {}
    result = None
    values = _form() or {"year": services.current_year() or ""}
    if request.method == "POST":
        try:
            result = report.reconcile(_posted_csv(values), values.get("year"))
        except ServiceError as exc:
            errors = exc.as_dict()
    return render_template(
        "budget/reconcile.html",
        result=result,
        statuses=report.STATUS_LABELS,
        errors=errors,
        values=values,
    ), 422 if errors else 200


@bp.route("/proposals/<int:proposal_id>/spending", methods=["GET", "POST"])
def attach(proposal_id: int):
    """Attach spending to proposal N (booked when the decision is adopted)."""
    from federation.governance.proposals import get_proposal

    user = check_permission("core.participate")
    proposal = _or_404(get_proposal, proposal_id)
    errors: dict = {}
    values = _form() or dict((proposal.extra or {}).get("budget") or {})
    if request.method == "POST":
        try:
            services.attach_to_proposal(
                proposal,
                values.get("line_id"),
                values.get("amount"),
                user,
                may_manage=_can("budget.attach"),
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(
                _("Dépense rattachée : elle sera inscrite si la proposition est adoptée."),
                f"/c/{g.commune.slug}/proposals/{proposal.id}",
            )
    year = services.current_year()
    return render_template(
        "budget/attach.html",
        proposal=proposal,
        rows=services.figures(year),
        errors=errors,
        values=values,
    ), 422 if errors else 200


# --- participatory budgeting ---------------------------------------------------------------


@bp.route("/pb/", methods=["GET", "POST"])
def pb_index():
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        user = check_permission("budget.manage")
        values = _form()
        try:
            if values.get("action") == "import":
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise services.ValidationFailed(_("Choisissez un fichier .pb."), field="file")
                process = pb.import_pb(upload.read(MAX_UPLOAD + 1), actor=user.display_name)
            else:
                process = pb.create_process(
                    values.get("title"),
                    values.get("year"),
                    values.get("amount"),
                    actor=user.display_name,
                    description=values.get("description", ""),
                    budget_line_id=values.get("budget_line_id") or None,
                    ballot_kind=values.get("ballot_kind", "approval"),
                    min_choices=values.get("min_choices", 1),
                    max_choices=values.get("max_choices", 5),
                    max_points=values.get("max_points", 10),
                    cost_cap="cost_cap" in values,
                    rule=values.get("rule", "mes"),
                )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(
                _("Budget participatif créé."), url_for("budget.process", process_id=process.id)
            )
    return render_template(
        "budget/pb_index.html",
        processes=pb.processes(),
        can_manage=_can("budget.manage"),
        kinds=BALLOT_KINDS,
        rules=PB_RULES,
        lines=services.figures(services.current_year()),
        errors=errors,
        values=values,
    ), 422 if errors else 200


@bp.route("/pb/<int:process_id>")
def process(process_id: int):
    found = _or_404(pb.get_process, process_id)
    user = current_user if current_user.is_authenticated else None
    return render_template(
        "budget/process.html",
        process=found,
        projects=pb.projects(found),
        participants=pb.participants(found),
        voted=bool(user and pb.has_voted(found, user.id)),
        can_manage=_can("budget.manage"),
        can_review=_can("budget.review"),
        next_phase=_next_phase(found.phase),
    )


def _next_phase(phase: str) -> str | None:
    from .models import PHASES

    index = PHASES.index(phase)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


@bp.route("/pb/<int:process_id>/phase", methods=["POST"])
def advance(process_id: int):
    user = check_permission("budget.manage")
    found = _or_404(pb.get_process, process_id)
    target = url_for("budget.process", process_id=process_id)
    try:
        pb.advance(found, request.form.get("to", ""), actor=user)
    except ServiceError as exc:
        return _refused(exc, target)
    return _done(_("Étape suivante : %(p)s.", p=pb.PHASE_LABELS[found.phase]), target)


@bp.route("/pb/<int:process_id>/submit", methods=["GET", "POST"])
def submit(process_id: int):
    user = check_permission("core.participate")
    found = _or_404(pb.get_process, process_id)
    errors: dict = {}
    values = _form()
    if request.method == "POST":
        try:
            project = pb.submit_project(
                found,
                user,
                values.get("title"),
                values.get("description"),
                values.get("estimated_cost"),
                place=values.get("place", ""),
                theme=values.get("theme", ""),
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(
                _("Projet déposé : les services vont étudier sa faisabilité."),
                url_for("budget.project", project_id=project.id),
            )
    return render_template(
        "budget/submit.html", process=found, errors=errors, values=values
    ), 422 if errors else 200


@bp.route("/pb/projects/<int:project_id>", methods=["GET", "POST"])
def project(project_id: int):
    found = _or_404(pb.get_project, project_id)
    process_ = pb.get_process(found.process_id)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = _form()
        action = values.get("action")
        try:
            if action == "review":
                user = check_permission("budget.review")
                pb.review(
                    found,
                    values.get("feasible") == "yes",
                    values.get("reason"),
                    reviewer=user,
                    cost=values.get("cost") or None,
                )
            elif action == "follow_up":
                user = check_permission("budget.manage")
                pb.follow_up(found, user, values.get("progress"), values.get("text"))
            elif action == "book":
                user = check_permission("budget.manage")
                pb.book_project(found, values.get("amount"), actor=user)
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(_("C'est enregistré."), url_for("budget.project", project_id=project_id))
    explanations = {}
    if pb.results_ready(process_):
        outcomes = (process_.result or {}).get("outcomes", {})
        explanations = {
            rule: pb.explain(process_, rule, found) for rule in PB_RULES if rule in outcomes
        }
    return render_template(
        "budget/project.html",
        project=found,
        process=process_,
        follow_ups=pb.follow_ups(found),
        explanations=explanations,
        can_review=_can("budget.review"),
        can_manage=_can("budget.manage"),
        errors=errors,
        values=values,
    ), 422 if errors else 200


@bp.route("/pb/<int:process_id>/vote", methods=["GET", "POST"])
def vote(process_id: int):
    user = check_permission("core.participate")
    found = _or_404(pb.get_process, process_id)
    errors: dict = {}
    receipt = None
    choices = [p for p in pb.projects(found) if p.status == "feasible"]
    if request.method == "POST":
        ballot = _ballot_from_form(found)
        try:
            receipt, duplicate = pb.cast(found, user, ballot)
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            db.session.commit()
            if duplicate:
                flash(_("Vous aviez déjà voté : votre premier bulletin compte."), "error")
                return redirect(url_for("budget.process", process_id=process_id))
    return render_template(
        "budget/vote.html",
        process=found,
        choices=choices,
        errors=errors,
        receipt=receipt,
        voted=pb.has_voted(found, user.id),
        values=request.form,
    ), 422 if errors else 200


def _ballot_from_form(process_: Any) -> dict[str, Any]:
    if process_.ballot_kind == "cumulative":
        points: dict[str, Any] = {}
        for key, value in request.form.items():
            if key.startswith("points-") and value.strip():
                try:
                    points[key.removeprefix("points-")] = int(value)
                except ValueError:
                    points[key.removeprefix("points-")] = -1
        return {"points": points}
    if process_.ballot_kind == "ranked":
        ranks: list[tuple[int, str]] = []
        for key, value in request.form.items():
            if key.startswith("rank-") and value.strip():
                try:
                    ranks.append((int(value), key.removeprefix("rank-")))
                except ValueError:
                    return {"ranking": "invalid"}
        ranks.sort()
        if len({r for r, _p in ranks}) != len(ranks):
            return {"ranking": [p for _r, p in ranks] + [p for _r, p in ranks][:1]}
        return {"ranking": [p for _r, p in ranks]}
    return {"projects": request.form.getlist("projects")}


@bp.route("/pb/<int:process_id>/results")
def results(process_id: int):
    found = _or_404(pb.get_process, process_id)
    if not pb.results_visible(found):
        abort(403)
    if not pb.results_ready(found):  # the tally job is running: its progress (no write)
        return render_template(
            "budget/results_pending.html", process=found, job=pb.tally_progress(found)
        )
    projects = {p.external_id: p for p in pb.projects(found) if p.status == "feasible"}
    result = pb.results(found)
    tables = {}
    shown = [rule for rule in PB_RULES if rule in result["outcomes"]]
    for rule in shown:
        outcome = result["outcomes"][rule]
        rows = []
        for pid, project_ in projects.items():
            detail = outcome["details"].get(pid, {})
            rows.append(
                {
                    "project": project_,
                    "won": pid in outcome["selected"],
                    "score": result["scores"].get(pid, 0),
                    "why": (
                        pb.describe(detail, rule, outcome, found.pabulib_vote_type, found.currency)
                        if detail
                        else ""
                    ),
                }
            )
        rows.sort(key=lambda r: (not r["won"], -_as_float(r["score"]), r["project"].id))
        tables[rule] = {"outcome": outcome, "rows": rows}
    return render_template(
        "budget/results.html", process=found, result=result, tables=tables, rules=shown
    )


def _as_float(value: Any) -> float:
    from fractions import Fraction

    return float(Fraction(str(value)))


@bp.route("/pb/<int:process_id>/export.pb")
def export(process_id: int):
    found = _or_404(pb.get_process, process_id)
    if not pb.results_visible(found):
        abort(403)
    text = pb.export_pb(found)
    return Response(
        text,
        mimetype="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="budget-participatif-{found.id}.pb"'
        },
    )


@bp.route("/pb/<int:process_id>/results.csv")
def results_csv(process_id: int):
    """The results as a table for spreadsheets (formula cells neutralised)."""
    found = _or_404(pb.get_process, process_id)
    if not pb.results_ready(found):
        abort(403 if not pb.results_visible(found) else 409)
    return Response(
        pb.results_csv(found),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="resultats-budget-{found.id}.csv"'},
    )
