"""The weekly schedule on its own: reading and printing times, checking slots, and the window sums
that availability, needs, agreements and matching all rely on."""

from __future__ import annotations

import pytest

from broker.errors import InvalidInput
from broker.providers.models import Weekday
from broker.schedule import (
    SlotFields,
    clashing,
    clock,
    hours,
    intersect,
    parse_clock,
    subtract,
    validate_slots,
)

MON, TUE = 0, 1


def test_times_read_and_print_the_same_way_and_midnight_ends_a_day_only():
    assert parse_clock("09:30", allow_midnight_end=False) == 570
    assert clock(570) == "09:30" and clock(1440) == "24:00"
    assert parse_clock("24:00", allow_midnight_end=True) == 1440
    assert parse_clock("24:00", allow_midnight_end=False) is None
    for bad in ("9:30", "24:01", "12:60", "noon", "", "\x0009:00"):
        assert parse_clock(bad, allow_midnight_end=True) is None, bad


def test_every_bad_slot_is_reported_at_its_own_path():
    slots = [
        SlotFields(Weekday.MONDAY, "09:00", "12:00"),
        SlotFields(Weekday.MONDAY, "11:00", "13:00"),
        SlotFields(Weekday.TUESDAY, "18:00", "08:00"),
        SlotFields(Weekday.TUESDAY, "7am", "09:00"),
    ]

    with pytest.raises(InvalidInput) as refused:
        validate_slots(slots, field="slots")

    assert {(e.field, e.code.value) for e in refused.value.errors} == {
        ("slots.1", "OVERLAPPING"),
        ("slots.2.end", "INVALID"),
        ("slots.3.start", "INVALID"),
    }


def test_window_arithmetic():
    needed = [(MON, 540, 840), (TUE, 540, 600)]
    available = [(MON, 600, 700), (MON, 800, 1000)]

    assert intersect(needed, available) == [(MON, 600, 700), (MON, 800, 840)]
    assert subtract(available, [(MON, 650, 820)]) == [(MON, 600, 650), (MON, 820, 1000)]
    assert clashing(needed, available) == [(MON, 540, 840)]
    assert hours(needed) == 6.0
