"""The ballot box of secret votes: a ballot is sealed when it is cast, and only opened, in
random order, by the transaction that closes the vote.

Threat model (issue 10 item 3, R14)
-----------------------------------
Protected: anyone who reads the database — a dump, a backup, a replica, an export, a
database account — during the vote or after it, including its system columns: row ids,
PostgreSQL's ``xmin``/``xmax``/``ctid``, SQLite's rowid, physical row order, timestamps.
Such a reader must not link a secret ballot to its voter better than chance.

- The voter's transaction writes the participation (who voted, the day only) and one
  :class:`~federation.governance.models.SealedBallot`: a random id and a blob sealed with a
  key derived from the application's ``SECRET_KEY`` (never stored in the database). The
  blob holds the receipt and the ballot, padded to a multiple of ``BLOCK`` bytes, so its
  size does not reveal the choice. That row shares the voter's transaction id (PostgreSQL
  ``xmin``), which is why it must stay unreadable: it is.
- The transaction that closes the vote (under the vote's row lock, so no ballot arrives
  during it) opens every sealed ballot, shuffles them with the system CSPRNG, inserts them
  into ``gov_secret_ballots`` in that order — one transaction id for all, physical order
  = random order, primary key = the random receipt, no time, no user — and deletes the
  sealed rows. No row left afterwards carries a voter's transaction id next to a ballot.
- While a secret vote is open, neither its results nor its roll are shown to anyone
  (:func:`federation.governance.votes.results_visible`, ``roll_visible``), so watching the
  page between two casts reveals nothing either.

Not protected (said plainly): the server operator at run time (who holds ``SECRET_KEY``
and sees requests as they arrive; they could log them), someone who holds both a database
copy taken while the vote is open and ``SECRET_KEY``, forensic recovery of deleted row
versions or of the WAL taken while the vote is open (the sealed blobs there are unreadable
without the key, but their transaction ids are visible), and timing of network traffic.
Rotating ``SECRET_KEY`` while a secret vote is open makes its sealed ballots unreadable:
closing then refuses (nothing is lost or miscounted; restore the key to close).

The seal is an encrypt-then-MAC construction from the standard library (no extra
dependency): HMAC-SHA-256 in counter mode as the key stream (a PRF in CTR mode) over a
random 128-bit nonce, and an HMAC-SHA-256 tag over nonce and ciphertext, with separate
keys derived per vote.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask import current_app

BLOCK = 256
_NONCE = 16
_TAG = 32
_VERSION = b"convergence/secret-ballot/v1"


class BrokenSeal(Exception):
    """A sealed ballot that cannot be opened (key changed, or the row was altered)."""


def _keys(vote_id: int) -> tuple[bytes, bytes]:
    secret = current_app.config["SECRET_KEY"]
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    root = hmac.new(key, _VERSION + b"/%d" % vote_id, hashlib.sha256).digest()
    return (
        hmac.new(root, b"encrypt", hashlib.sha256).digest(),
        hmac.new(root, b"authenticate", hashlib.sha256).digest(),
    )


def _stream(key: bytes, nonce: bytes, size: int) -> bytes:
    blocks = (size + 31) // 32
    return b"".join(
        hmac.new(key, nonce + i.to_bytes(8, "big"), hashlib.sha256).digest() for i in range(blocks)
    )[:size]


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def seal(vote_id: int, receipt: str, content: str) -> bytes:
    """The sealed form of one ballot: nonce ‖ ciphertext (padded) ‖ tag."""
    plain = json.dumps([receipt, content], ensure_ascii=False).encode()
    size = -(-(len(plain) + 4) // BLOCK) * BLOCK
    padded = len(plain).to_bytes(4, "big") + plain + bytes(size - len(plain) - 4)
    encrypt, authenticate = _keys(vote_id)
    nonce = secrets.token_bytes(_NONCE)
    cipher = _xor(padded, _stream(encrypt, nonce, size))
    return nonce + cipher + hmac.new(authenticate, nonce + cipher, hashlib.sha256).digest()


def unseal(vote_id: int, blob: bytes) -> tuple[str, str]:
    """(receipt, content) of a sealed ballot; BrokenSeal if it is not one of this vote's."""
    blob = bytes(blob)
    if len(blob) < _NONCE + 4 + _TAG:
        raise BrokenSeal("too short")
    nonce, cipher, tag = blob[:_NONCE], blob[_NONCE:-_TAG], blob[-_TAG:]
    encrypt, authenticate = _keys(vote_id)
    expected = hmac.new(authenticate, nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise BrokenSeal("authentication failed")
    padded = _xor(cipher, _stream(encrypt, nonce, len(cipher)))
    length = int.from_bytes(padded[:4], "big")
    receipt, content = json.loads(padded[4 : 4 + length].decode())
    return receipt, content


def shuffled(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A uniformly random order (system CSPRNG): the order ballots are written at close."""
    items = list(items)
    secrets.SystemRandom().shuffle(items)
    return items
