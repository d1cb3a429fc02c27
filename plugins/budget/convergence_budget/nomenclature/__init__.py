"""The M57 nomenclature as data: chapters, functions and (an extract of) the nature accounts.

Source: the DGFiP's plan de comptes for the norm M57, declension M57, exercise 2018 — the
``planDeCompte.xml`` that TOTEM and the budget XML exchange (``DocumentBudgetaire``) refer
to. See ``SOURCE.md`` beside this file for where the copy was read and what is missing.

Files (``;``-separated, UTF-8):

- ``m57_2018_chapitres.csv``: every chapter of the file (code, label, section ``F``/``I``,
  type ``G`` global / ``C`` by nature / ``L`` special, special flag);
- ``m57_2018_fonctions.csv``: every functional reference (code, label, parent);
- ``m57_2018_natures_extrait.csv``: the nature accounts that were transcribed, with the
  chapter of a real expense (``DR``) and of a real revenue (``RR``) the file gives them.

What follows from the data, and what is a reading of it, is said next to each rule below.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

HERE = Path(__file__).resolve().parent
NORM = "M57"
EXERCISE = 2018
SOURCE = {
    "norm": "M57",
    "declension": "M57",
    "exercise": EXERCISE,
    "publisher": "DGFiP — normes budgétaires et comptables (plan de comptes TOTEM)",
    "document": "planDeCompte.xml, Nomenclature Norme=M57 Declinaison=M57 Exer=2018",
    "copy": (
        "phramboise/dataviz-finances-montpellier, "
        "data/finances/plansDeCompte/plan-de-compte-M57-M57-2018.xml, "
        "commit fad889845a199ff9badae80d6aee8eb047fe3a93"
    ),
    "natures": "extract",
}
EXPENSE, REVENUE = "expense", "revenue"
DIRECTIONS = (EXPENSE, REVENUE)
SECTION_OF = {"F": "operation", "I": "investment"}


@dataclass(frozen=True)
class Chapter:
    code: str
    label: str
    section: str  # "operation" | "investment"
    kind: str  # G, C, L
    special: bool

    @property
    def directions(self) -> frozenset[str]:
        """Which way money goes on this chapter.

        In the operating section, chapters by nature (type C) of class 6 are charges
        (expenses) and of class 7 products (revenue): the plan's own classes, which the
        transcribed natures confirm (every 65… account has a real-expense chapter and no
        revenue one, every 73… account the reverse). The global and special chapters are
        listed in :data:`GLOBAL_DIRECTIONS`; anything else (the investment section, where
        most chapters carry both) allows both ways.
        """
        if self.code in GLOBAL_DIRECTIONS:
            return GLOBAL_DIRECTIONS[self.code]
        if self.section == "operation" and self.kind == "C":
            return frozenset({EXPENSE} if self.code.startswith("6") else {REVENUE})
        return frozenset(DIRECTIONS)


#: Global and special chapters whose direction the source shows: in the transcribed
#: natures 011 and 012 are only ever expense chapters (DR), 016 (APA) and 017 (RSA) both
#: (DR of their 651… allowances, RR of 747811 and 7533 on 016, 7531, 7532 and 75341–75344
#: on 017), 013 only the revenue
#: chapter (RR) of remboursements and rabais (6032, 609x, 619, 629, 6419…), 014 only the
#: expense chapter of reversements (701249, 70619, 7068129…); 020, 022 only DR; 021 and
#: 024 only revenue (RR/ROES). 023 is read from its label (« virement à la section
#: d'investissement », an order transfer to 021).
GLOBAL_DIRECTIONS = {
    "011": frozenset({EXPENSE}),
    "012": frozenset({EXPENSE}),
    "013": frozenset({REVENUE}),
    "014": frozenset({EXPENSE}),
    "016": frozenset(DIRECTIONS),
    "017": frozenset(DIRECTIONS),
    "020": frozenset({EXPENSE}),
    "022": frozenset({EXPENSE}),
    "023": frozenset({EXPENSE}),
    "021": frozenset({REVENUE}),
    "024": frozenset({REVENUE}),
}
#: When a file does not say the direction of an investment line: the usual reading of the
#: chapter (acquisitions are spent, subsidies and endowments received). Not from the
#: source — a default only; a file with a direction column is always followed.
USUAL_DIRECTION = {
    "10": REVENUE,
    "13": REVENUE,
    "20": EXPENSE,
    "204": EXPENSE,
    "21": EXPENSE,
    "22": EXPENSE,
    "23": EXPENSE,
    "26": EXPENSE,
    "27": EXPENSE,
}


@dataclass(frozen=True)
class Nature:
    code: str
    label: str
    expense_chapter: str
    revenue_chapter: str


@dataclass(frozen=True)
class Function:
    code: str
    label: str
    parent: str


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@cache
def chapters() -> dict[str, Chapter]:
    return {
        row["code"]: Chapter(
            row["code"],
            row["libelle"],
            SECTION_OF[row["section"]],
            row["type"],
            row["special"] == "1",
        )
        for row in _rows("m57_2018_chapitres.csv")
    }


@cache
def functions() -> dict[str, Function]:
    return {
        row["code"]: Function(row["code"], row["libelle"], row["parent"])
        for row in _rows("m57_2018_fonctions.csv")
    }


@cache
def natures() -> dict[str, Nature]:
    return {
        row["code"]: Nature(
            row["code"], row["libelle"], row["chapitre_depense"], row["chapitre_recette"]
        )
        for row in _rows("m57_2018_natures_extrait.csv")
    }


def chapter_label(code: str) -> str:
    found = chapters().get(code)
    return found.label if found else ""


def function_label(code: str) -> str:
    found = functions().get(code)
    return found.label if found else ""


def function_group(code: str) -> str:
    """The top of a function's tree ("212" → "2", "05" → "05")."""
    seen = functions()
    while code in seen and seen[code].parent:
        code = seen[code].parent
    return code


def default_direction(chapter: str) -> str | None:
    """The direction of a chapter when a file does not give one (None: ask for it)."""
    found = chapters().get(chapter)
    if found is None:
        return None
    if len(found.directions) == 1:
        return next(iter(found.directions))
    return USUAL_DIRECTION.get(chapter)


def _c_chapter_of(nature: str) -> Chapter | None:
    """The chapter by nature (type C) whose code is the longest prefix of ``nature``."""
    best = None
    for chapter in chapters().values():
        longer = best is None or len(chapter.code) > len(best.code)
        if chapter.kind == "C" and nature.startswith(chapter.code) and longer:
            best = chapter
    return best


@dataclass
class Check:
    #: (field, sentence): field is "chapter", "section", "direction", "function" or "nature"
    errors: list[tuple[str, str]]
    warnings: list[str]


def check(section: str, direction: str, chapter: str, function: str, nature: str) -> Check:
    """Every reason why a line does not fit the nomenclature (translated sentences)."""
    errors: list[tuple[str, str]] = []
    warnings: list[str] = []
    found = chapters().get(chapter)
    if found is None:
        errors.append(("chapter", _("chapitre %(c)s inconnu de la nomenclature M57", c=chapter)))
    else:
        if found.section != section and found.section == "investment":
            errors.append(
                (
                    "section",
                    _(
                        "le chapitre %(c)s (%(l)s) relève de la section d'investissement",
                        c=chapter,
                        l=found.label,
                    ),
                )
            )
        elif found.section != section:
            errors.append(
                (
                    "section",
                    _(
                        "le chapitre %(c)s (%(l)s) relève de la section de fonctionnement",
                        c=chapter,
                        l=found.label,
                    ),
                )
            )
        if direction not in found.directions:
            errors.append(
                (
                    "direction",
                    _(
                        "le chapitre %(c)s (%(l)s) est un chapitre de recettes, pas de dépenses",
                        c=chapter,
                        l=found.label,
                    )
                    if direction == EXPENSE
                    else _(
                        "le chapitre %(c)s (%(l)s) est un chapitre de dépenses, pas de recettes",
                        c=chapter,
                        l=found.label,
                    ),
                )
            )
    if function and function not in functions():
        errors.append(("function", _("fonction %(f)s inconnue de la nomenclature M57", f=function)))
    if nature:
        errors += [
            ("nature", m) for m in _check_nature(nature, direction, chapter, found, warnings)
        ]
    return Check(errors, warnings)


def _check_nature(
    nature: str, direction: str, chapter: str, found: Chapter | None, warnings: list[str]
) -> list[str]:
    if not nature.isdigit():
        return [_("compte par nature %(n)s invalide (des chiffres)", n=nature)]
    known = natures().get(nature)
    if known is not None:
        expected = known.expense_chapter if direction == EXPENSE else known.revenue_chapter
        if expected == chapter:
            return []
        if not expected and direction == EXPENSE:
            return [
                _(
                    "le compte %(n)s (%(l)s) ne s'emploie pas en dépense réelle",
                    n=nature,
                    l=known.label,
                )
            ]
        if not expected:
            return [
                _(
                    "le compte %(n)s (%(l)s) ne s'emploie pas en recette réelle",
                    n=nature,
                    l=known.label,
                )
            ]
        return [
            _(
                "le compte %(n)s (%(l)s) se rattache au chapitre %(e)s, pas %(c)s",
                n=nature,
                l=known.label,
                e=expected,
                c=chapter,
            )
        ]
    # outside the extract: only what the chapters tell
    if found is not None and found.kind == "C":
        owner = _c_chapter_of(nature)
        if owner is None or owner.code != chapter:
            return [
                _(
                    "le compte %(n)s n'appartient pas au chapitre %(c)s",
                    n=nature,
                    c=chapter,
                )
            ]
    warnings.append(
        _(
            "compte %(n)s non vérifié : absent de l'extrait du plan de comptes embarqué",
            n=nature,
        )
    )
    return []
