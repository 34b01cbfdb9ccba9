"""Small-number suppression: a count of 1 to 4 people is withheld, and so is what is derived from it."""

from __future__ import annotations

from broker.market.rules import SMALL_COUNT


def is_small(count: int | None) -> bool:
    """A count of people that could pick someone out: 1 to SMALL_COUNT - 1 (0 is shown)."""
    return count is not None and 0 < count < SMALL_COUNT


def shown(count: int | None) -> int | None:
    """`count`, or None when it is small."""
    return None if is_small(count) else count
