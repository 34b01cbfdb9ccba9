"""Percentiles of values aggregated in SQL as histograms (value → count): the same on both databases."""

from __future__ import annotations


def percentile(histogram: dict[float, int], p: float) -> float | None:
    """The `p`-th quantile (0 to 1) of values given as value → count, interpolated linearly between
    ranks (as PostgreSQL's percentile_cont); None without values."""
    total = sum(histogram.values())
    if not total:
        return None
    values = sorted(histogram)

    def at(rank: int) -> float:
        seen = 0
        for v in values:
            seen += histogram[v]
            if rank < seen:
                return v
        return values[-1]

    position = p * (total - 1)
    low = int(position)
    fraction = position - low
    return round(at(low) + (at(min(low + 1, total - 1)) - at(low)) * fraction, 2)


def quartiles(histogram: dict[float, int]) -> tuple[float, float, float] | None:
    """Lower quartile, median and upper quartile of a histogram (see `percentile`)."""
    if not sum(histogram.values()):
        return None
    lower, median, upper = (percentile(histogram, p) for p in (0.25, 0.5, 0.75))
    assert lower is not None and median is not None and upper is not None
    return lower, median, upper
