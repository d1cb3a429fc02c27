"""Page bench (issue 12 item 1): our pages ÷ a bare Flask + SQLAlchemy app replaying them.

Entry point: ``bench/bench_pages.py`` (``make bench``); see :mod:`pages.run`.
"""
