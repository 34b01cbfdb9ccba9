"""The weekly schedule as one idea: when a provider is available, when a need must be met, when an
agreement's care happens. A window is (day, start minute, end minute), Monday = 0, in Europe/London
local time; "24:00" ends a window at midnight and an overnight one is split there.

Providers' availability, plans' needs, agreements' slots, matching, search and the Open Referral
feed all read, write, compare and print schedules through these functions.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from broker.errors import ErrorCode, Problems
from broker.providers.models import Weekday

Window = tuple[int, int, int]  # (day, start minute, end minute)
MINUTES_PER_DAY = 24 * 60
MAX_SLOTS = 56  # eight windows a day, every day
_CLOCK = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")


@dataclass(frozen=True)
class SlotFields:
    """A window as people write it: a weekday and two 24-hour times."""

    day: Weekday
    start: str
    end: str


def parse_clock(text: str, *, allow_midnight_end: bool) -> int | None:
    """Minutes after midnight for "HH:MM", or None; "24:00" only where a window may end at midnight."""
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > MINUTES_PER_DAY or (minutes == MINUTES_PER_DAY and not allow_midnight_end):
        return None
    return minutes


def clock(minutes: int) -> str:
    """Minutes after midnight as "HH:MM" (1440 is "24:00")."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def validate_slots(slots: Sequence[SlotFields], *, field: str) -> list[tuple[Weekday, int, int]]:
    """Weekly slots: HH:MM local times, end after start ("24:00" ends at midnight), no overlaps.
    Every problem is reported against `field.<index>.start|end` at once."""
    problems = Problems()
    if len(slots) > MAX_SLOTS:
        problems.add(field, f"At most {MAX_SLOTS} slots.", ErrorCode.OUT_OF_RANGE)
    parsed: list[tuple[Weekday, int, int, int]] = []
    for index, slot in enumerate(slots):
        start = parse_clock(slot.start, allow_midnight_end=False)
        end = parse_clock(slot.end, allow_midnight_end=True)
        if start is None:
            problems.add(f"{field}.{index}.start", "Use a 24-hour time such as 09:30.")
        if end is None:
            problems.add(f"{field}.{index}.end", "Use a 24-hour time such as 17:00 (24:00 for midnight).")
        if start is not None and end is not None:
            if end <= start:
                problems.add(
                    f"{field}.{index}.end",
                    "A slot must end after it starts; split overnight slots at midnight.",
                )
            else:
                parsed.append((slot.day, start, end, index))
    by_day = sorted(parsed, key=lambda s: (s[0], s[1]))
    for previous, current in itertools.pairwise(by_day):
        if previous[0] == current[0] and current[1] < previous[2]:
            problems.add(
                f"{field}.{current[3]}",
                f"This slot overlaps another on {Weekday(current[0]).name.title()}.",
                ErrorCode.OVERLAPPING,
            )
    problems.raise_if_any()
    return [(day, start, end) for day, start, end, _ in parsed]


def intersect(windows: Iterable[Window], availability: Iterable[Window]) -> list[Window]:
    """The parts of `windows` inside `availability` (both non-overlapping within themselves)."""
    available = list(availability)
    parts: list[Window] = []
    for day, start, end in windows:
        for a_day, a_start, a_end in available:
            if a_day == day and a_start < end and start < a_end:
                parts.append((day, max(start, a_start), min(end, a_end)))
    return sorted(parts)


def subtract(available: Iterable[Window], taken: Iterable[Window]) -> list[Window]:
    """`available` with every `taken` window cut out."""
    result: list[Window] = []
    taken_by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for day, start, end in taken:
        taken_by_day[day].append((start, end))
    for day, start, end in available:
        pieces = [(start, end)]
        for t_start, t_end in sorted(taken_by_day.get(day, [])):
            next_pieces = []
            for p_start, p_end in pieces:
                if t_end <= p_start or t_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < t_start:
                    next_pieces.append((p_start, t_start))
                if t_end < p_end:
                    next_pieces.append((t_end, p_end))
            pieces = next_pieces
        result.extend((day, s, e) for s, e in pieces)
    return sorted(result)


def clashing(a: Iterable[Window], b: Iterable[Window]) -> list[Window]:
    """The windows of `a` that overlap some window of `b`."""
    b_list = list(b)
    return [
        (day, start, end)
        for day, start, end in a
        if any(day == d and start < e and s < end for d, s, e in b_list)
    ]


def hours(windows: Iterable[Window]) -> float:
    """Hours a week the windows cover."""
    return sum(end - start for _, start, end in windows) / 60
