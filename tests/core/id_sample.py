"""Which rows an id argument of a route designates, by its name (``dwelling_id`` →
``housing_dwellings``): shared by the isolation walk (tests/core/test_isolation_walk.py)
and the role walk (tests/core/api/role_walk.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdSample:
    """A sample of A's row ids, kept per table: the first, middle and last of every table
    (a route that leaks one row of a table leaks them all).

    An id argument is tried with the ids of the tables its name designates (``dwelling_id``
    → ``housing_dwellings``; ``process_id`` → ``budget_pb_processes``; ``entry_id`` →
    ``budget_entries`` and ``journal_entries``), and with every sampled id when no table of
    A's matches the name (a new argument, or a table A has no row in). Trying every id on
    every route made the walks take a quarter of the suite's time for nothing: an id of
    another table reaches the handler's lookup only by coincidence."""

    by_table: dict[str, tuple[int, ...]]

    @classmethod
    def of(cls, by_table: dict[str, list[int]]) -> IdSample:
        """The first, middle and last id of each table's ids."""
        sample: dict[str, tuple[int, ...]] = {}
        for table, keys in by_table.items():
            if keys:
                keys = sorted(keys)
                sample[table] = tuple(sorted({keys[0], keys[len(keys) // 2], keys[-1]}))
        return cls(sample)

    @property
    def everything(self) -> list[int]:
        return sorted({key for keys in self.by_table.values() for key in keys})

    def matching(self, name: str) -> list[int]:
        """The sampled ids of the tables the argument's name designates (none: [])."""
        stem = name.removesuffix("_id")
        plurals = {f"{stem}s", f"{stem}es"}
        if stem.endswith("y"):
            plurals.add(f"{stem[:-1]}ies")
        return sorted(
            {
                key
                for table, keys in self.by_table.items()
                if any(table == p or table.endswith(f"_{p}") for p in plurals)
                for key in keys
            }
        )

    def for_argument(self, name: str) -> list[int]:
        return self.matching(name) or self.everything
