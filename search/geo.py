"""Distances and the two-radius reach rule, shared so both engines agree to the metre."""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius, as Meilisearch's geo filter uses."""

KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180.0


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = math.radians(lng2 - lng1) / 2.0
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def effective_travel_radius_km(travel_radius_km: float) -> int:
    """The travel radius search honours: whole km, rounded down.

    Meilisearch cannot compare a document field with a distance, so it applies the rule as one
    `_geoRadius` per whole-km band; rounding down keeps that exact and never shows a provider who
    cannot come. The 1e-9 absorbs float noise (9.9999999997 is 10).
    """
    return max(0, math.floor(travel_radius_km + 1e-9))


def bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) enclosing the circle; a cheap in-index prefilter."""
    dlat = radius_km / KM_PER_DEGREE_LATITUDE + 1e-6
    max_abs_lat = min(89.9, abs(lat) + dlat)
    dlng = radius_km / (KM_PER_DEGREE_LATITUDE * math.cos(math.radians(max_abs_lat))) + 1e-6
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def distances_within(
    lat: float,
    lng: float,
    radius_km: float,
    latitudes: Sequence[float],
    longitudes: Sequence[float],
    reaches_km: Sequence[float],
) -> list[float | None]:
    """For each candidate, its distance if within `reach_km`'s rule, else None.

    The hot loop of a tantivy geo query (thousands of candidates per search), so `haversine_km` is
    inlined and the north-south gap (never more than the great-circle distance) rejects most misses
    before any trigonometry.
    """
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    to_radians = math.pi / 180.0
    half = to_radians / 2.0
    cos_origin = cos(lat * to_radians)
    diameter = 2.0 * EARTH_RADIUS_KM
    found: list[float | None] = []
    append = found.append
    for other_lat, other_lng, reach in zip(latitudes, longitudes, reaches_km, strict=True):
        limit = (reach if reach < radius_km else radius_km) + 1e-9
        gap = other_lat - lat
        if (gap if gap >= 0 else -gap) * KM_PER_DEGREE_LATITUDE > limit:
            append(None)
            continue
        s_lat = sin(gap * half)
        s_lng = sin((other_lng - lng) * half)
        a = s_lat * s_lat + cos_origin * cos(other_lat * to_radians) * s_lng * s_lng
        distance = diameter * asin(sqrt(a) if a < 1.0 else 1.0)
        append(distance if distance <= limit else None)
    return found
