"""Availability as 15-minute blocks (search.slots)."""

from __future__ import annotations

from search.slots import covered_blocks, required_blocks


def test_slot_covers_only_whole_blocks() -> None:
    assert covered_blocks([(0, 9 * 60 + 10, 10 * 60)]) == ("0-0915", "0-0930", "0-0945")


def test_window_is_widened_to_the_blocks_it_touches() -> None:
    assert required_blocks([(0, 9 * 60 + 10, 9 * 60 + 20)]) == ("0-0900", "0-0915")


def test_slot_past_midnight_continues_next_day() -> None:
    assert covered_blocks([(6, 23 * 60 + 30, 30)]) == ("0-0000", "0-0015", "6-2330", "6-2345")


def test_whole_day_slot() -> None:
    assert len(covered_blocks([(2, 0, 24 * 60)])) == 96
