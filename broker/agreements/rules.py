"""Limits on requests and agreements, with the reasons behind the numbers."""

from __future__ import annotations

from broker.agreements.models import AgreementStatus

MESSAGE_MAX = 2000
REASON_MAX = 1000
# Hours are compared with this slack so that 7.5 + 2.5 == 10 whatever floating point says.
HOURS_EPSILON = 1e-6

NEXT_STATUSES: dict[AgreementStatus, frozenset[AgreementStatus]] = {
    AgreementStatus.PROPOSED: frozenset({AgreementStatus.ACTIVE, AgreementStatus.CANCELLED}),
    AgreementStatus.ACTIVE: frozenset({AgreementStatus.ENDED}),
    AgreementStatus.ENDED: frozenset(),
    AgreementStatus.CANCELLED: frozenset(),
}

# Merchant category codes care is commonly booked under by card acquirers. 7299 "miscellaneous
# personal services" is the one pre-paid DP cards decline (Hammersmith & Fulham, 002 in context).
WELL_KNOWN_CATEGORIES = {
    "7299": "Miscellaneous personal services",
    "8050": "Nursing and personal care facilities",
    "8099": "Medical services and health practitioners",
    "8398": "Charitable and social service organisations",
}
