"""Limits on what a listing may say, with the reasons behind the numbers."""

from __future__ import annotations

from broker.providers.models import ProviderKind

# National Living Wage for workers 21 and over from 1 April 2026. A PA is employed on at least this,
# and no agency can charge less than what it pays its staff, so no listing may ask less.
NATIONAL_LIVING_WAGE_PENCE = 1271
MAX_HOURLY_RATE_PENCE = 20_000  # £200/h: above any care rate in England; catches pence/pound slips
MAX_TRAVEL_RADIUS_KM = 100.0
MAX_WEEKLY_HOURS: dict[ProviderKind, float] = {
    ProviderKind.PA: 100.0,  # one person; the Working Time Regulations opt-out still needs sleep
    ProviderKind.AGENCY: 20_000.0,
    ProviderKind.SUPPORT_ORG: 20_000.0,
}
NAME_LENGTH = (2, 120)
BIO_MAX = 4000
MIN_BIO_TO_PUBLISH = 30
MAX_SERVICES = 30
MAX_SKILLS = 30
SKILL_MAX = 60
MAX_LANGUAGES = 20
MAX_SLOTS = 56
MINUTES_PER_DAY = 24 * 60
REFERENCE_MAX = 64
