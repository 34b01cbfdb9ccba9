"""The people of a conversation: Amina (a DP holder) with her son as representative and her council's
broker, Jo (a PA with her own sign-in) to whom Amina sent a request, and everyone who is no party."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.agreements.models import Agreement, CareRequest, RequestStatus
from broker.db import Database
from tests.factories import (
    make_agreement,
    make_care_request,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
    reload,
)

SEND = """
mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { id body side sentAt readAt sender { email } }
  conversation { id }
  userErrors { field message code }
} }
"""
THREADS = """
query($filter: ConversationFilterInput) { conversations(filter: $filter) { totalCount nodes {
  id yourSide unreadCount careRequest { id } agreement { id }
  messages { totalCount nodes { id body side readAt reportCount } }
} } }
"""
MARK_READ = """
mutation($input: MarkConversationReadInput!) { markConversationRead(input: $input) {
  conversation { unreadCount } userErrors { field message code }
} }
"""
REPORT = """
mutation($input: ReportMessageInput!) { reportMessage(input: $input) {
  message { id } userErrors { field message code }
} }
"""
NOTIFICATIONS = "{ viewer { notifications { totalCount nodes { kind link summary readAt } } } }"


def gid(kind: str, row: Any) -> str:
    return to_base64(kind, row.id)


@dataclass
class World:
    council: Any
    holder: Any
    amina: User
    son: User
    broker: User
    jo: User
    provider: Any
    plan: Any
    request: CareRequest
    other_broker: User
    other_provider: User
    commissioner: User
    platform_admin: User
    stranger_holder: User

    def on_request(self, body: str) -> dict[str, Any]:
        return {"input": {"requestId": gid("CareRequest", self.request), "body": body}}


async def world(db: Database) -> World:
    council = await make_council(db, "Leeds City Council")
    elsewhere = await make_council(db, "Bradford Council")
    son = await make_user(db, Role.REPRESENTATIVE, council)
    holder = await make_holder(db, council, representatives=(son,))
    amina = await reload(db, User, holder.user_id)
    broker = await make_user(db, Role.BROKER, council)
    jo = await make_user(db, Role.PROVIDER, council)
    provider = await make_provider(db, council, owner=jo, name="Jo")
    plan = await make_plan(db, holder)
    request = await make_care_request(db, plan, provider, sent_by=amina)
    other_provider = await make_user(db, Role.PROVIDER, council)
    await make_provider(db, council, owner=other_provider, name="Sam")
    stranger = await make_holder(db, council)
    return World(
        council=council,
        holder=holder,
        amina=amina,  # type: ignore[arg-type]
        son=son,
        broker=broker,
        jo=jo,
        provider=provider,
        plan=plan,
        request=request,
        other_broker=await make_user(db, Role.BROKER, elsewhere),
        other_provider=other_provider,
        commissioner=await make_user(db, Role.COMMISSIONER, council),
        platform_admin=await make_user(db, Role.ADMIN, None),
        stranger_holder=await reload(db, User, stranger.user_id),  # type: ignore[arg-type]
    )


async def accept(db: Database, w: World, *, with_agreement: bool = False) -> Agreement | None:
    """Jo accepts Amina's request (and, if asked, they make an agreement from it)."""
    async with db.transaction() as session:
        await session.execute(
            update(CareRequest).where(CareRequest.id == w.request.id).values(status=RequestStatus.ACCEPTED)
        )
    if not with_agreement:
        return None
    agreement = await make_agreement(db, w.plan, w.provider, created_by=w.amina, status="PROPOSED")
    async with db.transaction() as session:
        await session.execute(
            update(Agreement).where(Agreement.id == agreement.id).values(request_id=w.request.id)
        )
        return (await session.execute(select(Agreement).where(Agreement.id == agreement.id))).scalar_one()
