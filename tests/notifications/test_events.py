"""People are told what happened where it happens: a provider that a request arrived, the holder's side
that it was accepted or declined, both sides that an agreement began or is ending, the holder's side
that a payment failed, DP support organisations of subcontracts and referrals."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from strawberry.relay import to_base64

from broker.accounts.models import Role
from broker.notifications.models import EmailOutbox, Notification
from broker.payments.models import Payment
from broker.payments.webhooks import handle_event
from tests.conversations.world import NOTIFICATIONS, accept, gid, world
from tests.factories import (
    count,
    make_agreement,
    make_council,
    make_holder,
    make_lead_contract,
    make_payment,
    make_plan,
    make_support_org,
    make_user,
)

SEND_REQUEST = """
mutation($input: SendRequestInput!) { sendRequest(input: $input) {
  careRequest { id } userErrors { field message code }
} }
"""
RESPOND = """
mutation($input: RespondToRequestInput!) { respondToRequest(input: $input) {
  careRequest { status } userErrors { field message code }
} }
"""
ACTIVATE = """
mutation($input: AgreementIdInput!) { activateAgreement(input: $input) {
  agreement { status } userErrors { field message code }
} }
"""
END = """
mutation($input: EndAgreementInput!) { endAgreement(input: $input) {
  agreement { status } userErrors { field message code }
} }
"""
CHOOSE = """
mutation($input: ChooseSupportProviderInput!) { chooseSupportProvider(input: $input) {
  subcontract { id } userErrors { field message code }
} }
"""
RESPOND_SUBCONTRACT = """
mutation($input: RespondToSubcontractInput!) { respondToSubcontract(input: $input) {
  userErrors { field message code }
} }
"""


async def kinds(api, user) -> list[str]:
    told = await api.data(NOTIFICATIONS, as_user=user)
    return [n["kind"] for n in told["viewer"]["notifications"]["nodes"]]


async def test_the_provider_is_told_a_request_arrived_and_nobody_else_is(api, db):
    w = await world(db)
    second_plan = await make_plan(db, w.holder)

    sent = await api.data(
        SEND_REQUEST,
        {"input": {"planId": gid("SupportPlan", second_plan), "providerId": gid("Provider", w.provider)}},
        as_user=w.amina,
    )

    assert sent["sendRequest"]["userErrors"] == []
    assert await kinds(api, w.jo) == ["REQUEST_SENT"]
    assert await kinds(api, w.amina) == []
    assert await kinds(api, w.other_provider) == []


async def test_a_refused_request_tells_nobody(api, db):
    w = await world(db)

    refused = await api.data(
        SEND_REQUEST,
        {
            "input": {
                "planId": gid("SupportPlan", w.plan),
                "providerId": gid("Provider", w.provider),
                "message": "x" * 5000,
            }
        },
        as_user=w.amina,
    )

    assert refused["sendRequest"]["userErrors"] != []
    assert await count(db, Notification) == 0
    assert await count(db, EmailOutbox) == 0


async def test_the_holders_side_is_told_the_request_was_accepted(api, db):
    w = await world(db)

    answered = await api.data(
        RESPOND, {"input": {"requestId": gid("CareRequest", w.request), "accept": True}}, as_user=w.jo
    )

    assert answered["respondToRequest"]["userErrors"] == []
    assert await kinds(api, w.amina) == ["REQUEST_ACCEPTED"]
    assert await kinds(api, w.son) == ["REQUEST_ACCEPTED"]
    assert await kinds(api, w.jo) == []


async def test_the_holders_side_is_told_the_request_was_declined(api, db):
    w = await world(db)

    await api.data(
        RESPOND,
        {"input": {"requestId": gid("CareRequest", w.request), "accept": False, "reason": "Full."}},
        as_user=w.jo,
    )

    assert await kinds(api, w.amina) == ["REQUEST_DECLINED"]


async def test_both_sides_are_told_an_agreement_is_active_and_then_ending(api, db):
    w = await world(db)
    agreement = await accept(db, w, with_agreement=True)

    activated = await api.data(
        ACTIVATE, {"input": {"agreementId": gid("Agreement", agreement)}}, as_user=w.broker
    )
    ended = await api.data(
        END,
        {"input": {"agreementId": gid("Agreement", agreement), "endDate": "2027-01-31", "reason": "Moving."}},
        as_user=w.amina,
    )

    assert activated["activateAgreement"]["userErrors"] == []
    assert ended["endAgreement"]["userErrors"] == []
    assert await kinds(api, w.jo) == ["AGREEMENT_ENDING", "AGREEMENT_ACTIVATED"]
    assert await kinds(api, w.amina) == ["AGREEMENT_ENDING", "AGREEMENT_ACTIVATED"]
    assert await kinds(api, w.son) == ["AGREEMENT_ENDING", "AGREEMENT_ACTIVATED"]


async def test_the_holders_side_is_told_a_card_payment_failed(api, db, clock):
    w = await world(db)
    agreement = await make_agreement(db, w.plan, w.provider, created_by=w.broker)
    payment = await make_payment(
        db, agreement, period_start=date(2026, 11, 2), method="CARD", status="PROCESSING"
    )
    async with db.transaction() as session:
        await session.execute(
            update(Payment).where(Payment.id == payment.id).values(gateway_reference="pi_1")
        )

    async with db.transaction() as session:
        await handle_event(
            session,
            {"id": "evt_1", "type": "payment_intent.payment_failed", "data": {"object": {"id": "pi_1"}}},
            now=clock.now(),
        )

    assert await kinds(api, w.amina) == ["PAYMENT_FAILED"]
    assert await kinds(api, w.son) == ["PAYMENT_FAILED"]
    assert await kinds(api, w.broker) == ["PAYMENT_FAILED"]  # the broker recorded it
    assert await kinds(api, w.jo) == []


async def test_dp_support_organisations_hear_of_a_proposed_subcontract_and_a_routed_referral(api, db):
    council = await make_council(db, "Coventry City Council")
    broker = await make_user(db, Role.BROKER, council)
    lead_owner = await make_user(db, Role.PROVIDER, council)
    other_owner = await make_user(db, Role.PROVIDER, council)
    lead = await make_support_org(db, council, owner=lead_owner, name="Coventry DP Support")
    other = await make_support_org(db, council, owner=other_owner, name="Foleshill Payroll Co-op")
    holder = await make_holder(db, council)
    await make_lead_contract(db, council, lead)

    chosen = await api.data(
        CHOOSE,
        {
            "input": {
                "holderId": to_base64("DPHolder", holder.id),
                "providerId": to_base64("Provider", other.id),
                "services": ["PAYROLL"],
            }
        },
        as_user=broker,
    )
    subcontract_id = chosen["chooseSupportProvider"]["subcontract"]["id"]
    assert await kinds(api, lead_owner) == ["SUBCONTRACT_PROPOSED"]
    assert await kinds(api, other_owner) == ["SUBCONTRACT_PROPOSED"]

    for owner in (lead_owner, other_owner):
        answered = await api.data(
            RESPOND_SUBCONTRACT, {"input": {"id": subcontract_id, "accept": True}}, as_user=owner
        )
        assert answered["respondToSubcontract"]["userErrors"] == []

    assert await kinds(api, other_owner) == ["REFERRAL_ROUTED", "SUBCONTRACT_PROPOSED"]
    assert await kinds(api, lead_owner) == ["SUBCONTRACT_PROPOSED"]
    assert await kinds(api, broker) == []
