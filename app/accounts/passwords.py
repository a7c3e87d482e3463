"""Password hashing with argon2id (memory-hard; argon2-cffi's RFC 9106 low-memory profile).

Verifying costs about 0.1 s of CPU, so it runs in a thread, off the event loop. A sign-in for
an unknown e-mail verifies against a dummy hash: the answer takes as long as a wrong password.
"""

from __future__ import annotations

import asyncio
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; a megabyte "password" would only cost CPU

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"a password may have at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash (unknown e-mail, no
    password yet), the same work is done and the answer is False."""
    if len(password) > MAX_LENGTH:
        return False
    return await asyncio.to_thread(_verify, stored, password)


async def hash_password_async(password: str) -> str:
    check_strength(password)
    return await asyncio.to_thread(_hasher.hash, password)
