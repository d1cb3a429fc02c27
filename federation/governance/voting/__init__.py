"""Pluggable voting methods: pure ballot validation and tallying (no database, no Flask).

>>> from federation.governance.voting import Option, method_by_name
>>> schulze = method_by_name("schulze")
>>> options = [Option(1, "Tea"), Option(2, "Coffee")]
>>> ballot = schulze.validate_ballot({"ranking": [[2]]}, options, {})
>>> ballot
{'ranking': [[2], [1]]}
>>> schulze.tally([(ballot, 3)], options, {}).winners
[2]
"""

from __future__ import annotations

from .base import BallotError, Option, TallyResult, VotingMethod
from .cardinal import Approval, Dot, Score
from .decision import Advice, Consent, Majority
from .judgment import MajorityJudgment
from .ranked import Schulze
from .stv import STV
from .timepoll import TimePoll

__all__ = [
    "STV",
    "Advice",
    "Approval",
    "BallotError",
    "Consent",
    "Dot",
    "Majority",
    "MajorityJudgment",
    "Option",
    "Schulze",
    "Score",
    "TallyResult",
    "TimePoll",
    "VotingMethod",
    "builtin_methods",
    "method_by_name",
]

_BUILTIN = (
    Majority,
    Consent,
    Advice,
    Approval,
    Score,
    Dot,
    MajorityJudgment,
    Schulze,
    STV,
    TimePoll,
)


def builtin_methods() -> list[VotingMethod]:
    """One instance of each built-in method, in a stable order."""
    return [cls() for cls in _BUILTIN]


def method_by_name(name: str) -> VotingMethod:
    """The built-in method called ``name`` (KeyError if there is none)."""
    for cls in _BUILTIN:
        if cls.name == name:
            return cls()
    raise KeyError(name)
