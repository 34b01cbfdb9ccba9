"""Sign-in throttling: how many password guesses a caller gets, counted where only they pay for it.

Counters are kept per (email, client address) and per client address, never per account alone, so
a stranger who hammers someone's email slows only their own address: the real user, from anywhere
else, still signs in. Emails are counted as the strings typed (normalised), whether or not an
account exists, so being throttled says nothing about who has an account here.

Built on `limits` (moving window). `memory://` keeps counters in this process; several app
processes share `redis://host:6379` (redis-py's asyncio client), or each has its own counts:
`broker serve --workers N` refuses memory:// in production (`Settings.scale_out_problems`).
"""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


def _async_storage_uri(uri: str) -> str:
    """`limits` names its asyncio storages `async+<scheme>`; the setting takes either spelling."""
    return uri if uri.startswith("async+") else f"async+{uri}"


def _storage_options(uri: str) -> dict[str, str]:
    """Redis through redis-py (a dependency already), not `limits`' default client (coredis)."""
    scheme = uri.removeprefix("async+").partition("://")[0]
    return {"implementation": "redispy"} if scheme in ("redis", "rediss", "redis+unix") else {}


@dataclass(frozen=True)
class LoginPolicy:
    """Within any `window_minutes`: `per_email` attempts at one email from one address, and
    `per_address` attempts from one address across all emails."""

    per_email: int
    per_address: int
    window_minutes: int


class LoginThrottle:
    """Reserves an attempt before the password is checked, so concurrent guesses cannot all slip
    under the limit while the first ones are still being hashed."""

    def __init__(self, policy: LoginPolicy, *, storage_uri: str = "memory://") -> None:
        self.policy = policy
        # Built now so a bad BROKER_RATE_LIMIT_STORAGE stops the app at start, not at first sign-in.
        storage = storage_from_string(_async_storage_uri(storage_uri), **_storage_options(storage_uri))
        assert isinstance(storage, Storage)
        self.limiter = MovingWindowRateLimiter(storage)
        self._per_email = RateLimitItemPerMinute(policy.per_email, policy.window_minutes, namespace="login")
        self._per_address = RateLimitItemPerMinute(
            policy.per_address, policy.window_minutes, namespace="login-address"
        )

    async def try_attempt(self, email: str, address: str) -> bool:
        """Counts one attempt; False (and nothing counted for this email) when over either limit."""
        if not await self.limiter.hit(self._per_address, address):
            return False
        return await self.limiter.hit(self._per_email, address, email)

    async def signed_in(self, email: str, address: str) -> None:
        """A right password from this address forgives its earlier misses at this email (a
        mistyping user is not left one guess from being throttled); the per-address count stays."""
        await self.limiter.clear(self._per_email, address, email)
