"""marshmallow's messages in the reader's language (issue 16 item 1).

marshmallow writes its messages in English ("Not a valid integer.", "Longer than maximum
length 200."), some built when a validator is created (``Range``), so they cannot be
translated where they are written. They are translated where they leave the application,
in one place: :func:`translate` maps each of marshmallow's own messages (its templates,
with their values) to a French message of our catalog, rendered in the request's locale.
A message that is not one of marshmallow's (a schema's own, already translated) passes
unchanged. Used by the API's 422 answers (:mod:`federation.web.errors`) and by the plugin
settings forms (:func:`federation.plugins.services.validate_settings`).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l

#: marshmallow's English template → our French message (``%(name)s`` for its ``{name}``)
MESSAGES: dict[str, Any] = {
    "Missing data for required field.": _l("Ce champ est obligatoire."),
    "Field may not be null.": _l("Ce champ ne peut pas être vide."),
    "Invalid value.": _l("Valeur invalide."),
    "Invalid input.": _l("Valeur invalide."),
    "Invalid type.": _l("Type invalide."),
    "Invalid input type.": _l("Type de données invalide."),
    "Unknown field.": _l("Champ inconnu."),
    "Not a valid boolean.": _l("Ce n'est pas une valeur vrai/faux valide."),
    "Not a valid integer.": _l("Ce n'est pas un nombre entier valide."),
    "Not a valid number.": _l("Ce n'est pas un nombre valide."),
    "Number too large.": _l("Nombre trop grand."),
    "Special numeric values (nan or infinity) are not permitted.": _l(
        "Les valeurs spéciales (nan, infini) ne sont pas admises."
    ),
    "Not a valid string.": _l("Ce n'est pas un texte valide."),
    "Not a valid utf-8 string.": _l("Ce n'est pas un texte UTF-8 valide."),
    "Not a valid email address.": _l("Ce n'est pas une adresse e-mail valide."),
    "Not a valid URL.": _l("Ce n'est pas une adresse web valide."),
    "Not a valid UUID.": _l("Ce n'est pas un UUID valide."),
    "Not a valid list.": _l("Ce n'est pas une liste valide."),
    "Not a valid tuple.": _l("Ce n'est pas une liste valide."),
    "Not a valid mapping type.": _l("Ce n'est pas un objet valide."),
    "Not a valid date.": _l("Ce n'est pas une date valide."),
    "Not a valid datetime.": _l("Ce n'est pas une date et heure valide."),
    "Not a valid time.": _l("Ce n'est pas une heure valide."),
    "Not a valid period of time.": _l("Ce n'est pas une durée valide."),
    "Not a valid {awareness} {obj_type}.": _l("Date et heure invalide (fuseau horaire)."),
    "Not a valid IP address.": _l("Ce n'est pas une adresse IP valide."),
    "String does not match expected pattern.": _l("Le format n'est pas celui attendu."),
    "Shorter than minimum length {min}.": _l("Trop court : %(min)s caractères au moins."),
    "Longer than maximum length {max}.": _l("Trop long : %(max)s caractères au plus."),
    "Length must be between {min} and {max}.": _l(
        "La longueur doit être comprise entre %(min)s et %(max)s."
    ),
    "Length must be {equal}.": _l("La longueur doit être de %(equal)s."),
    "Must be one of: {choices}.": _l("Valeurs admises : %(choices)s."),
    "Must be equal to {other}.": _l("Doit valoir %(other)s."),
    "Must be greater than or equal to {min}.": _l("Doit être supérieur ou égal à %(min)s."),
    "Must be greater than {min}.": _l("Doit être supérieur à %(min)s."),
    "Must be less than or equal to {max}.": _l("Doit être inférieur ou égal à %(max)s."),
    "Must be less than {max}.": _l("Doit être inférieur à %(max)s."),
    "Must be greater than or equal to {min} and less than or equal to {max}.": _l(
        "Doit être compris entre %(min)s et %(max)s."
    ),
    "Must be greater than {min} and less than {max}.": _l(
        "Doit être strictement compris entre %(min)s et %(max)s."
    ),
    "Must be greater than or equal to {min} and less than {max}.": _l(
        "Doit être supérieur ou égal à %(min)s et inférieur à %(max)s."
    ),
    "Must be greater than {min} and less than or equal to {max}.": _l(
        "Doit être supérieur à %(min)s et inférieur ou égal à %(max)s."
    ),
    '"{input}" cannot be formatted as a date.': _l("« %(input)s » n'est pas une date."),
    '"{input}" cannot be formatted as a datetime.': _l(
        "« %(input)s » n'est pas une date et heure."
    ),
    "One or more of the choices you made was not in: {choices}.": _l(
        "Un des choix n'est pas parmi : %(choices)s."
    ),
    "One or more of the choices you made was in: {values}.": _l(
        "Un des choix est parmi les valeurs exclues : %(values)s."
    ),
}

_FIELD = re.compile(r"\\\{(\w+)\\\}")


@cache
def _patterns() -> list[tuple[re.Pattern[str], Any]]:
    found = []
    # the longest first: "Must be … {min} and … {max}." before "Must be … {min}."
    for english, french in sorted(MESSAGES.items(), key=lambda item: -len(item[0])):
        pattern = _FIELD.sub(lambda m: f"(?P<{m.group(1)}>.+?)", re.escape(english))
        found.append((re.compile(f"^{pattern}$", re.S), french))
    return found


def translate_message(message: Any) -> Any:
    """One of marshmallow's messages in the current locale; anything else unchanged."""
    if not isinstance(message, str):
        return message
    for pattern, french in _patterns():
        match = pattern.match(message)
        if match:
            return str(french) % match.groupdict() if match.groupdict() else str(french)
    return message


def translate(messages: Any) -> Any:
    """marshmallow's error structure (dicts of lists, nested) with every message
    translated."""
    if isinstance(messages, dict):
        return {key: translate(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate(value) for value in messages]
    return translate_message(messages)
