"""Housing services: who may do what, dwellings and their follow-up log, reports by
inhabitants, the vacancy-file import.

Services take plain values, validate them (a :class:`~federation.errors.ServiceError`
names the field at fault), flush and never commit: views, the API and the CLI commit.
They act in the current commune's scope. Every change of a dwelling is one row of the
event log with its old and new value; every counter is computed from that log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_housing.constants import (
    BLOCKING_POINTS,
    COMFORT,
    DWELLING_KINDS,
    ENERGY_CLASSES,
    HOUSING_THEMES,
    LEVERS,
    OCCUPANCIES,
    OWNER_KINDS,
    STATUSES,
    SUBSTATUS_REQUIRED,
    SUBSTATUSES,
    TRANSITIONS,
)
from convergence_housing.models import Dwelling, DwellingEvent, Owner
from federation import csvio
from federation.db import db
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance.bodies import in_thematic_circle
from federation.governance.models import Body, BodyMember
from federation.identity.services import has_permission, is_active_member
from federation.plugins.events import emit
from federation.plugins.services import plugin_settings
from federation.tenancy.context import session
from federation.tenancy.models import Commune
from federation.validation import choice_field, flag, integer_field, tags_field, text_field

PLUGIN = "housing"
MAX_IMPORT_ROWS = 200_000

# --- context and who may do what ----------------------------------------------------------


def commune_id() -> int:
    scope = session().scope
    if scope is None or scope.commune_id is None:
        raise RuntimeError("housing services run in a commune's scope")
    return scope.commune_id


def current_commune() -> Commune:
    return db.session.get(Commune, commune_id())


def settings() -> dict[str, Any]:
    return plugin_settings(commune_id(), PLUGIN)


def housing_bodies() -> list[Body]:
    """The housing circles: thematic or action circles whose theme is housing."""
    return list(
        db.session.scalars(
            select(Body)
            .where(
                Body.theme.in_(HOUSING_THEMES), Body.kind != "assembly", Body.archived.is_(False)
            )
            .order_by(Body.id)
        )
    )


def assembly() -> Body | None:
    return db.session.scalar(select(Body).where(Body.kind == "assembly").limit(1))


def _authenticated(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_member(user: Any) -> bool:
    """An active (verified) member of the commune (the request's identity memo)."""
    return _authenticated(user) and is_active_member(commune_id(), user.id)


def in_housing_circle(user: Any) -> bool:
    """A member of one of the commune's housing circles (who alone sees owners and
    households)."""
    return is_member(user) and in_thematic_circle(user.id, HOUSING_THEMES)


def circle_members() -> list[Any]:
    """The members of the housing circles (users, one query)."""
    rows = db.session.scalars(
        select(BodyMember)
        .join(Body, Body.id == BodyMember.body_id)
        .where(Body.theme.in_(HOUSING_THEMES), Body.kind != "assembly", Body.archived.is_(False))
        .order_by(BodyMember.user_id)
    )
    return list({m.user_id: m.user for m in rows}.values())


def notify_circle(kind: str, params: dict[str, Any], link: str) -> int:
    """Notify every member of the housing circle through the core notifications (a kind of
    :mod:`convergence_housing.texts`, shown in each reader's language). Returns how many
    were notified."""
    from federation.identity.notifications import notify

    people = circle_members()
    for person in people:
        notify(person.id, kind=kind, params=params, link=link, commune_id=commune_id())
    return len(people)


def can_see_private(user: Any) -> bool:
    """Owners and households: the housing circle, and holders of ``housing.private``."""
    if not _authenticated(user):
        return False
    return has_permission(user, "housing.private", commune_id()) or in_housing_circle(user)


def can_steer(user: Any) -> bool:
    """Follow-up, campaigns, examinations: the housing circle and ``housing.manage``."""
    if not _authenticated(user):
        return False
    return has_permission(user, "housing.manage", commune_id()) or in_housing_circle(user)


def require_steer(user: Any) -> None:
    if not can_steer(user):
        raise Forbidden(_("Réservé au cercle du logement."))


def require_member(user: Any) -> None:
    if not is_member(user):
        raise Forbidden(_("Réservé aux habitant·es membres de la commune."))


# --- small validators ---------------------------------------------------------------------


# --- dwellings and their event log --------------------------------------------------------


def dwellings(*, confirmed: bool | None = None) -> list[Dwelling]:
    query = select(Dwelling).order_by(Dwelling.ref)
    if confirmed is not None:
        query = query.where(Dwelling.confirmed.is_(confirmed))
    return list(db.session.scalars(query))


def get_dwelling(dwelling_id: Any) -> Dwelling:
    try:
        row = db.session.get(Dwelling, int(dwelling_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Logement introuvable."), field="dwelling_id")
    return row


def get_dwelling_by_ref(ref: str) -> Dwelling:
    row = db.session.scalar(select(Dwelling).where(Dwelling.ref == str(ref).strip()))
    if row is None:
        raise NotFound(_("Logement introuvable : %(r)s", r=str(ref)[:60]), field="dwelling")
    return row


def log_change(
    dwelling: Dwelling, field_name: str, old: Any, new: Any, actor: Any, source: str = "manual"
) -> DwellingEvent:
    """Append one change to the dwelling's log (the only writer of the log)."""

    def plain(value: Any) -> str:
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return "" if value is None else str(value)

    event = DwellingEvent(
        dwelling_id=dwelling.id,
        field=field_name,
        old=plain(old)[:200],
        new=plain(new)[:200],
        source=source,
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(event)
    return event


def events(dwelling: Dwelling) -> list[DwellingEvent]:
    return list(
        db.session.scalars(
            select(DwellingEvent)
            .where(DwellingEvent.dwelling_id == dwelling.id)
            .order_by(DwellingEvent.id)
        )
    )


DESCRIPTIVE = (
    "address",
    "kind",
    "rooms",
    "surface",
    "year_built",
    "comfort",
    "energy_class",
    "accessible",
    "owner_kind",
    "vacant_since",
)


def _dwelling_fields(data: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def given(name: str) -> bool:
        return not partial or name in data

    if given("address"):
        out["address"] = text_field(data.get("address"), "address", 300, required=True)
    if given("kind"):
        out["kind"] = choice_field(data.get("kind") or "house", DWELLING_KINDS, "kind")
    if given("rooms"):
        out["rooms"] = integer_field(data.get("rooms"), "rooms", 0, 50) or 0
    if given("surface"):
        out["surface"] = integer_field(data.get("surface"), "surface", 0, 10_000) or 0
    if given("year_built"):
        out["year_built"] = integer_field(data.get("year_built"), "year_built", 1000, 2100)
    if given("comfort"):
        out["comfort"] = choice_field(data.get("comfort") or "average", COMFORT, "comfort")
    if given("energy_class"):
        value = str(data.get("energy_class") or "").strip().upper()
        out["energy_class"] = choice_field(value, ("", *ENERGY_CLASSES), "energy_class")
    if given("accessible"):
        out["accessible"] = flag(data.get("accessible"))
    if given("owner_kind"):
        out["owner_kind"] = choice_field(
            data.get("owner_kind") or "unknown", OWNER_KINDS, "owner_kind"
        )
    if given("vacant_since"):
        out["vacant_since"] = integer_field(data.get("vacant_since"), "vacant_since", 1900, 2100)
    if given("occupancy"):
        out["occupancy"] = choice_field(data.get("occupancy") or "vacant", OCCUPANCIES, "occupancy")
    return out


def _free_ref(ref: str, exclude: int | None = None) -> None:
    query = select(Dwelling.id).where(Dwelling.ref == ref)
    if exclude is not None:
        query = query.where(Dwelling.id != exclude)
    if db.session.scalar(query) is not None:
        raise Conflict(_("Cette référence existe déjà."), field="ref")


def _next_ref(prefix: str) -> str:
    count = db.session.scalar(select(func.count(Dwelling.id))) or 0
    while True:
        count += 1
        ref = f"{prefix}-{count:04d}"
        if db.session.scalar(select(Dwelling.id).where(Dwelling.ref == ref)) is None:
            return ref


def create_dwelling(
    data: dict[str, Any],
    actor: Any = None,
    *,
    source: str = "manual",
    confirmed: bool = True,
) -> Dwelling:
    fields_ = _dwelling_fields(data)
    ref = text_field(data.get("ref"), "ref", 60) or _next_ref(
        "LOG" if source != "report" else "SIG"
    )
    _free_ref(ref)
    row = Dwelling(
        ref=ref,
        source=source,
        confirmed=confirmed,
        status="not_followed",
        substatus="",
        levers=[],
        blocking=[],
        occupancy=fields_.pop("occupancy", "vacant"),
        reported_by_id=getattr(actor, "id", None) if source == "report" else None,
        report_note=text_field(data.get("note"), "note", 2000),
        lovac_year=integer_field(data.get("lovac_year"), "lovac_year", 1990, 2100),
        **fields_,
    )
    db.session.add(row)
    db.session.flush()
    log_change(row, "created", "", source, actor, source)
    log_change(row, "status", "", row.status, actor, source)
    log_change(row, "occupancy", "", row.occupancy, actor, source)
    db.session.flush()
    emit(
        "housing.dwelling_created",
        {"dwelling_id": row.id, "source": source},
        commune_id=commune_id(),
    )
    return row


def report_dwelling(data: dict[str, Any], reporter: Any) -> Dwelling:
    """An inhabitant reports a dwelling that seems vacant; the circle confirms it."""
    require_member(reporter)
    return create_dwelling(
        {k: data.get(k) for k in ("address", "kind", "note", "rooms")},
        reporter,
        source="report",
        confirmed=False,
    )


def confirm_dwelling(dwelling: Dwelling, actor: Any) -> None:
    require_steer(actor)
    if dwelling.confirmed:
        raise Conflict(_("Ce signalement est déjà confirmé."), field="confirmed")
    dwelling.confirmed = True
    log_change(dwelling, "confirmed", "0", "1", actor)
    db.session.flush()
    emit("housing.dwelling_confirmed", {"dwelling_id": dwelling.id}, commune_id=commune_id())


def update_dwelling(dwelling: Dwelling, data: dict[str, Any], actor: Any) -> None:
    require_steer(actor)
    changes = _dwelling_fields(data, partial=True)
    occupancy = changes.pop("occupancy", None)
    for name, value in changes.items():
        if getattr(dwelling, name) != value:
            if name == "vacant_since":
                log_change(dwelling, name, dwelling.vacant_since, value, actor)
            setattr(dwelling, name, value)
    if occupancy is not None and occupancy != dwelling.occupancy:
        log_change(dwelling, "occupancy", dwelling.occupancy, occupancy, actor)
        dwelling.occupancy = occupancy
    if "levers" in data:
        set_tags(dwelling, "levers", tags_field(data["levers"], LEVERS, "levers"), actor)
    if "blocking" in data:
        set_tags(
            dwelling, "blocking", tags_field(data["blocking"], BLOCKING_POINTS, "blocking"), actor
        )
    db.session.flush()


def set_tags(dwelling: Dwelling, name: str, values: list[str], actor: Any) -> None:
    old = list(getattr(dwelling, name) or [])
    if old != values:
        log_change(dwelling, name, old, values, actor)
        setattr(dwelling, name, values)


def check_move(current: str, status: str, substatus: str) -> None:
    """Only along the vocabulary: an allowed status move, a sub-status of the new status."""
    if status not in STATUSES:
        raise ValidationFailed(_("Statut inconnu : %(s)s", s=status[:40]), field="status")
    if status not in TRANSITIONS.get(current, ()):
        raise Conflict(
            _(
                "Un logement « %(a)s » ne peut pas passer à « %(b)s ».",
                a=STATUSES.get(current, current),
                b=STATUSES[status],
            ),
            field="status",
        )
    if substatus and substatus not in SUBSTATUSES[status]:
        raise ValidationFailed(
            _("Sous-statut inconnu pour ce statut : %(s)s", s=substatus[:40]), field="substatus"
        )
    if not substatus and status in SUBSTATUS_REQUIRED:
        raise ValidationFailed(_("Précisez le sous-statut."), field="substatus")


def set_status(
    dwelling: Dwelling,
    status: Any,
    substatus: Any = "",
    *,
    actor: Any = None,
    source: str = "manual",
    check: bool = True,
) -> None:
    """Move a dwelling's follow-up along the vocabulary; the log keeps old and new."""
    if check:
        require_steer(actor)
    status = str(status or "").strip()
    substatus = str(substatus or "").strip()
    check_move(dwelling.status, status, substatus)
    log_change(dwelling, "status", dwelling.status, status, actor, source)
    if substatus != dwelling.substatus:
        log_change(dwelling, "substatus", dwelling.substatus, substatus, actor, source)
    old = dwelling.status
    dwelling.status, dwelling.substatus = status, substatus
    db.session.flush()
    emit(
        "housing.status_changed",
        {"dwelling_id": dwelling.id, "old": old, "new": status, "substatus": substatus},
        commune_id=commune_id(),
    )


def set_occupancy(dwelling: Dwelling, occupancy: str, actor: Any, source: str = "manual") -> None:
    occupancy = choice_field(occupancy, OCCUPANCIES, "occupancy")
    if occupancy != dwelling.occupancy:
        log_change(dwelling, "occupancy", dwelling.occupancy, occupancy, actor, source)
        dwelling.occupancy = occupancy
        db.session.flush()


# --- counters, from the log only ----------------------------------------------------------


def _latest_status_query(commune_ids: list[int] | None = None) -> Any:
    latest = select(func.max(DwellingEvent.id).label("id")).where(DwellingEvent.field == "status")
    if commune_ids is not None:
        latest = latest.where(DwellingEvent.commune_id.in_(commune_ids))
    latest = latest.group_by(DwellingEvent.dwelling_id).subquery()
    return (
        select(DwellingEvent.commune_id, DwellingEvent.new, func.count())
        .join(latest, latest.c.id == DwellingEvent.id)
        .group_by(DwellingEvent.commune_id, DwellingEvent.new)
    )


def status_counts() -> dict[str, int]:
    """Dwellings by follow-up status: the last status event of each dwelling (one query)."""
    counts = dict.fromkeys(STATUSES, 0)
    for _cid, status, n in db.session.execute(_latest_status_query()):
        counts[status] = counts.get(status, 0) + n
    return counts


def status_counts_by_commune(commune_ids: list[int]) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = {cid: dict.fromkeys(STATUSES, 0) for cid in commune_ids}
    for cid, status, n in db.session.execute(_latest_status_query(commune_ids)):
        result.setdefault(cid, dict.fromkeys(STATUSES, 0))[status] = n
    return result


def flow_counts() -> dict[str, int]:
    """Moves recorded in the log: reports, confirmations, dwellings back in use (one query)."""
    rows = db.session.execute(
        select(DwellingEvent.field, DwellingEvent.new, func.count())
        .where(
            (DwellingEvent.field == "created")
            | (DwellingEvent.field == "confirmed")
            | ((DwellingEvent.field == "substatus") & (DwellingEvent.new == "back_in_use"))
        )
        .group_by(DwellingEvent.field, DwellingEvent.new)
    ).all()
    out = {"reported": 0, "imported": 0, "confirmed": 0, "back_in_use": 0}
    for name, new, n in rows:
        if name == "created" and new == "report":
            out["reported"] += n
        elif name == "created" and new == "import":
            out["imported"] += n
        elif name == "confirmed":
            out["confirmed"] += n
        elif name == "substatus":
            out["back_in_use"] += n
    return out


# --- the vacancy file (LOVAC extraction) --------------------------------------------------

HEADERS: dict[str, tuple[str, ...]] = {
    "ref": ("invariant", "ff_idlocal", "idlocal", "local_id", "reference", "ref"),
    "address": ("adresse", "ban_adresse", "adresse1", "address", "ff_adresse"),
    "kind": ("type", "dteloc", "ff_dteloc", "type_local", "kind"),
    "rooms": ("nb_pieces", "ff_npiece_p2", "pieces", "rooms"),
    "surface": ("surface", "ff_stoth", "surface_habitable", "surface_m2"),
    "year_built": ("annee_construction", "ff_jannath", "year_built"),
    "vacant_since": ("debut_vacance", "debutvacance", "annee_debut_vacance", "vacant_since"),
    "energy_class": ("dpe", "classe_dpe", "classe_energie", "energy_class"),
    "owner_ref": ("ff_idprocpte", "id_proprietaire", "owner_ref"),
    "owner": ("proprietaire", "ff_ddenom_1", "nom_proprietaire", "owner"),
    "owner_address": ("adresse_proprietaire", "ff_adresse_1", "owner_address"),
    "owner_kind": ("categorie_proprietaire", "ff_catpro2txt", "type_proprietaire", "owner_kind"),
    "year": ("millesime", "annee", "year"),
}
REQUIRED = ("ref", "address")
KINDS = {
    "1": "house",
    "maison": "house",
    "house": "house",
    "2": "flat",
    "appartement": "flat",
    "flat": "flat",
}
OWNER_KIND_WORDS = (
    ("commune", "commune"),
    ("collectivit", "commune"),
    ("hlm", "social"),
    ("social", "social"),
    ("bailleur", "social"),
    ("personne physique", "private"),
    ("particulier", "private"),
    ("priv", "private"),
    ("sci", "private"),
)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    rows: int = 0


def _norm(name: str) -> str:
    return name.strip().strip("\ufeff").lower().replace(" ", "_")


def _columns(header: list[str]) -> dict[str, int]:
    names = [_norm(h) for h in header]
    found: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    return found


def _owner_kind(value: str) -> str:
    lowered = value.strip().lower()
    if not lowered:
        return "unknown"
    if lowered in OWNER_KINDS:
        return lowered
    for word, kind in OWNER_KIND_WORDS:
        if word in lowered:
            return kind
    return "unknown"


def _parse_row(cells: dict[str, str], year: int | None) -> dict[str, Any]:
    kind_raw = cells.get("kind", "").strip().lower()
    if kind_raw and kind_raw not in KINDS:
        raise ValidationFailed(_("Type de logement inconnu : %(v)s", v=kind_raw[:30]), field="kind")
    data = {
        "ref": cells.get("ref", ""),
        "address": cells.get("address", ""),
        "kind": KINDS.get(kind_raw, "house"),
        "rooms": cells.get("rooms", ""),
        "surface": (cells.get("surface") or "").split(",")[0].split(".")[0],
        "year_built": cells.get("year_built", "") or None,
        "vacant_since": (cells.get("vacant_since") or "")[:4] or None,
        "energy_class": cells.get("energy_class", ""),
        "owner_kind": _owner_kind(cells.get("owner_kind", "")),
    }
    if data["year_built"] in ("0", "0000"):
        data["year_built"] = None
    text_field(data["ref"], "ref", 60, required=True)
    fields_ = _dwelling_fields(data)
    fields_.pop("occupancy", None)
    file_year = integer_field(cells.get("year") or year, "year", 1990, 2100)
    return {
        "ref": data["ref"].strip(),
        "fields": fields_,
        "year": file_year,
        "owner": {
            "ref": cells.get("owner_ref", "").strip(),
            "name": text_field(cells.get("owner"), "owner", 200),
            "address": text_field(cells.get("owner_address"), "owner_address", 300),
            "kind": fields_["owner_kind"],
        },
    }


def read_vacancy_file(
    content: str, year: int | None = None
) -> tuple[list[tuple[int, dict]], list[str]]:
    """Parse the whole file first: (line number, parsed row) and every error with its line."""
    if not (content or "").strip():
        return [], [_("Fichier vide.")]
    try:  # federation.csvio: encodings, sniffed delimiter, size, line numbers
        table = csvio.read_table(content, field_name="csv")
    except ValidationFailed as exc:
        return [], [exc.message]
    header = table.header
    columns = _columns(header)
    named = {key: header[index].strip().strip("\ufeff") for key, index in columns.items()}
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        return [], [
            _("Ligne 1 : colonnes manquantes : %(c)s", c=", ".join(HEADERS[k][0] for k in missing))
        ]
    parsed: list[tuple[int, dict]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for count, (number, row) in enumerate(table.rows, start=1):
        if count > MAX_IMPORT_ROWS:
            errors.append(_("Ligne %(n)d : plus de %(m)d lignes.", n=number, m=MAX_IMPORT_ROWS))
            break
        cells = {key: (row[i] if i < len(row) else "").strip() for key, i in columns.items()}
        try:
            item = _parse_row(cells, year)
        except ValidationFailed as exc:
            errors.append(
                _(
                    "Ligne %(n)d : %(f)s : %(m)s",
                    n=number,
                    f=named.get(exc.field or "", exc.field or "?"),
                    m=exc.message,
                )
            )
            continue
        if item["ref"] in seen:
            errors.append(
                _("Ligne %(n)d : référence déjà vue ligne %(o)d.", n=number, o=seen[item["ref"]])
            )
            continue
        seen[item["ref"]] = number
        parsed.append((number, item))
    return parsed, errors


def _owner_for(data: dict[str, Any], cache: dict[str, Owner]) -> Owner | None:
    if not data["name"]:
        return None
    ref = data["ref"] or f"{data['name']}|{data['address']}"[:60]
    owner = cache.get(ref)
    if owner is None:
        owner = Owner(
            ref=ref, name=data["name"], address=data["address"], kind=data["kind"], contact_rank="1"
        )
        db.session.add(owner)
        cache[ref] = owner
    else:
        owner.name, owner.address = data["name"], data["address"] or owner.address
    return owner


def import_vacancies(
    content: str, *, year: int | None = None, actor: Any = None, dry_run: bool = False
) -> ImportReport:
    """Import a vacancy file: every error by line and nothing written, or every row
    written. A dwelling already known (same reference) is updated, never duplicated; its
    follow-up is kept; a newer file year is logged."""
    parsed, errors = read_vacancy_file(content, year)
    report = ImportReport(errors=errors, rows=len(parsed))
    if errors:
        return report
    known = {d.ref: d for d in db.session.scalars(select(Dwelling))}
    owners = {o.ref: o for o in db.session.scalars(select(Owner)) if o.ref}
    for _number, item in parsed:
        owner = _owner_for(item["owner"], owners)
        row = known.get(item["ref"])
        if row is None:
            report.created += 1
            if dry_run:
                continue
            row = Dwelling(
                ref=item["ref"],
                source="import",
                confirmed=True,
                status="not_followed",
                substatus="",
                levers=[],
                blocking=[],
                occupancy="vacant",
                lovac_year=item["year"],
                **item["fields"],
            )
            if owner is not None:
                db.session.flush()
                row.owner_id = owner.id
            db.session.add(row)
            db.session.flush()
            log_change(row, "created", "", "import", actor, "import")
            log_change(row, "status", "", "not_followed", actor, "import")
            log_change(row, "occupancy", "", "vacant", actor, "import")
            if item["year"]:
                log_change(row, "lovac_year", "", item["year"], actor, "import")
            continue
        changed = False
        for name, value in item["fields"].items():
            if getattr(row, name) != value:
                changed = True
                if not dry_run:
                    if name == "vacant_since":
                        log_change(row, name, row.vacant_since, value, actor, "import")
                    setattr(row, name, value)
        if item["year"] and item["year"] != row.lovac_year:
            if row.lovac_year and item["year"] < row.lovac_year:
                continue  # an older file never overwrites a newer one
            changed = True
            if not dry_run:
                log_change(row, "lovac_year", row.lovac_year, item["year"], actor, "import")
                row.lovac_year = item["year"]
        if owner is not None and not dry_run:
            db.session.flush()
            if row.owner_id != owner.id:
                row.owner_id = owner.id
                changed = True
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    if not dry_run and (report.created or report.updated):
        emit(
            "housing.vacancies_imported",
            {"created": report.created, "updated": report.updated},
            commune_id=commune_id(),
        )
    return report


def date_or_today(value: Any, field_name: str, today: date | None = None) -> date:
    if value in (None, ""):
        return today or date.today()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("Date attendue (AAAA-MM-JJ)."), field=field_name) from None
