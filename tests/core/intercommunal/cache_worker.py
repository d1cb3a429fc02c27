"""One application process for tests/core/intercommunal/test_cache_workers.py: it serves
commands read from stdin (one JSON object a line) and answers each with one line
``RESULT <json>``. Reads go through the test client (a real request each time); writes run
in an app context and commit, as a request would.

    python -m tests.core.intercommunal.cache_worker DATABASE_URL [REDIS_URL|-] [planted]

``planted`` (for the tests that prove the guard can fail): ``memory`` keeps a cache in the
process across requests (what the code did before), ``no-bump`` commits without moving the
shared cache versions.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def build(database_url: str, redis_url: str | None, planted: str) -> Any:
    from federation.app import create_app
    from federation.testing.plugin import TEST_SECRET
    from tests.support.notes_plugin import BrokenPlugin, NeedsNotesPlugin, NotesPlugin

    app = create_app(
        "test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        env="testing",
        mail_backend="memory",
        redis_url=redis_url,
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
        JOBS_INLINE=True,
        extra_plugins=[NotesPlugin(), NeedsNotesPlugin(), BrokenPlugin()],
    )
    if planted == "memory":
        from federation.intercommunal.cache import MemoryBackend

        app.extensions["convergence_cache"] = MemoryBackend()
    elif planted == "no-bump":
        from federation.intercommunal.cache import bump_communes
        from federation.tenancy import scoping

        scoping.on_commit_touched.remove(bump_communes)
    return app


def run(app: Any, command: dict[str, Any]) -> Any:
    from federation.db import db
    from federation.plugins.services import disable_plugin
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Commune
    from tests.support.notes_plugin import Note

    op = command["op"]
    if op == "indicators":
        rows = app.test_client().get(f"/api/v1/federations/{command['federation']}/indicators")
        return {r["key"]: {"total": r["total"], "per_commune": r["per_commune"]} for r in rows.json}
    with app.app_context(), commune_scope(command["commune"]):
        if op == "add_note":
            db.session.add(Note(title="from the other worker"))
        elif op == "disable":
            disable_plugin(db.session.get(Commune, command["commune"]), command["plugin"])
        else:
            raise ValueError(op)
        db.session.commit()
    return "ok"


def main() -> None:
    database_url = sys.argv[1]
    redis_url = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
    planted = sys.argv[3] if len(sys.argv) > 3 else ""
    app = build(database_url, redis_url, planted)
    print("RESULT " + json.dumps("ready"), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        print("RESULT " + json.dumps(run(app, command)), flush=True)


if __name__ == "__main__":
    main()
