"""The time bands market reports group by: defined in `broker/timebands.py`, named here for the
market's modules."""

from broker.timebands import PARTS, BandPart, TimeBand, main_band, minutes_by_band

__all__ = ["PARTS", "BandPart", "TimeBand", "main_band", "minutes_by_band"]
