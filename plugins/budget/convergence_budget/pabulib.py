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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import chain, repeat
from typing import Any

import numpy as np

from .rules import Election

VOTE_TYPES = ("approval", "cumulative", "scoring", "ordinal", "choose-1")


class PabulibError(ValueError):
    """A file that cannot be read, with the line at fault (1-based; 0 for the file)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass
class PBVote:
    """A VOTES row: the voter, the projects named (in the file's order), the points when
    the vote type uses them, and every other column as written (``extra``: age, sex,
    voting_method…, and a ``points`` column that the vote type does not use)."""

    voter_id: str
    projects: list[str]
    points: list[Fraction] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def row(self) -> dict[str, str]:
        """The row as the file writes it: column → text."""
        row = {"voter_id": self.voter_id, "vote": ",".join(self.projects)}
        if self.points is not None:
            row["points"] = ",".join(_fmt(p) for p in self.points)
        return {**row, **self.extra}


class PBFile:
    """A parsed file: META and PROJECTS as text, the votes as :class:`PBVote` rows.

    Read from a file, the votes are kept column-wise (:class:`_VoteColumns`) and made into
    :class:`PBVote` objects only when asked for: an election is built from the distinct
    votes and their counts."""

    def __init__(
        self,
        meta: dict[str, str],
        projects: dict[str, dict[str, str]],
        votes: list[PBVote] | None = None,
        *,
        columns: _VoteColumns | None = None,
    ) -> None:
        self.meta = meta
        self.projects = projects
        self._votes = votes
        self._columns = columns
        self._max_length: int | None = None
        self._costs: dict[str, Fraction] = {}

    @property
    def votes(self) -> list[PBVote]:
        if self._votes is None:
            self._votes = self._columns.votes() if self._columns is not None else []
        return self._votes

    @votes.setter
    def votes(self, value: list[PBVote]) -> None:
        self._votes, self._columns = value, None

    def __repr__(self) -> str:
        return f"PBFile({len(self.projects)} projects, {self.num_votes} votes)"

    @property
    def num_votes(self) -> int:
        if self._votes is None and self._columns is not None:
            return len(self._columns.voters)
        return len(self.votes)

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        return parse_number(self.meta.get("budget", ""), "budget")

    def cost(self, project_id: str) -> Fraction:
        found = self._costs.get(project_id)
        if found is None:
            found = parse_number(self.projects[project_id].get("cost", ""), "cost")
            self._costs[project_id] = found
        return found

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
            if value:
                self._max_length = int(float(value))
            elif self._votes is None and self._columns is not None:
                self._max_length = self._columns.longest()
            else:
                self._max_length = max((len(v.projects) for v in self.votes), default=0)
        return self._max_length

    def weights(self, vote: PBVote) -> dict[str, Fraction | int]:
        """A vote as weights per project (see :mod:`convergence_budget.rules`)."""
        return self._weights(vote.projects, vote.points)

    def _weights(self, ids: list[str], points: list | None) -> dict[str, Any]:
        kind = self.vote_type
        if kind in ("approval", "choose-1"):
            return dict.fromkeys(ids, 1)
        if kind in ("cumulative", "scoring"):
            points = points or [1] * len(ids)
            weights: dict[str, Any] = {}
            for pid, value in zip(ids, points, strict=True):
                weights[pid] = weights.get(pid, 0) + value
            return {
                k: int(v) if getattr(v, "denominator", 1) == 1 else v for k, v in weights.items()
            }
        top = self.max_length()
        return {pid: top - position for position, pid in enumerate(ids)}

    def election(self) -> Election:
        costs = {pid: self.cost(pid) for pid in self.projects}
        if self._votes is None and self._columns is not None:
            columns = self._columns
            totals = columns.totals(self)
            scores, supporters = totals if totals is not None else (None, None)

            def ballots() -> list[tuple[dict[str, Any], int]]:
                return [
                    (self._weights(*columns.checked[raw]), count)
                    for raw, count in columns.distinct.items()
                ]

            return Election.prepared(
                self.budget,
                costs,
                ballots,
                len(columns.voters),
                scores=scores,
                supporters=supporters,
            )
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
            costs,
            [(dict(key), count) for key, count in grouped.items()],
            voters=len(self.votes),
        )


def parse_number(value: str, what: str, line: int = 0) -> Fraction:
    text = (value or "").strip()
    if text.isdecimal() and text.isascii():  # nearly every cost: no decimal string to parse
        return Fraction(int(text))
    text = text.replace(",", ".").replace(" ", "")
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
    if data.startswith(b"\xef\xbb\xbf"):  # the "utf-8-sig" codec, without its import
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PabulibError("the file is not UTF-8 text") from None


def _lines(text: str) -> list[str]:
    """Lines split at CRLF, CR or LF (mixed in one file)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def parse(data: bytes | str, *, by_columns: bool = True) -> PBFile:
    """Read a ``.pb`` file (bytes or text) into a :class:`PBFile`; raises PabulibError.

    The VOTES section is read column-wise when it is regular (every row with the header's
    cells, no quote; :func:`_vote_columns`): each distinct vote is checked once, with
    operations on whole columns. Anything else is read row by row, with the line at fault
    in the error (``by_columns=False``: always row by row, the tests' reference)."""
    text = _decode(data)
    lines = _lines(text)
    meta: dict[str, str] = {}
    projects: dict[str, dict[str, str]] = {}
    votes: list[PBVote] = []
    section = ""
    header: list[str] | None = None
    seen_voters: set[str] = set()
    cache: dict[tuple[str, str], tuple[list[str], list | None]] = {}
    costs: dict[str, Fraction] = {}
    tried = not by_columns
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        row = next(csv.reader([line], delimiter=";"), []) if '"' in line else line.split(";")
        if section == "votes" and header is not None and not _is_section(row):
            if not tried:
                tried = True
                columns = _vote_columns(lines, number - 1, header, projects, meta)
                if columns is not None:
                    _check(meta, projects, votes)
                    parsed = PBFile(meta, projects, columns=columns)
                    parsed._costs = costs
                    return parsed
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
            costs[pid] = parse_number(values["cost"], f"cost of {pid!r}", number)
            projects[pid] = values
        else:
            votes.append(_vote(values, number, projects, meta, seen_voters))
    _check(meta, projects, votes)
    parsed = PBFile(meta, projects, votes)
    parsed._costs = costs
    return parsed


_SECTIONS = frozenset(("meta", "projects", "votes"))


def _is_section(row: list[str]) -> bool:
    return len(row) <= 2 and row[0].strip().lower() in _SECTIONS


class _VoteColumns:
    """A regular VOTES section, column by column: the voters, the distinct votes (raw
    text, with the points text when the file has points) and how many voters cast each,
    every one checked. Per distinct vote, aligned with ``distinct``: ``texts``, and in
    numpy arrays over all their ids in a row, ``idx`` (the project's position in PROJECTS),
    ``lengths`` (ids per vote) and ``flat_points`` (None when points are not all integers);
    the ids and points as Python lists are made only when asked for."""

    def __init__(
        self,
        header: list[str],
        cells: list[str],
        voters: list[str],
        rows: list,
        distinct: Counter,
        texts: list[str],
        point_texts: list[str] | None,
    ) -> None:
        self.header = header
        self.cells = cells
        self.voters = voters
        self.rows = rows  # each voter's distinct-vote key, in file order
        self.distinct = distinct
        self.texts = texts
        self.point_texts = point_texts
        self.idx: Any = None
        self.lengths: Any = None
        self.flat_points: Any = None

    @cached_property
    def ids(self) -> list[list[str]]:
        return list(map(str.split, self.texts, repeat(",", len(self.texts))))

    @cached_property
    def points(self) -> list[list | None]:
        if self.point_texts is None:
            return [None] * len(self.texts)
        parts = map(str.split, self.point_texts, repeat(",", len(self.texts)))
        return [list(map(int, part)) for part in parts]

    @cached_property
    def checked(self) -> dict[Any, tuple[list[str], list | None]]:
        return dict(zip(self.distinct, zip(self.ids, self.points, strict=True), strict=True))

    def longest(self) -> int:
        return int(self.lengths.max()) if len(self.lengths) else 0

    def totals(self, pb: PBFile) -> tuple[dict[str, int], dict[str, int] | None] | None:
        """Each project's score and supporters, counted on whole columns (numpy) when the
        weights are integers; None when only the ballots can tell (the election then
        groups them)."""
        kind = pb.vote_type
        idx, lengths = self.idx, self.lengths
        size = len(pb.projects)
        mult = np.repeat(np.fromiter(self.distinct.values(), np.int64, len(lengths)), lengths)
        if kind in ("approval", "choose-1"):
            weights = np.ones(len(idx), dtype=np.int64)
        elif kind in ("cumulative", "scoring"):
            if self.point_texts is None:
                weights = np.ones(len(idx), dtype=np.int64)
            elif self.flat_points is None:
                return None
            else:
                weights = self.flat_points
        else:
            starts = np.cumsum(lengths) - lengths
            position = np.arange(len(idx), dtype=np.int64) - np.repeat(starts, lengths)
            weights = np.maximum(pb.max_length() - position, 0)
        if len(idx) and int(weights.max()) * len(self.voters) >= 2**52:
            return None  # beyond what float64 sums count exactly
        names = list(pb.projects)
        scores = np.bincount(idx, weights=mult * weights, minlength=size)
        score_of = dict(zip(names, map(int, scores.tolist()), strict=True))
        if _repeats(idx, lengths, size) or (len(idx) and int(weights.min()) <= 0):
            return score_of, None  # supporters: from the grouped ballots
        counted = np.bincount(idx, weights=mult, minlength=size)
        return score_of, dict(zip(names, map(int, counted.tolist()), strict=True))

    def votes(self) -> list[PBVote]:
        checked = self.checked
        k = len(self.header)
        used = _USED[self.point_texts is not None]
        extra = [(name, i) for i, name in enumerate(self.header) if name and name not in used]
        if not extra:
            return [
                PBVote(voter, *checked[key], {})
                for voter, key in zip(self.voters, self.rows, strict=True)
            ]
        columns = [(name, list(map(str.strip, self.cells[i::k]))) for name, i in extra]
        return [
            PBVote(voter, *checked[key], {name: column[n] for name, column in columns})
            for n, (voter, key) in enumerate(zip(self.voters, self.rows, strict=True))
        ]


def _repeats(idx: Any, lengths: Any, size: int) -> bool:
    """Whether a vote names a project twice (``idx``: the ids of every vote in a row)."""
    if not len(idx):
        return False
    vote = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    keys = vote * size + idx
    if len(lengths) * size <= 50_000_000:
        return int(np.bincount(keys).max()) > 1
    keys.sort()
    return bool(np.any(keys[1:] == keys[:-1]))


_NUMERIC = bytes(range(48, 58)) + b",;"
_POWERS = 10.0 ** np.arange(16)  # exact in float64 up to 10**15


def _numbers(texts: list[str], leading_zeros: bool) -> tuple[Any, Any] | None:
    """Comma-separated non-negative integers of several texts at once, without making a
    Python object per number: (values, how many per text), or None when a text is not
    such a list (empty, a space, a sign, more than 15 digits, or leading zeros when they
    are not allowed): the caller then reads them one by one."""
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    blob = ";".join(texts)
    if not blob.isascii():
        return None
    data = blob.encode("ascii")
    if data.translate(None, _NUMERIC):
        return None
    b = np.frombuffer(data, dtype=np.uint8)
    separator = (b == 44) | (b == 59)
    ends = np.flatnonzero(separator)
    ends = np.append(ends, len(b))
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    width = ends - starts
    if int(width.min()) < 1 or int(width.max()) > 15:
        return None
    if not leading_zeros and np.any((b[starts] == 48) & (width > 1)):
        return None
    at = np.flatnonzero(~separator)  # the digits' positions
    token = at - np.arange(len(at))  # a digit's token: how many separators come before it
    place = ends[token] - at - 1  # its power of ten
    weights = (b[at] - 48) * _POWERS[place]
    values = np.bincount(token, weights=weights, minlength=len(ends)).astype(np.int64)
    text_of = np.concatenate(([0], np.cumsum(b[ends[:-1]] == 59)))
    per_text = np.bincount(text_of, minlength=len(texts))
    return values, per_text


def _index_of(projects: dict[str, dict[str, str]]) -> tuple[Any, Any] | None:
    """Project ids that are all canonical integers (``0``, ``17``, no leading zero), as a
    sorted array with each one's position in PROJECTS; None otherwise."""
    ids = list(projects)
    if not all(p.isdecimal() and p.isascii() and len(p) <= 15 for p in ids):
        return None
    if any(p != "0" and p.startswith("0") for p in ids):
        return None
    values = np.array([int(p) for p in ids], dtype=np.int64)
    order = np.argsort(values)
    return values[order], order


def _vote_columns(
    lines: list[str],
    start: int,
    header: list[str],
    projects: dict[str, dict[str, str]],
    meta: dict[str, str],
) -> _VoteColumns | None:
    """The VOTES section from line ``start`` (0-based) to the end, read column-wise; None
    when it is not regular (the row-by-row reader then reads it and names the line at
    fault): a row without exactly the header's cells, a quote, a blank line before the
    end, another section, a voter twice or without id, any vote that does not check."""
    end = len(lines)
    while end > start and not lines[end - 1].strip():
        end -= 1
    body = lines[start:end]
    k = len(header)
    named = [h for h in header if h]
    if not body or k < 2 or len(set(named)) != len(named) or "voter_id" not in named:
        return None
    separators = list(map(str.count, body, repeat(";", len(body))))
    if min(separators) != k - 1 or max(separators) != k - 1:
        return None
    joined = ";".join(body)
    if '"' in joined:
        return None
    cells = joined.split(";")
    voters = list(map(str.strip, cells[header.index("voter_id") :: k]))
    unique = set(voters)
    if (
        len(unique) != len(voters)
        or "" in unique
        or not _SECTIONS.isdisjoint(map(str.lower, unique))
    ):
        return None
    n = len(voters)
    raw_votes = (
        list(map(str.strip, cells[header.index("vote") :: k])) if "vote" in named else [""] * n
    )
    kind = meta.get("vote_type")
    with_points = "points" in named and kind in ("cumulative", "scoring")
    if with_points:
        raw_points = list(map(str.strip, cells[header.index("points") :: k]))
        rows: list = list(zip(raw_votes, raw_points, strict=True))
        distinct = Counter(rows)
        texts = [key[0] for key in distinct]
        point_texts = [key[1] for key in distinct]
    else:
        rows = raw_votes
        distinct = Counter(rows)
        texts = list(distinct)
        point_texts = None
    columns = _VoteColumns(header, cells, voters, rows, distinct, texts, point_texts)
    if not (_numeric(columns, projects, with_points) or _regular(columns, projects)):
        try:  # one by one, exactly as the row-by-row reader
            checked = [
                _checked_vote("", text, point_texts[i] if with_points else None, 0, projects, meta)
                for i, text in enumerate(texts)
            ]
        except PabulibError:
            return None
        columns.ids = [ids for ids, _points in checked]
        columns.points = [points for _ids, points in checked]
        index = {pid: i for i, pid in enumerate(projects)}
        flat = list(chain.from_iterable(columns.ids))
        columns.idx = np.fromiter(map(index.__getitem__, flat), np.int64, len(flat))
        columns.lengths = np.fromiter(map(len, columns.ids), np.int64, len(texts))
        if with_points:
            values = list(chain.from_iterable(columns.points))
            if all(type(v) is int for v in values) and max(values, default=0) < 2**52:
                columns.flat_points = np.array(values, dtype=np.int64)
    return columns


def _numeric(columns: _VoteColumns, projects: dict[str, dict[str, str]], with_points: bool) -> bool:
    """Votes (and points) read on whole arrays when the project ids are integers."""
    index = _index_of(projects)
    if index is None:
        return False
    found = _numbers(columns.texts, leading_zeros=False)
    if found is None:
        return False
    values, lengths = found
    known, position = index
    at = np.minimum(np.searchsorted(known, values), len(known) - 1)
    if len(values) and not np.array_equal(known[at], values):
        return False  # an unknown project: the row-by-row reader names it
    idx = position[at]
    if _repeats(idx, lengths, len(projects)):
        return False  # a project twice (allowed in cumulative votes, read one by one)
    if with_points:
        points = _numbers(columns.point_texts, leading_zeros=True)
        if points is None or not np.array_equal(points[1], lengths):
            return False
        columns.flat_points = points[0]
    columns.idx, columns.lengths = idx, lengths
    return True


def _regular(columns: _VoteColumns, projects: dict[str, dict[str, str]]) -> bool:
    """Votes of known project ids, none twice, (points all integers): read with one
    operation per distinct vote."""
    index = {pid: i for i, pid in enumerate(projects)}
    if any(p.lower() == "none" for p in index):
        return False
    ids = columns.ids
    flat = list(chain.from_iterable(ids))
    try:
        idx = np.fromiter(map(index.__getitem__, flat), np.int64, len(flat))
    except KeyError:
        return False
    lengths = np.fromiter(map(len, ids), np.int64, len(ids))
    if _repeats(idx, lengths, len(index)):
        return False
    if columns.point_texts is not None:
        parts = list(map(str.split, columns.point_texts, repeat(",", len(ids))))
        values = set(chain.from_iterable(parts))
        if not all(v.isdecimal() and v.isascii() and len(v) <= 15 for v in values):
            return False
        number = {v: int(v) for v in values}
        points = [list(map(number.__getitem__, part)) for part in parts]
        if not np.array_equal(np.fromiter(map(len, points), np.int64, len(ids)), lengths):
            return False
        columns.points = points
        columns.flat_points = np.fromiter(
            map(number.__getitem__, chain.from_iterable(parts)), np.int64, len(flat)
        )
    columns.idx, columns.lengths = idx, lengths
    return True


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
    return PBVote(voter, ids, points, _extra(values, points))


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
    with_points = "points" in values and meta.get("vote_type") in ("cumulative", "scoring")
    ids, points = _checked_vote(
        voter,
        values.get("vote", ""),
        values["points"] if with_points else None,
        number,
        projects,
        meta,
    )
    return PBVote(voter, ids, points, _extra(values, points))


#: the columns a vote's own fields hold, without and with points
_USED = {False: ("voter_id", "vote"), True: ("voter_id", "vote", "points")}


def _extra(values: dict[str, str], points: list | None) -> dict[str, str]:
    """A row's other columns, as written (``points`` too when the vote type has none)."""
    used = _USED[points is not None]
    return {k: v for k, v in values.items() if k not in used}


def _checked_vote(
    voter: str,
    raw: str,
    raw_points: str | None,
    number: int,
    projects: dict[str, dict[str, str]],
    meta: dict[str, str],
) -> tuple[list[str], list | None]:
    """A vote's project ids and points (None without a points column), checked."""
    ids = [p.strip() for p in raw.split(",") if p.strip()] if raw.lower() != "none" else []
    for pid in ids:
        if pid not in projects:
            raise PabulibError(f"vote of {voter!r} names unknown project {pid!r}", number)
    if len(set(ids)) != len(ids) and meta.get("vote_type") != "cumulative":
        raise PabulibError(f"vote of {voter!r} names a project twice", number)
    if raw_points is None:
        return ids, None
    parts = [p for p in raw_points.split(",") if p.strip()] if raw_points else []
    points = [_number(p, "points", number) for p in parts]
    if len(points) != len(ids):
        raise PabulibError(f"vote of {voter!r}: {len(ids)} projects, {len(points)} points", number)
    return ids, points


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


def write(pb: PBFile, *, counts: bool = True) -> str:
    """The file as text (LF line endings); project and vote rows in the given order;
    ``counts``: META ``num_projects`` and ``num_votes`` set from the rows (a file written
    back as it was imported keeps its own).

    Cells are written as they are, formula-like ones included (``=…``, ``+…``, ``-5 m``): a
    ``.pb`` file is data for programs (pabutools, pabulib's own tools), which would read a
    neutralising quote as part of the name or cost, and it must come back identical. Tables
    meant for spreadsheets are CSV files written through :func:`federation.csvio.writer`,
    which neutralises them (the results' CSV export)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(pb.meta)
    if counts:
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
    rows = [vote.row() for vote in pb.votes]
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    writer.writerow(["VOTES"])
    writer.writerow(columns)
    writer.writerows([row.get(c, "") for c in columns] for row in rows)
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
