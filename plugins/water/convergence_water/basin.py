"""Water shared across a basin: one allocation of a shared resource for every user of every
commune that draws on it, proposed by the basin's water circle, ratified by each member
commune's assembly through the intercommunal process, explained to each user.

* **Who draws on a shared resource.** The commune that holds it (its users on it), and every
  commune whose connection resource is linked to it (:func:`link`, by that commune's water
  circle; its users on the connection).
* **The basin's water circle** is the water circles of the member communes together (their
  members, each in a commune where they are an active member), with the federation's
  coordinators (:func:`in_basin_circle`).
* **Computation** (:func:`_compute`): the users of every drawing commune are read in the
  federation's read-only scope and allocated together by
  :func:`convergence_water.allocation.allocate`, with the vital volume following the
  people of each household: ``people × vital volume`` whatever the declared drinking need.
* **Proposal** (:func:`propose`): the basin run (in the holder's commune) keeps the
  parameters and aggregates per commune; each commune's part (an allocation run per local
  resource, lines per user) is written in that commune's scope; an intercommunal proposal is
  created and sent (:mod:`federation.intercommunal.ratification`, unanimity: every
  assembly ratifies). Nothing applies before the federation's decision.
* **Decision** (:func:`on_federation_decided`): the core's ``intercommunal.proposal_adopted``
  / ``_rejected`` event reaches each member commune; each applies (or rejects) its own part;
  the holder's commune closes the basin run and writes the federation's journal.
* **Recomputation** (:func:`recompute_all`, the daily scheduled task
  ``water.basin_recompute``): when the season turned or the drought level in force changed
  (a level expired or began), the ratified rule (vital volume, priority, restriction table
  of every level) is applied again to the current volume and users.

Personal data never cross communes: the basin run keeps counts and litres per commune, each
commune's lines are tenant rows of that commune, and pages of the basin show aggregates with
small counts suppressed (:data:`convergence_water.balance.SMALL_COUNT`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_water import services
from convergence_water.allocation import Allocation, Rule, allocate
from convergence_water.balance import SMALL_COUNT, communes_with_water
from convergence_water.basin_models import BasinLink, BasinRun
from convergence_water.bulk import bulk_insert
from convergence_water.constants import CATEGORIES, LEVELS, WATER_THEMES, season_of
from convergence_water.models import AllocationLine, AllocationRun, WaterResource, WaterUser
from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance.models import Body, BodyMember
from federation.identity.models import Membership
from federation.journal.services import record
from federation.lazy import lazy_module
from federation.plugins.events import emit
from federation.tenancy.context import commune_scope, federation_scope
from federation.tenancy.models import Commune, Federation

np = lazy_module("numpy")

ADOPTED_EVENT = "intercommunal.proposal_adopted"
REJECTED_EVENT = "intercommunal.proposal_rejected"
MIN_VITAL, MAX_VITAL = 10, 1000


# --- who ------------------------------------------------------------------------------------


def basin_commune_ids(federation: Federation) -> list[int]:
    """Member communes of the basin where the water plugin is on (read once per request or
    command: the pages ask several times)."""
    from flask import g, has_app_context

    if not has_app_context():
        return communes_with_water(federation.id)
    memo = g.setdefault("_water_basin_ids", {})
    if federation.id not in memo:
        memo[federation.id] = communes_with_water(federation.id)
    return list(memo[federation.id])


def in_basin_circle(user: Any, federation: Federation) -> bool:
    """A coordinator of the federation, or a member of a water circle of a member commune
    (where the person is an active member): the basin's water circle."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from federation.intercommunal.access import is_coordinator

    if is_coordinator(user, federation.id):
        return True
    ids = basin_commune_ids(federation)
    if not ids:
        return False
    with federation_scope(ids):
        found = db.session.scalar(
            select(BodyMember.id)
            .join(Body, Body.id == BodyMember.body_id)
            .join(
                Membership,
                (Membership.user_id == BodyMember.user_id)
                & (Membership.commune_id == BodyMember.commune_id),
            )
            .where(
                BodyMember.user_id == user.id,
                Body.theme.in_(WATER_THEMES),
                Body.kind != "assembly",
                Body.archived.is_(False),
                Membership.status == "active",
            )
            .limit(1)
        )
    return found is not None


def _require_circle(user: Any, federation: Federation) -> None:
    if not in_basin_circle(user, federation):
        raise Forbidden(
            _("Réservé au cercle de l'eau du bassin (cercles de l'eau des communes membres)."),
            field="actor",
        )


def _basin(federation_id: Any) -> Federation:
    try:
        federation = db.session.get(Federation, int(federation_id))
    except (TypeError, ValueError):
        federation = None
    if federation is None:
        raise NotFound(_("Bassin introuvable."), field="federation_id")
    return federation


# --- links: who draws on a shared resource --------------------------------------------------


def _read_in_basin(federation: Federation, statement: Any) -> list[Any]:
    """The rows of ``statement`` across the basin's water communes (read-only scope)."""
    ids = basin_commune_ids(federation)
    if not ids:
        return []
    with federation_scope(ids):
        return list(db.session.scalars(statement))


def shared_resources(federation: Federation) -> list[WaterResource]:
    """The resources tagged with the basin, in every member commune with water (read-only)."""
    return _read_in_basin(
        federation,
        select(WaterResource)
        .where(WaterResource.federation_id == federation.id)
        .order_by(WaterResource.name, WaterResource.id),
    )


def _shared_resource(
    federation: Federation, resource_id: Any, field: str = "resource_id"
) -> WaterResource:
    try:
        wanted = int(resource_id)
    except (TypeError, ValueError):
        wanted = None
    found = next((r for r in shared_resources(federation) if r.id == wanted), None)
    if found is None:
        raise NotFound(_("Ressource partagée introuvable dans ce bassin."), field=field)
    return found


def link(
    local_resource_id: Any, federation_id: Any, shared_resource_id: Any, actor: Any = None
) -> BasinLink:
    """The current commune's connection resource draws on a resource shared in a basin the
    commune belongs to (its water circle decides; journaled in the commune)."""
    cid = services.commune_id()
    local = services.get_resource(local_resource_id)
    fid = services._federation_of_commune(federation_id)
    if fid is None:
        raise ValidationFailed(_("Choisissez le bassin."), field="federation_id")
    federation = _basin(fid)
    shared = _shared_resource(federation, shared_resource_id, "shared_resource_id")
    if shared.commune_id == cid:
        raise ValidationFailed(
            _("La ressource partagée est tenue par une autre commune du bassin."),
            field="shared_resource_id",
        )
    if db.session.scalar(select(BasinLink.id).where(BasinLink.local_resource_id == local.id)):
        raise Conflict(_("Cette ressource est déjà reliée au bassin."), field="local_resource_id")
    local.federation_id = federation.id
    row = BasinLink(
        federation_id=federation.id,
        owner_commune_id=shared.commune_id,
        shared_resource_id=shared.id,
        local_resource_id=local.id,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    record(
        "water.basin_link",
        payload={
            "federation": federation.slug,
            "federation_name": federation.name,
            "resource_name": local.name,
            "shared_name": shared.name,
        },
        commune_id=cid,
        actor=getattr(actor, "display_name", "") or "@water.circle",
    )
    return row


def links_here() -> list[BasinLink]:
    return list(db.session.scalars(select(BasinLink).order_by(BasinLink.id)))


def is_basin_managed(resource: WaterResource) -> bool:
    """Allocated by the basin, not by its commune alone: a connection drawing on a shared
    resource, or a shared resource the basin's circle has allocated (or is allocating)."""
    if db.session.scalar(
        select(BasinLink.id).where(BasinLink.local_resource_id == resource.id).limit(1)
    ):
        return True
    return (
        db.session.scalar(
            select(BasinRun.id)
            .where(BasinRun.resource_id == resource.id, BasinRun.status != "rejected")
            .limit(1)
        )
        is not None
    )


# --- computation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """What the assemblies ratify: the vital volume per person, the order of the uses, the
    restriction of each use at each level."""

    vital_litres: int
    priority: list[str]
    rules_table: dict[str, dict[str, dict[str, Any]]]

    def rules_at(self, level: str) -> dict[str, Rule]:
        return {
            c: Rule(int(r["reduction_pct"]), bool(r["forbidden"]), str(r.get("hours", "")))
            for c, r in (self.rules_table.get(level) or {}).items()
        }


@dataclass
class Computed:
    season: str
    level: str
    available: int
    available_source: str
    #: (commune id, local resource id) of every part, holder first
    parts: list[tuple[int, int]]
    #: per user: commune, local resource, user id, household (0/1), people, declared needs…
    data: Any
    result: Allocation


def _holder_params(resource: WaterResource, vital_litres: Any = None) -> Params:
    """The holder commune's policy (its water circle's priority, rules, vital volume)."""
    with commune_scope(resource.commune_id):
        table = services.effective_rules()
        settings = services.settings()
        order = services.priority_order()
    vital = int(settings.get("vital_litres", 50))
    if vital_litres not in (None, ""):
        try:
            vital = int(str(vital_litres).strip())
        except ValueError:
            raise ValidationFailed(_("Nombre entier attendu."), field="vital_litres") from None
        if not MIN_VITAL <= vital <= MAX_VITAL:
            raise ValidationFailed(
                _("Entre %(a)d et %(b)d litres.", a=MIN_VITAL, b=MAX_VITAL), field="vital_litres"
            )
    rules_table = {
        level: {
            c: {"reduction_pct": r.reduction_pct, "forbidden": r.forbidden, "hours": r.hours}
            for c, r in table[level].items()
        }
        for level in LEVELS
    }
    return Params(vital, order, rules_table)


def _parts(federation: Federation, resource: WaterResource, ids: list[int]) -> list[tuple]:
    links = db.session.execute(
        select(BasinLink.commune_id, BasinLink.local_resource_id)
        .where(
            BasinLink.federation_id == federation.id,
            BasinLink.shared_resource_id == resource.id,
            BasinLink.commune_id.in_(ids),
        )
        .order_by(BasinLink.commune_id, BasinLink.local_resource_id)
    ).all()
    return [(resource.commune_id, resource.id), *((int(c), int(r)) for c, r in links)]


def _compute(
    federation: Federation, resource: WaterResource, params: Params, today: date
) -> Computed:
    """Everything the basin allocation needs, read in the federation's read-only scope."""
    ids = basin_commune_ids(federation)
    with federation_scope(ids):
        parts = _parts(federation, resource, ids)
        local_ids = [r for _c, r in parts]
        targets = list(
            db.session.scalars(select(WaterResource).where(WaterResource.id.in_(local_ids)))
        )
        levels = services.levels_in_force(targets, today, rows=services.active_levels(today))
        level = max((levels[r.id][0] for r in targets), key=LEVELS.index, default="normal")
        available, source = services.available_volume(resource, today)
        rows = db.session.execute(
            select(
                WaterUser.commune_id,
                WaterUser.resource_id,
                WaterUser.id,
                WaterUser.kind == "household",
                WaterUser.people,
                *(getattr(WaterUser, f"need_{c}") for c in CATEGORIES),
            )
            .where(WaterUser.resource_id.in_(local_ids), WaterUser.active.is_(True))
            .order_by(WaterUser.commune_id, WaterUser.id)
        ).all()
    data = np.array([tuple(int(v) for v in row) for row in rows], dtype=np.int64).reshape(
        -1, 5 + len(CATEGORIES)
    )
    people, needs = data[:, 4], data[:, 5:]
    # vital water follows the people of the household, not only the declared need
    adjusted = needs.copy()
    adjusted[:, 0] = np.maximum(needs[:, 0], people * params.vital_litres)
    result = allocate(
        people,
        adjusted,
        available,
        vital_litres=params.vital_litres,
        rules=params.rules_at(level),
        priority=params.priority,
    )
    return Computed(season_of(today), level, available, source, parts, data, result)


def _aggregates(computed: Computed) -> list[dict[str, Any]]:
    """One row per drawing commune: counts and litres only."""
    data, result = computed.data, computed.result
    totals = result.totals
    rows = []
    for cid in dict.fromkeys(c for c, _r in computed.parts):
        mask = data[:, 0] == cid
        rows.append(
            {
                "commune_id": int(cid),
                "users": int(mask.sum()),
                "households": int(data[mask, 3].sum()),
                "people": int(data[mask, 4].sum()),
                "need": int(data[mask, 5:].sum()),
                "vital": int(result.vital[mask].sum()),
                "allocated": int(totals[mask].sum()),
            }
        )
    return rows


LINE_COLUMNS = services.LINE_COLUMNS


def _write_parts(
    basin_run: BasinRun, computed: Computed, *, status: str, actor: Any = None
) -> list[tuple[int, int]]:
    """Each commune's part, in that commune's scope: (commune id, allocation run id)."""
    data, result = computed.data, computed.result
    totals = result.totals
    params_rules = {
        c: {"reduction_pct": r.reduction_pct, "forbidden": r.forbidden, "hours": r.hours}
        for c, r in Params(basin_run.vital_litres, basin_run.priority, basin_run.rules_table)
        .rules_at(basin_run.level)
        .items()
    }
    written = []
    for cid, local_id in computed.parts:
        mask = (data[:, 0] == cid) & (data[:, 1] == local_id)
        with commune_scope(cid):
            run = AllocationRun(
                resource_id=local_id,
                status=status,
                level=basin_run.level,
                season=basin_run.season,
                available=basin_run.available,
                available_source=basin_run.available_source,
                vital_litres=basin_run.vital_litres,
                priority=list(basin_run.priority),
                rules=params_rules,
                tiers=list(basin_run.tiers),
                users_count=int(mask.sum()),
                need_total=int(data[mask, 5:].sum()),
                allocated=int(totals[mask].sum()),
                trigger="basin",
                lines_stored=True,
                basin_run_id=basin_run.id,
                federation_proposal_id=basin_run.federation_proposal_id,
                created_by_id=getattr(actor, "id", None),
            )
            db.session.add(run)
            db.session.flush()
            count = int(mask.sum())
            if count:
                columns = np.column_stack(
                    [
                        np.full(count, cid, dtype=np.int64),
                        np.full(count, run.id, dtype=np.int64),
                        data[mask, 2],
                        result.people[mask],
                        result.vital_need[mask],
                        result.vital[mask],
                        data[mask, 5:],  # the declared needs
                        result.alloc[mask],
                        totals[mask],
                    ]
                ).tolist()
                bulk_insert(AllocationLine.__table__, LINE_COLUMNS, columns)
            written.append((cid, run.id))
    return written


def _new_run(
    federation: Federation,
    resource: WaterResource,
    params: Params,
    computed: Computed,
    *,
    status: str,
    trigger: str,
    today: date,
    actor: Any = None,
    federation_proposal_id: int | None = None,
    parent_id: int | None = None,
) -> BasinRun:
    result = computed.result
    with commune_scope(resource.commune_id):
        run = BasinRun(
            federation_id=federation.id,
            resource_id=resource.id,
            status=status,
            trigger=trigger,
            computed_on=today,
            season=computed.season,
            level=computed.level,
            available=computed.available,
            available_source=computed.available_source,
            vital_litres=params.vital_litres,
            priority=list(params.priority),
            rules_table=params.rules_table,
            tiers=[
                {"category": t.category, "demand": t.demand, "served": t.served}
                for t in result.tiers
            ],
            communes=_aggregates(computed),
            users_count=len(computed.data),
            people=int(computed.data[:, 4].sum()),
            need_total=int(computed.data[:, 5:].sum()),
            allocated=result.allocated,
            federation_proposal_id=federation_proposal_id,
            parent_id=parent_id,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(run)
        db.session.flush()
    return run


# --- proposal, decision ---------------------------------------------------------------------


def propose(
    federation_id: Any,
    resource_id: Any,
    actor: Any,
    *,
    vital_litres: Any = None,
    deadline: date | None = None,
    today: date | None = None,
) -> BasinRun:
    """The basin's water circle proposes the allocation of a shared resource; it goes to
    every member assembly (unanimity). One transaction: the caller commits."""
    from federation.intercommunal import ratification

    today = today or date.today()
    federation = _basin(federation_id)
    _require_circle(actor, federation)
    resource = _shared_resource(federation, resource_id)
    with federation_scope(basin_commune_ids(federation)):
        pending = db.session.scalar(
            select(BasinRun.id).where(
                BasinRun.resource_id == resource.id, BasinRun.status == "ratifying"
            )
        )
    if pending:
        raise Conflict(
            _("Une allocation de cette ressource attend déjà la ratification des communes."),
            field="resource_id",
        )
    params = _holder_params(resource, vital_litres)
    computed = _compute(federation, resource, params, today)
    proposal = _intercommunal_proposal(federation, actor, resource, params, computed, deadline)
    run = _new_run(
        federation,
        resource,
        params,
        computed,
        status="ratifying",
        trigger="proposal",
        today=today,
        actor=actor,
        federation_proposal_id=proposal.id,
    )
    _write_parts(run, computed, status="in_vote", actor=actor)
    record(
        "water.basin_proposed",
        payload=_journal_payload(run, resource),
        federation_id=federation.id,
        actor=getattr(actor, "display_name", "") or "@water.circle",
    )
    ratification.send(proposal, actor)
    emit(
        "water.basin_proposed",
        {"basin_run_id": run.id, "federation_id": federation.id},
        commune_id=resource.commune_id,
    )
    return run


def _journal_payload(run: BasinRun, resource: WaterResource) -> dict[str, Any]:
    return {
        "basin_run": run.id,
        "resource_name": resource.name,
        "level": run.level,
        "season": run.season,
        "available_l": run.available,
        "allocated_l": run.allocated,
        "users": run.users_count,
        "communes": len(run.communes),
        "vital_l": run.vital_litres,
        "federation_proposal": run.federation_proposal_id,
        "trigger": run.trigger,
    }


TITLE_KIND = "water.proposal.basin_allocation"
TEXT_KIND = "water.proposal.basin_allocation.text"


def _title_params(resource: WaterResource, params: Params, computed: Computed) -> dict:
    """The intercommunal proposal's title and text as parameters of two text kinds (figures
    per commune: aggregates only), rendered in each reader's language."""
    rows = _aggregates(computed)
    names = _commune_names([r["commune_id"] for r in rows])
    return {
        "resource_name": resource.name,
        "level": computed.level,
        "available_l": computed.available,
        "allocated_l": computed.result.allocated,
        "vital_l": params.vital_litres,
        "users": len(computed.data),
        "communes": len(rows),
        "rows": [
            {
                "name": names.get(r["commune_id"], "?"),
                "allocated_l": r["allocated"],
                "users": r["users"],
            }
            for r in rows
        ],
    }


def _intercommunal_proposal(
    federation: Federation,
    actor: Any,
    resource: WaterResource,
    params: Params,
    computed: Computed,
    deadline: date | None,
) -> Any:
    """Created through the intercommunal process (unanimity: every assembly ratifies), with
    a generated title and text (:class:`~federation.governance.submissions.Generated`):
    kinds and parameters, rendered in each reader's language."""
    from federation.governance.submissions import Generated, generate_title
    from federation.intercommunal import ratification

    data = _title_params(resource, params, computed)
    generated = Generated(TITLE_KIND, data, text_kind=TEXT_KIND)
    proposal = ratification.create(
        federation, actor, generated.fallback()[:200], "", rule="unanimity", deadline=deadline
    )
    generate_title(proposal, generated)
    return proposal


def _commune_names(ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Commune.id, Commune.name).where(Commune.id.in_(ids))).all()
    return {int(cid): name for cid, name in rows}


def on_federation_decided(name: str, payload: dict[str, Any], commune: Any) -> None:
    """The federation decided an intercommunal proposal (event, in each member commune):
    this commune's parts apply or are rejected; the holder's commune closes the basin run."""
    proposal_id = payload.get("federation_proposal_id")
    if not proposal_id:
        return
    adopted = name == ADOPTED_EVENT
    parts = list(
        db.session.scalars(
            select(AllocationRun)
            .where(
                AllocationRun.federation_proposal_id == int(proposal_id),
                AllocationRun.basin_run_id.is_not(None),
                AllocationRun.status == "in_vote",
            )
            .order_by(AllocationRun.id)
        )
    )
    decision_id = _local_decision(commune.id, int(proposal_id)) if adopted else None
    for part in parts:
        if adopted:
            services.apply_run(part, actor=None, decision_id=decision_id)
        else:
            part.status = "rejected"
    run = db.session.scalar(
        select(BasinRun).where(
            BasinRun.federation_proposal_id == int(proposal_id),
            BasinRun.status == "ratifying",
        )
    )
    if run is None:
        db.session.flush()
        return
    federation = db.session.get(Federation, run.federation_id)
    resource = db.session.get(WaterResource, run.resource_id)
    if adopted:
        _supersede_previous(run)
        run.status, run.applied_at = "applied", utcnow()
    else:
        run.status = "rejected"
    db.session.flush()
    record(
        "water.basin_applied" if adopted else "water.basin_rejected",
        payload=_journal_payload(run, resource),
        federation_id=federation.id,
        actor=federation.name,
    )


def _local_decision(commune_id: int, federation_proposal_id: int) -> int | None:
    """The decision of the commune's assembly that ratified the basin allocation (its copy
    of the intercommunal proposal, adopted by its vote); None when it could not answer."""
    from federation.governance.models import Decision
    from federation.intercommunal.models import Ratification

    local = select(Ratification.commune_proposal_id).where(
        Ratification.proposal_id == federation_proposal_id,
        Ratification.commune_id == commune_id,
    )
    return db.session.scalar(
        select(Decision.id).where(Decision.proposal_id.in_(local.scalar_subquery())).limit(1)
    )


def _supersede_previous(run: BasinRun) -> None:
    for old in db.session.scalars(
        select(BasinRun).where(
            BasinRun.resource_id == run.resource_id,
            BasinRun.status == "applied",
            BasinRun.id != run.id,
        )
    ):
        old.status = "superseded"


# --- recomputation (season turn, level begun or expired) -------------------------------------


def recompute_all(today: date | None = None) -> list[BasinRun]:
    """For every basin allocation in force whose season or level no longer holds, apply
    the ratified rule again (journaled, users notified). Returns the new runs."""
    today = today or date.today()
    done = []
    for federation in db.session.scalars(select(Federation).order_by(Federation.id)).all():
        ids = basin_commune_ids(federation)
        if not ids:
            continue
        with federation_scope(ids):
            in_force = list(
                db.session.scalars(
                    select(BasinRun)
                    .where(BasinRun.federation_id == federation.id, BasinRun.status == "applied")
                    .order_by(BasinRun.id)
                )
            )
        for run in in_force:
            new = recompute(federation, run, today)
            if new is not None:
                done.append(new)
    return done


def recompute(federation: Federation, run: BasinRun, today: date) -> BasinRun | None:
    with federation_scope(basin_commune_ids(federation)):
        resource = db.session.get(WaterResource, run.resource_id)
    if resource is None or resource.federation_id != federation.id:
        return None
    params = Params(run.vital_litres, list(run.priority), dict(run.rules_table))
    computed = _compute(federation, resource, params, today)
    if computed.season == run.season and computed.level == run.level:
        return None
    trigger = "season" if computed.season != run.season else "level"
    new = _new_run(
        federation,
        resource,
        params,
        computed,
        status="applied",
        trigger=trigger,
        today=today,
        federation_proposal_id=run.federation_proposal_id,
        parent_id=run.parent_id or run.id,
    )
    with commune_scope(resource.commune_id):
        _supersede_previous(new)
        new.applied_at = utcnow()
        db.session.flush()
    for cid, part_id in _write_parts(new, computed, status="proposed"):
        with commune_scope(cid):
            decision_id = (
                _local_decision(cid, run.federation_proposal_id)
                if run.federation_proposal_id
                else None
            )
            services.apply_run(
                db.session.get(AllocationRun, part_id), actor=None, decision_id=decision_id
            )
    record(
        "water.basin_recomputed",
        payload={
            **_journal_payload(new, resource),
            "previous_level": run.level,
            "previous_season": run.season,
        },
        federation_id=federation.id,
        actor="@water.module",
    )
    return new


# --- reading: the basin (aggregates), a user (their own) -------------------------------------


@dataclass
class CommuneRow:
    commune_id: int
    name: str
    users: int
    households: int
    people: int | None  # None: suppressed (fewer than SMALL_COUNT)
    need: int
    allocated: int
    ratification: str | None


def basin_runs(federation: Federation, limit: int = 20) -> list[BasinRun]:
    return _read_in_basin(
        federation,
        select(BasinRun)
        .where(BasinRun.federation_id == federation.id)
        .order_by(BasinRun.id.desc())
        .limit(limit),
    )


def get_basin_run(federation: Federation, run_id: Any) -> BasinRun:
    try:
        wanted = int(run_id)
    except (TypeError, ValueError):
        wanted = 0
    with federation_scope(basin_commune_ids(federation)):
        run = db.session.get(BasinRun, wanted) if wanted else None
    if run is None or run.federation_id != federation.id:
        raise NotFound(_("Allocation du bassin introuvable."), field="run_id")
    return run


def ratifications(run: BasinRun) -> dict[int, str]:
    """commune id → the state of its assembly's answer (public)."""
    from federation.intercommunal.models import Ratification

    if run.federation_proposal_id is None:
        return {}
    return dict(
        db.session.execute(
            select(Ratification.commune_id, Ratification.status).where(
                Ratification.proposal_id == run.federation_proposal_id
            )
        ).all()
    )


def commune_rows(run: BasinRun) -> list[CommuneRow]:
    """The basin's view: one row per commune, counts of people under SMALL_COUNT hidden."""
    names = _commune_names([r["commune_id"] for r in run.communes])
    answers = ratifications(run)
    return [
        CommuneRow(
            commune_id=row["commune_id"],
            name=names.get(row["commune_id"], "?"),
            users=int(row["users"]),
            households=int(row["households"]),
            people=None if 0 < int(row["people"]) < SMALL_COUNT else int(row["people"]),
            need=int(row["need"]),
            allocated=int(row["allocated"]),
            ratification=answers.get(row["commune_id"]),
        )
        for row in run.communes
    ]


@dataclass
class Mine:
    """A person's own part of a basin allocation, in their commune."""

    water_user: WaterUser
    part: AllocationRun
    line: AllocationLine
    basin_run: BasinRun | None
    federation: Federation | None
    answers: dict[int, str]
    names: dict[int, str]


def mine(user_id: int) -> list[Mine]:
    """The person's meters in the current commune with their basin allocation (the part
    in force, else the one awaiting ratification), read in the commune's scope; the basin
    run (held by another commune, maybe) is read for its aggregates only."""
    rows = db.session.execute(
        select(WaterUser, AllocationLine, AllocationRun)
        .join(AllocationLine, AllocationLine.water_user_id == WaterUser.id)
        .join(AllocationRun, AllocationRun.id == AllocationLine.run_id)
        .where(
            WaterUser.account_id == user_id,
            AllocationRun.basin_run_id.is_not(None),
            AllocationRun.status.in_(("applied", "in_vote")),
        )
        .order_by(WaterUser.id, AllocationRun.id.desc())
    ).all()
    found: list[Mine] = []
    for water_user, line, part in rows:
        basin_run, federation = _basin_run_of(part)
        answers = ratifications(basin_run) if basin_run is not None else {}
        found.append(
            Mine(
                water_user,
                part,
                line,
                basin_run,
                federation,
                answers,
                _commune_names(answers),
            )
        )
    return found


def _basin_run_of(part: AllocationRun) -> tuple[BasinRun | None, Federation | None]:
    resource = db.session.get(WaterResource, part.resource_id)
    federation = (
        db.session.get(Federation, resource.federation_id)
        if resource is not None and resource.federation_id
        else None
    )
    if federation is None:
        return None, None
    with federation_scope(basin_commune_ids(federation)):
        run = db.session.get(BasinRun, part.basin_run_id)
    return run, federation
