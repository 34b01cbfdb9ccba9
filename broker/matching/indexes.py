"""Indexes the candidate retrieval needs on tables of other capabilities, declared here so that
Alembic's autogenerate sees them and keeps them."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import col

from broker.providers.models import Provider

# Published listings inside a latitude band, with longitude and travel radius read from the index:
# the bounding-box and per-row radius pre-filter of `broker.matching.retrieval` touch no table rows
# until a provider's own radius could reach the home.
PROVIDER_GEO_INDEX = Index(
    "ix_provider_status_latitude_longitude_radius",
    col(Provider.status),
    col(Provider.latitude),
    col(Provider.longitude),
    col(Provider.travel_radius_km),
)
# The longest travel radius of any published listing, read from one end of this index: retrieval
# looks no further from a home than someone could actually come.
PROVIDER_RADIUS_INDEX = Index(
    "ix_provider_status_travel_radius", col(Provider.status), col(Provider.travel_radius_km)
)
