"""The security log (R25): one JSON line per event on the ``convergence.security`` logger.

On the lowest floor: it imports nothing from the application, so any module may log.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from flask import g, has_app_context, has_request_context, request

log = logging.getLogger("convergence.security")

#: field names that could carry a secret: never written, whatever a caller passes
SECRET_FIELDS = re.compile(r"pass|secret|token|code|key|cookie|session|ballot|choice", re.I)


def security_event(event: str, **fields: object) -> None:
    """R25: one JSON line on the ``convergence.security`` logger — the event, the time, the
    commune and user, the client address and the view (never the path: a reset link's
    token is in it), and the caller's fields — never a secret (a field named like one is
    not written) nor a vote's content.

    Logged: sign-ins and their failures, refused tokens, denied access, role and rule
    changes, votes cast (without the choice), exports of personal or commune data."""
    from flask_login import current_user

    commune = g.get("commune") if has_app_context() else None
    record: dict[str, object] = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "event": event,
        "commune": getattr(commune, "id", None),
        "user": None,
    }
    if has_request_context():
        user = current_user
        record["user"] = getattr(user, "id", None) if user else None
        record["ip"] = request.remote_addr
        record["endpoint"] = request.endpoint  # never the path: it may carry a link's token
    for key, value in sorted(fields.items()):
        if SECRET_FIELDS.search(key):
            record[key] = "[not logged]"  # tests/core/api/test_security_log.py
            continue
        record[key] = value if isinstance(value, int | float | bool | None) else str(value)
    log.info(json.dumps(record, ensure_ascii=False, sort_keys=True))
