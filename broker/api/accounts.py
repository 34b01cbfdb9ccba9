"""GraphQL for councils, users, `viewer` and `login`. It sits in the API layer, above the capabilities,
because the User type joins them: a viewer's care requests, a provider's own listing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from broker.accounts import access, service
from broker.accounts.models import Role, User
from broker.accounts.tokens import issue_token
from broker.api.context import Info
from broker.api.errors import UserError
from broker.api.mutations import refusal
from broker.api.nodes import RowNode
from broker.api.relay import Connection
from broker.errors import AuthenticationFailed

if TYPE_CHECKING:
    from broker.agreements.graphql.types import CareRequestNode
    from broker.notifications.graphql import NotificationNode
    from broker.providers.graphql.types import ProviderNode

RoleEnum = strawberry.enum(Role, name="Role", description="What a signed-in user does here.")


@strawberry.type(name="Council", description="A local authority: the boundary of whose data is whose.")
class CouncilNode(RowNode):
    id: relay.NodeID[int]
    name: str

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's is overloaded on `required`
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CouncilNode | None]:
        councils = await info.context.loaders.council_by_id.load_many([int(i) for i in node_ids])
        return [cls.from_model(c) if c else None for c in councils]


@strawberry.type(name="User", description="A person who signs in.")
class UserNode(relay.Node):
    id: relay.NodeID[int]
    email: str
    full_name: str
    role: RoleEnum  # type: ignore[valid-type]
    active: bool = strawberry.field(description="False once deactivated: the user cannot sign in.")
    council_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, user: User) -> UserNode:
        return cls(
            id=user.id,  # type: ignore[arg-type]
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            active=user.deactivated_at is None,
            council_id=user.council_id,
        )

    @strawberry.field(description="The council the user works for or is supported by.")
    async def council(self, info: Info) -> CouncilNode | None:
        if self.council_id is None:
            return None
        council = await info.context.loaders.council_by_id.load(self.council_id)
        return CouncilNode.from_model(council) if council else None

    @strawberry.field(
        description="Requests to your listing (providers) or for your plans (holders), newest first; "
        "null on anyone but yourself."
    )
    async def care_requests(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[CareRequestNode, strawberry.lazy("broker.agreements.graphql.types")]] | None:
        from broker.agreements.graphql.queries import care_requests_page

        if not access.is_self(info.context.actor, self.id):
            return None
        return await care_requests_page(info, None, first, after)

    @strawberry.field(
        description="Your own notifications in the app, newest first; null on anyone but yourself."
    )
    async def notifications(
        self, info: Info, first: int | None = None, after: str | None = None, unread_only: bool = False
    ) -> Connection[Annotated[NotificationNode, strawberry.lazy("broker.notifications.graphql")]] | None:
        from broker.notifications.graphql import notifications_page

        if not access.is_self(info.context.actor, self.id):
            return None
        return await notifications_page(info, first, after, unread_only)

    @strawberry.field(
        description="The listing this user signs in for (providers); null on anyone but yourself."
    )
    async def provider(
        self, info: Info
    ) -> Annotated[ProviderNode, strawberry.lazy("broker.providers.graphql.types")] | None:
        from broker.providers.graphql.types import ProviderNode
        from broker.providers.service import owned_listing

        actor = info.context.actor
        if not access.is_self(actor, self.id):
            return None
        async with info.context.db.session() as session:
            listing = await owned_listing(session, owner_id=self.id)
        return ProviderNode.from_model(listing) if listing else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's is overloaded on `required`
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[UserNode | None]:
        users = await info.context.loaders.user_by_id.load_many([int(i) for i in node_ids])
        return [cls.for_viewer(info, u) for u in users]

    @classmethod
    def for_viewer(cls, info: Info, user: User | None) -> UserNode | None:
        """Users are visible to themselves, and to staff of their council; to anyone else a user
        (who answered, who changed what) is null."""
        if user is None or not access.may_see(info.context.actor, user):
            return None
        return cls.from_model(user)


@strawberry.input(description="Email and password of an existing user.")
class LoginInput:
    email: str
    password: str


@strawberry.type
class LoginPayload:
    token: str | None = strawberry.field(description="Send as `Authorization: Bearer <token>`.")
    expires_at: datetime | None
    viewer: UserNode | None
    user_errors: list[UserError]


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in user, or null for anonymous callers.")
    async def viewer(self, info: Info) -> UserNode | None:
        actor = info.context.actor
        if actor is None:
            return None
        user = await info.context.loaders.user_by_id.load(actor.user_id)
        return UserNode.from_model(user) if user else None


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Exchange email and password for a bearer token. Attempts are throttled per "
        "client address (per email, and across emails); `ACCOUNT_LOCKED` means wait and try again, "
        "and is the same answer whether or not the email has an account."
    )
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        context = info.context
        settings = context.settings
        try:
            user = await service.authenticate(
                context.db,
                input.email,
                input.password,
                client_address=context.client_address,
                throttle=context.login_throttle,
                now=context.now,
            )
        except AuthenticationFailed as error:
            return LoginPayload(token=None, expires_at=None, viewer=None, user_errors=refusal(error))
        token, expires_at = issue_token(
            user,
            secret=settings.secret_key.get_secret_value(),
            now=context.now,
            ttl=timedelta(minutes=settings.token_ttl_minutes),
        )
        return LoginPayload(
            token=token, expires_at=expires_at, viewer=UserNode.from_model(user), user_errors=[]
        )
