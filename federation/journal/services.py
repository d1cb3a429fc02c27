"""Writing to the public journal and verifying its chains.

Plugins write through one function, :func:`record`; ``convergence journal verify``
recomputes every chain and reports the first broken entry.

Hash links show an entry changed or removed in the middle of a chain, not the last
entries deleted (truncation). So :func:`checkpoint` (``convergence journal checkpoint``,
run by cron) records every chain's head in ``journal_checkpoints`` and countersigns the
heads in the platform chain and in each federation's chain (the heads of its member
communes); :func:`verify` then refuses a chain that no longer reaches a head one of them
vouches for. Appending stays one INSERT: countersigning happens at checkpoints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from federation.db import db, utcnow
from federation.journal.models import JournalCheckpoint, JournalEntry
from federation.tenancy.models import FederationMember
from federation.texts import has_kind

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


#: the deployment's own chain (countersignatures of every chain's head)
PLATFORM_CHAIN = "platform"
COUNTERSIGN = "journal.countersign"


def record(
    kind: str,
    summary: str = "",
    payload: dict[str, Any] | None = None,
    *,
    commune_id: int | None = None,
    federation_id: int | None = None,
    actor: str = "",
    platform: bool = False,
) -> JournalEntry:
    """Append an entry to a commune's, a federation's or the platform's chain, in the
    caller's transaction.

    The entry is ``kind`` + ``payload``, rendered in the reader's language at read time
    (:mod:`federation.texts`, hook ``federation_text_kinds``). ``summary`` is only for
    kinds without a renderer; a kind that has one stores no sentence, so the hashed
    content stays language-neutral.
    """
    if (commune_id is not None) + (federation_id is not None) + platform != 1:
        raise ValueError(
            "a journal entry belongs to exactly one commune, one federation or the platform"
        )
    if platform:
        chain = PLATFORM_CHAIN
    else:
        chain = commune_chain(commune_id) if commune_id else federation_chain(federation_id)  # type: ignore[arg-type]
    body = canonical_json(payload or {})
    if has_kind(kind):
        summary = ""
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
    """Recompute each chain; a report per chain with its first broken entry, if any.

    Besides the hash links, every head a checkpoint or a countersignature vouches for must
    still be in its chain, unchanged: a chain cut short (its last entries deleted) or
    rewritten from some entry on is reported, and so is a vouched-for chain that is gone.
    """
    claims = _claims(chain)
    reports: list[ChainReport] = []
    current: str | None = None
    expected_seq, prev, count_, broken = 1, GENESIS, 0, None

    def close() -> None:
        if current is not None:
            found = broken or _unmet_claim(current, claims.pop(current, {}), expected_seq - 1)
            reports.append(ChainReport(current, count_, prev, found))

    for entry in _iter_chain_rows(chain):
        if entry.chain != current:
            close()
            current, expected_seq, prev, count_, broken = entry.chain, 1, GENESIS, 0, None
        count_ += 1
        if broken is None:
            broken = _check_entry(entry, current, expected_seq, prev)
        if broken is None and entry.seq in claims.get(current, {}):
            for head_hash, where in claims[current].pop(entry.seq).items():
                if head_hash != entry.entry_hash:
                    broken = Break(
                        current,
                        entry.seq,
                        entry.id,
                        "entry differs from the head "
                        f"{', '.join(sorted(where))} vouched for (chain rewritten)",
                    )
                    break
        expected_seq = entry.seq + 1
        prev = entry.entry_hash
    close()
    for lost, vouched in sorted(claims.items()):  # chains with no entry left at all
        if vouched:
            reports.append(ChainReport(lost, 0, GENESIS, _unmet_claim(lost, vouched, 0)))
    return reports


def _check_entry(entry: JournalEntry, chain: str, expected_seq: int, prev: str) -> Break | None:
    if entry.seq != expected_seq:
        return Break(
            chain, expected_seq, entry.id, f"entry {expected_seq} is missing (found {entry.seq})"
        )
    if entry.prev_hash != prev:
        return Break(
            chain, entry.seq, entry.id, "previous-hash link does not match the entry before it"
        )
    if compute_hash(entry) != entry.entry_hash:
        return Break(
            chain, entry.seq, entry.id, "content does not match its hash (entry was altered)"
        )
    return None


def _unmet_claim(
    chain: str, vouched: dict[int, dict[str, set[str]]], last_seq: int
) -> Break | None:
    """A vouched-for entry beyond the chain's end: the chain was truncated."""
    beyond = [seq for seq in vouched if seq > last_seq]
    if not beyond:
        return None
    seq = max(beyond)
    where = ", ".join(sorted(set().union(*vouched[seq].values())))
    return Break(
        chain,
        last_seq + 1,
        None,
        f"chain truncated: {where} vouched for entry {seq}, the chain ends at {last_seq}",
    )


def _claims(chain: str | None) -> dict[str, dict[int, dict[str, set[str]]]]:
    """chain → seq → head hash → who vouched for it: the latest checkpoint of each chain and
    every countersignature in the platform and federation chains."""
    claims: dict[str, dict[int, dict[str, set[str]]]] = {}

    def add(name: str, seq: int, head_hash: str, where: str) -> None:
        if chain is None or name == chain:
            by_hash = claims.setdefault(name, {}).setdefault(int(seq), {})
            by_hash.setdefault(str(head_hash), set()).add(where)

    for name, (seq, head_hash) in _checkpointed(chain).items():
        add(name, seq, head_hash, "checkpoint")
    # only the platform's and the federations' chains countersign (an entry of that kind
    # written in a commune's chain vouches for nothing)
    countersigns = select(JournalEntry.chain, JournalEntry.seq, JournalEntry.payload).where(
        or_(JournalEntry.chain == PLATFORM_CHAIN, JournalEntry.chain.like("federation:%")),
        JournalEntry.kind == COUNTERSIGN,
    )
    for signer, seq, payload in db.session.execute(countersigns):
        try:
            heads = json.loads(payload).get("heads", {})
        except (ValueError, AttributeError):
            continue  # an altered entry: its own chain's check reports it
        for name, head in heads.items():
            add(name, head[0], head[1], f"{signer} entry {seq}")
    return claims


def _heads_query(model: Any, hash_column: Any, chain: str | None = None) -> dict[str, tuple]:
    last = select(model.chain, func.max(model.seq).label("seq")).group_by(model.chain)
    if chain is not None:
        last = last.where(model.chain == chain)
    last = last.subquery()
    rows = db.session.execute(
        select(model.chain, model.seq, hash_column).join(
            last, (model.chain == last.c.chain) & (model.seq == last.c.seq)
        )
    )
    return {name: (seq, head_hash) for name, seq, head_hash in rows}


def heads(chain: str | None = None) -> dict[str, tuple[int, str]]:
    """chain → (seq, hash) of its last entry, for every chain, in one query."""
    return _heads_query(JournalEntry, JournalEntry.entry_hash, chain)


def _checkpointed(chain: str | None = None) -> dict[str, tuple[int, str]]:
    return _heads_query(JournalCheckpoint, JournalCheckpoint.head_hash, chain)


@dataclass(frozen=True)
class CheckpointReport:
    chains: int  # chains checkpointed (their head moved since the last checkpoint)
    countersignatures: int  # entries written in the platform and federation chains


def checkpoint(actor: str = "") -> CheckpointReport:
    """Countersign the head of every chain that moved since the last checkpoint: one entry
    in each federation's chain (its member communes' heads) and one in the platform chain
    (every moved head), then a checkpoint row per moved chain, countersigning chains
    included. Nothing moved: nothing is written. A constant number of queries plus one
    entry per federation concerned."""
    seen = _checkpointed()
    moved = {name: head for name, head in heads().items() if head[0] > seen.get(name, (0, ""))[0]}
    if not moved:
        return CheckpointReport(0, 0)
    members = db.session.execute(
        select(FederationMember.federation_id, FederationMember.commune_id)
        .where(FederationMember.left_on.is_(None))
        .order_by(FederationMember.federation_id, FederationMember.commune_id)
    )
    by_federation: dict[int, dict[str, list]] = {}
    for federation_id, commune_id in members:
        name = commune_chain(commune_id)
        if name in moved:
            by_federation.setdefault(federation_id, {})[name] = list(moved[name])
    for federation_id, member_heads in by_federation.items():
        record(
            COUNTERSIGN,
            payload={"heads": member_heads, "scope": "federation"},
            federation_id=federation_id,
            actor=actor,
        )
    record(
        COUNTERSIGN,
        payload={"heads": {name: list(head) for name, head in sorted(moved.items())}},
        platform=True,
        actor=actor,
    )
    at = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = [
        JournalCheckpoint(chain=name, seq=seq, head_hash=head_hash, recorded_at=at)
        for name, (seq, head_hash) in sorted(heads().items())
        if seq > seen.get(name, (0, ""))[0]
    ]
    db.session.add_all(rows)
    db.session.flush()
    return CheckpointReport(len(rows), len(by_federation) + 1)
