"""GraphQL for DP holder profiles: the `DPHolder` type, `dpHolder`/`dpHolders`, create and update."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from broker.api import links
from broker.api.accounts import CouncilNode, UserNode
from broker.api.context import Info
from broker.api.inputs import DecodesIds, FilterInput
from broker.api.money import pence_fields
from broker.api.mutations import MutationPayload, use_case
from broker.api.nodes import RowNode
from broker.api.permissions import IsAuthenticated, IsCouncilStaff
from broker.api.relay import Connection, decode_id, paged
from broker.errors import InvalidInput
from broker.holders import service
from broker.holders.models import DPHolder, DPHolding

if TYPE_CHECKING:
    from broker.plans.graphql import SupportPlanNode

DPHoldingEnum = strawberry.enum(
    DPHolding,
    name="DPHolding",
    description="How the direct payment is held: the person's choice, which they may change.",
)

DPHolderSortEnum = strawberry.enum(
    service.HolderSort,
    name="DPHolderSort",
    description="Caseload orders: OLDEST (set up first), NEWEST, NAME (A to Z), WEEKLY_BUDGET (largest "
    "first).",
)
FILTER_TEXT_MAX = 100


@strawberry.input(description="Narrow and order a caseload; every filter given must hold.")
class DPHolderFilterInput(FilterInput):
    text: str | None = strawberry.field(
        default=None,
        description="Part of the person's name, email or postcode, any case (up to 100 characters).",
    )
    held_as: DPHoldingEnum | None = None  # type: ignore[valid-type]
    sort: DPHolderSortEnum = service.HolderSort.OLDEST  # type: ignore[valid-type]

    def to_filter(self) -> service.HolderFilter:
        if self.text is not None and len(self.text) > FILTER_TEXT_MAX:
            raise InvalidInput(
                f"Search for at most {FILTER_TEXT_MAX} characters of a name, email or postcode.",
                field="filter.text",
            )
        return service.HolderFilter(text=self.text, held_as=self.held_as, sort=self.sort)


@strawberry.type(name="DPHolder", description="A person who takes their personal budget as a direct payment.")
class DPHolderNode(RowNode):
    id: relay.NodeID[int]
    weekly_budget_pence: strawberry.Private[int]
    weekly_budget, weekly_budget_pence_int = pence_fields("weekly_budget", "The personal budget, a week.")
    held_as: DPHoldingEnum = strawberry.field(description="How the payment is held.")  # type: ignore[valid-type]
    home_postcode: str = strawberry.field(description="Where the person lives.")
    postcode_district: str
    council_approves_timesheets: bool = strawberry.field(
        description="The person asked the council to approve and query their PAs' timesheets for them "
        "(`setCouncilApprovesTimesheets`); they may still decide themselves."
    )
    updated_at: datetime
    model: strawberry.Private[DPHolder]

    visible = service.visible_holders

    @strawberry.field(description="The holder's sign-in.")
    async def user(self, info: Info) -> UserNode:
        user = await info.context.loaders.user_by_id.load(self.model.user_id)
        assert user is not None
        return UserNode.from_model(user)

    @strawberry.field(description="People who act with and for the holder (family, suitable person).")
    async def representatives(self, info: Info) -> list[UserNode]:
        links = await info.context.loaders.representatives_by_holder_id.load(self.id)
        users = await info.context.loaders.user_by_id.load_many([link.user_id for link in links])
        return [UserNode.from_model(u) for u in users if u is not None]

    @strawberry.field
    async def council(self, info: Info) -> CouncilNode:
        council = await info.context.loaders.council_by_id.load(self.model.council_id)
        assert council is not None
        return CouncilNode.from_model(council)

    support_plans: list[Annotated[SupportPlanNode, strawberry.lazy("broker.plans.graphql")]] = (
        strawberry.field(
            resolver=links.holder_support_plans,
            description="The holder's care and support plans, newest first; each read is logged.",
        )
    )


@strawberry.input
class HolderFieldsMixin(DecodesIds):
    weekly_budget_pence: int | None = strawberry.field(
        default=None, description="The personal budget a week, in pence (council staff only)."
    )
    held_as: DPHoldingEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="How the payment is held; the holder may change this themself."
    )
    home_postcode: str | None = strawberry.field(default=None, description="Full postcode or district.")
    representative_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Users with the REPRESENTATIVE role; replaces the list (staff only)."
    )

    def to_fields(self) -> service.HolderFields:
        return service.HolderFields(
            weekly_budget_pence=self.weekly_budget_pence,
            held_as=self.held_as,
            home_postcode=self.home_postcode,
            representative_ids=self.optional_keys("representative_ids", "User"),
        )


@strawberry.input(description="A profile for a DP_HOLDER user of your council.")
class CreateDpHolderInput(HolderFieldsMixin):
    user_id: relay.GlobalID

    def to_command(self) -> service.CreateDpHolder:
        return service.CreateDpHolder(user_id=self.key("user_id", "User"), fields=self.to_fields())


@strawberry.input(description="Changes to a profile; fields left out stay as they are.")
class UpdateDpHolderInput(HolderFieldsMixin):
    id: relay.GlobalID

    def to_command(self) -> service.UpdateDpHolder:
        return service.UpdateDpHolder(holder_id=self.key("id", "DPHolder"), fields=self.to_fields())


@strawberry.type
class CreateDpHolderPayload(MutationPayload):
    dp_holder: DPHolderNode | None = None


@strawberry.type
class UpdateDpHolderPayload(MutationPayload):
    dp_holder: DPHolderNode | None = None


def _node(holder: DPHolder | None) -> DPHolderNode | None:
    return DPHolderNode.from_model(holder) if holder is not None else None


@strawberry.type
class HolderQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="A DP holder's profile by ID; without an ID, your own (or the one you represent).",
    )
    async def dp_holder(self, info: Info, id: relay.GlobalID | None = None) -> DPHolderNode | None:
        ctx = info.context
        async with ctx.db.session() as session:
            if id is None:
                found = await service.own_dp_holder(session, actor=ctx.actor)
            else:
                holder_id = decode_id(id, "DPHolder", field="id")
                found = await service.get_dp_holder(session, actor=ctx.actor, holder_id=holder_id)
        return _node(found)

    @strawberry.field(
        permission_classes=[IsCouncilStaff],
        description="Your council's DP holders, oldest first unless `filter.sort` says otherwise.",
    )
    async def dp_holders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: DPHolderFilterInput | None = None,
    ) -> Connection[DPHolderNode]:
        actor = info.context.actor
        filters = filter.to_filter() if filter else service.HolderFilter()
        return await paged(
            info,
            first,
            after,
            lambda s, page: service.list_dp_holders(
                s, actor=actor, limit=page.limit, offset=page.offset, filters=filters
            ),
            DPHolderNode.from_model,
        )


@strawberry.type
class HolderMutations:
    create_dp_holder = use_case(
        CreateDpHolderInput,
        service.create_dp_holder,
        CreateDpHolderPayload,
        IsCouncilStaff,
        "Council staff set up a DP holder's profile: budget, how the DP is held, home.",
    )
    update_dp_holder = use_case(
        UpdateDpHolderInput,
        service.update_dp_holder,
        UpdateDpHolderPayload,
        IsAuthenticated,
        "Staff change any field; the holder and their representatives change `heldAs` only.",
    )
