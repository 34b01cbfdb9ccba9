"""Limits on a support plan, with the reasons behind the numbers."""

from __future__ import annotations

from broker.plans.models import PlanStatus

OUTCOMES_MAX = 4000
MAX_NEEDS = 20
MAX_PREFERENCES = 20
PREFERENCE_VALUE_MAX = 60
HOURS_IN_A_WEEK = 168.0

# Where a plan may go next. A CLOSED plan is the record of what was agreed and is not edited; a
# MATCHED plan goes back to ACTIVE when an arrangement ends and the person needs matching again.
NEXT_STATUSES: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.ACTIVE, PlanStatus.CLOSED}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.DRAFT, PlanStatus.MATCHED, PlanStatus.CLOSED}),
    PlanStatus.MATCHED: frozenset({PlanStatus.ACTIVE, PlanStatus.CLOSED}),
    PlanStatus.CLOSED: frozenset(),
}
