"""Pages at the limit: our throughput ÷ a bare Flask + SQLAlchemy app that replays each
page's SQL statements and returns the same HTML (issue 12 item 1; M1, M4, M10, M12).

Portal, a commune home, a proposal page, a federation home and an API list, anonymous and
signed in, on SQLite and PostgreSQL (skipped, with a line saying so, when unreachable);
gunicorn with 2 sync workers on both sides, one load generator, interleaved rounds.

Run: ``make bench`` or ``.venv/bin/python bench/bench_pages.py [--seconds S] [--rounds N]
[--db sqlite,postgresql]``; longer runs: ``BENCH_PAGES_SECONDS=5 BENCH_PAGES_ROUNDS=5``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages.run import main

if __name__ == "__main__":
    sys.exit(main())
