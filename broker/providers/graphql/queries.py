"""`provider` and `providers`: reading listings, filtered to what the caller may see."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import FilterInput
from broker.api.lookahead import names_below
from broker.api.relay import Connection, Page, decode_id, paged
from broker.errors import InvalidInput, Problems
from broker.geography.postcodes import parse_postcode
from broker.providers import service
from broker.providers.graphql.types import (
    LanguageType,
    ProviderKindEnum,
    ProviderNode,
    ProviderStatusEnum,
    ServiceType,
    service_type,
)
from broker.providers.models import Provider
from broker.providers.reading import ProviderFilter
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import all_services, check_service


@strawberry.input(description="Narrow the listings; every filter given must hold.")
class ProviderFilterInput(FilterInput):
    kind: ProviderKindEnum | None = None  # type: ignore[valid-type]
    status: ProviderStatusEnum | None = None  # type: ignore[valid-type]
    accredited: bool | None = None
    council: relay.GlobalID | None = None
    service: str | None = strawberry.field(default=None, description="A service code.")
    postcode_district: str | None = strawberry.field(default=None, description="e.g. LS8")

    def to_domain(self) -> ProviderFilter:
        district = None
        if self.postcode_district is not None:
            parsed = parse_postcode(self.postcode_district)
            if parsed is None:
                raise InvalidInput("Not a postcode district.", field="filter.postcodeDistrict")
            district = parsed.district
        if self.service is not None:
            problems = Problems()
            check_service(problems, "filter.service", self.service)
            problems.raise_if_any()
        return service.ProviderFilter(
            kind=self.kind,
            status=self.status,
            accredited=self.accredited,
            council_id=self.optional_key("council", "Council"),
            service_code=self.service,
            postcode_district=district,
        )


@strawberry.type
class ProviderQueries:
    @strawberry.field(description="One listing, if it exists and you may see it.")
    async def provider(self, info: Info, id: relay.GlobalID) -> ProviderNode | None:
        provider_id = decode_id(id, "Provider", field="id")
        async with info.context.db.session() as session:
            found = await service.get_provider(
                session, actor=info.context.actor, provider_id=provider_id, today=info.context.today
            )
        return ProviderNode.from_model(found) if found else None

    @strawberry.field(description="Listings you may see, by name. At most 100 a page.")
    async def providers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ProviderFilterInput | None = None,
    ) -> Connection[ProviderNode]:
        filters = filter.to_domain() if filter else service.ProviderFilter()
        selected = names_below(info)

        async def fetch(session: AsyncSession, page: Page) -> tuple[list[Provider], int]:
            rows, total = await service.list_providers(
                session,
                actor=info.context.actor,
                filters=filters,
                today=info.context.today,
                limit=page.limit,
                offset=page.offset,
            )
            # The page's services and checks in this session, not in one more session each.
            await info.context.loaders.prefetch_providers(
                session, [r.id for r in rows if r.id is not None], selected
            )
            return rows, total

        return await paged(info, first, after, fetch, ProviderNode.from_model)

    @strawberry.field(description="The service taxonomy.")
    def services(self) -> list[ServiceType]:
        return [service_type(code) for code in all_services()]

    @strawberry.field(description="The languages a listing can name: ISO 639 codes with English names.")
    def languages(self) -> list[LanguageType]:
        return [LanguageType(code=code, name=name) for code, name in LANGUAGES.items()]
