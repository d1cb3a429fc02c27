"""Helpers of the account-recovery tests: the links that e-mails carry."""

from __future__ import annotations

import re

import pytest

from federation.identity.notifications import OUTBOX

LINK = re.compile(r"(https?://[^/\s]+)(/(?:password/reset|email/verify)/[A-Za-z0-9_.\-]+)")


def mails_to(address: str) -> list:
    return [m for m in OUTBOX if m["To"] == address]


def last_link(address: str) -> tuple[str, str]:
    """(origin, path) of the link in the last e-mail sent to ``address``."""
    [*_, message] = mails_to(address)
    found = LINK.search(message.get_content())
    assert found, message.get_content()
    return found.group(1), found.group(2)


@pytest.fixture
def outbox():
    return OUTBOX
