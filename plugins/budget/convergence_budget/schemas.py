"""Marshmallow schemas of the budget API (``unknown=RAISE``, ids and figures dump-only)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from federation.api.fields import DateTime, Integer

from .models import BALLOT_KINDS, PB_RULES, PHASES


class Strict(Schema):
    class Meta:
        unknown = RAISE


class BudgetSettings(Strict):
    """Per-commune settings: where pooled intercommunal contributions are booked."""

    pooled_chapter = fields.String(
        load_default="204",
        validate=validate.Length(1, 10),
        metadata={"label": "Chapitre M57 des contributions intercommunales"},
    )
    pooled_section = fields.String(
        load_default="investment", validate=validate.OneOf(["investment", "operation"])
    )
    #: the commune's rule for ordinary operating spending: the chapters on which the voted
    #: line itself allows a spending (no other decision), comma-separated; "" for none
    voted_line_chapters = fields.String(
        load_default="011,012",
        validate=validate.Regexp(r"^[0-9 ,;]*$"),
        metadata={
            "label": "Chapitres de fonctionnement où la ligne votée suffit à dépenser "
            "(dépenses courantes, ex. 011,012)"
        },
    )


class BudgetLineSchema(Strict):
    id = Integer(dump_only=True)
    year = Integer(required=True, validate=validate.Range(1990, 2200))
    section = fields.String(required=True, validate=validate.Length(1, 20))
    chapter = fields.String(required=True, validate=validate.Length(1, 10))
    function = fields.String(load_default="", validate=validate.Length(max=10))
    #: "expense" or "revenue"; by default the chapter's (asked when it carries both)
    direction = fields.String(load_default=None, validate=validate.OneOf(["expense", "revenue"]))
    nature = fields.String(load_default="", validate=validate.Length(max=10))
    label = fields.String(required=True, validate=validate.Length(1, 200))
    theme = fields.String(load_default="", validate=validate.Length(max=40))
    planned = fields.Decimal(required=True, as_string=True, places=2)
    amended = fields.Decimal(dump_only=True, as_string=True)
    executed = fields.Decimal(dump_only=True, as_string=True)
    remaining = fields.Decimal(dump_only=True, as_string=True)


class BudgetAmendmentSchema(Strict):
    id = Integer(dump_only=True)
    amount = fields.Decimal(required=True, as_string=True, places=2)
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    journal_seq = Integer(dump_only=True)


class BudgetEntrySchema(Strict):
    id = Integer(dump_only=True)
    line_id = Integer(dump_only=True)
    amount = fields.Decimal(required=True, as_string=True, places=2)
    label = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(dump_only=True)
    without_decision = fields.Boolean(dump_only=True)
    decided_by = fields.String(dump_only=True)
    decision_id = Integer(dump_only=True)
    proposal_id = Integer(dump_only=True)
    pooled_project_id = Integer(dump_only=True)
    pb_project_id = Integer(dump_only=True)
    journal_seq = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)


class BudgetBookSchema(Strict):
    """A spending asked by a person: what allows it is an adopted decision
    (``authority="decision"`` and ``decision_id``) or the voted line (``"line"``), where the
    commune's rules allow it."""

    amount = fields.Decimal(required=True, as_string=True, places=2)
    label = fields.String(required=True, validate=validate.Length(1, 200))
    authority = fields.String(required=True, validate=validate.OneOf(["decision", "line"]))
    decision_id = Integer(load_default=None)


class BudgetCsvImportSchema(Strict):
    year = Integer(required=True, validate=validate.Range(1990, 2200))
    csv = fields.String(required=True, validate=validate.Length(1, 2_000_000))
    dry_run = fields.Boolean(load_default=False)


class BudgetCsvResultSchema(Strict):
    year = Integer()
    lines = Integer()
    planned = fields.String()
    planned_expenses = fields.String()
    planned_revenue = fields.String()
    #: what the file says was executed: booked by nothing, to reconcile with decisions
    executed_without_decision = fields.String()
    warnings = fields.List(fields.String())
    dry_run = fields.Boolean()


class BudgetReconcileSchema(Strict):
    year = Integer(required=True, validate=validate.Range(1990, 2200))
    csv = fields.String(required=True, validate=validate.Length(1, 2_000_000))


class BudgetAttachSchema(Strict):
    line_id = Integer(required=True)
    amount = fields.Decimal(required=True, as_string=True, places=2)


class BudgetAttachResultSchema(Strict):
    proposal_id = Integer()
    line_id = Integer()
    amount = fields.String()
    remaining = fields.String()


class BudgetRuleOptionsSchema(Strict):
    skip = fields.Boolean()
    threshold = Integer(validate=validate.Range(0, 10**9))
    integral = fields.Boolean()
    stop_when_exhaustive = fields.Boolean()
    complete_with_greedy = fields.Boolean()
    step = Integer(validate=validate.Range(1, 10**9))
    #: MES utilities: cost (Cost_Sat) or cardinality (Cardinality_Sat)
    utilities = fields.String(validate=validate.OneOf(("cost", "cardinality")))


class BudgetProcessSchema(Strict):
    id = Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    year = Integer(required=True, validate=validate.Range(1990, 2200))
    amount = fields.Decimal(required=True, as_string=True, places=2)
    ballot_kind = fields.String(load_default="approval", validate=validate.OneOf(BALLOT_KINDS))
    min_choices = Integer(load_default=1, validate=validate.Range(0, 500))
    max_choices = Integer(load_default=5, validate=validate.Range(1, 500))
    max_points = Integer(load_default=10, validate=validate.Range(1, 1000))
    cost_cap = fields.Boolean(load_default=True)
    rule = fields.String(load_default="mes", validate=validate.OneOf(PB_RULES))
    rule_options = fields.Nested(BudgetRuleOptionsSchema, load_default=dict)
    budget_line_id = Integer(load_default=None, allow_none=True)
    phase = fields.String(dump_only=True)
    eligible_count = Integer(dump_only=True, allow_none=True)  # null before the roll is drawn
    imported_ballots = Integer(dump_only=True)
    #: pabulib's vote type (approval, choose-1, cumulative, scoring, ordinal)
    vote_type = fields.String(dump_only=True)


class BudgetProcessUpdateSchema(Strict):
    title = fields.String(validate=validate.Length(1, 200))
    description = fields.String(validate=validate.Length(max=20000))
    amount = fields.Decimal(as_string=True, places=2)
    ballot_kind = fields.String(validate=validate.OneOf(BALLOT_KINDS))
    min_choices = Integer(validate=validate.Range(0, 500))
    max_choices = Integer(validate=validate.Range(1, 500))
    max_points = Integer(validate=validate.Range(1, 1000))
    cost_cap = fields.Boolean()
    rule = fields.String(validate=validate.OneOf(PB_RULES))
    rule_options = fields.Nested(BudgetRuleOptionsSchema)
    budget_line_id = Integer(allow_none=True)


class BudgetPhaseSchema(Strict):
    to = fields.String(required=True, validate=validate.OneOf(PHASES))


class BudgetProjectSchema(Strict):
    id = Integer(dump_only=True)
    external_id = fields.String(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 300))
    description = fields.String(required=True, validate=validate.Length(1, 20000))
    place = fields.String(load_default="", validate=validate.Length(max=200))
    theme = fields.String(load_default="", validate=validate.Length(max=100))
    estimated_cost = fields.Decimal(required=True, as_string=True, places=2)
    status = fields.String(dump_only=True)
    reviewed_cost = fields.Decimal(dump_only=True, as_string=True)
    review_reason = fields.String(dump_only=True)
    selected = fields.Boolean(dump_only=True)
    progress = Integer(dump_only=True)


class BudgetReviewSchema(Strict):
    feasible = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 5000))
    cost = fields.Decimal(as_string=True, places=2, allow_none=True, load_default=None)


class BudgetFollowUpSchema(Strict):
    progress = Integer(required=True, validate=validate.Range(0, 100))
    text = fields.String(required=True, validate=validate.Length(1, 5000))


class BudgetBookProjectSchema(Strict):
    amount = fields.Decimal(required=True, as_string=True, places=2)


class BudgetBallotSchema(Strict):
    projects = fields.List(Integer(), validate=validate.Length(max=500))
    points = fields.Dict(keys=fields.String(), values=Integer())
    ranking = fields.List(Integer(), validate=validate.Length(max=500))


class BudgetReceiptSchema(Strict):
    receipt = fields.String(allow_none=True)
    duplicate = fields.Boolean()


class BudgetPbFileSchema(Strict):
    content = fields.String(required=True, validate=validate.Length(1, 20_000_000))
    title = fields.String(load_default=None, validate=validate.Length(1, 200))
