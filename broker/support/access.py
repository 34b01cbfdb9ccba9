"""Who sees DP support contracts and referrals: the one home of these rules, on the role ladder.

- Lead contracts are a public record.
- Subcontracts in force or ended are a public record of who provides what under the council's
  contract; proposals and refusals are for the council's staff and commissioners and the two
  organisations only.
- Referrals name a person: their council's staff, the person and their representatives, and the
  chosen provider see them. Commissioners see only counts.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlmodel import col

from broker.access import Parties, provider_ids, reaches, scoped
from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.providers.models import Provider
from broker.support.models import LeadContract, Subcontract, SubcontractStatus, SupportReferral

SETTLED = (SubcontractStatus.ACTIVE, SubcontractStatus.ENDED)


def sees_council_business(actor: Actor | None, council_id: int) -> bool:
    """Council staff and commissioners see their council's contracts, proposals included."""
    return reaches(actor, Parties(council_id=council_id), commissioners=True)


def subcontract_visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    clause = scoped(
        actor,
        council=col(Subcontract.council_id),
        provider=col(Subcontract.subcontractor_id),
        public=col(Subcontract.status).in_(SETTLED),
        commissioners=True,
    )
    if actor is not None and actor.role is Role.PROVIDER:
        # The lead organisation sees the proposals it made under its contract.
        led = select(col(LeadContract.id)).where(col(LeadContract.provider_id).in_(provider_ids(actor)))
        clause = or_(clause, col(Subcontract.lead_contract_id).in_(led))
    return clause


def subcontract_visible(
    actor: Actor | None, subcontract: Subcontract, lead: Provider | None, subcontractor: Provider | None
) -> bool:
    """Python twin of `subcontract_visible_clause`, for relations resolved through loaders."""
    if subcontract.status in SETTLED:
        return True
    owners = [p.owner_id for p in (lead, subcontractor) if p is not None]
    return reaches(
        actor, Parties(council_id=subcontract.council_id, provider_owner_ids=owners), commissioners=True
    )


def referral_visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    return scoped(
        actor,
        council=col(SupportReferral.council_id),
        holder=col(SupportReferral.holder_id),
        provider=col(SupportReferral.provider_id),
    )
