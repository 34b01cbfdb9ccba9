"""Limits on a DP holder's profile, with the reasons behind the numbers."""

from __future__ import annotations

# £10,000 a week is beyond any personal budget (24-hour live-in care with waking nights costs less);
# anything above is a pence/pound slip.
MAX_WEEKLY_BUDGET_PENCE = 1_000_000
MAX_REPRESENTATIVES = 5
