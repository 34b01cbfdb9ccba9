"""Limits on DP support contracts and referrals, with the reasons behind the numbers."""

from __future__ import annotations

# The taxonomy group whose services a council contracts a lead provider for (Coventry's list: DP
# support, audit, managed accounts, payroll, suitable person, appointeeship, deputyship, ISFs ...).
DP_SUPPORT_GROUP = "DP_SUPPORT"
# A council contract runs for a few years (Coventry: 2 years, with extensions); ten is a typing slip.
MAX_CONTRACT_YEARS = 10
# £20m a year is beyond any council's DP support spend (Coventry spent about £250k); above it is a
# pence/pound slip. It also keeps the figure inside GraphQL's 32-bit Int.
MAX_ANNUAL_VALUE_PENCE = 2_000_000_000
REASON_MAX = 500
# Commissioners see aggregates only, with counts under 5 suppressed so nobody can be picked out.
SMALL_COUNT = 5
MAX_REPORT_MONTHS = 36
