"""argon2id password hashing (argon2-cffi defaults meet OWASP ASVS 5.0 Appendix C).

The ``PASSWORD_HASHING`` setting chooses the parameters of new hashes: ``asvs`` (the default,
t=3, m=64 MiB, p=4 — about 0.2 s a hash on two cores, on purpose) or ``fast-for-tests``
(argon2-cffi's CHEAPEST profile), which the test suite uses so that its thousands of
accounts and sign-ins do not spend a third of its time hashing; the configuration refuses
it in production. Verification reads the parameters stored in each hash, so either kind of
hash verifies under either setting.
"""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

HASHERS = {
    "asvs": PasswordHasher(),  # argon2id, t=3, m=64 MiB, p=4
    "fast-for-tests": PasswordHasher.from_parameters(profiles.CHEAPEST),
}

MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    name = current_app.config.get("PASSWORD_HASHING", "asvs") if has_app_context() else "asvs"
    return HASHERS[name]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
