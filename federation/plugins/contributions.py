"""Small value objects that hook implementations return to the core."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from federation.identity.models import Membership


@dataclass(frozen=True)
class NavItem:
    """An entry of a commune's navigation. ``endpoint`` is a Flask endpoint name."""

    label: Any
    endpoint: str
    weight: int = 50
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TodoItem:
    """Something that awaits a person, listed on their home ("À faire"): a label in the
    reader's language, the page where they act, and optionally when (a date or datetime),
    the commune's name and an ordering weight (``federation_todo_items``)."""

    label: Any
    url: str
    when: Any = None
    commune: str = ""
    weight: int = 50


@dataclass(frozen=True)
class Widget:
    """A block of the commune home page: a title and already-rendered HTML."""

    title: Any
    html: Any
    weight: int = 50


@dataclass(frozen=True)
class Threshold:
    """When an indicator needs a coordinator's attention (``above`` or ``below`` a value)."""

    value: float
    direction: str = "above"
    label: Any = ""

    def crossed(self, value: float | None) -> bool:
        if value is None:
            return False
        return value > self.value if self.direction == "above" else value < self.value


@dataclass
class Indicator:
    """One aggregated figure per member commune.

    ``aggregate`` says how the federation total is made: ``"sum"``, ``"mean"`` (a plain
    mean of communes) or ``"ratio"`` (``values`` are ratios weighted by ``weights``).
    ``counts_people`` marks values that count persons: values under 5 are suppressed.
    """

    key: str
    label: Any
    values: dict[int, float | None]
    unit: str = ""
    aggregate: str = "sum"
    weights: dict[int, float] = field(default_factory=dict)
    counts_people: bool = False
    threshold: Threshold | None = None
    weight: int = 50
    plugin: str = ""


@dataclass(frozen=True)
class VerificationMethod:
    """How a commune verifies a join request.

    ``field_label`` names an extra field asked in the join form (an invitation code,
    an address); ``verify(membership, value)`` returns True to activate the membership
    at once, False to leave it pending for a person to review.
    """

    name: str
    label: Any
    help: Any
    field_label: Any = None
    verify: Callable[[Membership, str], bool] | None = None
