"""Writing to the public journal and verifying its chains.

Plugins write through one function, :func:`record`; ``convergence journal verify``
recomputes every chain and reports the first broken entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from federation.db import db, utcnow
from federation.journal.models import JournalEntry

GENESIS = "0" * 64
HASHED_FIELDS = (
    "chain",
    "seq",
    "kind",
    "summary",
    "payload",
    "actor",
    "recorded_at",
    "prev_hash",
    "commune_id",
    "federation_id",
)


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def compute_hash(entry: JournalEntry) -> str:
    material = canonical_json({name: getattr(entry, name) for name in HASHED_FIELDS})
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def commune_chain(commune_id: int) -> str:
    return f"commune:{commune_id}"


def federation_chain(federation_id: int) -> str:
    return f"federation:{federation_id}"


def record(
    kind: str,
    summary: str,
    payload: dict[str, Any] | None = None,
    *,
    commune_id: int | None = None,
    federation_id: int | None = None,
    actor: str = "",
) -> JournalEntry:
    """Append an entry to a commune's or a federation's chain, in the caller's transaction."""
    if (commune_id is None) == (federation_id is None):
        raise ValueError("a journal entry belongs to exactly one commune or one federation")
    chain = commune_chain(commune_id) if commune_id else federation_chain(federation_id)  # type: ignore[arg-type]
    body = canonical_json(payload or {})
    for _attempt in range(8):
        last = db.session.execute(
            select(JournalEntry.seq, JournalEntry.entry_hash)
            .where(JournalEntry.chain == chain)
            .order_by(JournalEntry.seq.desc())
            .limit(1)
        ).first()
        entry = JournalEntry(
            chain=chain,
            seq=(last.seq + 1) if last else 1,
            commune_id=commune_id,
            federation_id=federation_id,
            kind=kind,
            summary=summary,
            payload=body,
            actor=actor or "",
            recorded_at=utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            prev_hash=last.entry_hash if last else GENESIS,
        )
        entry.entry_hash = compute_hash(entry)
        try:
            with db.session.begin_nested():
                db.session.add(entry)
        except IntegrityError:
            continue  # another writer took this seq: read the new head and try again
        return entry
    raise RuntimeError(f"could not append to journal chain {chain}: too much contention")


def entries(chain: str, *, limit: int = 50, before_seq: int | None = None) -> list[JournalEntry]:
    query = select(JournalEntry).where(JournalEntry.chain == chain)
    if before_seq is not None:
        query = query.where(JournalEntry.seq < before_seq)
    return list(db.session.scalars(query.order_by(JournalEntry.seq.desc()).limit(limit)))


def head(chain: str) -> JournalEntry | None:
    return db.session.scalar(
        select(JournalEntry)
        .where(JournalEntry.chain == chain)
        .order_by(JournalEntry.seq.desc())
        .limit(1)
    )


def count(chain: str) -> int:
    return db.session.scalar(select(func.count()).where(JournalEntry.chain == chain)) or 0


@dataclass(frozen=True)
class Break:
    chain: str
    seq: int
    entry_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    entries: int
    head_hash: str
    broken: Break | None


def _iter_chain_rows(chain: str | None) -> Iterator[JournalEntry]:
    query = select(JournalEntry).order_by(JournalEntry.chain, JournalEntry.seq)
    if chain is not None:
        query = query.where(JournalEntry.chain == chain)
    yield from db.session.scalars(query.execution_options(yield_per=2000))


def verify(chain: str | None = None) -> list[ChainReport]:
    """Recompute each chain; a report per chain with its first broken entry, if any."""
    reports: list[ChainReport] = []
    current: str | None = None
    expected_seq, prev, count_, broken = 1, GENESIS, 0, None

    def close() -> None:
        if current is not None:
            reports.append(ChainReport(current, count_, prev, broken))

    for entry in _iter_chain_rows(chain):
        if entry.chain != current:
            close()
            current, expected_seq, prev, count_, broken = entry.chain, 1, GENESIS, 0, None
        count_ += 1
        if broken is None:
            if entry.seq != expected_seq:
                broken = Break(
                    current,
                    expected_seq,
                    entry.id,
                    f"entry {expected_seq} is missing (found {entry.seq})",
                )
            elif entry.prev_hash != prev:
                broken = Break(
                    current,
                    entry.seq,
                    entry.id,
                    "previous-hash link does not match the entry before it",
                )
            elif compute_hash(entry) != entry.entry_hash:
                broken = Break(
                    current,
                    entry.seq,
                    entry.id,
                    "content does not match its hash (entry was altered)",
                )
        expected_seq = entry.seq + 1
        prev = entry.entry_hash
    close()
    return reports
