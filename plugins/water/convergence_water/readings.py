"""Meter readings: one by form, many by CSV or from automated meters (API), consumption
compared with the allocation, and over-use alerts to the user and the water circle.

A reading is refused, with a message naming the field and (in a file) the line, when its
index is negative or lower than the meter's previous index, its date is in the future or
not after the meter's last reading, or its meter is unknown. Imports insert in batches;
by default a file with any bad line stores nothing (``partial=True`` keeps the good lines).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from convergence_water.bulk import BulkWriter
from convergence_water.models import MeterReading, OveruseAlert, WaterUser
from convergence_water.services import (
    commune_id,
    current_commune_row,
    current_lines,
    settings,
    water_bodies,
)
from federation import csvio
from federation.db import db
from federation.errors import ValidationFailed
from federation.identity.notifications import notify

_INDEX = re.compile(r"^(\d{1,12})(?:[.,](\d{1,3}))?$")
HEADERS = {
    "meter": ("compteur", "meter", "meter_code", "numero_compteur", "numéro de compteur"),
    "date": ("date", "read_on", "date_releve", "date de relevé"),
    "index": ("index", "index_m3", "index (m3)", "index (m³)", "releve", "relevé"),
}
BATCH = 10_000
MAX_REPORTED = 200


@dataclass(frozen=True)
class ReadingError:
    line: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = _("ligne %(n)d", n=self.line) if self.line is not None else ""
        return f"{where} — {self.field} : {self.message}" if where else self.message


@dataclass
class ImportReport:
    read: int = 0
    stored: int = 0
    rejected: int = 0
    alerts: int = 0
    errors: list[ReadingError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "stored": self.stored,
            "rejected": self.rejected,
            "alerts": self.alerts,
            "errors": [e.as_dict() for e in self.errors],
        }


class _Refused(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        self.message = message


def parse_index(value: Any) -> int:
    """An index in m³ (three decimals at most) → litres; refuses negatives and garbage."""
    if type(value) is str:  # the common case, a million times in a file: no regex
        whole, sep, decimals = value.strip().replace(",", ".").partition(".")
        if (
            whole.isascii()
            and whole.isdigit()
            and len(whole) <= 12
            and (not sep or (decimals.isascii() and decimals.isdigit() and len(decimals) <= 3))
        ):
            return int(whole) * 1000 + (int(decimals.ljust(3, "0")) if sep else 0)
    if isinstance(value, bool):
        raise _Refused("index", _("Index invalide."))
    text = (f"{value:.3f}" if isinstance(value, float) else str(value)).strip()
    if text.startswith("-"):
        raise _Refused("index", _("Un index de compteur ne peut pas être négatif."))
    match = _INDEX.match(text.replace("\u202f", "").replace(" ", ""))
    if match is None:
        raise _Refused("index", _("Index invalide : un nombre de m³ (ex. 1234,567)."))
    whole, decimals = match.groups()
    return int(whole) * 1000 + int((decimals or "0").ljust(3, "0"))


def parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        if "/" in text:
            day, month, year = text.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text)
    except ValueError:
        raise _Refused("date", _("Date invalide (AAAA-MM-JJ ou JJ/MM/AAAA).")) from None


class ReadingChecker:
    """Validates readings against the meters of the commune and their last index.

    Loads every meter and its last reading in two queries, then checks each reading in
    memory, remembering the readings it accepted (a file may hold many per meter).
    """

    def __init__(self, today: date | None = None, meters: Iterable[str] | None = None) -> None:
        self.today = today or date.today()
        query = select(WaterUser.meter_code, WaterUser.id).where(WaterUser.meter_code.is_not(None))
        if meters is not None:
            query = query.where(WaterUser.meter_code.in_(list(meters)))
        self.meters: dict[str, int] = dict(db.session.execute(query).all())
        self.last: dict[int, tuple[date, int]] = last_readings(list(self.meters.values()))
        self.first_new: dict[int, tuple[date, int]] = {}

    def check(self, meter: Any, day: Any, index: Any) -> tuple[int, date, int]:
        code = str(meter or "").strip()
        if not code:
            raise _Refused("meter", _("Numéro de compteur manquant."))
        user_id = self.meters.get(code)
        if user_id is None:
            raise _Refused("meter", _("Compteur inconnu : %(m)s.", m=code[:40]))
        read_on = parse_date(day)
        if read_on > self.today:
            raise _Refused("date", _("Cette date est dans le futur."))
        litres = parse_index(index)
        previous = self.last.get(user_id)
        if previous is not None:
            if read_on <= previous[0]:
                raise _Refused(
                    "date",
                    _(
                        "Le compteur a déjà un relevé au %(d)s : les relevés se suivent dans "
                        "le temps.",
                        d=previous[0].strftime("%d/%m/%Y"),
                    ),
                )
            if litres < previous[1]:
                raise _Refused(
                    "index",
                    _(
                        "L'index baisse : %(i)s m³ < %(p)s m³ relevés le %(d)s.",
                        i=_m3_text(litres),
                        p=_m3_text(previous[1]),
                        d=previous[0].strftime("%d/%m/%Y"),
                    ),
                )
        if user_id not in self.first_new:
            # the interval to check starts at the last known reading, or at this one
            self.first_new[user_id] = previous or (read_on, litres)
        self.last[user_id] = (read_on, litres)
        return user_id, read_on, litres


def _m3_text(litres: int) -> str:
    return f"{litres // 1000},{litres % 1000:03d}"


def last_readings(user_ids: list[int]) -> dict[int, tuple[date, int]]:
    """water user id → (date, index) of its latest reading, in one query."""
    if not user_ids:
        return {}
    latest = (
        select(MeterReading.water_user_id, func.max(MeterReading.read_on).label("day"))
        .group_by(MeterReading.water_user_id)
        .subquery()
    )
    query = select(MeterReading.water_user_id, MeterReading.read_on, MeterReading.index_l).join(
        latest,
        (latest.c.water_user_id == MeterReading.water_user_id)
        & (latest.c.day == MeterReading.read_on),
    )
    if len(user_ids) < 1000:
        query = query.where(MeterReading.water_user_id.in_(user_ids))
    return {uid: (day, index) for uid, day, index in db.session.execute(query).all()}


def add_reading(
    water_user: WaterUser, read_on: Any, index_m3: Any, *, source: str = "form", today=None
) -> MeterReading:
    """One reading of one meter (form or API); refused with a message naming the field."""
    if not water_user.meter_code:
        raise ValidationFailed(_("Cet usager n'a pas de compteur."), field="meter")
    checker = ReadingChecker(today, meters=[water_user.meter_code])
    try:
        _uid, day, litres = checker.check(water_user.meter_code, read_on, index_m3)
    except _Refused as exc:
        raise ValidationFailed(exc.message, field=exc.field) from None
    reading = MeterReading(water_user_id=water_user.id, read_on=day, index_l=litres, source=source)
    try:
        with db.session.begin_nested():
            db.session.add(reading)
    except IntegrityError:
        raise ValidationFailed(_("Un relevé existe déjà à cette date."), field="date") from None
    check_overuse(checker)
    return reading


READING_COLUMNS = ("commune_id", "water_user_id", "read_on", "index_l", "source")


def import_records(
    records: Iterable[tuple[int | None, Any, Any, Any]],
    *,
    source: str,
    partial: bool = False,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> ImportReport:
    """Store readings given as ``(line, meter, date, index)``, streamed in bulk.

    Raises :class:`ValidationFailed` listing the bad lines when any line is bad and
    ``partial`` is false (the caller rolls back: nothing is stored). ``progress`` is
    called with the number of lines read, every few thousand lines.
    """
    checker = ReadingChecker(today)
    report = ImportReport()
    cid = commune_id()
    writer = BulkWriter(MeterReading.__table__, READING_COLUMNS)
    read = 0
    try:
        for line, meter, day, index in records:
            read += 1
            if progress is not None and read % BATCH == 0:
                progress(BATCH)
            try:
                user_id, read_on, litres = checker.check(meter, day, index)
            except _Refused as exc:
                report.rejected += 1
                if len(report.errors) < MAX_REPORTED:
                    report.errors.append(ReadingError(line, exc.field, exc.message))
                continue
            if partial or not report.rejected:  # nothing will be kept after a refusal
                writer.add((cid, user_id, read_on, litres, source))
    except BaseException:
        writer.abort()
        raise
    if progress is not None and read % BATCH:
        progress(read % BATCH)
    report.read = read
    if report.rejected and not partial:
        writer.abort()
        raise ValidationFailed(
            _("%(n)d relevé(s) refusé(s) : rien n'est enregistré.", n=report.rejected),
            errors=_errors_by_line(report.errors, report.rejected),
        )
    report.stored = writer.close()
    report.alerts = check_overuse(checker)
    return report


def _errors_by_line(errors: list[ReadingError], total: int) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        key = f"line {error.line}" if error.line is not None else error.field
        if error.line is None:
            result.setdefault(key, []).append(f"{error.field}: {error.message}")
        else:  # the line is said in the message: the summary shows messages, not keys
            result.setdefault(key, []).append(
                _(
                    "ligne %(line)d, %(field)s : %(message)s",
                    line=error.line,
                    field=error.field,
                    message=error.message,
                )
            )
    if total > len(errors):
        result["_schema"] = [_("… et %(n)d autres lignes refusées.", n=total - len(errors))]
    return result


def csv_records(stream: Iterable[str]) -> Iterator[tuple[int, str, str, str]]:
    """``(line number, meter, date, index)`` from a CSV text stream with a header line.

    Comma or semicolon separated; French or English column names; line 1 is the header.
    """
    lines = iter(stream)
    header_line = next(lines, "")
    delimiter = csvio.sniff_delimiter(header_line)
    header = [
        h.strip().lower().lstrip("\ufeff")
        for _n, cells in csvio.records([header_line], delimiter, field_name="file")
        for h in cells
    ]
    positions: dict[str, int] = {}
    for key, names in HEADERS.items():
        for index, name in enumerate(header):
            if name in names:
                positions[key] = index
                break
    missing = [key for key in HEADERS if key not in positions]
    if missing:
        raise ValidationFailed(
            _(
                "En-tête attendu en ligne 1 : compteur, date, index (colonnes manquantes : %(m)s).",
                m=", ".join(missing),
            ),
            field="file",
        )
    meter_at, date_at, index_at = positions["meter"], positions["date"], positions["index"]
    width = max(meter_at, date_at, index_at) + 1
    # streamed (a town's year of readings), blank lines skipped, numbered where records start
    for number, row in csvio.records(lines, delimiter, field_name="file", first_line=2):
        if len(row) < width:
            yield number, "", "", ""  # refused below with "missing meter"
            continue
        yield number, row[meter_at], row[date_at], row[index_at]


def import_csv(
    stream: Iterable[str],
    *,
    partial: bool = False,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
    source: str = "csv",
) -> ImportReport:
    return import_records(
        csv_records(stream), source=source, partial=partial, progress=progress, today=today
    )


def import_text(text: str, **kwargs: Any) -> ImportReport:
    return import_csv(io.StringIO(text), **kwargs)


# --- consumption and alerts ------------------------------------------------------------------


def readings_of(water_user: WaterUser, limit: int = 60) -> list[MeterReading]:
    rows = db.session.scalars(
        select(MeterReading)
        .where(MeterReading.water_user_id == water_user.id)
        .order_by(MeterReading.read_on.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def consumption_series(readings: list[MeterReading]) -> list[tuple[date, date, int]]:
    """(start, end, litres per day) between consecutive readings."""
    series = []
    for before, after in pairwise(readings):
        days = (after.read_on - before.read_on).days
        if days > 0:
            series.append((before.read_on, after.read_on, (after.index_l - before.index_l) // days))
    return series


def check_overuse(checker: ReadingChecker) -> int:
    """Compare each meter's newest interval with its allocation in force; alert the user
    and the water circle when it goes over (allocation + the commune's tolerance)."""
    intervals: dict[int, tuple[date, date, int]] = {}
    for user_id, first in checker.first_new.items():
        newest = checker.last.get(user_id)
        if newest is None:
            continue
        days = (newest[0] - first[0]).days
        if days > 0:
            intervals[user_id] = (first[0], newest[0], (newest[1] - first[1]) // days)
    checker.first_new.clear()
    if not intervals:
        return 0
    tolerance = int(settings().get("overuse_tolerance_pct", 10))
    allocations = current_lines(list(intervals)) if len(intervals) < 1000 else _all_current()
    alerts = []
    for user_id, (start, end, per_day) in intervals.items():
        found = allocations.get(user_id)
        if found is None:
            continue
        run, line = found
        if per_day * 100 > line.total * (100 + tolerance):
            alerts.append((user_id, run.id, start, end, per_day, line.total))
    if not alerts:
        return 0
    cid = commune_id()
    existing = set(
        db.session.execute(
            select(OveruseAlert.water_user_id, OveruseAlert.period_end).where(
                OveruseAlert.water_user_id.in_([a[0] for a in alerts])
            )
        ).all()
    )
    rows = [
        {
            "commune_id": cid,
            "water_user_id": uid,
            "run_id": run_id,
            "period_start": start,
            "period_end": end,
            "consumption": per_day,
            "allocation": allowed,
            "resolved": False,
        }
        for uid, run_id, start, end, per_day, allowed in alerts
        if (uid, end) not in existing
    ]
    if rows:
        from federation.db import utcnow

        now = utcnow()
        db.session.execute(insert(OveruseAlert), [{**r, "created_at": now} for r in rows])
        _notify_overuse(rows)
    return len(rows)


def _all_current() -> dict[int, Any]:
    from convergence_water.models import AllocationLine, AllocationRun

    rows = db.session.execute(
        select(AllocationRun, AllocationLine)
        .join(AllocationLine, AllocationLine.run_id == AllocationRun.id)
        .where(AllocationRun.status == "applied")
    ).all()
    return {line.water_user_id: (run, line) for run, line in rows}


def _notify_overuse(rows: list[dict[str, Any]]) -> None:
    slug = current_commune_row().slug
    accounts = dict(
        db.session.execute(
            select(WaterUser.id, WaterUser.account_id).where(
                WaterUser.id.in_([r["water_user_id"] for r in rows]),
                WaterUser.account_id.is_not(None),
            )
        ).all()
    )
    for row in rows:
        account = accounts.get(row["water_user_id"])
        if account:
            notify(
                account,
                kind="water.overuse",
                params={"consumption": row["consumption"], "allocation": row["allocation"]},
                link=f"/c/{slug}/water/me",
                commune_id=commune_id(),
            )
    circle = _circle_people()
    for person in circle:
        notify(
            person,
            kind="water.overuse_circle",
            params={"count": len(rows)},
            link=f"/c/{slug}/water/alerts",
            commune_id=commune_id(),
        )


def _circle_people() -> list[int]:
    from federation.governance.models import BodyMember

    bodies = [b.id for b in water_bodies()]
    if not bodies:
        return []
    return sorted(
        set(db.session.scalars(select(BodyMember.user_id).where(BodyMember.body_id.in_(bodies))))
    )


def alerts(limit: int = 200, open_only: bool = False) -> list[OveruseAlert]:
    query = select(OveruseAlert).order_by(OveruseAlert.period_end.desc(), OveruseAlert.id.desc())
    if open_only:
        query = query.where(OveruseAlert.resolved.is_(False))
    return list(db.session.scalars(query.limit(limit)))
