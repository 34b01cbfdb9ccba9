"""GraphQL for administering sign-ins: `users`, `createUser`, `inviteUser`, role, deactivation,
unlocking, password resets and `changePassword`. Rules live in `broker.accounts.access`; each
resolver is input → one service call → payload."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import strawberry
from strawberry import relay

from broker.accounts import users
from broker.accounts.models import Role, User, UserChange, UserChangeKind
from broker.accounts.tokens import issue_token
from broker.api.accounts import RoleEnum, UserNode
from broker.api.context import Info
from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, mutate, use_case
from broker.api.permissions import IsAuthenticated, IsCouncilStaff, has_role
from broker.api.relay import Connection, paged

IsAdmin = has_role(Role.ADMIN)
UserChangeKindEnum = strawberry.enum(UserChangeKind, name="UserChangeKind")


@strawberry.input(
    description="A new sign-in. Admins create any role of their council; brokers create "
    "DP holders', representatives' and providers' sign-ins of theirs."
)
class CreateUserInput(DecodesIds):
    email: str
    full_name: str
    role: RoleEnum  # type: ignore[valid-type]
    council_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Platform admins choose; everyone else creates in their own council."
    )
    password: str = strawberry.field(description="10 to 256 characters, not a common password.")

    def to_command(self) -> users.NewUser:
        return users.NewUser(
            email=self.email,
            full_name=self.full_name,
            role=self.role,
            council_id=self.optional_key("council_id", "Council"),
            password=self.password,
        )


@strawberry.input(description="Invite someone to choose their own password (the invite lasts seven days).")
class InviteUserInput(DecodesIds):
    email: str
    full_name: str
    role: RoleEnum  # type: ignore[valid-type]
    council_id: relay.GlobalID | None = None

    def to_command(self) -> users.NewUser:
        return users.NewUser(
            email=self.email,
            full_name=self.full_name,
            role=self.role,
            council_id=self.optional_key("council_id", "Council"),
        )


@strawberry.input
class UserIdInput(DecodesIds):
    user_id: relay.GlobalID

    def to_command(self) -> dict[str, int]:
        return {"user_id": self.key("user_id", "User")}


@strawberry.input
class ChangeUserRoleInput(UserIdInput):
    role: RoleEnum  # type: ignore[valid-type]

    def to_command(self) -> dict[str, Any]:
        return {**super().to_command(), "role": self.role}


@strawberry.input
class RequestPasswordResetInput:
    email: str

    def to_command(self) -> dict[str, str]:
        return {"email": self.email}


@strawberry.input(description="Choose a password with a one-time token from an invite or a reset.")
class ResetPasswordInput:
    token: str
    new_password: str

    def to_command(self) -> dict[str, str]:
        return {"token": self.token, "new_password": self.new_password}


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str

    def to_command(self) -> dict[str, str]:
        return {"current_password": self.current_password, "new_password": self.new_password}


@strawberry.input(description="Narrow the users; every filter given must hold.")
class UserFilterInput(DecodesIds):
    email: str | None = strawberry.field(default=None, description="Part of the email address.")
    role: RoleEnum | None = None  # type: ignore[valid-type]
    council_id: relay.GlobalID | None = None

    def to_filter(self) -> users.UserFilter:
        return users.UserFilter(
            email=self.email, role=self.role, council_id=self.optional_key("council_id", "Council")
        )


@strawberry.type(name="UserChange", description="A change to a user's account: who, when and what.")
class UserChangeType:
    kind: UserChangeKindEnum  # type: ignore[valid-type]
    detail: str
    changed_at: datetime
    changed_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, change: UserChange) -> UserChangeType:
        return cls(
            kind=change.kind,
            detail=change.detail,
            changed_at=change.changed_at,
            changed_by_id=change.changed_by_id,
        )

    @strawberry.field(description="Who made it; null for the user themselves by a one-time token.")
    async def changed_by(self, info: Info) -> UserNode | None:
        if self.changed_by_id is None:
            return None
        return UserNode.for_viewer(info, await info.context.loaders.user_by_id.load(self.changed_by_id))


@strawberry.type
class UserAccountPayload(MutationPayload):
    user: UserNode | None = None


@strawberry.type
class CreateUserPayload(UserAccountPayload):
    pass


@strawberry.type
class ChangeUserRolePayload(UserAccountPayload):
    pass


@strawberry.type
class DeactivateUserPayload(UserAccountPayload):
    pass


@strawberry.type
class ReactivateUserPayload(UserAccountPayload):
    pass


@strawberry.type
class UnlockUserPayload(UserAccountPayload):
    pass


@strawberry.type
class ResetPasswordPayload(UserAccountPayload):
    pass


@strawberry.type
class InviteUserPayload(UserAccountPayload):
    invite_token: str | None = strawberry.field(
        default=None,
        description="Give it to the person (once): they choose a password with `resetPassword`. Shown "
        "only in this answer, until invitations are sent by email.",
    )
    expires_at: datetime | None = None

    @classmethod
    def present(cls, issued: users.IssuedToken) -> InviteUserPayload:
        return cls(
            user=UserNode.from_model(issued.user), invite_token=issued.token, expires_at=issued.expires_at
        )


@strawberry.type
class RequestPasswordResetPayload(MutationPayload):
    reset_token: str | None = strawberry.field(
        default=None,
        description="For an admin who may administer the user: the one-time token to pass on (valid for "
        "an hour). Anyone else gets null, whether or not the email has an account.",
    )
    expires_at: datetime | None = None

    @classmethod
    def present(cls, issued: users.IssuedToken | None) -> RequestPasswordResetPayload:
        if issued is None:
            return cls()
        return cls(reset_token=issued.token, expires_at=issued.expires_at)


@strawberry.type
class ChangePasswordPayload(UserAccountPayload):
    token: str | None = strawberry.field(
        default=None, description="Every earlier token has stopped working: use this one from now on."
    )
    token_expires_at: datetime | None = None


@strawberry.type
class UserAdminQueries:
    @strawberry.field(
        permission_classes=[IsCouncilStaff],
        description="Users of your council (platform admins: of every council), by email.",
    )
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: UserFilterInput | None = None,
    ) -> Connection[UserNode]:
        actor = info.context.actor
        assert actor is not None
        filters = filter.to_filter() if filter else users.UserFilter()
        return await paged(
            info,
            first,
            after,
            lambda session, page: users.list_users(
                session, actor=actor, filters=filters, limit=page.limit, offset=page.offset
            ),
            UserNode.from_model,
        )

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="The recorded changes to a user's account, newest first (admins of their council).",
    )
    async def user_changes(self, info: Info, user_id: relay.GlobalID) -> list[UserChangeType]:
        from broker.api.relay import decode_id

        key = decode_id(user_id, "User", field="userId")
        async with info.context.db.session() as session:
            changes = await users.changes_of(session, actor=info.context.signed_in, user_id=key)
        return [UserChangeType.from_model(c) for c in changes]


@strawberry.type
class UserAdminMutations:
    create_user = use_case(
        CreateUserInput,
        users.create_user_for,
        CreateUserPayload,
        IsCouncilStaff,
        "Create a sign-in with a password.",
    )
    invite_user = use_case(
        InviteUserInput,
        users.invite_user,
        InviteUserPayload,
        IsCouncilStaff,
        "Create a sign-in whose owner chooses the password with the invite token.",
    )
    change_user_role = use_case(
        ChangeUserRoleInput,
        users.change_role,
        ChangeUserRolePayload,
        IsAdmin,
        "Give a user of your council another role.",
    )
    deactivate_user = use_case(
        UserIdInput,
        users.deactivate_user,
        DeactivateUserPayload,
        IsAdmin,
        "Stop a user signing in; their tokens stop working at once.",
    )
    reactivate_user = use_case(
        UserIdInput,
        users.reactivate_user,
        ReactivateUserPayload,
        IsAdmin,
        "Let a deactivated user sign in again.",
    )
    unlock_user = use_case(
        UserIdInput,
        users.unlock_user,
        UnlockUserPayload,
        IsAdmin,
        "Lift an administrator's lock and clear wrong-password counts.",
    )
    request_password_reset = use_case(
        RequestPasswordResetInput,
        users.request_password_reset,
        RequestPasswordResetPayload,
        None,
        "Ask for a password reset. Answers every email alike; an admin who may administer the user gets "
        "the one-time token to pass on (until resets are sent by email).",
    )
    reset_password = use_case(
        ResetPasswordInput,
        users.reset_password,
        ResetPasswordPayload,
        None,
        "Choose a password with a one-time token (an invite or a reset); signs out everywhere.",
    )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Change your own password; every other session ends and you get a new token.",
    )
    async def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordPayload:
        """The new token is issued with the request's settings, so the payload needs the request."""
        ctx = info.context

        def signed_in_again(user: User) -> ChangePasswordPayload:
            token, expires_at = issue_token(
                user,
                secret=ctx.settings.secret_key.get_secret_value(),
                now=ctx.now,
                ttl=timedelta(minutes=ctx.settings.token_ttl_minutes),
            )
            return ChangePasswordPayload(
                user=UserNode.from_model(user), token=token, token_expires_at=expires_at
            )

        return await mutate(
            info,
            ChangePasswordPayload,
            lambda s: users.change_password(s, actor=ctx.signed_in, **input.to_command(), now=ctx.now),
            signed_in_again,
        )
