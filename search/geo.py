"""Distances and the two-radius reach rule, shared so both engines agree to the metre."""

from __future__ import annotations

import math

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


def reach_km(query_radius_km: float, travel_radius_km: float) -> float:
    """How far from the person a provider may be and still match both radii."""
    return min(query_radius_km, float(effective_travel_radius_km(travel_radius_km)))


def bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) enclosing the circle; a cheap in-index prefilter."""
    dlat = radius_km / KM_PER_DEGREE_LATITUDE + 1e-6
    max_abs_lat = min(89.9, abs(lat) + dlat)
    dlng = radius_km / (KM_PER_DEGREE_LATITUDE * math.cos(math.radians(max_abs_lat))) + 1e-6
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng
