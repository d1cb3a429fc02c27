"""The pabulib ``.pb`` format (pabulib.org/format): META, PROJECTS and VOTES sections,
``;``-separated, with a header row each.

Reading is tolerant of what real files contain: a byte-order mark, CRLF, LF and CR line
endings mixed in one file, string project ids, fractional budgets and costs
(``1310641.1``), quoted names holding ``;`` or ``,``, spaces after the commas of a vote,
``selected`` values above 1, unknown extra columns. It is strict about what would make a
wrong result: unknown project ids in a vote, duplicate ids, points that do not match the
vote, a missing budget or cost — each refused with its line number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .rules import Election

VOTE_TYPES = ("approval", "cumulative", "scoring", "ordinal", "choose-1")
_LINES = re.compile(r"\r\n|\r|\n")


class PabulibError(ValueError):
    """A file that cannot be read, with the line at fault (1-based; 0 for the file)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass
class PBVote:
    voter_id: str
    projects: list[str]
    points: list[Fraction] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class PBFile:
    meta: dict[str, str]
    projects: dict[str, dict[str, str]]
    votes: list[PBVote]
    _max_length: int | None = field(default=None, repr=False, compare=False)

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        return parse_number(self.meta.get("budget", ""), "budget")

    def cost(self, project_id: str) -> Fraction:
        return parse_number(self.projects[project_id].get("cost", ""), "cost")

    def selected(self) -> dict[str, int]:
        """The official outcome when the file has one: project → ``selected`` value."""
        result = {}
        for pid, row in self.projects.items():
            value = (row.get("selected") or "").strip()
            if value:
                try:
                    result[pid] = int(float(value))
                except ValueError:
                    continue
        return result

    def max_length(self) -> int:
        """META ``max_length``, else the longest vote (computed once)."""
        if self._max_length is None:
            value = self.meta.get("max_length")
            self._max_length = (
                int(float(value))
                if value
                else max((len(v.projects) for v in self.votes), default=0)
            )
        return self._max_length

    def weights(self, vote: PBVote) -> dict[str, Fraction | int]:
        """A vote as weights per project (see :mod:`convergence_budget.rules`)."""
        kind = self.vote_type
        if kind in ("approval", "choose-1"):
            return dict.fromkeys(vote.projects, 1)
        if kind in ("cumulative", "scoring"):
            points = vote.points or [1] * len(vote.projects)
            weights: dict[str, Any] = {}
            for pid, value in zip(vote.projects, points, strict=True):
                weights[pid] = weights.get(pid, 0) + value
            return {
                k: int(v) if getattr(v, "denominator", 1) == 1 else v for k, v in weights.items()
            }
        top = self.max_length()
        return {pid: top - position for position, pid in enumerate(vote.projects)}

    def election(self) -> Election:
        same: dict[tuple, tuple[PBVote, int]] = {}
        for vote in self.votes:  # identical votes first (the same lists), weighed once
            raw = (tuple(vote.projects), tuple(vote.points) if vote.points else None)
            seen = same.get(raw)
            same[raw] = (vote, 1) if seen is None else (seen[0], seen[1] + 1)
        grouped: dict[tuple, int] = {}
        for vote, count in same.values():
            key = tuple(sorted(self.weights(vote).items()))
            grouped[key] = grouped.get(key, 0) + count
        return Election(
            self.budget,
            {pid: self.cost(pid) for pid in self.projects},
            [(dict(key), count) for key, count in grouped.items()],
            voters=len(self.votes),
        )


def parse_number(value: str, what: str, line: int = 0) -> Fraction:
    text = (value or "").strip().replace(",", ".").replace(" ", "")
    try:
        number = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"{what}: not a number ({value!r})", line) from None
    if number < 0:
        raise PabulibError(f"{what}: negative ({value!r})", line)
    return number


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PabulibError("the file is not UTF-8 text") from None


def parse(data: bytes | str) -> PBFile:
    """Read a ``.pb`` file (bytes or text) into a :class:`PBFile`; raises PabulibError."""
    text = _decode(data)
    lines = _LINES.split(text)
    meta: dict[str, str] = {}
    projects: dict[str, dict[str, str]] = {}
    votes: list[PBVote] = []
    section = ""
    header: list[str] | None = None
    seen_voters: set[str] = set()
    cache: dict[tuple[str, str], tuple[list[str], list | None]] = {}
    for number, row in enumerate(_rows(lines), start=1):
        if section == "votes" and header is not None and not _is_section(row):
            if len(row) > 1 or row[0].strip():
                votes.append(_fast_vote(row, header, number, projects, meta, seen_voters, cache))
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        first = row[0].strip().lower()
        if first in ("meta", "projects", "votes") and len(row) <= 2:
            section, header = first, None
            continue
        if not section:
            raise PabulibError("expected a META, PROJECTS or VOTES section", number)
        if header is None:
            header = [cell.strip().lower() for cell in row]
            continue
        values = {header[i]: row[i].strip() for i in range(min(len(header), len(row))) if header[i]}
        if section == "meta":
            if len(row) < 2:
                raise PabulibError("a META row needs a key and a value", number)
            meta[row[0].strip()] = row[1].strip()
        elif section == "projects":
            pid = values.get("project_id", "")
            if not pid:
                raise PabulibError("project without project_id", number)
            if pid in projects:
                raise PabulibError(f"project {pid!r} is listed twice", number)
            if "cost" not in values:
                raise PabulibError(f"project {pid!r} has no cost", number)
            parse_number(values["cost"], f"cost of {pid!r}", number)
            projects[pid] = values
        else:
            votes.append(_vote(values, number, projects, meta, seen_voters))
    _check(meta, projects, votes)
    return PBFile(meta, projects, votes)


def _is_section(row: list[str]) -> bool:
    return len(row) <= 2 and row[0].strip().lower() in ("meta", "projects", "votes")


def _rows(lines: list[str]):
    """Rows of ``;``-separated cells, one per line: a plain split where the line has no
    quote (every VOTES row in practice), the csv module otherwise."""
    for line in lines:
        if '"' in line:
            yield next(csv.reader([line], delimiter=";"), [])
        else:
            yield line.split(";")


def _number(text: str, what: str, line: int) -> Any:
    """Points: a Python integer when they are one (nearly always), else exact."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return parse_number(text, what, line)


def _fast_vote(
    row: list[str],
    header: list[str],
    number: int,
    projects: dict[str, dict[str, str]],
    meta: dict[str, str],
    seen: set[str],
    cache: dict[tuple[str, str], tuple[list[str], list | None]],
) -> PBVote:
    """One VOTES row; identical votes are checked once (``cache``)."""
    values = {header[i]: row[i].strip() for i in range(min(len(header), len(row))) if header[i]}
    voter = values.get("voter_id", "")
    if not voter:
        raise PabulibError("vote without voter_id", number)
    if voter in seen:
        raise PabulibError(f"voter {voter!r} votes twice", number)
    seen.add(voter)
    raw = values.get("vote", "")
    raw_points = values.get("points", "") if "points" in values else "\0"
    found = cache.get((raw, raw_points))
    if found is None:
        checked = _vote(values, number, projects, meta, set())
        found = cache[(raw, raw_points)] = (checked.projects, checked.points)
    ids, points = found
    extra = {k: v for k, v in values.items() if k not in ("voter_id", "vote", "points")}
    return PBVote(voter, ids, points, extra)


def _vote(
    values: dict[str, str],
    number: int,
    projects: dict[str, dict[str, str]],
    meta: dict[str, str],
    seen: set[str],
) -> PBVote:
    voter = values.get("voter_id", "")
    if not voter:
        raise PabulibError("vote without voter_id", number)
    if voter in seen:
        raise PabulibError(f"voter {voter!r} votes twice", number)
    seen.add(voter)
    raw = values.get("vote", "")
    ids = [p.strip() for p in raw.split(",") if p.strip()] if raw.lower() != "none" else []
    for pid in ids:
        if pid not in projects:
            raise PabulibError(f"vote of {voter!r} names unknown project {pid!r}", number)
    if len(set(ids)) != len(ids) and meta.get("vote_type") != "cumulative":
        raise PabulibError(f"vote of {voter!r} names a project twice", number)
    points = None
    if "points" in values and meta.get("vote_type") in ("cumulative", "scoring"):
        raw_points = values["points"]
        parts = [p for p in raw_points.split(",") if p.strip()] if raw_points else []
        points = [_number(p, "points", number) for p in parts]
        if len(points) != len(ids):
            raise PabulibError(
                f"vote of {voter!r}: {len(ids)} projects, {len(points)} points", number
            )
    extra = {k: v for k, v in values.items() if k not in ("voter_id", "vote", "points")}
    return PBVote(voter, ids, points, extra)


def _check(meta: dict[str, str], projects: dict[str, dict[str, str]], votes: list) -> None:
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    parse_number(meta["budget"], "budget")
    kind = meta.get("vote_type", "approval")
    if kind not in VOTE_TYPES:
        raise PabulibError(f"vote_type {kind!r} is not supported")
    if not projects:
        raise PabulibError("the file has no PROJECTS")


# --- writing ---------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return format(value.numerator / value.denominator, "f").rstrip("0").rstrip(".")
    return str(value)


def write(pb: PBFile) -> str:
    """The file as text (LF line endings); project and vote rows in the given order."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(pb.meta)
    meta["num_projects"] = str(len(pb.projects))
    meta["num_votes"] = str(len(pb.votes))
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])
    columns = ["project_id", "cost"]
    for row in pb.projects.values():
        columns += [c for c in row if c not in columns]
    writer.writerow(["PROJECTS"])
    writer.writerow(columns)
    for row in pb.projects.values():
        writer.writerow([row.get(c, "") for c in columns])
    with_points = pb.vote_type in ("cumulative", "scoring")
    extra: list[str] = []
    for vote in pb.votes:
        extra += [c for c in vote.extra if c not in extra]
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *(["points"] if with_points else []), *extra])
    for vote in pb.votes:
        row = [vote.voter_id, ",".join(vote.projects)]
        if with_points:
            row.append(",".join(_fmt(p) for p in vote.points or []))
        writer.writerow(row + [vote.extra.get(c, "") for c in extra])
    return out.getvalue()


def natural_key(value: str) -> tuple:
    """Sort ids the way people read them: ``p2`` before ``p10``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", value))


def sorted_ids(ids: Iterable[str]) -> list[str]:
    return sorted(ids, key=natural_key)


#: META ``rule`` names of the pabulib format that this plugin reproduces
KNOWN_RULES = (
    "greedy",
    "greedy-no-skip",
    "greedy-threshold",
    "greedy-custom",
    "equalshares",
    "equalshares-comparison",
    "equalshares/add1",
    "equalshares/add1-comparison",
)
_RESERVE = re.compile(r"at least (\d+(?:[.,]\d+)?)\s*%", re.IGNORECASE)


def rule_from_meta(meta: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The rule of ours that a file's META ``rule`` names, with its options; ``("unknown",
    {"meta_rule": …})`` when the file does not say, or names a rule we do not implement.

    * ``greedy``: skip the projects that do not fit; ``greedy-threshold``: the same with
      META ``min_project_score_threshold`` as the minimum score (any greedy file with that
      field gets the threshold); ``greedy-no-skip``: stop at the first project that does
      not fit; ``greedy-custom``: stop at the first misfit, which is still funded from a
      reserve when what is left covers the share of its cost that META ``comment`` states
      ("at least 80% of that project", Poznań) — unknown when the comment states none.
    * ``equalshares``: MES alone; ``…/add1``: MES with add1 completion (stop when
      exhaustive), no greedy completion, as the name says; ``…-comparison``: then
      pabulib's comparison step against greedy (more voters prefer it → greedy wins); with
      add1 the shares are raised until the outcome would exceed the budget (pabulib's own
      computation of ``add1-comparison``, which gives Wieliczka 2023's official outcome).
    """
    name = (meta.get("rule") or "").strip().lower()
    if name.startswith("equalshares") and name in KNOWN_RULES:
        options: dict[str, Any] = {"complete_with_greedy": False}
        add1 = "/add1" in name
        options["completion"] = "add1" if add1 else "none"
        if name.endswith("-comparison"):
            options["comparison"] = True
            if add1:
                options["stop_when_exhaustive"] = False
        return "mes", options
    if name not in KNOWN_RULES:
        return "unknown", {"meta_rule": name or "unknown"}
    options = {}
    if name in ("greedy-no-skip", "greedy-custom"):
        options["skip"] = False
    if name == "greedy-custom":
        found = _RESERVE.search(meta.get("comment", ""))
        if not found:
            return "unknown", {"meta_rule": name}
        options["reserve"] = int(parse_number(found.group(1), "comment"))
    threshold = meta.get("min_project_score_threshold")
    if threshold:
        options["threshold"] = int(parse_number(threshold, "min_project_score_threshold"))
    return "greedy", options
