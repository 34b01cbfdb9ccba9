"""Use cases for DP support services: lead contracts, subcontracts, a person's choice of provider.

A council contracts one lead provider for its DP support services. When a person prefers another
organisation, the lead subcontracts to it ("provision for subcontracting to alternative providers
where the main provider is not the person's preferred choice", Coventry, 2018). Council brokers and
admins manage contracts; the lead and the subcontractor each accept a subcontract before it is ACTIVE;
the person, their representative or a broker with them chooses the provider.
"""

from __future__ import annotations

# The use cases of DP support, by entity (issue 10): this module only gathers them for callers.
from broker.support.contracts import (
    ContractFields,
    SubcontractFields,
    create_lead_contract,
    end_subcontract,
    propose_subcontract,
    respond_to_subcontract,
)
from broker.support.coverage import Coverage, covering_contract, lead_contracts_in_force
from broker.support.referrals import Choice, choose_support_provider, respond_to_referral, waited
from broker.support.terms import OPEN_REFERRAL, OPEN_SUBCONTRACT

__all__ = [
    "OPEN_REFERRAL",
    "OPEN_SUBCONTRACT",
    "Choice",
    "ContractFields",
    "Coverage",
    "SubcontractFields",
    "choose_support_provider",
    "covering_contract",
    "create_lead_contract",
    "end_subcontract",
    "lead_contracts_in_force",
    "propose_subcontract",
    "respond_to_referral",
    "respond_to_subcontract",
    "waited",
]
