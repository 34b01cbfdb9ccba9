"""A `ProviderDocument` factory: a published, accredited PA in Leeds unless told otherwise."""

from __future__ import annotations

from typing import Any

from search.documents import ProviderDocument
from search.geo import KM_PER_DEGREE_LATITUDE

ORIGIN = (53.82, -1.5)
"""Where the person searching lives (LS8); providers are placed due north of it."""


def north_of_origin(km: float) -> tuple[float, float]:
    """A point `km` due north of ORIGIN: along a meridian the distance is exact and hand-checkable."""
    return ORIGIN[0] + km / KM_PER_DEGREE_LATITUDE, ORIGIN[1]


def provider(id: int, *, km_north: float = 2.0, **overrides: Any) -> ProviderDocument:
    """A listing with every field filled; `km_north` places it that far from ORIGIN."""
    latitude, longitude = north_of_origin(km_north)
    values: dict[str, Any] = {
        "id": id,
        "council_id": 1,
        "kind": "PA",
        "status": "PUBLISHED",
        "name": f"Provider {id}",
        "bio": "",
        "services": (),
        "service_labels": (),
        "skills": (),
        "languages": (),
        "language_names": (),
        "gender": None,
        "hourly_rate_pence": 1800,
        "latitude": latitude,
        "longitude": longitude,
        "travel_radius_km": 10.0,
        "remaining_capacity_hours": 20.0,
        "slots": (),
        "accredited": True,
        "accredited_until": None,
        "postcode_district": "LS8",
    }
    values.update(overrides)
    return ProviderDocument(**values)
