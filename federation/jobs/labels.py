"""What a job's state and error kind say, in the reader's language (read time)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from federation.jobs.services import JobStatus


def _core_errors() -> dict[str, str]:
    return {
        "stale": _(
            "La tâche ne donne plus signe de vie : le processus qui la menait s'est arrêté. "
            "Relancez-la."
        ),
        "timeout": _("La tâche a dépassé le temps qui lui est alloué."),
        "unavailable": _("La file des tâches est indisponible : la tâche n'a pas pu démarrer."),
        "interrupted": _("La tâche a été interrompue."),
    }


def state_label(status: JobStatus) -> str:
    return {
        "queued": _("En attente"),
        "running": _("En cours"),
        "finished": _("Terminée"),
        "failed": _("Échec"),
    }[status.state]


def progress_text(status: JobStatus) -> str:
    """« 3 sur 12 (25 %) », or an empty string while the total is unknown."""
    if not status.total:
        return ""
    return _(
        "%(done)s sur %(total)s (%(percent)s)",
        done=format_decimal(status.done),
        total=format_decimal(status.total),
        percent=format_percent((status.percent or 0) / 100),
    )


def error_message(status: JobStatus, messages: Mapping[str, Any] | None = None) -> str:
    """The message of a failed job: the page's own for its kinds (``messages``, strings
    or callables taking the error's parameters), the core's, or a general one."""
    if status.state != "failed":
        return ""
    kind = status.error_kind or "internal"
    custom = (messages or {}).get(kind)
    if custom is not None:
        return str(custom(**status.error_params) if callable(custom) else custom)
    return _core_errors().get(kind) or _(
        "La tâche a échoué. L'erreur est consignée dans le journal du serveur."
    )


def describe(status: JobStatus, messages: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything a page shows of a job (used by the ``jobs/_progress.html`` macros)."""
    return {
        "state": status.state,
        "active": status.active,
        "label": state_label(status),
        "progress": progress_text(status),
        "done": status.done,
        "total": status.total,
        "percent": status.percent,
        "error": error_message(status, messages),
    }
