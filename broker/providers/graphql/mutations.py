"""Mutations on listings: each takes one input, makes one service call, returns a payload."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.errors import UserError
from broker.api.mutations import in_transaction
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
from broker.api.relay import decode_id
from broker.providers import service
from broker.providers.access import may_see_checks
from broker.providers.graphql.types import (
    AccreditationType,
    CheckStatusEnum,
    CheckTypeEnum,
    CqcRatingEnum,
    GenderEnum,
    ProviderKindEnum,
    ProviderNode,
    WeekdayEnum,
)


@strawberry.input
class ListingFieldsMixin:
    name: str | None = None
    bio: str | None = None
    services: list[str] | None = strawberry.field(default=None, description="Service codes.")
    skills: list[str] | None = None
    languages: list[str] | None = strawberry.field(default=None, description="ISO 639 codes.")
    gender: GenderEnum | None = strawberry.field(default=None, description="PAs only.")  # type: ignore[valid-type]
    base_postcode: str | None = strawberry.field(default=None, description="Full postcode or district.")
    travel_radius_km: float | None = None
    hourly_rate_pence: int | None = None
    weekly_capacity_hours: float | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    merchant_category_code: str | None = strawberry.field(
        default=None, description="The card merchant category code payments to you are made under."
    )

    def to_fields(self) -> service.ListingFields:
        return service.ListingFields(
            name=self.name,
            bio=self.bio,
            services=self.services,
            skills=self.skills,
            languages=self.languages,
            gender=self.gender,
            base_postcode=self.base_postcode,
            travel_radius_km=self.travel_radius_km,
            hourly_rate_pence=self.hourly_rate_pence,
            weekly_capacity_hours=self.weekly_capacity_hours,
            contact_email=self.contact_email,
            contact_phone=self.contact_phone,
            merchant_category_code=self.merchant_category_code,
        )


@strawberry.input(description="A new listing; it starts as a DRAFT.")
class CreateProviderInput(ListingFieldsMixin):
    kind: ProviderKindEnum  # type: ignore[valid-type]
    council_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only platform admins choose; everyone else creates in their own council."
    )


@strawberry.input(description="Changes to a listing; fields left out stay as they are.")
class UpdateProviderInput(ListingFieldsMixin):
    id: relay.GlobalID


@strawberry.input
class ProviderIdInput:
    id: relay.GlobalID


@strawberry.input(description="A weekly window in Europe/London local time.")
class SlotInput:
    day: WeekdayEnum  # type: ignore[valid-type]
    start: str = strawberry.field(description="HH:MM, 24-hour.")
    end: str = strawberry.field(description="HH:MM, after start; 24:00 for midnight.")


@strawberry.input(description="The whole weekly availability; it replaces what was there.")
class SetAvailabilityInput:
    provider_id: relay.GlobalID
    slots: list[SlotInput]


@strawberry.input(description="The result of one accreditation check.")
class RecordAccreditationInput:
    provider_id: relay.GlobalID
    check_type: CheckTypeEnum  # type: ignore[valid-type]
    status: CheckStatusEnum  # type: ignore[valid-type]
    reference: str = ""
    checked_on: date
    expires_on: date | None = None
    dbs_update_service: bool | None = None
    cqc_rating: CqcRatingEnum | None = None  # type: ignore[valid-type]


@strawberry.type
class ProviderPayloadMixin:
    provider: ProviderNode | None
    user_errors: list[UserError]


@strawberry.type
class CreateProviderPayload(ProviderPayloadMixin):
    pass


@strawberry.type
class UpdateProviderPayload(ProviderPayloadMixin):
    pass


@strawberry.type
class PublishProviderPayload(ProviderPayloadMixin):
    pass


@strawberry.type
class WithdrawProviderPayload(ProviderPayloadMixin):
    pass


@strawberry.type
class SuspendProviderPayload(ProviderPayloadMixin):
    pass


@strawberry.type
class SetAvailabilityPayload(ProviderPayloadMixin):
    pass


@strawberry.type
class RecordAccreditationPayload:
    accreditation: AccreditationType | None
    provider: ProviderNode | None
    user_errors: list[UserError]


def _node(provider: object) -> ProviderNode | None:
    return ProviderNode.from_model(provider) if provider is not None else None  # type: ignore[arg-type]


@strawberry.type
class ProviderMutations:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Providers create their own listing; staff create one for their council.",
    )
    async def create_provider(self, info: Info, input: CreateProviderInput) -> CreateProviderPayload:
        ctx = info.context

        async def action(session):
            council_id = (
                decode_id(input.council_id, "Council", field="input.councilId") if input.council_id else None
            )
            return await service.create_provider(
                session,
                actor=ctx.actor,
                kind=input.kind,
                fields=input.to_fields(),
                council_id=council_id,
                now=ctx.now,
            )

        provider, errors = await in_transaction(info, action, prefix=None)
        return CreateProviderPayload(provider=_node(provider), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Change the fields given. A PUBLISHED listing must still meet the publishing rules "
        "afterwards: emptying what publishing requires is refused (INCOMPLETE) and changes nothing; "
        "withdraw the listing first to take it down.",
    )
    async def update_provider(self, info: Info, input: UpdateProviderInput) -> UpdateProviderPayload:
        ctx = info.context

        async def action(session):
            return await service.update_provider(
                session,
                actor=ctx.actor,
                provider_id=decode_id(input.id, "Provider", field="input.id"),
                fields=input.to_fields(),
                now=ctx.now,
            )

        provider, errors = await in_transaction(info, action, prefix=None)
        return UpdateProviderPayload(provider=_node(provider), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Make a complete listing visible to the public."
    )
    async def publish_provider(self, info: Info, input: ProviderIdInput) -> PublishProviderPayload:
        ctx = info.context

        async def action(session):
            return await service.publish_provider(
                session,
                actor=ctx.actor,
                provider_id=decode_id(input.id, "Provider", field="input.id"),
                now=ctx.now,
            )

        provider, errors = await in_transaction(info, action, prefix=None)
        return PublishProviderPayload(provider=_node(provider), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Take a listing out of public view (back to DRAFT)."
    )
    async def withdraw_provider(self, info: Info, input: ProviderIdInput) -> WithdrawProviderPayload:
        ctx = info.context

        async def action(session):
            return await service.withdraw_provider(
                session,
                actor=ctx.actor,
                provider_id=decode_id(input.id, "Provider", field="input.id"),
                now=ctx.now,
            )

        provider, errors = await in_transaction(info, action, prefix=None)
        return WithdrawProviderPayload(provider=_node(provider), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsCouncilStaff],
        description="Council staff suspend a listing until they publish it again.",
    )
    async def suspend_provider(self, info: Info, input: ProviderIdInput) -> SuspendProviderPayload:
        ctx = info.context

        async def action(session):
            return await service.suspend_provider(
                session,
                actor=ctx.actor,
                provider_id=decode_id(input.id, "Provider", field="input.id"),
                now=ctx.now,
            )

        provider, errors = await in_transaction(info, action, prefix=None)
        return SuspendProviderPayload(provider=_node(provider), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Replace the weekly availability. A PUBLISHED listing keeps at least one slot "
        "(INCOMPLETE otherwise); withdraw it first to take it down.",
    )
    async def set_availability(self, info: Info, input: SetAvailabilityInput) -> SetAvailabilityPayload:
        ctx = info.context
        slots = [service.SlotFields(day=s.day, start=s.start, end=s.end) for s in input.slots]

        async def action(session):
            return await service.set_availability(
                session,
                actor=ctx.actor,
                provider_id=decode_id(input.provider_id, "Provider", field="input.providerId"),
                slots=slots,
                now=ctx.now,
            )

        provider, errors = await in_transaction(info, action, prefix=None)
        return SetAvailabilityPayload(provider=_node(provider), user_errors=errors)

    @strawberry.mutation(
        permission_classes=[IsCouncilStaff],
        description="Record the result of a check; it replaces that check's last result.",
    )
    async def record_accreditation(
        self, info: Info, input: RecordAccreditationInput
    ) -> RecordAccreditationPayload:
        ctx = info.context
        check = service.CheckFields(
            check_type=input.check_type,
            status=input.status,
            reference=input.reference,
            checked_on=input.checked_on,
            expires_on=input.expires_on,
            dbs_update_service=input.dbs_update_service,
            cqc_rating=input.cqc_rating,
        )

        async def action(session):
            provider_id = decode_id(input.provider_id, "Provider", field="input.providerId")
            record = await service.record_accreditation(
                session,
                actor=ctx.actor,
                provider_id=provider_id,
                check=check,
                today=ctx.today,
                now=ctx.now,
            )
            return record, await session.get(service.Provider, provider_id)

        result, errors = await in_transaction(info, action, prefix=None)
        if result is None:
            return RecordAccreditationPayload(accreditation=None, provider=None, user_errors=errors)
        record, provider = result
        return RecordAccreditationPayload(
            accreditation=AccreditationType.from_model(
                record, today=ctx.today, private=may_see_checks(ctx.actor, provider)
            ),
            provider=_node(provider),
            user_errors=[],
        )
