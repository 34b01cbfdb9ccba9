"""Mutations on listings: each takes one input, makes one service call, returns a payload."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, mutate, use_case
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
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
from broker.providers.models import Accreditation, Provider
from broker.schedule import SlotFields


@strawberry.input
class ListingFieldsMixin(DecodesIds):
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

    def to_command(self) -> dict[str, Any]:
        council_id = self.optional_key("council_id", "Council")
        return {"kind": self.kind, "fields": self.to_fields(), "council_id": council_id}


@strawberry.input(description="Changes to a listing; fields left out stay as they are.")
class UpdateProviderInput(ListingFieldsMixin):
    id: relay.GlobalID

    def to_command(self) -> dict[str, Any]:
        return {"provider_id": self.key("id", "Provider"), "fields": self.to_fields()}


@strawberry.input
class ProviderIdInput(DecodesIds):
    id: relay.GlobalID

    def to_command(self) -> dict[str, Any]:
        return {"provider_id": self.key("id", "Provider")}


@strawberry.input(description="A weekly window in Europe/London local time.")
class SlotInput:
    day: WeekdayEnum  # type: ignore[valid-type]
    start: str = strawberry.field(description="HH:MM, 24-hour.")
    end: str = strawberry.field(description="HH:MM, after start; 24:00 for midnight.")

    def to_fields(self) -> SlotFields:
        return SlotFields(day=self.day, start=self.start, end=self.end)


@strawberry.input(description="The whole weekly availability; it replaces what was there.")
class SetAvailabilityInput(DecodesIds):
    provider_id: relay.GlobalID
    slots: list[SlotInput]

    def to_command(self) -> dict[str, Any]:
        return {
            "provider_id": self.key("provider_id", "Provider"),
            "slots": [s.to_fields() for s in self.slots],
        }


@strawberry.input(description="The result of one accreditation check.")
class RecordAccreditationInput(DecodesIds):
    provider_id: relay.GlobalID
    check_type: CheckTypeEnum  # type: ignore[valid-type]
    status: CheckStatusEnum  # type: ignore[valid-type]
    reference: str = ""
    checked_on: date
    expires_on: date | None = None
    dbs_update_service: bool | None = None
    cqc_rating: CqcRatingEnum | None = None  # type: ignore[valid-type]

    def to_command(self) -> dict[str, Any]:
        check = service.CheckFields(
            check_type=self.check_type,
            status=self.status,
            reference=self.reference,
            checked_on=self.checked_on,
            expires_on=self.expires_on,
            dbs_update_service=self.dbs_update_service,
            cqc_rating=self.cqc_rating,
        )
        return {"provider_id": self.key("provider_id", "Provider"), "check": check}


@strawberry.type
class ProviderPayloadMixin(MutationPayload):
    provider: ProviderNode | None = None


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
class RecordAccreditationPayload(MutationPayload):
    accreditation: AccreditationType | None = None
    provider: ProviderNode | None = None


@strawberry.type
class ProviderMutations:
    create_provider = use_case(
        CreateProviderInput,
        service.create_provider,
        CreateProviderPayload,
        IsAuthenticated,
        "Providers create their own listing; staff create one for their council.",
    )
    update_provider = use_case(
        UpdateProviderInput,
        service.update_provider,
        UpdateProviderPayload,
        IsAuthenticated,
        "Change the fields given. A PUBLISHED listing must still meet the publishing rules afterwards: "
        "emptying what publishing requires is refused (INCOMPLETE) and changes nothing; withdraw the "
        "listing first to take it down.",
    )
    publish_provider = use_case(
        ProviderIdInput,
        service.publish_provider,
        PublishProviderPayload,
        IsAuthenticated,
        "Make a complete listing visible to the public. What is missing is named by the listing's "
        "field (`bio`, `services`), not by this input's.",
        prefix=None,
    )
    withdraw_provider = use_case(
        ProviderIdInput,
        service.withdraw_provider,
        WithdrawProviderPayload,
        IsAuthenticated,
        "Take a listing out of public view (back to DRAFT).",
    )
    suspend_provider = use_case(
        ProviderIdInput,
        service.suspend_provider,
        SuspendProviderPayload,
        IsCouncilStaff,
        "Council staff suspend a listing until they publish it again.",
    )
    set_availability = use_case(
        SetAvailabilityInput,
        service.set_availability,
        SetAvailabilityPayload,
        IsAuthenticated,
        "Replace the weekly availability. A PUBLISHED listing keeps at least one slot (INCOMPLETE "
        "otherwise); withdraw it first to take it down.",
    )

    @strawberry.mutation(
        permission_classes=[IsCouncilStaff],
        description="Record the result of a check; it replaces that check's last result.",
    )
    async def record_accreditation(
        self, info: Info, input: RecordAccreditationInput
    ) -> RecordAccreditationPayload:
        """The check is shown as its reader may see it, so the payload needs the request (not just
        the result)."""
        ctx = info.context

        async def action(session: AsyncSession) -> tuple[Accreditation, Provider | None]:
            command = input.to_command()
            record = await service.record_accreditation(
                session, actor=ctx.signed_in, **command, today=ctx.today, now=ctx.now
            )
            return record, await session.get(Provider, command["provider_id"])

        def present(result: tuple[Accreditation, Provider | None]) -> RecordAccreditationPayload:
            record, provider = result
            assert provider is not None
            private = may_see_checks(ctx.actor, provider)
            return RecordAccreditationPayload(
                accreditation=AccreditationType.from_model(record, today=ctx.today, private=private),
                provider=ProviderNode.from_model(provider),
            )

        return await mutate(info, RecordAccreditationPayload, action, present)
