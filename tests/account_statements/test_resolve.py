"""A broker attaches a line to an agreement, allows it, or marks it for recovery; each decision is kept."""

from __future__ import annotations

from sqlalchemy import select
from strawberry.relay import to_base64

from broker.statements.models import StatementLineResolution
from tests.account_statements.world import BANK, IMPORT, RESOLVE, lines, world
from tests.conftest import NOW
from tests.factories import make_agreement, make_holder, make_plan


async def _line(api, w, status: str) -> str:
    return (await lines(api, w.broker, status=status))["nodes"][0]["id"]


async def test_a_broker_allows_a_line_with_a_reason_and_who_and_when_are_kept(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    line_id = await _line(api, w, "UNMATCHED")

    result = (
        await api.data(
            RESOLVE,
            {"input": {"lineId": line_id, "action": "ALLOW", "reason": "Respite break agreed at review."}},
            as_user=w.broker,
        )
    )["resolveStatementLine"]

    assert result == {
        "line": {
            "id": line_id,
            "status": "UNMATCHED",
            "resolution": "ALLOWED",
            "resolutionReason": "Respite break agreed at review.",
            "resolved": True,
            "resolvedAt": NOW.isoformat(),
            "resolvedBy": {"email": w.broker.email},
            "agreement": None,
        },
        "userErrors": [],
    }
    assert (await lines(api, w.holder_user, resolved=False))["totalCount"] == 5
    assert (await lines(api, w.holder_user, resolved=True))["totalCount"] == 1


async def test_a_line_is_attached_to_an_agreement_of_the_same_holder_only(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    line_id = await _line(api, w, "UNMATCHED")
    jo = to_base64("Agreement", w.jo_agreement.id)
    someone_else = await make_holder(db, w.council)
    theirs = await make_agreement(db, await make_plan(db, someone_else), w.jo, created_by=w.broker)

    missing = (
        await api.data(
            RESOLVE, {"input": {"lineId": line_id, "action": "ATTACH_TO_AGREEMENT"}}, as_user=w.broker
        )
    )["resolveStatementLine"]
    other = (
        await api.data(
            RESOLVE,
            {
                "input": {
                    "lineId": line_id,
                    "action": "ATTACH_TO_AGREEMENT",
                    "agreementId": to_base64("Agreement", theirs.id),
                }
            },
            as_user=w.broker,
        )
    )["resolveStatementLine"]
    attached = (
        await api.data(
            RESOLVE,
            {"input": {"lineId": line_id, "action": "ATTACH_TO_AGREEMENT", "agreementId": jo}},
            as_user=w.broker,
        )
    )["resolveStatementLine"]

    assert missing["userErrors"] == [
        {
            "field": "input.agreementId",
            "message": "Choose the agreement to attach this line to.",
            "code": "REQUIRED",
        }
    ]
    assert other["userErrors"] == [
        {
            "field": "input.agreementId",
            "message": "No agreement of this person's with this ID.",
            "code": "NOT_FOUND",
        }
    ]
    assert attached["userErrors"] == []
    assert (attached["line"]["resolution"], attached["line"]["agreement"]) == ("ATTACHED", {"id": jo})


async def test_marking_for_recovery_needs_a_reason_and_every_decision_is_kept(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    line_id = await _line(api, w, "ABOVE_AGREED_RATE")

    no_reason = (
        await api.data(
            RESOLVE, {"input": {"lineId": line_id, "action": "RECOVER", "reason": "  "}}, as_user=w.broker
        )
    )["resolveStatementLine"]
    await api.data(
        RESOLVE, {"input": {"lineId": line_id, "action": "ALLOW", "reason": "Double week."}}, as_user=w.broker
    )
    recovered = (
        await api.data(
            RESOLVE,
            {"input": {"lineId": line_id, "action": "RECOVER", "reason": "Paid twice; Jo agreed to repay."}},
            as_user=w.broker,
        )
    )["resolveStatementLine"]

    assert no_reason["userErrors"] == [
        {"field": "input.reason", "message": "Say why: the audit shows it.", "code": "REQUIRED"}
    ]
    assert recovered["line"]["resolution"] == "RECOVER"
    async with db.session() as session:
        history = (
            (await session.execute(select(StatementLineResolution).order_by(StatementLineResolution.id)))
            .scalars()
            .all()
        )
    assert [(h.resolution.value, h.reason, h.by_id, h.at) for h in history] == [
        ("ALLOWED", "Double week.", w.broker.id, NOW),
        ("RECOVER", "Paid twice; Jo agreed to repay.", w.broker.id, NOW),
    ]


async def test_money_paid_in_has_nothing_to_resolve(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    line_id = await _line(api, w, "MONEY_IN")

    result = (
        await api.data(
            RESOLVE, {"input": {"lineId": line_id, "action": "RECOVER", "reason": "x"}}, as_user=w.broker
        )
    )["resolveStatementLine"]

    assert result["userErrors"] == [
        {"field": "input.lineId", "message": "Money paid in has nothing to resolve.", "code": "INVALID_STATE"}
    ]
