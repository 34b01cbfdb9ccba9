"""The market capability's limits and definitions, with the reasons behind the numbers."""

from __future__ import annotations

from broker.providers.models import ProviderKind

# Counts of people from 1 to 4 are withheld from every aggregate, so nobody can be picked out; the
# one threshold the rest of the service (DP support referral counts) uses too.
from broker.support.rules import SMALL_COUNT as SMALL_COUNT

# A report covers at most ten years of months (ASCOF series are compared over a few years).
MAX_MONTHS = 120
# No council has ten million adults on long-term support (England has about 550,000 in all); above
# it is a typing slip, and it keeps every count inside GraphQL's 32-bit Int.
MAX_PEOPLE = 10_000_000
# New DPs a year a council may plan: the same bound.
MAX_PLANNED_NEW_PER_YEAR = MAX_PEOPLE
# Figures are recorded from the year DPs began (Community Care (Direct Payments) Act 1996) to a few
# years ahead; a target date lies within twenty years.
EARLIEST_MONTH_YEAR = 1996
TARGET_HORIZON_YEARS = 20
END_REASON_MAX = 500
# Percentages are computed from exact integer counts and rounded half up to one decimal place, the
# precision ASCOF publishes.
PERCENT_DECIMALS = 1
# The observed trend behind the projection: new and ended DPs of the last twelve months.
TREND_MONTHS = 12
# A person waiting longer than this for care is a long wait, unless the council sets its own threshold
# (`CouncilMarketSettings.long_wait_days`); four weeks is the common local standard for starting a
# package once a plan is agreed. A threshold lies between a day and a year.
DEFAULT_LONG_WAIT_DAYS = 28
MAX_LONG_WAIT_DAYS = 366
# The provider kinds whose hours a direct payment buys, and so that a council sets a DP rate for;
# DP support organisations are paid under contracts, not by the hour of care.
CARE_KINDS = (ProviderKind.PA, ProviderKind.AGENCY)
# The Homecare Association's price is set from 2015 onwards (its first minimum price).
EARLIEST_PRICE_YEAR = 2015
