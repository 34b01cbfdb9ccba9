"""Limits on what a listing may say, with the reasons behind the numbers."""

from __future__ import annotations

from datetime import date

from broker.providers.models import ProviderKind

# The National Living Wage for workers 21 and over (National Minimum Wage Regulations 2015, as
# amended each April), from the date each rate came into force, oldest first. A PA is employed on at
# least this, and no agency can charge less than what it pays its staff, so no hour of care is bought
# for less. A new rate is one more line here.
NATIONAL_LIVING_WAGE: tuple[tuple[date, int], ...] = (
    (date(2025, 4, 1), 1221),
    (date(2026, 4, 1), 1271),
)
# The rate in force now, for scales that need one number rather than a rule (matching's price floor).
NATIONAL_LIVING_WAGE_PENCE = NATIONAL_LIVING_WAGE[-1][1]


def national_living_wage_pence(on: date) -> int:
    """The National Living Wage an hour of work done on `on` must pay at least: the rate is set by
    the date the work is done, not the date it is agreed or paid. A listing is judged on today's rate
    (it advertises work from now on); a support plan's budgeted rates and an agreement's rate on the
    date support starts. Before the first rate we hold, the first applies."""
    rate = NATIONAL_LIVING_WAGE[0][1]
    for in_force_from, pence in NATIONAL_LIVING_WAGE:
        if in_force_from <= on:
            rate = pence
    return rate


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
REFERENCE_MAX = 64
