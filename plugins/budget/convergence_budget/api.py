"""REST endpoints of the budget, under ``/api/v1/communes/<commune>/budget/``. Thin: the
logic is in :mod:`convergence_budget.services` and :mod:`convergence_budget.participatory`."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint

from federation.api import api_error
from federation.api.errors import service_errors
from federation.db import db
from federation.identity.decorators import check_permission
from federation.identity.services import has_permission

from . import participatory as pb
from . import services
from .schemas import (
    BudgetAmendmentSchema,
    BudgetAttachResultSchema,
    BudgetAttachSchema,
    BudgetBallotSchema,
    BudgetBookProjectSchema,
    BudgetBookSchema,
    BudgetCsvImportSchema,
    BudgetCsvResultSchema,
    BudgetEntrySchema,
    BudgetFollowUpSchema,
    BudgetLineSchema,
    BudgetPbFileSchema,
    BudgetPhaseSchema,
    BudgetProcessSchema,
    BudgetProcessUpdateSchema,
    BudgetProjectSchema,
    BudgetReceiptSchema,
    BudgetReconcileSchema,
    BudgetReviewSchema,
)

blp = Blueprint(
    "budget_api",
    __name__,
    description="Budget de la commune, budget participatif, contributions intercommunales",
)


def _manager() -> Any:
    return check_permission("budget.manage")


def _line_dump(row: services.LineFigures) -> dict[str, Any]:
    line = row.line
    return {
        "id": line.id,
        "year": line.year,
        "section": line.section,
        "chapter": line.chapter,
        "function": line.function,
        "direction": line.direction,
        "nature": line.nature,
        "label": line.label,
        "theme": line.theme,
        "planned": line.planned,
        "amended": row.amended,
        "executed": row.executed,
        "remaining": row.remaining,
    }


# --- budget lines --------------------------------------------------------------------------


@blp.route("/lines")
class Lines(MethodView):
    @blp.response(200, BudgetLineSchema(many=True))
    def get(self):
        """Every line of every year, with amendments, executed and remaining amounts."""
        rows = []
        for year in services.years():
            rows += [_line_dump(r) for r in services.figures(year)]
        return rows

    @blp.arguments(BudgetLineSchema)
    @blp.response(201, BudgetLineSchema)
    def post(self, data):
        """Add a budget line (M57 section, chapter, function)."""
        user = _manager()
        with service_errors():
            line = services.create_line(**data, actor=user.display_name)
            row = services.line_figures(line)
        db.session.commit()
        return _line_dump(row)


@blp.route("/lines/<int:line_id>")
@blp.response(200, BudgetLineSchema)
def get_line(line_id):
    """One line with its figures."""
    with service_errors():
        return _line_dump(services.line_figures(services.get_line(line_id)))


@blp.route("/lines/<int:line_id>/amendments", methods=["POST"])
@blp.arguments(BudgetAmendmentSchema)
@blp.response(201, BudgetAmendmentSchema)
def amend_line(data, line_id):
    """Amend a line's planned amount (décision modificative), journaled."""
    user = _manager()
    with service_errors():
        row = services.amend(
            services.get_line(line_id), data["amount"], data["reason"], actor=user.display_name
        )
    db.session.commit()
    return row


@blp.route("/lines/<int:line_id>/entries")
class LineEntries(MethodView):
    @blp.response(200, BudgetEntrySchema(many=True))
    def get(self, line_id):
        """Spending booked on a line."""
        with service_errors():
            line = services.get_line(line_id)
        return [entry for entry, _line in services.entries(line)]

    @blp.arguments(BudgetBookSchema)
    @blp.response(201, BudgetEntrySchema)
    def post(self, data, line_id):
        """Book executed spending on a line, pointing to what allowed it (an adopted
        decision, or the voted line where the commune's rules allow it); refused beyond
        what remains; journaled with the link."""
        user = _manager()
        with service_errors():
            entry = services.book_for(
                services.get_line(line_id),
                data["amount"],
                data["label"],
                data["authority"],
                decision_id=data.get("decision_id"),
                actor=user.display_name,
            )
        db.session.commit()
        return entry


@blp.route("/entries")
@blp.response(200, BudgetEntrySchema(many=True))
def list_entries():
    """The ledger: the latest spending entries of the commune."""
    return [entry for entry, _line in services.entries()]


@blp.route("/import-csv", methods=["POST"])
@blp.arguments(BudgetCsvImportSchema)
@blp.response(200, BudgetCsvResultSchema)
def import_csv(data):
    """Import a year's budget from CSV; ``dry_run`` checks it only. All lines or none."""
    user = _manager()
    with service_errors():
        preview = services.import_csv(
            data["csv"], data["year"], actor=user.display_name, dry_run=data["dry_run"]
        )
    if not data["dry_run"]:
        db.session.commit()
    return {
        "year": preview.year,
        "lines": len(preview.rows),
        "planned": str(preview.total_planned),
        "planned_expenses": str(preview.planned_expenses),
        "planned_revenue": str(preview.planned_revenue),
        "executed_without_decision": str(preview.executed_without_decision),
        "warnings": preview.notes(),
        "dry_run": data["dry_run"],
    }


@blp.route("/entries/without-decision")
@blp.response(200, BudgetEntrySchema(many=True))
def entries_without_decision():
    """Spending entries that point to no decision (booked before the rule): kept, listed."""
    return [entry for entry, _line in services.without_decision()]


@blp.route("/execution")
@blp.response(200)
def execution_report():
    """Planned vs executed per section (revenue, expenses, balance), chapter and function;
    ``?year=`` (default: the current budget year)."""
    from federation import query_args

    from . import execution

    year = query_args.int_arg("year", minimum=1000, maximum=9999) or services.current_year()
    return execution.as_json(execution.report(year))


@blp.route("/reconcile", methods=["POST"])
@blp.arguments(BudgetReconcileSchema)
@blp.response(200)
def reconcile(data):
    """Compare the executed amounts of an accounting export (CSV) with the spending booked
    here under a decision; lists what has no decision. Books nothing."""
    from . import execution

    _manager()
    with service_errors():
        result = execution.reconcile(data["csv"], data["year"])
    return execution.reconciliation_json(result)


@blp.route("/proposals/<int:proposal_id>/spending", methods=["POST"])
@blp.arguments(BudgetAttachSchema)
@blp.response(200, BudgetAttachResultSchema)
def attach_spending(data, proposal_id):
    """Attach spending (a line, an amount) to a proposal; booked when it is adopted."""
    from federation.governance.proposals import get_proposal

    user = check_permission("core.participate")
    with service_errors():
        proposal = get_proposal(proposal_id)
        row = services.attach_to_proposal(
            proposal,
            data["line_id"],
            data["amount"],
            user,
            may_manage=has_permission(user, "budget.attach", g.commune.id),
        )
        result = {
            "proposal_id": proposal.id,
            "line_id": row.line.id,
            "amount": proposal.extra["budget"]["amount"],
            "remaining": str(row.remaining),
        }
    db.session.commit()
    return result


# --- participatory budgeting ---------------------------------------------------------------


def _process_dump(process) -> dict[str, Any]:
    return {
        k: getattr(process, k)
        for k in (
            "id",
            "title",
            "description",
            "year",
            "amount",
            "ballot_kind",
            "min_choices",
            "max_choices",
            "max_points",
            "cost_cap",
            "rule",
            "rule_options",
            "budget_line_id",
            "phase",
            "eligible_count",
            "imported_ballots",
        )
    } | {"vote_type": process.pabulib_vote_type}


@blp.route("/processes")
class Processes(MethodView):
    @blp.response(200, BudgetProcessSchema(many=True))
    def get(self):
        """The participatory budgets of the commune."""
        return [_process_dump(p) for p in pb.processes()]

    @blp.arguments(BudgetProcessSchema)
    @blp.response(201, BudgetProcessSchema)
    def post(self, data):
        """Open a participatory budget (submission phase)."""
        user = _manager()
        with service_errors():
            process = pb.create_process(actor=user.display_name, **data)
        db.session.commit()
        return _process_dump(process)


@blp.route("/processes/<int:process_id>")
class ProcessApi(MethodView):
    @blp.response(200, BudgetProcessSchema)
    def get(self, process_id):
        """One participatory budget."""
        with service_errors():
            return _process_dump(pb.get_process(process_id))

    @blp.arguments(BudgetProcessUpdateSchema)
    @blp.response(200, BudgetProcessSchema)
    def patch(self, data, process_id):
        """Change the rules: refused (409) once the vote is open."""
        _manager()
        with service_errors():
            process = pb.get_process(process_id)
            pb.change_rules(process, **data)
        db.session.commit()
        return _process_dump(process)


@blp.route("/processes/<int:process_id>/phase", methods=["POST"])
@blp.arguments(BudgetPhaseSchema)
@blp.response(200, BudgetProcessSchema)
def advance_process(data, process_id):
    """Move to the next phase; closing the vote publishes the results."""
    user = _manager()
    with service_errors():
        process = pb.get_process(process_id)
        pb.advance(process, data["to"], actor=user)
    db.session.commit()
    return _process_dump(process)


@blp.route("/processes/<int:process_id>/projects")
class Projects(MethodView):
    @blp.response(200, BudgetProjectSchema(many=True))
    def get(self, process_id):
        """The projects of a participatory budget."""
        with service_errors():
            return pb.projects(pb.get_process(process_id))

    @blp.arguments(BudgetProjectSchema)
    @blp.response(201, BudgetProjectSchema)
    def post(self, data, process_id):
        """Submit a project (inhabitants, during the submission phase)."""
        user = check_permission("core.participate")
        with service_errors():
            project = pb.submit_project(
                pb.get_process(process_id),
                user,
                data["title"],
                data["description"],
                data["estimated_cost"],
                place=data["place"],
                theme=data["theme"],
            )
        db.session.commit()
        return project


@blp.route("/projects/<int:project_id>/review", methods=["POST"])
@blp.arguments(BudgetReviewSchema)
@blp.response(200, BudgetProjectSchema)
def review_project(data, project_id):
    """Feasibility and cost review by a municipal agent, with a public reason."""
    user = check_permission("budget.review")
    with service_errors():
        project = pb.get_project(project_id)
        pb.review(project, data["feasible"], data["reason"], reviewer=user, cost=data["cost"])
    db.session.commit()
    return project


@blp.route("/projects/<int:project_id>/follow-ups", methods=["POST"])
@blp.arguments(BudgetFollowUpSchema)
@blp.response(201, BudgetProjectSchema)
def follow_up_project(data, project_id):
    """A public note on carrying out a winning project."""
    user = _manager()
    with service_errors():
        project = pb.get_project(project_id)
        pb.follow_up(project, user, data["progress"], data["text"])
    db.session.commit()
    return project


@blp.route("/projects/<int:project_id>/spending", methods=["POST"])
@blp.arguments(BudgetBookProjectSchema)
@blp.response(201, BudgetEntrySchema)
def book_project(data, project_id):
    """Book a winning project's spending on the process's line (journaled)."""
    user = _manager()
    with service_errors():
        entry = pb.book_project(pb.get_project(project_id), data["amount"], actor=user)
    db.session.commit()
    return entry


@blp.route("/processes/<int:process_id>/ballots", methods=["POST"])
@blp.arguments(BudgetBallotSchema)
@blp.response(200, BudgetReceiptSchema)
def cast_ballot(data, process_id):
    """Cast one secret ballot; a second one changes nothing (``duplicate``)."""
    user = check_permission("core.participate")
    with service_errors():
        receipt, duplicate = pb.cast(pb.get_process(process_id), user, data)
    db.session.commit()
    return {"receipt": receipt, "duplicate": duplicate}


@blp.route("/processes/<int:process_id>/results")
@blp.response(200)
def process_results(process_id):
    """Results under the process's rule (and greedy beside MES) with the reason for each
    project, after the vote only; while the tally job runs, ``computing`` and its progress."""
    with service_errors():
        return pb.results(pb.get_process(process_id))


@blp.route("/import-pb", methods=["POST"])
@blp.arguments(BudgetPbFileSchema)
@blp.response(201, BudgetProcessSchema)
def import_pb(data):
    """Load a pabulib ``.pb`` file as a process (projects, ballots, results)."""
    user = _manager()
    with service_errors():
        process = pb.import_pb(data["content"], actor=user.display_name, title=data["title"])
    db.session.commit()
    return _process_dump(process)


@blp.route("/processes/<int:process_id>/export.pb")
@blp.response(200)
def export_pb(process_id):
    """The process in pabulib format (after the vote; voters are numbered, not named)."""
    with service_errors():
        text = pb.export_pb(pb.get_process(process_id))
    if text is None:  # pragma: no cover
        api_error(404)
    return Response(text, mimetype="text/plain; charset=utf-8")


@blp.route("/processes/<int:process_id>/results.csv")
@blp.response(200)
def results_csv(process_id):
    """The results as a CSV table for spreadsheets (formula cells neutralised)."""
    with service_errors():
        text = pb.results_csv(pb.get_process(process_id))
    return Response(text, mimetype="text/csv; charset=utf-8")
