"""UK postcode parsing and great-circle distance; pure functions, no database."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_INWARD = r"[0-9][A-Z]{2}"
_FULL = re.compile(rf"^({_OUTWARD}) ?({_INWARD})$")
_DISTRICT = re.compile(rf"^({_OUTWARD})$")
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Postcode:
    district: str
    inward: str | None

    def __str__(self) -> str:
        return f"{self.district} {self.inward}" if self.inward else self.district


def parse_postcode(text: str) -> Postcode | None:
    """Accepts a full postcode ("ls8 1aa", "LS81AA") or a district ("LS8"); None if neither."""
    cleaned = re.sub(r"\s+", " ", text.strip().upper())
    if len(cleaned) > 8:
        return None
    if match := _FULL.match(cleaned):
        return Postcode(match.group(1), match.group(2))
    compact = cleaned.replace(" ", "")
    if match := _FULL.match(compact):
        return Postcode(match.group(1), match.group(2))
    if match := _DISTRICT.match(compact):
        return Postcode(match.group(1), None)
    return None


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance; district centroids are approximate, so this is good to ~0.1 km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
