"""Creating and finding communes and federations; importing the official commune list."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, Select, String, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from werkzeug.sansio.utils import host_is_trusted

from federation.db import db, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.tenancy.models import LOCALES, Commune, Federation, FederationMember, search_key

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
EPCI_SIREN_RE = re.compile(r"\d{9}")
#: a search that is the start of an INSEE code (no commune name starts with a digit)
INSEE_PREFIX_RE = re.compile(r"^(?:\d{1,5}|2[AB]\d{0,3})$", re.IGNORECASE)
FEDERATION_KINDS = ("basin", "food", "epci", "other")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:64].strip("-")


def _check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not slug or len(slug) > 64 or not SLUG_RE.match(slug):
        raise ValidationFailed(
            _("Identifiant invalide : lettres minuscules, chiffres et tirets."), field="slug"
        )
    return slug


def validate_commune_fields(
    *,
    name: str | None = None,
    insee_code: str | None = None,
    population: object = None,
    default_locale: str | None = None,
    host: str | None = None,
    epci_siren: str | None = None,
    epci_name: str | None = None,
) -> None:
    if epci_siren and not EPCI_SIREN_RE.fullmatch(epci_siren):
        raise ValidationFailed(_("SIREN d'EPCI invalide (9 chiffres)."), field="epci_siren")
    if epci_name and len(epci_name) > 200:
        raise ValidationFailed(_("%(n)d caractères au plus.", n=200), field="epci_nom")
    if name is not None and (not name.strip() or len(name) > 200):
        raise ValidationFailed(_("Le nom est obligatoire (200 caractères au plus)."), field="name")
    if insee_code and not INSEE_RE.match(insee_code):
        raise ValidationFailed(
            _("Code INSEE invalide (5 caractères, ex. 22344)."), field="insee_code"
        )
    if population is not None and (not isinstance(population, int) or population < 0):
        raise ValidationFailed(_("La population doit être un entier positif."), field="population")
    if default_locale is not None and default_locale not in LOCALES:
        raise ValidationFailed(_("Langue inconnue."), field="default_locale")
    if host and (len(host) > 255 or not re.match(r"^[a-z0-9.-]+$", host)):
        raise ValidationFailed(_("Nom d'hôte invalide."), field="host")
    if host:
        _check_host_is_trusted(host)


def _check_host_is_trusted(host: str) -> None:
    """A commune's host is one the platform trusts (HOSTS: Flask refuses every other) and
    not the platform's own address (BASE_URL's host), which names no commune."""
    trusted = current_app.config.get("HOSTS") or []
    base = urlsplit(current_app.config.get("BASE_URL") or "").hostname
    if host == base or host in ("localhost", "127.0.0.1"):
        raise ValidationFailed(
            _("Ce nom d'hôte est celui de la plateforme, pas d'une commune."), field="host"
        )
    if trusted and not host_is_trusted(host, trusted):
        raise ValidationFailed(
            _(
                "Ce nom d'hôte n'est pas parmi ceux que la plateforme accepte (%(hosts)s).",
                hosts=", ".join(trusted),
            ),
            field="host",
        )


@dataclass(frozen=True)
class NewCommune:
    """What a new commune is made of (the fields of :func:`create_communes`)."""

    name: str
    slug: str | None = None
    insee_code: str | None = None
    population: int | None = None
    departement: str | None = None
    default_locale: str = "fr"
    host: str | None = None
    description: str = ""
    epci_siren: str | None = None
    epci_name: str | None = None


def create_commune(
    name: str,
    slug: str | None = None,
    *,
    insee_code: str | None = None,
    population: int | None = None,
    departement: str | None = None,
    default_locale: str = "fr",
    host: str | None = None,
    description: str = "",
) -> Commune:
    """Create one commune: a batch of one through :func:`create_communes`."""
    [commune] = create_communes(
        [
            NewCommune(
                name=name,
                slug=slug,
                insee_code=insee_code,
                population=population,
                departement=departement,
                default_locale=default_locale,
                host=host,
                description=description,
            )
        ]
    )
    return commune


def _checked(spec: NewCommune) -> dict[str, object]:
    """The row of a valid new commune, or :class:`ValidationFailed` naming the field."""
    name = spec.name or ""
    slug = _check_slug(spec.slug or slugify(name))
    validate_commune_fields(
        name=name,
        insee_code=spec.insee_code,
        population=spec.population,
        default_locale=spec.default_locale,
        host=spec.host,
        epci_siren=spec.epci_siren,
        epci_name=spec.epci_name,
    )
    return {
        "slug": slug,
        "name": name.strip(),
        "search_name": search_key(name),
        "insee_code": spec.insee_code or None,
        "population": spec.population,
        "departement": spec.departement,
        "epci_siren": spec.epci_siren or None,
        "epci_name": spec.epci_name or None,
        "default_locale": spec.default_locale,
        "host": spec.host or None,
        "description": spec.description,
        "verification_method": "approval",
        "created_at": utcnow(),
    }


def _refuse_taken(rows: list[dict[str, object]]) -> None:
    """Refuse slugs, INSEE codes and hosts already used, in the batch or in the database:
    one query per field for the whole batch."""
    checks: tuple[tuple[str, Any, Callable[[object], str]], ...] = (
        (
            "slug",
            Commune.slug,
            lambda v: _("Une commune utilise déjà l'identifiant %(slug)s.", slug=v),
        ),
        (
            "insee_code",
            Commune.insee_code,
            lambda v: _("Une commune a déjà le code INSEE %(code)s.", code=v),
        ),
        ("host", Commune.host, lambda _v: _("Ce nom d'hôte est déjà utilisé.")),
    )
    for key, field_column, message in checks:
        given = [row[key] for row in rows if row[key]]
        if not given:
            continue
        seen: set[object] = set()
        repeated = next((v for v in given if v in seen or seen.add(v)), None)  # type: ignore[func-returns-value]
        taken = repeated or db.session.scalar(
            select(field_column).where(field_column.in_(given)).limit(1)
        )
        if taken:
            raise Conflict(message(taken), field=key)


def create_communes(specs: Sequence[NewCommune]) -> list[Commune]:
    """The one service that creates communes, alone or by thousands (web, API, CLI, CSV and
    JSON import, demo): each is validated (a :class:`ValidationFailed` or :class:`Conflict`
    naming the field refuses the whole batch), the batch is inserted in one bulk statement
    and announced to the plugins (:func:`announce_created`), all in the caller's
    transaction. A constant number of queries per batch, whatever its size."""
    if not specs:
        return []
    rows = [_checked(spec) for spec in specs]
    _refuse_taken(rows)
    # without sort_by_parameter_order, which SQLite would pay with one INSERT per row: the
    # slugs (unique) put the returned communes back in the order of the batch
    by_slug = {c.slug: c for c in db.session.scalars(insert(Commune).returning(Commune), rows)}
    communes = [by_slug[row["slug"]] for row in rows]
    announce_created(communes)
    return communes


def announce_created(communes: list[Commune]) -> None:
    """Tell the plugins about new communes, once their rows exist, in the caller's
    transaction: ``federation_communes_created`` once for the batch, then
    ``federation_commune_created`` for each commune (only if some plugin implements it).

    Every path that creates a commune goes through :func:`create_communes` (directly, or
    through :func:`create_commune` and :func:`import_communes_csv`), which calls this;
    ``convergence commune backfill`` calls it again for communes created before (the hooks
    are idempotent). The hooks are reached through the application's plugin manager, so
    this floor imports no plugin code.
    """
    if not communes:
        return
    hook = current_app.extensions["convergence"].pm.hook
    hook.federation_communes_created(communes=communes)
    if hook.federation_commune_created.get_hookimpls():
        for commune in communes:
            hook.federation_commune_created(commune=commune)


def get_commune(slug: str) -> Commune:
    commune = db.session.scalar(select(Commune).where(Commune.slug == slug))
    if commune is None:
        raise NotFound(_("Commune inconnue : %(slug)s", slug=slug), field="commune")
    return commune


def search_communes(query: str = "", limit: int = 50, offset: int = 0) -> list[Commune]:
    """Communes in alphabetical order, accents and case folded (:func:`search_key`), or
    those whose name starts with ``query`` folded the same way (« st-e », « SAINT É »), or
    whose INSEE code starts with it (digits): a range of an index either way, so a page of
    results costs the same with 10 communes or with all 34,875 of the official list."""
    stmt = search_statement(query)
    if stmt is None:
        return []  # only punctuation: no name contains it once folded
    return list(db.session.scalars(stmt.limit(limit).offset(offset)))


def search_statement(query: str = "") -> Select[tuple[Commune]] | None:
    """The ordered SELECT of :func:`search_communes` (None: nothing can match)."""
    query = (query or "").strip()
    if INSEE_PREFIX_RE.match(query):
        column = Commune.insee_code
        return select(Commune).where(*_prefix(column, query.upper())).order_by(column)
    stmt = select(Commune).order_by(Commune.search_name, Commune.id)
    if not query:
        return stmt
    key = search_key(query)
    return stmt.where(*_prefix(Commune.search_name, key)) if key else None


def _prefix(column: Any, prefix: str) -> tuple[Any, Any]:
    """``column`` starts with ``prefix``, as a range the column's index reads: LIKE would
    not use it on SQLite (LIKE ignores case there, the index does not), nor on PostgreSQL
    outside the C collation."""
    return column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1)


def count_communes() -> int:
    """``count(*)``: SQLite counts the pages of its smallest index (0.01 ms for the 34,875
    communes) where ``count(id)`` reads every row of one (1 to 9 ms)."""
    return db.session.scalar(select(func.count()).select_from(Commune)) or 0


def create_federation(
    name: str, slug: str | None = None, *, description: str = "", kind: str = "other"
) -> Federation:
    slug = _check_slug(slug or slugify(name))
    if not name or not name.strip() or len(name) > 200:
        raise ValidationFailed(_("Le nom est obligatoire (200 caractères au plus)."), field="name")
    if kind not in FEDERATION_KINDS:
        raise ValidationFailed(_("Type de fédération inconnu."), field="kind")
    if db.session.scalar(select(Federation.id).where(Federation.slug == slug)):
        raise Conflict(
            _("Une fédération utilise déjà l'identifiant %(slug)s.", slug=slug), field="slug"
        )
    federation = Federation(slug=slug, name=name.strip(), description=description, kind=kind)
    db.session.add(federation)
    db.session.flush()
    return federation


def get_federation(slug: str) -> Federation:
    federation = db.session.scalar(select(Federation).where(Federation.slug == slug))
    if federation is None:
        raise NotFound(_("Fédération inconnue : %(slug)s", slug=slug), field="federation")
    return federation


def list_federations() -> list[Federation]:
    return list(db.session.scalars(select(Federation).order_by(Federation.name)))


def add_commune_to_federation(
    federation: Federation, commune: Commune, joined_on: date | None = None
) -> FederationMember:
    """``commune`` joins ``federation``; :class:`Conflict` when it is a member already."""
    added = add_communes_to_federation(federation, [commune.id], joined_on)
    if not added:
        raise Conflict(
            _(
                "%(commune)s est déjà membre de %(federation)s.",
                commune=commune.name,
                federation=federation.name,
            ),
            field="commune",
        )
    return added[0]


def add_communes_to_federation(
    federation: Federation, commune_ids: Iterable[int], joined_on: date | None = None
) -> list[FederationMember]:
    """The one service that makes communes members of a federation, one or thousands:
    those not already current members join (one query for the current members, one flush);
    returns the new memberships, in the caller's transaction."""
    wanted = list(dict.fromkeys(commune_ids))
    current = set(
        db.session.scalars(
            select(FederationMember.commune_id).where(
                FederationMember.federation_id == federation.id,
                FederationMember.left_on.is_(None),
            )
        )
    )
    day = joined_on or date.today()
    members = [
        FederationMember(federation_id=federation.id, commune_id=cid, joined_on=day)
        for cid in wanted
        if cid not in current
    ]
    db.session.add_all(members)
    db.session.flush()
    return members


def remove_commune_from_federation(
    federation: Federation, commune: Commune, left_on: date | None = None
) -> None:
    current = db.session.scalar(
        select(FederationMember).where(
            FederationMember.federation_id == federation.id,
            FederationMember.commune_id == commune.id,
            FederationMember.left_on.is_(None),
        )
    )
    if current is None:
        raise NotFound(
            _(
                "%(commune)s n'est pas membre de %(federation)s.",
                commune=commune.name,
                federation=federation.name,
            ),
            field="commune",
        )
    current.left_on = left_on or date.today()


def member_commune_ids(federation_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(FederationMember.commune_id)
            .where(
                FederationMember.federation_id == federation_id, FederationMember.left_on.is_(None)
            )
            .order_by(FederationMember.commune_id)
        )
    )


def member_communes(federation_id: int) -> list[Commune]:
    return list(
        db.session.scalars(
            select(Commune)
            .join(FederationMember, FederationMember.commune_id == Commune.id)
            .where(
                FederationMember.federation_id == federation_id, FederationMember.left_on.is_(None)
            )
            .order_by(Commune.name)
        )
    )


def federations_of(commune_id: int) -> list[Federation]:
    return list(
        db.session.scalars(
            select(Federation)
            .join(FederationMember, FederationMember.federation_id == Federation.id)
            .where(FederationMember.commune_id == commune_id, FederationMember.left_on.is_(None))
            .order_by(Federation.name)
        )
    )


# --- importing the official list of communes ------------------------------------------

REQUIRED_COLUMNS = ("code_insee", "nom")
COMMUNES_MAX_BYTES = 200 * 1024 * 1024


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    #: the file's intercommunalities: SIREN → (name, INSEE codes of the member communes
    #: among the valid lines, skipped ones included)
    epci: dict[str, tuple[str, list[str]]] = field(default_factory=dict)


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None


@dataclass(frozen=True)
class _Line:
    number: int
    code: str
    name: str
    departement: str | None
    population: int | None
    epci_siren: str | None = None
    epci_name: str | None = None

    @property
    def fields(self) -> tuple[str, int | None, str | None, str | None, str | None]:
        """What an update compares and writes."""
        return (self.name, self.population, self.departement, self.epci_siren, self.epci_name)


def _read_lines(
    path: Path,
    deps: set[str] | None,
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> list[_Line]:
    """The file's valid lines; a bad line, or a code a line above already gave, is reported
    with its number and left out."""
    from federation.csvio import read_table

    lines: list[_Line] = []
    first_line: dict[str, int] = {}
    # any usual encoding, sniffed delimiter, line numbers (the whole list: ~5 MB)
    table = read_table(path, max_bytes=COMMUNES_MAX_BYTES)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        raise ValidationFailed(
            _("Colonnes manquantes dans le fichier : %(cols)s", cols=", ".join(missing)),
            field="file",
        )
    for line_no, row in table.dicts():
        if progress:
            progress(1)
        code = (row.get("code_insee") or "").strip()
        name = (row.get("nom") or "").strip()
        dep = (row.get("dep") or "").strip() or None
        epci_siren = (row.get("epci_siren") or "").strip() or None
        epci_name = (row.get("epci_nom") or "").strip() or epci_siren
        if deps is not None and dep not in deps:
            report.skipped += 1
            continue
        try:
            population = _int_or_none(row.get("population_municipale"))
            validate_commune_fields(
                name=name,
                insee_code=code,
                population=population,
                epci_siren=epci_siren,
                epci_name=epci_name,
            )
            if not code:
                raise ValidationFailed(_("Code INSEE manquant."), field="code_insee")
            if code in first_line:
                raise ValidationFailed(
                    _("Code INSEE déjà donné ligne %(n)d.", n=first_line[code]),
                    field="code_insee",
                )
        except (ValidationFailed, ValueError) as exc:
            message = (
                exc.message
                if isinstance(exc, ValidationFailed)
                else _("La population doit être un entier positif.")
            )
            report.errors.append(_("ligne %(n)d : %(msg)s", n=line_no, msg=message))
            continue
        first_line[code] = line_no
        lines.append(_Line(line_no, code, name, dep, population, epci_siren, epci_name))
        if epci_siren:
            report.epci.setdefault(epci_siren, (epci_name or epci_siren, []))[1].append(code)
    return lines


def import_communes_csv(
    path: Path,
    *,
    only_departements: Iterable[str] | None = None,
    update_existing: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
) -> ImportReport:
    """Create (and with ``update_existing``, update) communes from an official CSV (INSEE
    code, name, département, population…), in the caller's transaction.

    Columns: ``code_insee``, ``nom`` and optionally ``dep``, ``population_municipale``,
    ``epci_siren`` and ``epci_nom`` (the intercommunality, stored on the commune and
    listed in the report's ``epci`` for
    :func:`federation.intercommunal.epci.attach_epci_federations`).
    Bad lines are reported with their line number and skipped; nothing from a bad line is
    written. One query loads every known commune; new communes go through
    :func:`create_communes` (bulk inserts, announced to the plugins) a batch of
    ``batch_size`` at a time; changed ones are updated in bulk by primary key; the report
    counts created, updated, unchanged (known and identical) and skipped lines (another
    département, or known communes without ``update_existing``).
    """
    report = ImportReport()
    deps = {d.strip() for d in only_departements} if only_departements else None
    lines = _read_lines(path, deps, report, progress)
    known: dict[str, tuple[int, tuple[object, ...]]] = {}
    used_slugs: set[str] = set()
    for cid, slug, code, *fields in db.session.execute(
        select(
            Commune.id,
            Commune.slug,
            Commune.insee_code,
            Commune.name,
            Commune.population,
            Commune.departement,
            Commune.epci_siren,
            Commune.epci_name,
        )
    ):
        used_slugs.add(slug)
        if code:
            known[code] = (cid, tuple(fields))
    new: list[NewCommune] = []
    changes: list[dict[str, object]] = []
    for line in lines:
        current = known.get(line.code)
        if current is None:
            slug = slugify(line.name) or line.code
            if slug in used_slugs:
                slug = f"{slug}-{line.code.lower()}"
            used_slugs.add(slug)
            new.append(
                NewCommune(
                    name=line.name,
                    slug=slug,
                    insee_code=line.code,
                    population=line.population,
                    departement=line.departement,
                    epci_siren=line.epci_siren,
                    epci_name=line.epci_name,
                )
            )
        elif not update_existing:
            report.skipped += 1
        elif current[1] == line.fields:
            report.unchanged += 1
        else:
            changes.append(
                {
                    "id": current[0],
                    "name": line.name,
                    "search_name": search_key(line.name),
                    "population": line.population,
                    "departement": line.departement,
                    "epci_siren": line.epci_siren,
                    "epci_name": line.epci_name,
                }
            )
    for start in range(0, len(new), batch_size):
        report.created += len(create_communes(new[start : start + batch_size]))
    for start in range(0, len(changes), batch_size):
        _update_communes(changes[start : start + batch_size])
    report.updated = len(changes)
    return report


def _update_communes(changes: list[dict[str, object]]) -> None:
    """Update a batch of communes by primary key in one statement. PostgreSQL: ``UPDATE …
    FROM unnest(arrays)`` (an executemany costs a round trip per row there, and a VALUES
    list of thousands of rows costs seconds to compile); SQLite, in process: an
    executemany."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(update(Commune), changes)
        return
    rows = (
        func.unnest(
            bindparam("ids", type_=ARRAY(Integer)),
            bindparam("names", type_=ARRAY(String)),
            bindparam("search_names", type_=ARRAY(String)),
            bindparam("populations", type_=ARRAY(Integer)),
            bindparam("departements", type_=ARRAY(String)),
            bindparam("epci_sirens", type_=ARRAY(String)),
            bindparam("epci_names", type_=ARRAY(String)),
        )
        .table_valued(
            "id", "name", "search_name", "population", "departement", "epci_siren", "epci_name"
        )
        .render_derived()
    )
    db.session.execute(
        update(Commune)
        .where(Commune.id == rows.c.id)
        .values(
            name=rows.c.name,
            search_name=rows.c.search_name,
            population=rows.c.population,
            departement=rows.c.departement,
            epci_siren=rows.c.epci_siren,
            epci_name=rows.c.epci_name,
        )
        .execution_options(synchronize_session=False),
        {
            "ids": [c["id"] for c in changes],
            "names": [c["name"] for c in changes],
            "search_names": [c["search_name"] for c in changes],
            "populations": [c["population"] for c in changes],
            "departements": [c["departement"] for c in changes],
            "epci_sirens": [c["epci_siren"] for c in changes],
            "epci_names": [c["epci_name"] for c in changes],
        },
    )


EDITABLE_FIELDS = (
    "name",
    "population",
    "default_locale",
    "host",
    "description",
    "verification_method",
)


def update_commune(
    commune: Commune, *, allowed_methods: Iterable[str] | None = None, **changes: object
) -> Commune:
    """Change a commune's profile; unknown fields are refused."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Champ inconnu."), field=sorted(unknown)[0])
    validate_commune_fields(
        name=changes.get("name"),  # type: ignore[arg-type]
        population=changes.get("population"),
        default_locale=changes.get("default_locale"),  # type: ignore[arg-type]
        host=changes.get("host"),  # type: ignore[arg-type]
    )
    method = changes.get("verification_method")
    if method is not None and method not in set(allowed_methods or ()):
        raise ValidationFailed(_("Méthode de vérification inconnue."), field="verification_method")
    host = changes.get("host")
    if host:
        taken = db.session.scalar(
            select(Commune.id).where(Commune.host == host, Commune.id != commune.id)
        )
        if taken:
            raise Conflict(_("Ce nom d'hôte est déjà utilisé."), field="host")
    for key, value in changes.items():
        if key == "host":
            value = value or None
        setattr(commune, key, value)
    db.session.flush()
    return commune
