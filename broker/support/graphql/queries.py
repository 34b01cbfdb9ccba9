"""`supportProviders`, `leadContracts`, `subcontracts`, `supportReferrals` and `supportReferralCounts`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay

from broker.accounts.models import Role
from broker.api.context import Info
from broker.api.inputs import FilterInput
from broker.api.permissions import IsAuthenticated, has_role
from broker.api.relay import Connection, connection, decode_id, page_from
from broker.errors import Problems
from broker.support import reading, reports
from broker.support.graphql.types import (
    LeadContractNode,
    ReferralStatusEnum,
    SubcontractNode,
    SubcontractStatusEnum,
    SupportProviderType,
    SupportReferralCounts,
    SupportReferralNode,
)
from broker.taxonomy.services import check_service


def _council(council: relay.GlobalID | None, field: str) -> int | None:
    return decode_id(council, "Council", field=field) if council else None


def _provider(provider: relay.GlobalID | None, field: str) -> int | None:
    return decode_id(provider, "Provider", field=field) if provider else None


@strawberry.input(description="Narrow the DP support organisations; every filter given must hold.")
class SupportProviderFilterInput:
    service: str | None = strawberry.field(default=None, description="A service code they offer.")
    council: relay.GlobalID | None = strawberry.field(
        default=None, description="Listed with, or contracted by, this council."
    )
    lead: bool | None = strawberry.field(default=None, description="Holds a lead contract in force today.")
    subcontractor: bool | None = strawberry.field(
        default=None, description="Holds an ACTIVE subcontract in force today."
    )

    def to_domain(self) -> reading.SupportProviderFilter:
        if self.service is not None:
            problems = Problems()
            check_service(problems, "filter.service", self.service)
            problems.raise_if_any()
        return reading.SupportProviderFilter(
            service_code=self.service,
            council_id=_council(self.council, "filter.council"),
            lead=self.lead,
            subcontractor=self.subcontractor,
        )


@strawberry.input(description="Narrow the lead contracts; every filter given must hold.")
class LeadContractFilterInput(FilterInput):
    council: relay.GlobalID | None = None
    lead_provider: relay.GlobalID | None = None
    in_force_on: date | None = strawberry.field(default=None, description="Contracts running on this day.")

    def to_domain(self) -> reading.ContractFilter:
        return reading.ContractFilter(
            council_id=self.optional_key("council", "Council"),
            provider_id=self.optional_key("lead_provider", "Provider"),
            in_force_on=self.in_force_on,
        )


@strawberry.input(description="Narrow the subcontracts; every filter given must hold.")
class SubcontractFilterInput(FilterInput):
    council: relay.GlobalID | None = None
    status: SubcontractStatusEnum | None = None  # type: ignore[valid-type]
    subcontractor: relay.GlobalID | None = None
    lead_contract: relay.GlobalID | None = None

    def to_domain(self) -> reading.SubcontractFilter:
        return reading.SubcontractFilter(
            council_id=self.optional_key("council", "Council"),
            status=self.status,
            subcontractor_id=self.optional_key("subcontractor", "Provider"),
            lead_contract_id=self.optional_key("lead_contract", "LeadContract"),
        )


@strawberry.input(description="Narrow the referrals; every filter given must hold.")
class SupportReferralFilterInput(FilterInput):
    holder: relay.GlobalID | None = strawberry.field(default=None, description="A DPHolder ID.")
    provider: relay.GlobalID | None = strawberry.field(default=None, description="The chosen provider.")
    status: ReferralStatusEnum | None = None  # type: ignore[valid-type]

    def to_domain(self) -> reading.ReferralFilter:
        return reading.ReferralFilter(
            holder_id=self.optional_key("holder", "DPHolder"),
            provider_id=self.optional_key("provider", "Provider"),
            status=self.status,
        )


@strawberry.type
class SupportQueries:
    @strawberry.field(
        description="DP support organisations you may see, by name, with their contracts in force. "
        "At most 100 a page."
    )
    async def support_providers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: SupportProviderFilterInput | None = None,
    ) -> Connection[SupportProviderType]:
        page = page_from(first, after)
        filters = filter.to_domain() if filter else reading.SupportProviderFilter()
        async with info.context.db.session() as session:
            rows, total = await reading.list_support_providers(
                session,
                actor=info.context.actor,
                filters=filters,
                today=info.context.today,
                limit=page.limit,
                offset=page.offset,
            )
        return connection([SupportProviderType.from_model(p) for p in rows], page=page, total=total)

    @strawberry.field(description="Councils' lead contracts for DP support, newest first (a public record).")
    async def lead_contracts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: LeadContractFilterInput | None = None,
    ) -> Connection[LeadContractNode]:
        page = page_from(first, after)
        filters = filter.to_domain() if filter else reading.ContractFilter()
        async with info.context.db.session() as session:
            rows, total = await reading.list_lead_contracts(
                session, filters=filters, limit=page.limit, offset=page.offset
            )
        return connection([LeadContractNode.from_model(c) for c in rows], page=page, total=total)

    @strawberry.field(
        description="Subcontracts you may see, newest first: ACTIVE and ENDED ones are public; proposals "
        "and refusals only to the council and the two organisations."
    )
    async def subcontracts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: SubcontractFilterInput | None = None,
    ) -> Connection[SubcontractNode]:
        page = page_from(first, after)
        filters = filter.to_domain() if filter else reading.SubcontractFilter()
        async with info.context.db.session() as session:
            rows, total = await reading.list_subcontracts(
                session, actor=info.context.actor, filters=filters, limit=page.limit, offset=page.offset
            )
        return connection([SubcontractNode.from_model(s) for s in rows], page=page, total=total)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Referrals you may see, newest first: your council's (brokers), your own (holders), "
        "those to you (providers).",
    )
    async def support_referrals(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: SupportReferralFilterInput | None = None,
    ) -> Connection[SupportReferralNode]:
        page = page_from(first, after)
        filters = filter.to_domain() if filter else reading.ReferralFilter()
        async with info.context.db.session() as session:
            rows, total = await reading.list_referrals(
                session, actor=info.context.actor, filters=filters, limit=page.limit, offset=page.offset
            )
        return connection([SupportReferralNode.from_model(r) for r in rows], page=page, total=total)

    @strawberry.field(
        permission_classes=[has_role(Role.BROKER, Role.ADMIN, Role.COMMISSIONER)],
        description="Your council's DP support referrals a month, by provider, service and route, with who "
        "chose a provider other than the lead and how long they waited. Commissioners see counts under 5 "
        "withheld. Defaults to the last 12 months.",
    )
    async def support_referral_counts(
        self,
        info: Info,
        council: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Platform admins choose; everyone else sees their own council."),
        ] = None,
        since: Annotated[date | None, strawberry.argument(description="First day counted.")] = None,
        until: Annotated[
            date | None, strawberry.argument(description="Last day counted; default today.")
        ] = None,
    ) -> SupportReferralCounts:
        ctx = info.context
        async with ctx.db.session() as session:
            report = await reports.referral_counts(
                session,
                actor=ctx.actor,  # type: ignore[arg-type]
                council_id=_council(council, "council"),
                start=since,
                end=until,
                now=ctx.now,
                today=ctx.today,
            )
        return SupportReferralCounts.from_report(report)
