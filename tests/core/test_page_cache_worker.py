"""One application process for tests/core/test_page_cache.py (no tests here): it serves
commands read from stdin (one JSON object a line) and answers each with one line
``RESULT <json>``. Reads are real requests through the test client (an anonymous visitor,
no cookie kept); writes run in an app context and commit, as a request would.

    python -m tests.core.test_page_cache_worker DATABASE_URL REDIS_URL [planted]

``planted`` (proves the test can fail): ``no-bump`` commits without moving the versions.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def build(database_url: str, redis_url: str, planted: str) -> Any:
    from federation.app import create_app
    from federation.testing.plugin import TEST_SECRET
    from tests.support.notes_plugin import NotesPlugin

    app = create_app(
        "test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        env="testing",
        mail_backend="memory",
        redis_url=redis_url,
        TESTING=True,
        RATELIMIT_ENABLED=False,
        JOBS_INLINE=True,
        plugins=[],
        extra_plugins=[NotesPlugin()],
    )
    if planted == "no-bump":
        from federation.tenancy import scoping
        from federation.tenancy.versions import bump_communes

        scoping.on_commit_touched.remove(bump_communes)
    return app


def run(app: Any, command: dict[str, Any]) -> Any:
    from federation.db import db
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Commune
    from tests.support.notes_plugin import Note

    op = command["op"]
    if op == "get":
        response = app.test_client(use_cookies=False).get(command["url"])
        return {
            "status": response.status_code,
            "cache": response.headers.get("X-Page-Cache"),
            "body": response.get_data(as_text=True),
        }
    with app.app_context():
        if op == "add_note":
            with commune_scope(command["commune"]):
                db.session.add(Note(title=command["title"]))
                db.session.commit()
        elif op == "rename":
            db.session.get(Commune, command["commune"]).name = command["name"]
            db.session.commit()
        else:
            raise ValueError(op)
    return "ok"


def main() -> None:
    app = build(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
    print("RESULT " + json.dumps("ready"), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        print("RESULT " + json.dumps(run(app, command)), flush=True)


if __name__ == "__main__":
    main()
