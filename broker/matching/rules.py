"""The numbers behind matching, with their reasons."""

from __future__ import annotations

from broker.providers.rules import MAX_TRAVEL_RADIUS_KM

# Distance scores fall from 1 at the door to 0 at 20 km: beyond that, travel time eats into care
# time whatever the provider's own radius says.
DISTANCE_SCALE_KM = 20.0
# Price headroom is measured down to the National Living Wage in force on the day of the match, the
# least any hour of care can cost (`broker.providers.rules.national_living_wage_pence`).
# Accreditation that runs for a year or more scores full marks; one that lapses next week, almost none.
FRESHNESS_HORIZON_DAYS = 365
# No provider travels further than this (the listing limit), so retrieval looks no further.
SEARCH_RADIUS_KM = MAX_TRAVEL_RADIUS_KM
MAX_MATCHES = 50
DEFAULT_MATCHES = 10
# Teams and allocation consider this many of the best candidates per need.
TEAM_CANDIDATES = 30
ALLOCATION_CANDIDATES_PER_NEED = 20
MAX_ALLOCATION_PLANS = 5_000
ALLOCATION_TIME_LIMIT_SECONDS = 25.0
