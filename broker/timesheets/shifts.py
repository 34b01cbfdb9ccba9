"""What a week of shifts must say to be accepted, checked without looking anything up.

Problems name the command's Python fields (`shifts.2.end`); the GraphQL layer maps them to
`input.shifts.2.end`. A night shift is two shifts split at midnight ("22:00" to "24:00", then
"00:00" to "07:00" the next day), as agreements' slots are.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from broker.agreements.models import Agreement
from broker.api.clock import LONDON
from broker.errors import ErrorCode, Problems
from broker.hygiene import date_problem, text_problem
from broker.schedule import Window, clock, intersect, parse_clock
from broker.timesheets import rules


@dataclass(frozen=True)
class ShiftFields:
    """A shift as the provider writes it: the day, and 24-hour local times."""

    worked_on: date
    start: str
    end: str
    note: str | None = None


@dataclass(frozen=True)
class Shift:
    """A shift that passed every check, with how much of it lay outside the agreed slots."""

    position: int
    worked_on: date
    start_minute: int
    end_minute: int
    note: str
    minutes_outside_slots: int

    @property
    def minutes(self) -> int:
        return self.end_minute - self.start_minute


def when(day: date, minute: int) -> datetime:
    """The moment `minute` minutes after midnight on `day`, in London (so across the clocks changing)."""
    return datetime.combine(day, time(0), tzinfo=LONDON) + timedelta(minutes=minute)


def said(day: date, start: int, end: int) -> str:
    return f"{day:%A %-d %B} {clock(start)} to {clock(end)}"


def check_week(agreement: Agreement, week_start: date, today: date, problems: Problems) -> bool:
    """The week is one of the agreement's weeks (starting on its agreed weekday) and has begun."""
    if (problem := date_problem(week_start)) is not None:
        problems.add("week_start", problem, ErrorCode.OUT_OF_RANGE)
        return False
    if week_start < agreement.start_date or (
        agreement.end_date is not None and week_start > agreement.end_date
    ):
        problems.add(
            "week_start",
            f"This agreement runs from {agreement.start_date:%-d %B %Y}"
            + (f" to {agreement.end_date:%-d %B %Y}" if agreement.end_date else "")
            + "; this week is outside it.",
            ErrorCode.OUT_OF_RANGE,
        )
        return False
    if not rules.is_week_start(agreement.start_date, week_start):
        problems.add(
            "week_start",
            f"This agreement's weeks start on a {agreement.start_date:%A} (it started on "
            f"{agreement.start_date:%-d %B %Y}); this week would start on "
            f"{rules.week_starting_on_or_before(agreement.start_date, week_start):%A %-d %B %Y}.",
            ErrorCode.INVALID,
        )
        return False
    if week_start > today:
        problems.add("week_start", "This week has not started yet.", ErrorCode.OUT_OF_RANGE)
        return False
    return True


def check_shifts(
    fields: Sequence[ShiftFields],
    *,
    agreement: Agreement,
    week_start: date,
    slots: Sequence[Window],
    now: datetime,
    problems: Problems,
) -> list[Shift]:
    """Every shift parsed and checked; problems at `shifts.<index>.<field>` for all of them at once."""
    if not fields:
        problems.add("shifts", "Give at least one shift worked this week.", ErrorCode.REQUIRED)
        return []
    if len(fields) > rules.MAX_SHIFTS:
        problems.add("shifts", f"At most {rules.MAX_SHIFTS} shifts a week.", ErrorCode.OUT_OF_RANGE)
        return []
    week_end = week_start + timedelta(days=6)
    shifts: list[Shift] = []
    for i, shift in enumerate(fields):
        parsed = _check_shift(i, shift, agreement, week_start, week_end, slots, now, problems)
        if parsed is not None:
            shifts.append(parsed)
    ordered = sorted(shifts, key=lambda s: (s.worked_on, s.start_minute))
    for earlier, later in itertools.pairwise(ordered):
        if earlier.worked_on == later.worked_on and later.start_minute < earlier.end_minute:
            problems.add(
                f"shifts.{later.position}",
                f"This shift overlaps shift {earlier.position + 1} "
                f"({said(earlier.worked_on, earlier.start_minute, earlier.end_minute)}).",
                ErrorCode.OVERLAPPING,
            )
    return shifts


def _check_shift(
    i: int,
    shift: ShiftFields,
    agreement: Agreement,
    week_start: date,
    week_end: date,
    slots: Sequence[Window],
    now: datetime,
    problems: Problems,
) -> Shift | None:
    field = f"shifts.{i}"
    ok = True
    day = shift.worked_on
    if (problem := date_problem(day)) is not None:
        problems.add(f"{field}.worked_on", problem, ErrorCode.OUT_OF_RANGE)
        return None
    if not week_start <= day <= week_end:
        problems.add(
            f"{field}.worked_on",
            f"This week runs from {week_start:%-d %B} to {week_end:%-d %B %Y}; this day is outside it.",
            ErrorCode.OUT_OF_RANGE,
        )
        ok = False
    elif day < agreement.start_date or (agreement.end_date is not None and day > agreement.end_date):
        problems.add(
            f"{field}.worked_on",
            "This day is outside the agreement's dates ("
            + f"{agreement.start_date:%-d %B %Y} to "
            + (f"{agreement.end_date:%-d %B %Y}" if agreement.end_date else "no end date")
            + ").",
            ErrorCode.OUT_OF_RANGE,
        )
        ok = False
    start = parse_clock(shift.start, allow_midnight_end=False)
    end = parse_clock(shift.end, allow_midnight_end=True)
    if start is None:
        problems.add(f"{field}.start", "Use a 24-hour time such as 09:30.", ErrorCode.INVALID)
        ok = False
    if end is None:
        problems.add(
            f"{field}.end", "Use a 24-hour time such as 17:00 (24:00 for midnight).", ErrorCode.INVALID
        )
        ok = False
    if start is not None and end is not None and end <= start:
        problems.add(
            f"{field}.end",
            "A shift must end after it starts; split a night shift at midnight "
            "(22:00 to 24:00, then 00:00 to 07:00 the next day).",
            ErrorCode.INVALID,
        )
        ok = False
    note = (shift.note or "").strip()
    if (problem := text_problem(note)) is not None:
        problems.add(f"{field}.note", problem, ErrorCode.INVALID)
        ok = False
    elif len(note) > rules.NOTE_MAX:
        problems.add(f"{field}.note", f"At most {rules.NOTE_MAX} characters.", ErrorCode.TOO_LONG)
        ok = False
    if not ok or start is None or end is None:
        return None
    if when(day, end) > now:
        problems.add(
            f"{field}.end", "This shift has not finished yet; submit it once worked.", ErrorCode.OUT_OF_RANGE
        )
        return None
    inside = sum(e - s for _, s, e in intersect([(day.weekday(), start, end)], slots))
    return Shift(i, day, start, end, note, (end - start) - inside)


def check_total(shifts: Sequence[Shift], agreement: Agreement, problems: Problems) -> int:
    """The week's minutes, refused above the agreement's weekly hours plus the allowance."""
    minutes = sum(s.minutes for s in shifts)
    most = rules.most_minutes(agreement.hours_per_week)
    if minutes > most:
        allowance = f"{rules.AGREED_HOURS_SHARE - 1:.0%}"
        problems.add(
            "shifts",
            f"These shifts add up to {minutes / 60:g} hours; the agreement is for "
            f"{agreement.hours_per_week:g} hours a week: at most {most / 60:g}, "
            f"with {allowance} over for shifts that ran over.",
            ErrorCode.OUT_OF_RANGE,
        )
    return minutes
