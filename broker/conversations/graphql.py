"""GraphQL for conversations: `conversations`, `sendMessage`, `markConversationRead` and
`reportMessage`. Each mutation takes one input and makes one service call."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from broker.api.accounts import UserNode
from broker.api.context import Info
from broker.api.inputs import DecodesIds, FilterInput
from broker.api.mutations import MutationPayload, use_case
from broker.api.nodes import RowNode
from broker.api.people_loaders import UnreadOf
from broker.api.permissions import IsAuthenticated
from broker.api.relay import Connection, paged
from broker.conversations import service
from broker.conversations.access import Side, sees_reports, side_in_visible
from broker.conversations.models import Conversation, Message
from broker.conversations.rules import BODY_MAX, REASON_MAX
from broker.conversations.service import Sent

if TYPE_CHECKING:
    from broker.agreements.graphql.types import AgreementNode, CareRequestNode

SideEnum = strawberry.enum(
    Side,
    name="ConversationSide",
    description="HOLDER: the person, their representatives and their council's "
    "brokers; PROVIDER: the provider's own sign-in.",
)


@strawberry.type(
    name="Message",
    description="One message of a conversation, plain text as its sender wrote it.",
)
class MessageNode(RowNode):
    id: relay.NodeID[int]
    body: str
    sent_at: datetime
    read_at: datetime | None = strawberry.field(
        description="When the other side first marked the conversation read after it arrived."
    )
    model: strawberry.Private[Message]

    visible = service.visible_messages

    @strawberry.field(description="The conversation it belongs to.")
    def conversation_id(self) -> relay.GlobalID:
        return relay.GlobalID("Conversation", str(self.model.conversation_id))

    @strawberry.field(description="Which side wrote it.")
    def side(self) -> SideEnum:  # type: ignore[valid-type]
        return Side.PROVIDER if self.model.from_provider else Side.HOLDER

    @strawberry.field(description="Who wrote it, if you may see that user (yourself; staff their council's).")
    async def sender(self, info: Info) -> UserNode | None:
        if self.model.sender_id is None:
            return None
        user = await info.context.loaders.user_by_id.load(self.model.sender_id)
        return UserNode.for_viewer(info, user)

    @strawberry.field(
        description="How many times it was reported to the council (council staff only; null to others)."
    )
    async def report_count(self, info: Info) -> int | None:
        if not sees_reports(info.context.actor):
            return None
        return await info.context.loaders.report_count_by_message_id.load(self.id)


@strawberry.type(
    name="Conversation",
    description="The thread between a person's side and a provider about one care request and the "
    "agreement it led to. Seen by the parties and the council's brokers only.",
)
class ConversationNode(RowNode):
    id: relay.NodeID[int]
    created_at: datetime
    last_message_at: datetime
    model: strawberry.Private[Conversation]

    visible = service.visible_conversations

    @strawberry.field(description="Oldest first.")
    async def messages(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MessageNode]:
        return await paged(
            info,
            first,
            after,
            lambda session, page: service.list_messages(
                session, conversation_id=self.id, limit=page.limit, offset=page.offset
            ),
            MessageNode.from_model,
        )

    @strawberry.field(description="Messages from the other side that your side has not marked read.")
    async def unread_count(self, info: Info) -> int:
        actor = info.context.actor
        assert actor is not None
        key = UnreadOf(self.id, service.unread_from_provider(actor))
        return await info.context.loaders.unread_count_by_conversation_id.load(key)

    @strawberry.field(description="The side you speak on here.")
    def your_side(self, info: Info) -> SideEnum:  # type: ignore[valid-type]
        actor = info.context.actor
        assert actor is not None
        return side_in_visible(actor)

    @strawberry.field(description="The care request the thread is about (null for a direct agreement).")
    async def care_request(
        self, info: Info
    ) -> Annotated[CareRequestNode, strawberry.lazy("broker.agreements.graphql.types")] | None:
        from broker.agreements.graphql.types import CareRequestNode

        if self.model.request_id is None:
            return None
        found = await CareRequestNode.resolve_nodes(info=info, node_ids=[str(self.model.request_id)])
        return found[0]

    @strawberry.field(description="The agreement made from the request, once there is one.")
    async def agreement(
        self, info: Info
    ) -> Annotated[AgreementNode, strawberry.lazy("broker.agreements.graphql.types")] | None:
        from broker.agreements.graphql.types import AgreementNode
        from broker.agreements.service import visible_agreements

        async with info.context.db.session() as session:
            agreement_id = await service.agreement_of(session, self.model)
            if agreement_id is None:
                return None
            found = await visible_agreements(session, actor=info.context.actor, ids=[agreement_id])
        return AgreementNode.from_model(found[agreement_id]) if agreement_id in found else None


@strawberry.input(description="Narrow the conversations; every filter given must hold.")
class ConversationFilterInput(FilterInput):
    request_id: relay.GlobalID | None = None
    agreement_id: relay.GlobalID | None = None


@strawberry.type
class ConversationQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Conversations you are a party to (and, for brokers, your council's), most recently "
        "active first.",
    )
    async def conversations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ConversationFilterInput | None = None,
    ) -> Connection[ConversationNode]:
        request_id = filter.optional_key("request_id", "CareRequest") if filter else None
        agreement_id = filter.optional_key("agreement_id", "Agreement") if filter else None
        actor = info.context.actor
        assert actor is not None
        return await paged(
            info,
            first,
            after,
            lambda session, page: service.list_conversations(
                session,
                actor=actor,
                request_id=request_id,
                agreement_id=agreement_id,
                limit=page.limit,
                offset=page.offset,
            ),
            ConversationNode.from_model,
        )


@strawberry.input(
    description="A message to the other side of a care request's (or agreement's) conversation; name one. "
    "Before the provider accepts, email addresses and phone numbers are refused."
)
class SendMessageInput(DecodesIds):
    request_id: relay.GlobalID | None = None
    agreement_id: relay.GlobalID | None = None
    body: str = strawberry.field(description=f"Plain text (no HTML), at most {BODY_MAX:,} characters.")

    def to_command(self) -> dict[str, Any]:
        return {
            "request_id": self.optional_key("request_id", "CareRequest"),
            "agreement_id": self.optional_key("agreement_id", "Agreement"),
            "body": self.body,
        }


@strawberry.type
class SendMessagePayload(MutationPayload):
    message: MessageNode | None = None
    conversation: ConversationNode | None = None

    @classmethod
    def present(cls, sent: Sent) -> Self:
        return cls(
            message=MessageNode.from_model(sent.message),
            conversation=ConversationNode.from_model(sent.conversation),
        )


@strawberry.input(description="Your side has read the conversation so far.")
class MarkConversationReadInput(DecodesIds):
    conversation_id: relay.GlobalID

    def to_command(self) -> dict[str, Any]:
        return {"conversation_id": self.key("conversation_id", "Conversation")}


@strawberry.type
class MarkConversationReadPayload(MutationPayload):
    conversation: ConversationNode | None = None


@strawberry.input(description="Tell the council a message is abusive, unsafe or otherwise wrong.")
class ReportMessageInput(DecodesIds):
    message_id: relay.GlobalID
    reason: str = strawberry.field(description=f"What is wrong, at most {REASON_MAX} characters.")

    def to_command(self) -> dict[str, Any]:
        return {"message_id": self.key("message_id", "Message"), "reason": self.reason}


@strawberry.type
class ReportMessagePayload(MutationPayload):
    message: MessageNode | None = None


@strawberry.type
class ConversationMutations:
    send_message: SendMessagePayload = use_case(
        SendMessageInput,
        service.send_message,
        SendMessagePayload,
        IsAuthenticated,
        "Writes to the other side of a care request's conversation (opening it with the first message); "
        "they are notified.",
    )
    mark_conversation_read: MarkConversationReadPayload = use_case(
        MarkConversationReadInput,
        service.mark_read,
        MarkConversationReadPayload,
        IsAuthenticated,
        "Marks the other side's messages so far as read by your side.",
    )
    report_message: ReportMessagePayload = use_case(
        ReportMessageInput,
        service.report_message,
        ReportMessagePayload,
        IsAuthenticated,
        "Reports a message you received to the council; its brokers are notified. Once per message.",
    )


__all__ = ["ConversationMutations", "ConversationNode", "ConversationQueries", "MessageNode"]
