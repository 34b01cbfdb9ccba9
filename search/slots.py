"""Weekly availability as 15-minute block tokens, a form both engines can filter on exactly.

A provider's slots become the set of blocks they fully cover ("0-0900" = Monday 09:00-09:15); a
requested window becomes the blocks it touches, and "available" means every one is covered. Adjacent
slots therefore join up (09:00-10:00 plus 10:00-11:00 covers 09:30-10:30).
"""

from __future__ import annotations

from collections.abc import Iterable

from search.documents import Slot

BLOCK_MINUTES = 15
_DAY = 24 * 60
_WEEK = 7 * _DAY


def block_token(minute_of_week: int) -> str:
    """Token of the block starting at this minute of the week (Monday 00:00 = 0)."""
    day, minute = divmod(minute_of_week % _WEEK, _DAY)
    return f"{day}-{minute // 60:02d}{minute % 60:02d}"


_TOKENS = tuple(block_token(minute) for minute in range(0, _WEEK, BLOCK_MINUTES))
"""Every block's token, by block number: indexing 100k listings formats each token once, not per listing."""


def _span(slot: Slot) -> tuple[int, int]:
    """Slot as [start, end) minutes of the week; end <= start wraps past midnight into the next day."""
    day, start, end = slot
    begin = day * _DAY + start
    if end > start:
        return begin, begin + (end - start)
    if end < start:
        return begin, begin + (end + _DAY - start)
    return begin, begin


def covered_blocks(slots: Iterable[Slot]) -> tuple[str, ...]:
    """Blocks fully inside the provider's slots, sorted and de-duplicated."""
    minutes: set[int] = set()
    for slot in slots:
        begin, end = _span(slot)
        first = -(-begin // BLOCK_MINUTES) * BLOCK_MINUTES
        minutes.update(range(first, end - BLOCK_MINUTES + 1, BLOCK_MINUTES))
    return tuple(_TOKENS[m // BLOCK_MINUTES] for m in sorted({m % _WEEK for m in minutes}))


def required_blocks(windows: Iterable[Slot]) -> tuple[str, ...]:
    """Blocks a provider must cover to serve every requested window (each widened outward)."""
    minutes: set[int] = set()
    for window in windows:
        begin, end = _span(window)
        first = (begin // BLOCK_MINUTES) * BLOCK_MINUTES
        minutes.update(range(first, end, BLOCK_MINUTES))
    return tuple(block_token(m) for m in sorted({m % _WEEK for m in minutes}))
