"""The five time bands of the week that market reports group care by, defined once here, beside
`broker/schedule.py` and like it a module of no capability: plans store each need's minutes per
band when saved (`plans.models.NeedBand`) and the market groups by them. Minutes are Europe/London
local time from midnight, days 0 = Monday ... 6 = Sunday (as in every slot table). Saturday and
Sunday are WEEKEND whatever the hour; on weekdays:

    NIGHT          00:00-06:00 and 22:00-24:00
    EARLY_MORNING  06:00-09:00
    DAYTIME        09:00-17:00
    EVENING        17:00-22:00
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class TimeBand(StrEnum):
    EARLY_MORNING = "EARLY_MORNING"
    DAYTIME = "DAYTIME"
    EVENING = "EVENING"
    NIGHT = "NIGHT"
    WEEKEND = "WEEKEND"


class BandPart(NamedTuple):
    band: TimeBand
    first_day: int
    last_day: int
    start_minute: int
    end_minute: int


WEEKDAYS = (0, 4)
WEEKEND_DAYS = (5, 6)

PARTS: tuple[BandPart, ...] = (
    BandPart(TimeBand.NIGHT, *WEEKDAYS, 0, 6 * 60),
    BandPart(TimeBand.EARLY_MORNING, *WEEKDAYS, 6 * 60, 9 * 60),
    BandPart(TimeBand.DAYTIME, *WEEKDAYS, 9 * 60, 17 * 60),
    BandPart(TimeBand.EVENING, *WEEKDAYS, 17 * 60, 22 * 60),
    BandPart(TimeBand.NIGHT, *WEEKDAYS, 22 * 60, 24 * 60),
    BandPart(TimeBand.WEEKEND, *WEEKEND_DAYS, 0, 24 * 60),
)


def minutes_by_band(windows: list[tuple[int, int, int]]) -> dict[TimeBand, int]:
    """Minutes of weekly `windows` (day, start, end) in each band (Python twin of the SQL in gaps)."""
    minutes: dict[TimeBand, int] = {}
    for day, start, end in windows:
        for part in PARTS:
            if part.first_day <= day <= part.last_day:
                overlap = min(end, part.end_minute) - max(start, part.start_minute)
                if overlap > 0:
                    minutes[part.band] = minutes.get(part.band, 0) + overlap
    return minutes


def main_band(windows: list[tuple[int, int, int]]) -> TimeBand | None:
    """The band holding most of `windows` (ties: the earlier band in PARTS); None if unscheduled."""
    minutes = minutes_by_band(windows)
    if not minutes:
        return None
    order = list(dict.fromkeys(p.band for p in PARTS))
    return max(minutes, key=lambda band: (minutes[band], -order.index(band)))


def need_band_rows(windows: list[tuple[int, int, int]]) -> list[tuple[str, int, int]]:
    """(band, minutes in it, the windows' total minutes) for a need's weekly windows: the split of its
    hours across bands, stored with the need so reports need not work it out from slots each time."""
    total = sum(end - start for _, start, end in windows)
    return [(band.value, minutes, total) for band, minutes in minutes_by_band(windows).items()]
