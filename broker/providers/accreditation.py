"""What counts as accredited, in one table, evaluated both in Python and in SQL.

`accredited` is never stored: it is derived from the checks and today's date, so a DBS or insurance
that expires takes the provider out on its expiry date without anyone touching the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlmodel import col

from broker.providers.models import (
    Accreditation,
    CheckStatus,
    CheckType,
    CqcRating,
    Provider,
    ProviderKind,
)

# What each kind of provider must hold, current, to be accredited. Agencies are regulated by the CQC
# (Health and Social Care Act 2008) and employ their own staff; PAs need an enhanced DBS check and
# the council's own approval and training; support organisations handle people's money.
REQUIRED_CHECKS: dict[ProviderKind, frozenset[CheckType]] = {
    ProviderKind.PA: frozenset(
        {
            CheckType.DBS_ENHANCED,
            CheckType.COUNCIL_APPROVAL,
            CheckType.PUBLIC_LIABILITY_INSURANCE,
            CheckType.TRAINING,
        }
    ),
    ProviderKind.AGENCY: frozenset(
        {
            CheckType.CQC_REGISTRATION,
            CheckType.COUNCIL_APPROVAL,
            CheckType.PUBLIC_LIABILITY_INSURANCE,
            CheckType.EMPLOYERS_LIABILITY_INSURANCE,
        }
    ),
    ProviderKind.SUPPORT_ORG: frozenset(
        {
            CheckType.COUNCIL_APPROVAL,
            CheckType.PUBLIC_LIABILITY_INSURANCE,
            CheckType.EMPLOYERS_LIABILITY_INSURANCE,
        }
    ),
}


def check_is_current(check: Accreditation, today: date) -> bool:
    """Passed, not yet expired (a check stops counting on its expiry date), not rated inadequate."""
    if check.status is not CheckStatus.PASSED:
        return False
    if check.expires_on is not None and check.expires_on <= today:
        return False
    return check.cqc_rating is not CqcRating.INADEQUATE


def is_accredited(kind: ProviderKind, checks: Iterable[Accreditation], today: date) -> bool:
    current = {c.check_type for c in checks if check_is_current(c, today)}
    return REQUIRED_CHECKS[kind] <= current


def missing_checks(kind: ProviderKind, checks: Iterable[Accreditation], today: date) -> list[CheckType]:
    current = {c.check_type for c in checks if check_is_current(c, today)}
    return sorted(REQUIRED_CHECKS[kind] - current)


def accredited_until(kind: ProviderKind, checks: Iterable[Accreditation], today: date) -> date | None:
    """The first expiry among the required checks: the last day before which accreditation lapses.

    None when not accredited, or when no required check expires.
    """
    checks = list(checks)
    if not is_accredited(kind, checks, today):
        return None
    required = REQUIRED_CHECKS[kind]
    expiries = [c.expires_on for c in checks if c.check_type in required and c.expires_on]
    return min(expiries) if expiries else None


def _current_clause(today: date) -> ColumnElement[bool]:
    return and_(
        col(Accreditation.status) == CheckStatus.PASSED,
        or_(col(Accreditation.expires_on).is_(None), col(Accreditation.expires_on) > today),
        or_(col(Accreditation.cqc_rating).is_(None), col(Accreditation.cqc_rating) != CqcRating.INADEQUATE),
    )


@lru_cache(maxsize=8)
def accredited_clause(today: date) -> ColumnElement[bool]:
    """SQL twin of `is_accredited`, for filtering listings in the database.

    Built once a day and reused (SQL expressions are immutable): building its correlated
    subqueries cost more than a matching request's own query."""
    per_kind = []
    for kind, required in REQUIRED_CHECKS.items():
        held = (
            select(func.count())
            .select_from(Accreditation)
            .where(
                col(Accreditation.provider_id) == col(Provider.id),
                col(Accreditation.check_type).in_(sorted(required)),
                _current_clause(today),
            )
            .scalar_subquery()
        )
        per_kind.append(and_(col(Provider.kind) == kind, held == len(required)))
    return or_(false(), *per_kind)
