"""Heavy libraries imported where they are used, not when the app starts (issue 12 item 2).

``np = lazy_module("numpy")`` at the top of a module reads like ``import numpy as np``, but
numpy is imported by the first ``np.something`` a tally or an allocation runs: a web worker
that only renders pages never loads it (worker memory, start-up time). Names used only in
annotations cost nothing (``from __future__ import annotations``).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module until an attribute is read, then forwards to it."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def _load(self) -> ModuleType:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return self._module

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._load(), attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name: str) -> Any:
    """A stand-in for ``import name`` that imports on first use."""
    return LazyModule(name)
