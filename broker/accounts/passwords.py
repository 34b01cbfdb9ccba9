"""Password hashing with argon2id (argon2-cffi's tuned defaults), kept off the event loop, and the
common-password check NCSC advises instead of complexity rules.

An argon2 hash is ~150 ms of CPU by design. Run on the event loop it stalls every other request
(health checks included) for that long, so the service computes it on a small pool of worker threads
(argon2-cffi releases the GIL). The pool is small on purpose: each hash holds 64 MiB, and more
threads than cores only queue inside the kernel instead of here.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

T = TypeVar("T")
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs the same time as a wrong password.
_DECOY_HASH = _hasher.hash("decoy password that matches nothing")
HASHING_THREADS = os.cpu_count() or 2
_pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="argon2")
# zxcvbn refuses longer input; a password this long is not on anyone's list of common passwords.
_ZXCVBN_MAX_LENGTH = 72


def hash_password(password: str) -> str:
    """Blocking: for scripts and the seed. Request handlers use `hash_password_off_loop`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Blocking; `None` (no such user) verifies against a decoy so it takes as long as a real miss."""
    try:
        return _hasher.verify(password_hash or _DECOY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def off_loop(function: Callable[..., T], *args: Any) -> T:
    """Runs CPU-bound password work on the hashing threads, so the event loop keeps serving requests."""
    return await asyncio.get_running_loop().run_in_executor(_pool, function, *args)


async def hash_password_off_loop(password: str) -> str:
    return await off_loop(hash_password, password)


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    return await off_loop(verify_password, password_hash, password)


def is_common_password(password: str) -> bool:
    """True when the whole password is one of the 30,000 most common passwords, ignoring case,
    l33t substitutions (`p@ssw0rd`) and reversal.

    NCSC password guidance: block the passwords attackers try first rather than demanding symbols.
    The list is the `passwords` frequency list that the zxcvbn package ships (from Mark Burnett's
    10 million leaked passwords), so the check needs no network; zxcvbn's own matcher finds the
    variants. Up to ~50 ms of CPU for a long password: call it through `off_loop`.
    """
    if len(password) > _ZXCVBN_MAX_LENGTH:
        return False
    sequence = zxcvbn(password)["sequence"]
    return (
        len(sequence) == 1
        and sequence[0]["pattern"] == "dictionary"
        and sequence[0]["dictionary_name"] == "passwords"
    )
