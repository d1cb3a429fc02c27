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

Who uses it: the core's secret votes (kind ``"vote"``, table ``gov_sealed_ballots``) and
any plugin with secret ballots (the budget plugin's participatory budgeting, kind
``"budget_pb"``, its own table). A sealed-ballot table has a random string ``id``, the
container's id column and a ``sealed`` bytes column; :func:`put`, :func:`open_all` and
:func:`discard` work on any such table, so the rules above are written once.

The seal is AES-256-GCM from the ``cryptography`` package (a maintained, audited library
rather than hand-written crypto): a random 96-bit nonce per ballot, the key derived per
(kind, container) from ``SECRET_KEY`` with HKDF-SHA-256, the kind and the container id as
associated data (a sealed ballot moved to another vote does not open). Any alteration of a
sealed row makes its tag fail: closing then refuses with a 409, nothing is counted.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from federation.db import db, lock_row
from federation.errors import Conflict
from federation.lazy import lazy_module

# cryptography is imported by the first ballot sealed or opened, not at start-up
_exceptions = lazy_module("cryptography.exceptions")
_hashes = lazy_module("cryptography.hazmat.primitives.hashes")
_aead = lazy_module("cryptography.hazmat.primitives.ciphers.aead")
_hkdf = lazy_module("cryptography.hazmat.primitives.kdf.hkdf")

#: the plaintext (length prefix + JSON) is padded to a multiple of this many bytes
BLOCK = 256
_NONCE = 12
_TAG = 16
_PURPOSE = b"convergence/sealed-ballot/v2"
#: the kind of the core's secret votes
VOTE = "vote"


class BrokenSeal(Exception):
    """A sealed ballot that cannot be opened (key changed, or the row was altered)."""


def _label(kind: str, container_id: int) -> bytes:
    return b"%s\x00%s\x00%d" % (_PURPOSE, kind.encode(), container_id)


def _key(kind: str, container_id: int) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    material = secret if isinstance(secret, bytes) else str(secret).encode()
    return _hkdf.HKDF(
        algorithm=_hashes.SHA256(), length=32, salt=_PURPOSE, info=_label(kind, container_id)
    ).derive(material)


def seal(kind: str, container_id: int, payload: Any) -> bytes:
    """The sealed form of one ballot (``payload``: any JSON value): nonce ‖ AES-GCM of the
    padded JSON ‖ tag. Two seals of the same ballot differ (random nonce)."""
    plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    size = -(-(len(plain) + 4) // BLOCK) * BLOCK
    padded = len(plain).to_bytes(4, "big") + plain + bytes(size - len(plain) - 4)
    nonce = secrets.token_bytes(_NONCE)
    return nonce + _aead.AESGCM(_key(kind, container_id)).encrypt(
        nonce, padded, _label(kind, container_id)
    )


def unseal(kind: str, container_id: int, blob: bytes) -> Any:
    """The payload of a sealed ballot; :class:`BrokenSeal` if it is not one of this
    container's (other key, other container, altered bytes)."""
    blob = bytes(blob)
    if len(blob) < _NONCE + 4 + _TAG:
        raise BrokenSeal("too short")
    try:
        padded = _aead.AESGCM(_key(kind, container_id)).decrypt(
            blob[:_NONCE], blob[_NONCE:], _label(kind, container_id)
        )
    except _exceptions.InvalidTag:
        raise BrokenSeal("authentication failed") from None
    length = int.from_bytes(padded[:4], "big")
    try:
        return json.loads(padded[4 : 4 + length].decode())
    except ValueError:
        raise BrokenSeal("not a ballot") from None


def shuffled(items: list[Any]) -> list[Any]:
    """A uniformly random order (system CSPRNG): the order ballots are written at close."""
    items = list(items)
    secrets.SystemRandom().shuffle(items)
    return items


# --- the box: any sealed-ballot table (id, <container column>, sealed) ------------------


def put(model: Any, column: Any, kind: str, container_id: int, payload: Any) -> None:
    """In the voter's transaction: keep one ballot sealed until its container closes."""
    db.session.add(
        model(
            **{
                "id": secrets.token_hex(16),
                column.key: container_id,
                "sealed": seal(kind, container_id, payload),
            }
        )
    )
    db.session.flush()


def open_all(model: Any, column: Any, kind: str, container_id: int) -> list[Any]:
    """In the closing transaction (the container locked, see :func:`lock`): open every
    sealed ballot, delete the sealed rows, return the payloads in random order — the
    caller writes them in that order. A ballot that does not open stops everything with a
    409 (the caller's transaction is rolled back: the vote stays open)."""
    rows = list(db.session.scalars(select(model).where(column == container_id)))
    try:
        opened = [unseal(kind, container_id, row.sealed) for row in rows]
    except BrokenSeal:
        raise Conflict(
            _(
                "Les bulletins scellés de ce vote ne s'ouvrent pas (clé du serveur changée ?) : "
                "le vote reste ouvert."
            ),
            field="vote",
        ) from None
    discard(model, column, container_id)
    for row in rows:
        db.session.expunge(row)
    return shuffled(opened)


def discard(model: Any, column: Any, container_id: int) -> int:
    """Delete the sealed ballots of a container without opening them (a cancelled vote:
    nothing is counted). Returns how many."""
    done = db.session.execute(
        delete(model).where(column == container_id).execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)


def lock(container: Any, *, exclusive: bool) -> None:
    """Serialise casting (shared) and closing (exclusive) on one container row, so that a
    ballot is either sealed before the close opens the box, or refused after it; then
    re-read the row (its state once the lock is held).

    PostgreSQL: ``FOR SHARE`` / ``FOR UPDATE`` on the row. SQLite has one writer at a time:
    a no-op UPDATE of the row takes the database's write lock before anything is checked.
    """
    lock_row(type(container), container.id, exclusive=exclusive)
    db.session.refresh(container)
