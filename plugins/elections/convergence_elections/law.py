"""The legal facts the list must satisfy, with their references (pure: no database, no Flask).

* **Seats** — Code général des collectivités territoriales, art. L2121-2: the number of
  municipal councillors by population, 19 strata from 7 to 69. The population is the latest
  authenticated *population municipale* (INSEE), the figure taken at the last general
  renewal (CGCT art. R2151-2 and L2121-2's reference population).
* **List length** — law n° 2025-444 of 21 May 2025 (« visant à harmoniser le mode de
  scrutin aux élections municipales afin de garantir la vitalité démocratique, la cohésion
  municipale et la parité »): every commune, including those under 1,000 inhabitants, votes
  for blocked lists with strict alternation of sexes (code électoral art. L252 and L264 as
  amended). Under 1,000 inhabitants a list is complete with up to two names fewer than the
  seats — at least 5 under 100 inhabitants, 9 for 100–499, 13 for 500–999 (CGCT art.
  L2121-2-1 as amended by art. 5 of the law) — and may carry up to two more names than the
  seats. From 1,000 inhabitants a list carries as many names as seats and up to two more
  (code électoral art. L260). By-elections (élections complémentaires) follow the same rules.
* **Filing** — the list is filed at the préfecture by the head of list (code électoral
  art. L265), on the form that asks each candidate's name, first names, sex, date and place
  of birth, nationality and address.
"""

from __future__ import annotations

from dataclasses import dataclass

L2121_2 = "CGCT art. L2121-2"
LAW_2025_444 = "loi n° 2025-444 du 21 mai 2025"
L2121_2_1 = "CGCT art. L2121-2-1 (rédaction de la loi n° 2025-444, art. 5)"
L260 = "code électoral art. L260"
L265 = "code électoral art. L265"

#: CGCT art. L2121-2: (lowest population of the stratum, number of councillors); 19 strata
SEATS_TABLE: tuple[tuple[int, int], ...] = (
    (0, 7),
    (100, 11),
    (500, 15),
    (1_500, 19),
    (2_500, 23),
    (3_500, 27),
    (5_000, 29),
    (10_000, 33),
    (20_000, 35),
    (30_000, 39),
    (40_000, 43),
    (50_000, 45),
    (60_000, 49),
    (80_000, 53),
    (100_000, 55),
    (150_000, 59),
    (200_000, 61),
    (250_000, 65),
    (300_000, 69),
)

#: CGCT art. L2121-2-1 as amended by law 2025-444: under 1,000 inhabitants, a council (and
#: so a list) is complete with at least this many members
SMALL_COMPLETE: tuple[tuple[int, int], ...] = ((0, 5), (100, 9), (500, 13))
SMALL_COMMUNE = 1_000
#: a list may carry up to two names more than the seats (code électoral L252/L260)
EXTRA_NAMES = 2


def _lookup(table: tuple[tuple[int, int], ...], population: int) -> int:
    value = table[0][1]
    for lowest, count in table:
        if population >= lowest:
            value = count
    return value


def check_population(population: object) -> int:
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError("population must be a whole number of inhabitants, 0 or more")
    return population


def seats(population: int) -> int:
    """Number of municipal councillors (CGCT art. L2121-2) for the latest authenticated
    *population municipale*."""
    return _lookup(SEATS_TABLE, check_population(population))


@dataclass(frozen=True)
class ListLength:
    """How many names a list carries: ``minimum`` to ``maximum``, for ``seats`` seats."""

    population: int
    seats: int
    minimum: int
    maximum: int
    references: tuple[str, ...]

    def accepts(self, length: int) -> bool:
        return self.minimum <= length <= self.maximum


def list_length(population: int) -> ListLength:
    """The length a list must have (law 2025-444; same rules for a by-election)."""
    count = seats(population)
    if population < SMALL_COMMUNE:
        minimum = _lookup(SMALL_COMPLETE, population)
        refs = (L2121_2, L2121_2_1, LAW_2025_444)
    else:
        minimum = count
        refs = (L2121_2, L260, LAW_2025_444)
    return ListLength(population, count, minimum, count + EXTRA_NAMES, refs)


def max_alternating(women: int, men: int) -> int:
    """The longest list with strict alternation that ``women`` and ``men`` can fill."""
    low, high = sorted((women, men))
    return 2 * low + (1 if high > low else 0)
