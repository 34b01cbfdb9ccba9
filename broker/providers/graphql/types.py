"""GraphQL types of a listing. Private details (contact, check references) are resolved per viewer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from graphql.pyutils import AwaitableOrValue
from strawberry import relay

from broker.api import links
from broker.api.accounts import CouncilNode
from broker.api.batching import present
from broker.api.context import Info
from broker.api.money import pence_fields
from broker.api.nodes import RowNode
from broker.providers import accreditation as rules
from broker.providers.access import may_see_checks
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    CheckStatus,
    CheckType,
    CqcRating,
    Gender,
    Provider,
    ProviderKind,
    ProviderService,
    ProviderStatus,
    Weekday,
)
from broker.providers.service import visible_providers
from broker.schedule import clock
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import all_services

if TYPE_CHECKING:
    from broker.reviews.graphql import ReviewScoreType

ProviderKindEnum = strawberry.enum(
    ProviderKind,
    name="ProviderKind",
    description="PA (personal assistant), care agency, or DP support organisation.",
)
ProviderStatusEnum = strawberry.enum(ProviderStatus, name="ProviderStatus")
GenderEnum = strawberry.enum(Gender, name="Gender")
WeekdayEnum = strawberry.enum(Weekday, name="Weekday")
CheckTypeEnum = strawberry.enum(CheckType, name="CheckType")
CheckStatusEnum = strawberry.enum(CheckStatus, name="CheckStatus")
CqcRatingEnum = strawberry.enum(CqcRating, name="CqcRating")


@strawberry.type(name="Service", description="An entry of the service taxonomy; codes are stable.")
class ServiceType:
    code: str
    label: str
    group: str
    description: str


def service_type(code: str) -> ServiceType:
    entry = all_services()[code]
    return ServiceType(code=entry.code, label=entry.label, group=entry.group, description=entry.description)


def _service_types(rows: list[ProviderService]) -> list[ServiceType]:
    known = all_services()
    return [service_type(r.service_code) for r in rows if r.service_code in known]


@strawberry.type(name="Language")
class LanguageType:
    code: str = strawberry.field(description="ISO 639 code.")
    name: str


@strawberry.type(name="AvailabilitySlot", description="A weekly window, Europe/London local time.")
class AvailabilitySlotType:
    day: WeekdayEnum  # type: ignore[valid-type]
    start: str = strawberry.field(description="HH:MM")
    end: str = strawberry.field(description="HH:MM; 24:00 is midnight at the end of the day.")

    @classmethod
    def from_model(cls, slot: AvailabilitySlot) -> AvailabilitySlotType:
        return cls(day=Weekday(slot.day), start=clock(slot.start_minute), end=clock(slot.end_minute))


def _slot_types(slots: list[AvailabilitySlot]) -> list[AvailabilitySlotType]:
    return [AvailabilitySlotType.from_model(s) for s in slots]


@strawberry.type(name="Accreditation", description="The latest result of one check on a provider.")
class AccreditationType:
    check_type: CheckTypeEnum  # type: ignore[valid-type]
    status: CheckStatusEnum  # type: ignore[valid-type]
    reference: str | None = strawberry.field(
        description="Certificate or registration number; only for the provider and council staff."
    )
    checked_on: date
    expires_on: date | None
    dbs_update_service: bool | None
    cqc_rating: CqcRatingEnum | None  # type: ignore[valid-type]
    current: bool = strawberry.field(description="Passed and not expired today.")
    recorded_at: datetime

    @classmethod
    def from_model(cls, check: Accreditation, *, today: date, private: bool) -> AccreditationType:
        return cls(
            check_type=check.check_type,
            status=check.status,
            reference=check.reference if private else None,
            checked_on=check.checked_on,
            expires_on=check.expires_on,
            dbs_update_service=check.dbs_update_service,
            cqc_rating=check.cqc_rating,
            current=rules.check_is_current(check, today),
            recorded_at=check.recorded_at,
        )


@strawberry.type(name="ProviderContact", description="How brokers reach a provider. Never public.")
class ProviderContactType:
    email: str | None
    phone: str | None
    base_postcode: str | None


@strawberry.type(name="Provider", description="A listing: a PA, a care agency or a DP support organisation.")
class ProviderNode(RowNode):
    id: relay.NodeID[int]
    kind: ProviderKindEnum  # type: ignore[valid-type]
    status: ProviderStatusEnum  # type: ignore[valid-type]
    name: str
    bio: str
    gender: GenderEnum | None  # type: ignore[valid-type]
    skills: list[str]
    postcode_district: str | None = strawberry.field(
        description="Where the provider is based, to district level (the full postcode is private)."
    )
    latitude: float | None
    longitude: float | None
    travel_radius_km: float | None
    hourly_rate_pence: strawberry.Private[int | None]
    hourly_rate, hourly_rate_pence_int = pence_fields("hourly_rate", "The rate an hour.", optional=True)
    weekly_capacity_hours: float | None
    merchant_category_code: str | None
    published_at: datetime | None
    updated_at: datetime
    model: strawberry.Private[Provider]

    @classmethod
    def from_model(cls, provider: Provider) -> ProviderNode:  # type: ignore[override]
        return super().from_model(provider, skills=list(provider.skills))

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's is overloaded on `required`
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ProviderNode | None]:
        ids = [int(i) for i in node_ids]
        async with info.context.db.session() as session:
            found = await visible_providers(
                session, actor=info.context.actor, ids=ids, today=info.context.today
            )
        return [cls.from_model(found[i]) if i in found else None for i in ids]

    review_score: Annotated[ReviewScoreType, strawberry.lazy("broker.reviews.graphql")] = strawberry.field(
        resolver=links.provider_review_score,
        description="The score out of 10 from published reviews of the last 24 months (from three of them).",
    )

    @strawberry.field(
        description="Services offered, from the service taxonomy.", graphql_type=list[ServiceType]
    )
    def services(self, info: Info) -> AwaitableOrValue[list[ServiceType]]:
        return present(info.context.loaders.services_by_provider_id, self.id, _service_types)

    @strawberry.field
    def languages(self) -> list[LanguageType]:
        return [LanguageType(code=c, name=LANGUAGES.get(c, c)) for c in self.model.languages]

    @strawberry.field(description="Weekly availability.", graphql_type=list[AvailabilitySlotType])
    def availability(self, info: Info) -> AwaitableOrValue[list[AvailabilitySlotType]]:
        return present(info.context.loaders.availability_by_provider_id, self.id, _slot_types)

    @strawberry.field(
        description="Every check recorded for this provider: empty unless you are this provider, its "
        "council's staff or a platform admin (DBS outcomes are criminal-record data). Everyone else "
        "reads `accredited` and `accreditedUntil`.",
        graphql_type=list[AccreditationType],
    )
    def accreditations(self, info: Info) -> AwaitableOrValue[list[AccreditationType]]:
        if not may_see_checks(info.context.actor, self.model):
            return []
        today = info.context.today
        return present(
            info.context.loaders.accreditations_by_provider_id,
            self.id,
            lambda checks: [AccreditationType.from_model(c, today=today, private=True) for c in checks],
        )

    @strawberry.field(
        description="Every check this kind of provider needs is passed and unexpired today.",
        graphql_type=bool,
    )
    def accredited(self, info: Info) -> AwaitableOrValue[bool]:
        kind, today = self.model.kind, info.context.today
        return present(
            info.context.loaders.accreditations_by_provider_id,
            self.id,
            lambda checks: rules.is_accredited(kind, checks, today),
        )

    @strawberry.field(
        description="The day accreditation lapses unless a check is renewed.", graphql_type=date | None
    )
    def accredited_until(self, info: Info) -> AwaitableOrValue[date | None]:
        kind, today = self.model.kind, info.context.today
        return present(
            info.context.loaders.accreditations_by_provider_id,
            self.id,
            lambda checks: rules.accredited_until(kind, checks, today),
        )

    @strawberry.field(
        description="Required checks that are missing, failed or expired: empty unless you may read "
        "`accreditations`, since it tells which check a provider failed.",
        graphql_type=list[CheckTypeEnum],  # type: ignore[valid-type]
    )
    def missing_checks(self, info: Info) -> AwaitableOrValue[list[CheckType]]:
        if not may_see_checks(info.context.actor, self.model):
            return []
        kind, today = self.model.kind, info.context.today
        return present(
            info.context.loaders.accreditations_by_provider_id,
            self.id,
            lambda checks: rules.missing_checks(kind, checks, today),
        )

    @strawberry.field(description="Contact details: null unless you are this provider or council staff.")
    def contact(self, info: Info) -> ProviderContactType | None:
        if not may_see_checks(info.context.actor, self.model):
            return None
        return ProviderContactType(
            email=self.model.contact_email,
            phone=self.model.contact_phone,
            base_postcode=self.model.base_postcode,
        )

    @strawberry.field
    async def council(self, info: Info) -> CouncilNode:
        council = await info.context.loaders.council_by_id.load(self.model.council_id)
        assert council is not None
        return CouncilNode.from_model(council)
