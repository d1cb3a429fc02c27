"""Verifiable stratified sortition (pure: no database, no Flask).

The procedure, so that anyone can check it:

1. **Commitment.** Before the draw the pool is frozen (each volunteer a public reference
   and a stratum, e.g. ``"F|18-34|Bourg"``), the quotas per stratum are fixed, and a secret
   seed is chosen; the journal publishes ``sha256(seed)``, the pool's digest and the quotas.
2. **Draw.** Within each stratum volunteers are sorted by ``sha256(seed + ":" + ref)``
   (hexadecimal, ascending); the first ``quota`` are selected. Strata are independent, so
   each stratum gets exactly its quota.
3. **Reveal.** The journal publishes the seed, the pool and the selection. Anyone recomputes
   with ``convergence elections verify-draw`` (or :func:`verify` on the published JSON):
   the seed matches the commitment, the pool matches its digest, the selection follows.

The seed comes from :func:`secrets.token_hex` (the operating system's CSPRNG); the pool and
quotas are fixed before it is revealed, so neither the organisers nor the platform can pick
a seed for a wanted result without the commitment showing it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

SEP = "|"


class SortitionError(ValueError):
    def __init__(self, message: str, field: str = "quotas"):
        super().__init__(message)
        self.field = field


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def new_seed() -> str:
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    """What is published before the draw: the seed's SHA-256."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def pool_digest(pool: Mapping[str, str]) -> str:
    """The SHA-256 of the frozen pool ``{ref: stratum}`` (canonical JSON)."""
    return hashlib.sha256(canonical(dict(pool)).encode("utf-8")).hexdigest()


def stratum_of(attributes: Mapping[str, Any], keys: list[str]) -> str:
    return SEP.join(str(attributes.get(key, "")).strip() or "?" for key in keys)


def strata(pool: Mapping[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for ref, stratum in pool.items():
        found.setdefault(stratum, []).append(ref)
    return {k: sorted(v) for k, v in sorted(found.items())}


def proportional_quotas(pool: Mapping[str, str], seats: int) -> dict[str, int]:
    """Quotas proportional to each stratum's share of the pool (largest remainders, ties
    by stratum name): they sum to ``seats`` exactly."""
    groups = strata(pool)
    total = sum(len(v) for v in groups.values())
    if not 0 < seats <= total:
        raise SortitionError("seats must be between 1 and the size of the pool", "seats")
    shares = {k: Fraction(len(v) * seats, total) for k, v in groups.items()}
    quotas = {k: int(s) for k, s in shares.items()}
    rest = seats - sum(quotas.values())
    for key in sorted(shares, key=lambda k: (-(shares[k] - quotas[k]), k))[:rest]:
        quotas[key] += 1
    return quotas


def check_quotas(pool: Mapping[str, str], quotas: Mapping[str, int]) -> dict[str, int]:
    groups = strata(pool)
    clean: dict[str, int] = {}
    for key, value in quotas.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SortitionError(f"the quota of {key!r} must be a whole number, 0 or more")
        if value > len(groups.get(key, [])):
            raise SortitionError(f"the stratum {key!r} has fewer volunteers than its quota")
        clean[key] = value
    if not sum(clean.values()):
        raise SortitionError("the quotas select nobody")
    return dict(sorted(clean.items()))


def ticket(seed: str, ref: str) -> str:
    return hashlib.sha256(f"{seed}:{ref}".encode()).hexdigest()


def draw(seed: str, pool: Mapping[str, str], quotas: Mapping[str, int]) -> dict[str, list[str]]:
    """The selection per stratum: the ``quota`` lowest tickets of each stratum."""
    groups = strata(pool)
    return {
        key: sorted(groups.get(key, []), key=lambda ref: (ticket(seed, ref), ref))[:quota]
        for key, quota in sorted(quotas.items())
    }


def verify(published: Mapping[str, Any]) -> list[str]:
    """Check a published draw (``commitment``, ``pool_digest``, ``pool``, ``quotas``,
    ``seed``, ``selected``); returns the problems found (empty: the draw is right)."""
    problems: list[str] = []
    seed = str(published.get("seed") or "")
    pool = dict(published.get("pool") or {})
    quotas = {k: int(v) for k, v in (published.get("quotas") or {}).items()}
    if commitment(seed) != published.get("commitment"):
        problems.append("the revealed seed does not match the published commitment")
    if pool_digest(pool) != published.get("pool_digest"):
        problems.append("the pool differs from the one committed before the draw")
    expected = draw(seed, pool, quotas)
    selected = {k: list(v) for k, v in (published.get("selected") or {}).items()}
    if expected != selected:
        problems.append("the selection differs from the one the seed gives")
    for key, refs in expected.items():
        if len(refs) != quotas.get(key, -1):
            problems.append(f"the stratum {key!r} does not get exactly its quota")
    return problems
