"""Who may see a listing and who may see its check records: the one home of both rules.

Every read of listings (browse, `provider`, `node`, search hits, matching, Open Referral) asks
`visible_clause` in SQL or `may_see` in Python, and every read of check records asks
`may_see_checks`, so the rule cannot drift between copies (issue 10).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role
from broker.providers.accreditation import accredited_clause, is_accredited
from broker.providers.models import Accreditation, Provider, ProviderStatus


def listed_clause(today: date) -> ColumnElement[bool]:
    """What anyone may see and book: PUBLISHED and accredited on `today` (the date in London).

    Accreditation is derived per day, so a check that expires or is revoked takes the listing out of
    every read path at once, whatever the search index still holds.
    """
    return and_(col(Provider.status) == ProviderStatus.PUBLISHED, accredited_clause(today))


def visible_clause(actor: Actor | None, today: date) -> ColumnElement[bool]:
    """SQL: the listings `actor` may see on `today`.

    Everyone sees published, accredited listings; a provider also sees its own listing in any state;
    council staff (brokers, admins) also see every published listing, accredited or not, to broker
    and vet, and every listing of their own council; platform admins see all. DP holders,
    commissioners and anonymous callers are not staff here.
    """
    listed = listed_clause(today)
    if actor is None:
        return listed
    if actor.is_platform_admin:
        return true()
    if actor.role in COUNCIL_STAFF:
        return or_(
            col(Provider.status) == ProviderStatus.PUBLISHED, col(Provider.council_id) == actor.council_id
        )
    if actor.role is Role.PROVIDER:
        return or_(listed, col(Provider.owner_id) == actor.user_id)
    return listed


def may_see_unaccredited(actor: Actor | None) -> bool:
    """Council staff vet and broker listings that are not (or no longer) accredited; nobody else
    is shown one, so search refuses them `accreditedOnly: false`."""
    return actor is not None and actor.role in COUNCIL_STAFF


def may_see(actor: Actor | None, provider: Provider, checks: Iterable[Accreditation], today: date) -> bool:
    """Python twin of `visible_clause`, for a listing already loaded with its check records."""
    published = provider.status is ProviderStatus.PUBLISHED
    if published and is_accredited(provider.kind, checks, today):
        return True
    if actor is None:
        return False
    if actor.is_platform_admin:
        return True
    if actor.role in COUNCIL_STAFF:
        return published or provider.council_id == actor.council_id
    return actor.role is Role.PROVIDER and provider.owner_id == actor.user_id


def may_see_checks(actor: Actor | None, provider: Provider) -> bool:
    """Check records (type, status, reference, dates) and contact details are the provider's own
    business, its council's (which vets it) and the platform admins'; a failed DBS shown to anyone
    else is personal data about the PA that they have no need to know. Everyone else sees only
    `accredited` and `accreditedUntil`."""
    if actor is None:
        return False
    if actor.role is Role.PROVIDER:
        return provider.owner_id == actor.user_id
    return actor.is_staff_of(provider.council_id)
