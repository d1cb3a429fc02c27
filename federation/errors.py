"""Errors that services raise and that views, the API and the CLI turn into clear messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused operation: ``message`` is for people, ``field`` names the input at fault."""

    status = 400

    def __init__(
        self,
        message: object,
        *,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.errors = errors

    def as_dict(self) -> dict[str, list[str]]:
        """Messages by field name (``_schema`` when no field is at fault)."""
        if self.errors:
            return {k: [str(m) for m in v] for k, v in self.errors.items()}
        return {self.field or "_schema": [str(self.message)]}


class ValidationFailed(ServiceError):
    status = 422


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409
