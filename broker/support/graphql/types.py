"""GraphQL types of DP support: lead contracts, subcontracts, referrals, support providers, counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry import relay

from broker.api.accounts import CouncilNode
from broker.api.context import Info
from broker.api.money import pence_fields
from broker.api.nodes import RowNode
from broker.holders.graphql import DPHolderNode
from broker.holders.models import DPHolder
from broker.holders.service import may_read
from broker.providers.graphql.types import ProviderNode, ServiceType, service_type
from broker.providers.models import Provider
from broker.support import access, reading, reports
from broker.support.models import (
    LeadContract,
    ReferralRoute,
    ReferralStatus,
    Subcontract,
    SubcontractStatus,
    SupportReferral,
)
from broker.support.service import waited
from broker.taxonomy.services import all_services

SubcontractStatusEnum = strawberry.enum(
    SubcontractStatus,
    name="SubcontractStatus",
    description="PROPOSED until the lead and the subcontractor both accept; then ACTIVE until ENDED.",
)
ReferralRouteEnum = strawberry.enum(
    ReferralRoute,
    name="ReferralRoute",
    description="DIRECT to the council's lead provider, or SUBCONTRACT to the organisation the person chose.",
)
ReferralStatusEnum = strawberry.enum(
    ReferralStatus,
    name="ReferralStatus",
    description="WAITING_FOR_SUBCONTRACT until a subcontract is in place (or SUBCONTRACT_DECLINED); "
    "SENT to the provider, who ACCEPTED or DECLINED it.",
)


@strawberry.enum(name="SupportRole", description="The part an organisation plays in a council's DP support.")
class SupportRole(Enum):
    LEAD = "LEAD"
    SUBCONTRACTOR = "SUBCONTRACTOR"


def _services(codes: list[str]) -> list[ServiceType]:
    return [service_type(code) for code in codes if code in all_services()]


async def _provider(info: Info, provider_id: int) -> ProviderNode:
    provider = await info.context.loaders.provider_by_id.load(provider_id)
    assert provider is not None
    return ProviderNode.from_model(provider)


async def _council(info: Info, council_id: int) -> CouncilNode:
    council = await info.context.loaders.council_by_id.load(council_id)
    assert council is not None
    return CouncilNode.from_model(council)


@strawberry.type(
    name="LeadContract",
    description="A council's contract with its lead provider for DP support services; a public record.",
)
class LeadContractNode(RowNode):
    id: relay.NodeID[int]
    start_date: date
    end_date: date = strawberry.field(description="The last day the contract runs.")
    annual_value_pence: strawberry.Private[int]
    annual_value, annual_value_pence_int = pence_fields("annual_value", "What the contract is worth a year.")
    created_at: datetime
    model: strawberry.Private[LeadContract]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's is overloaded on `required`
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LeadContractNode | None]:
        contracts = await info.context.loaders.lead_contract_by_id.load_many([int(i) for i in node_ids])
        return [cls.from_model(c) if c else None for c in contracts]

    @strawberry.field(description="The DP support services contracted.")
    def services(self) -> list[ServiceType]:
        return _services(self.model.services)

    @strawberry.field
    async def council(self, info: Info) -> CouncilNode:
        return await _council(info, self.model.council_id)

    @strawberry.field
    async def lead_provider(self, info: Info) -> ProviderNode:
        return await _provider(info, self.model.provider_id)

    @strawberry.field(description="The contract runs today.")
    def in_force(self, info: Info) -> bool:
        return self.model.start_date <= info.context.today <= self.model.end_date

    @strawberry.field(
        description="Its subcontracts you may see: proposals only to the council and the parties."
    )
    async def subcontracts(self, info: Info) -> list[SubcontractNode]:
        rows = await info.context.loaders.subcontracts_by_lead_contract_id.load(self.id)
        return await visible_subcontract_nodes(info, rows)


async def visible_subcontract_nodes(info: Info, rows: list[Subcontract]) -> list[SubcontractNode]:
    loaders = info.context.loaders
    contracts = await loaders.lead_contract_by_id.load_many([s.lead_contract_id for s in rows])
    leads = await loaders.provider_by_id.load_many([c.provider_id if c else 0 for c in contracts])
    subs = await loaders.provider_by_id.load_many([s.subcontractor_id for s in rows])
    return [
        SubcontractNode.from_model(s)
        for s, lead, sub in zip(rows, leads, subs, strict=True)
        if access.subcontract_visible(info.context.actor, s, lead, sub)
    ]


@strawberry.type(
    name="Subcontract",
    description="The lead provider passes some contracted services to the organisation a person chose.",
)
class SubcontractNode(RowNode):
    id: relay.NodeID[int]
    status: SubcontractStatusEnum  # type: ignore[valid-type]
    start_date: date
    end_date: date
    lead_accepted_at: datetime | None
    subcontractor_accepted_at: datetime | None
    decline_reason: str | None
    proposed_at: datetime
    decided_at: datetime | None = strawberry.field(description="When it became ACTIVE or was DECLINED.")
    ended_at: datetime | None
    model: strawberry.Private[Subcontract]

    visible = reading.visible_subcontracts

    @strawberry.field(description="The services subcontracted; always among the lead contract's.")
    def services(self) -> list[ServiceType]:
        return _services(self.model.services)

    @strawberry.field
    async def lead_contract(self, info: Info) -> LeadContractNode:
        contract = await info.context.loaders.lead_contract_by_id.load(self.model.lead_contract_id)
        assert contract is not None
        return LeadContractNode.from_model(contract)

    @strawberry.field
    async def subcontractor(self, info: Info) -> ProviderNode:
        return await _provider(info, self.model.subcontractor_id)

    @strawberry.field(description="Who still has to accept a PROPOSED subcontract.")
    def awaiting_acceptance_from(self) -> list[SupportRole]:
        if self.model.status is not SubcontractStatus.PROPOSED:
            return []
        waiting = []
        if self.model.lead_accepted_at is None:
            waiting.append(SupportRole.LEAD)
        if self.model.subcontractor_accepted_at is None:
            waiting.append(SupportRole.SUBCONTRACTOR)
        return waiting


async def _holder_visible(info: Info, holder: DPHolder) -> bool:
    assert holder.id is not None
    links = await info.context.loaders.representatives_by_holder_id.load(holder.id)
    return may_read(info.context.actor, holder, (link.user_id for link in links))


@strawberry.type(
    name="SupportReferral", description="A person's choice of DP support provider and its route."
)
class SupportReferralNode(RowNode):
    id: relay.NodeID[int]
    route: ReferralRouteEnum  # type: ignore[valid-type]
    status: ReferralStatusEnum  # type: ignore[valid-type]
    created_at: datetime = strawberry.field(description="When the person chose.")
    sent_at: datetime | None = strawberry.field(description="When it reached the chosen provider.")
    decided_at: datetime | None = strawberry.field(
        description="When the provider answered, or the subcontract it waited for was declined."
    )
    decline_reason: str | None
    model: strawberry.Private[SupportReferral]

    visible = reading.visible_referrals

    @strawberry.field
    def services(self) -> list[ServiceType]:
        return _services(self.model.services)

    @strawberry.field(description="Days it waited for a subcontract before reaching the provider (so far).")
    def waited_days(self, info: Info) -> float:
        return round(waited(self.model, info.context.now).total_seconds() / 86_400, 2)

    @strawberry.field(description="The provider the person chose.")
    async def provider(self, info: Info) -> ProviderNode:
        return await _provider(info, self.model.provider_id)

    @strawberry.field(description="The council's lead provider for these services when the person chose.")
    async def lead_provider(self, info: Info) -> ProviderNode:
        return await _provider(info, self.model.lead_provider_id)

    @strawberry.field(description="The lead contract the support runs under.")
    async def lead_contract(self, info: Info) -> LeadContractNode:
        contract = await info.context.loaders.lead_contract_by_id.load(self.model.lead_contract_id)
        assert contract is not None
        return LeadContractNode.from_model(contract)

    @strawberry.field(description="The subcontract it runs under or waits for; null on the direct route.")
    async def subcontract(self, info: Info) -> SubcontractNode | None:
        if self.model.subcontract_id is None:
            return None
        found = await info.context.loaders.subcontract_by_id.load(self.model.subcontract_id)
        return SubcontractNode.from_model(found) if found else None

    @strawberry.field(description="The person; null for the provider, who sees only what it needs.")
    async def holder(self, info: Info) -> DPHolderNode | None:
        holder = await info.context.loaders.dp_holder_by_id.load(self.model.holder_id)
        if holder is None or not await _holder_visible(info, holder):
            return None
        return DPHolderNode.from_model(holder)


def _in_force(row: LeadContract | Subcontract, today: date) -> bool:
    return row.start_date <= today <= row.end_date


@strawberry.type(
    name="SupportProvider", description="A DP support organisation and its contracts in force today."
)
class SupportProviderType:
    provider: ProviderNode
    model: strawberry.Private[Provider]

    @classmethod
    def from_model(cls, provider: Provider) -> SupportProviderType:
        return cls(provider=ProviderNode.from_model(provider), model=provider)

    @strawberry.field(description="Lead contracts it holds that run today.")
    async def lead_contracts(self, info: Info) -> list[LeadContractNode]:
        rows = await info.context.loaders.lead_contracts_by_provider_id.load(self.provider.id)
        return [LeadContractNode.from_model(c) for c in rows if _in_force(c, info.context.today)]

    @strawberry.field(description="ACTIVE subcontracts it holds that run today.")
    async def subcontracts(self, info: Info) -> list[SubcontractNode]:
        rows = await info.context.loaders.subcontracts_by_subcontractor_id.load(self.provider.id)
        return [
            SubcontractNode.from_model(s)
            for s in rows
            if s.status is SubcontractStatus.ACTIVE and _in_force(s, info.context.today)
        ]

    @strawberry.field(
        description="LEAD and/or SUBCONTRACTOR today; empty for an organisation without either."
    )
    async def roles(self, info: Info) -> list[SupportRole]:
        roles = []
        if await self.lead_contracts(info):
            roles.append(SupportRole.LEAD)
        if await self.subcontracts(info):
            roles.append(SupportRole.SUBCONTRACTOR)
        return roles


_SUPPRESSED = "Null when suppressed: commissioners see no count from 1 to 4."


@strawberry.type(name="SupportReferralMonth", description="All referrals of one month. " + _SUPPRESSED)
class SupportReferralMonth:
    month: str = strawberry.field(description="YYYY-MM, by when the person chose (Europe/London).")
    referrals: int | None
    chose_other_than_lead: int | None = strawberry.field(
        description="People who chose a provider other than the council's lead."
    )
    still_waiting: int | None = strawberry.field(description="Referrals still waiting for a subcontract.")
    average_wait_days: float | None = strawberry.field(
        description="Average days from choosing to reaching the chosen provider (so far, if still waiting)."
    )
    longest_wait_days: float | None
    suppressed: bool = strawberry.field(description="Some figures are withheld because they are under 5.")

    @classmethod
    def from_tally(cls, tally: reports.ReferralTally) -> SupportReferralMonth:
        return cls(
            month=tally.month,
            referrals=tally.referrals,
            chose_other_than_lead=tally.chose_other_than_lead,
            still_waiting=tally.still_waiting,
            average_wait_days=tally.average_wait_days,
            longest_wait_days=tally.longest_wait_days,
            suppressed=tally.suppressed,
        )


@strawberry.type(
    name="SupportReferralCount",
    description="Referrals of one month to one provider for one service by one route. " + _SUPPRESSED,
)
class SupportReferralCount(SupportReferralMonth):
    route: ReferralRouteEnum  # type: ignore[valid-type]
    service: ServiceType
    provider_id: strawberry.Private[int]

    @classmethod
    def from_tally(cls, tally: reports.ReferralTally) -> SupportReferralCount:
        assert tally.provider_id is not None and tally.service_code is not None
        return cls(
            **vars(SupportReferralMonth.from_tally(tally)),
            route=tally.route,
            service=service_type(tally.service_code),
            provider_id=tally.provider_id,
        )

    @strawberry.field
    async def provider(self, info: Info) -> ProviderNode:
        return await _provider(info, self.provider_id)


@strawberry.type(
    name="SupportReferralCounts", description="DP support referrals of a council, month by month."
)
class SupportReferralCounts:
    since: date
    until: date
    suppressed_below: int | None = strawberry.field(
        description="Counts from 1 up to this are withheld (commissioners); null when nothing is."
    )
    months: list[SupportReferralMonth]
    rows: list[SupportReferralCount] = strawberry.field(description="By month, provider, service and route.")
    council_id: strawberry.Private[int]

    @classmethod
    def from_report(cls, report: reports.ReferralReport) -> SupportReferralCounts:
        return cls(
            since=report.start,
            until=report.end,
            suppressed_below=report.suppressed_below,
            months=[SupportReferralMonth.from_tally(m) for m in report.months],
            rows=[SupportReferralCount.from_tally(r) for r in report.rows],
            council_id=report.council_id,
        )

    @strawberry.field
    async def council(self, info: Info) -> CouncilNode:
        return await _council(info, self.council_id)
