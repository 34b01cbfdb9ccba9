"""Quartiles of values aggregated in SQL as histograms (value → count): the same on both databases."""

from __future__ import annotations


def quartiles(histogram: dict[float, int]) -> tuple[float, float, float] | None:
    """Lower quartile, median and upper quartile of values given as value → count, interpolated
    linearly between ranks (as PostgreSQL's percentile_cont)."""
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

    def percentile(p: float) -> float:
        position = p * (total - 1)
        low = int(position)
        fraction = position - low
        return round(at(low) + (at(min(low + 1, total - 1)) - at(low)) * fraction, 2)

    return percentile(0.25), percentile(0.5), percentile(0.75)
