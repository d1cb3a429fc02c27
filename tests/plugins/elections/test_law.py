"""CGCT art. L2121-2 (19 strata, 7 to 69 councillors) and the list lengths of law n° 2025-444
of 21 May 2025, checked on both sides of every boundary."""

from __future__ import annotations

import pytest
from convergence_elections import law

# CGCT art. L2121-2, in force since 23 March 2014 (the table the préfectures apply):
# (first population of the stratum, councillors)
L2121_2 = [
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
]


def test_the_table_has_19_strata_from_7_to_69():
    assert len(law.SEATS_TABLE) == 19
    assert law.SEATS_TABLE[0][1] == 7 and law.SEATS_TABLE[-1][1] == 69
    assert list(law.SEATS_TABLE) == L2121_2


@pytest.mark.parametrize(("lowest", "seats"), L2121_2)
def test_seats_at_every_boundary(lowest, seats):
    assert law.seats(lowest) == seats
    if lowest:
        below = dict(L2121_2)[max(k for k, _ in L2121_2 if k < lowest)]
        assert law.seats(lowest - 1) == below


def test_extreme_populations():
    assert law.seats(0) == 7
    assert law.seats(2_200_000) == 69  # Paris has its own law; the table's last line
    with pytest.raises(ValueError):
        law.seats(-1)
    with pytest.raises(ValueError):
        law.seats(True)


# law 2025-444: under 1,000 inhabitants, complete with up to two fewer (5 / 9 / 13, CGCT
# art. L2121-2-1 as amended) and up to two more; from 1,000, the seats and up to two more
LENGTHS = [
    (0, 7, 5, 9),
    (99, 7, 5, 9),
    (100, 11, 9, 13),
    (450, 11, 9, 13),  # Nedde: a list of 9 to 13 names for 11 seats
    (499, 11, 9, 13),
    (500, 15, 13, 17),
    (999, 15, 13, 17),
    (1_000, 15, 15, 17),
    (1_499, 15, 15, 17),
    (1_500, 19, 19, 21),
    (2_499, 19, 19, 21),
    (2_500, 23, 23, 25),
    (299_999, 65, 65, 67),
    (300_000, 69, 69, 71),
]


@pytest.mark.parametrize(("population", "seats", "minimum", "maximum"), LENGTHS)
def test_list_length_at_every_boundary(population, seats, minimum, maximum):
    rule = law.list_length(population)
    assert (rule.seats, rule.minimum, rule.maximum) == (seats, minimum, maximum)
    assert rule.accepts(minimum) and rule.accepts(maximum)
    assert not rule.accepts(minimum - 1) and not rule.accepts(maximum + 1)
    assert law.LAW_2025_444 in rule.references and law.L2121_2 in rule.references


@pytest.mark.parametrize("lowest", [k for k, _ in L2121_2])
def test_every_stratum_list_length_follows_the_seats(lowest):
    for population in (lowest, max(lowest - 1, 0)):
        rule = law.list_length(population)
        assert rule.maximum == rule.seats + 2
        expected_min = rule.seats - 2 if population < 1_000 else rule.seats
        assert rule.minimum == expected_min


def test_max_alternating():
    assert law.max_alternating(5, 5) == 10
    assert law.max_alternating(6, 5) == 11
    assert law.max_alternating(9, 0) == 1
    assert law.max_alternating(0, 0) == 0
