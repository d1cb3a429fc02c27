"""Real-browser tests: Playwright driving Debian's Chromium (``/usr/bin/chromium``), headless.

They skip, saying why, when Chromium or Playwright is missing; ``.ci/run`` installs both.
The fixtures live in :mod:`tests.browser.fixtures` (registered by the root conftest, so that
plugin test suites share the one browser session).
"""

from __future__ import annotations

import pytest

from tests.browser.fixtures import CHROMIUM


def pytest_collection_modifyitems(items):
    reason = None
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright Python package is not installed (make install)"
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
