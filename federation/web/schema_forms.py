"""HTML form fields generated from a plugin's marshmallow settings schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate


@dataclass
class FormField:
    name: str
    label: str
    kind: str  # text | number | checkbox | select
    value: Any
    choices: list[Any]
    required: bool
    help: str
    errors: list[str]
    step: str = "1"


def _kind(field: fields.Field) -> tuple[str, list[Any], str]:
    for validator in getattr(field, "validators", []):
        if isinstance(validator, validate.OneOf):
            return "select", list(validator.choices), "1"
    if isinstance(field, fields.Boolean):
        return "checkbox", [], "1"
    if isinstance(field, fields.Integer):
        return "number", [], "1"
    if isinstance(field, (fields.Float, fields.Decimal, fields.Number)):
        return "number", [], "any"
    return "text", [], "1"


def form_fields(
    schema_cls: type[Schema], values: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> list[FormField]:
    schema = schema_cls()
    result = []
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        kind, choices, step = _kind(field)
        meta = field.metadata or {}
        result.append(
            FormField(
                name=name,
                label=str(meta.get("label", name)),
                kind=kind,
                value=values.get(name),
                choices=choices,
                required=field.required,
                help=str(meta.get("description", "")),
                errors=(errors or {}).get(name, []),
                step=step,
            )
        )
    return result


def read_form(schema_cls: type[Schema], form: Any) -> dict[str, Any]:
    """Raw values from a submitted form, ready for the schema's ``load``."""
    data: dict[str, Any] = {}
    for name, field in schema_cls().fields.items():
        if field.dump_only:
            continue
        if isinstance(field, fields.Boolean):
            data[name] = name in form
        elif name in form and form[name] != "":
            data[name] = form[name]
    return data
