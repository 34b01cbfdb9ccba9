"""A statement line decided again keeps every earlier decision: who, how (attached, allowed with a
reason, for recovery) and when, the latest first; seen by whoever may see the line, never a provider."""

from __future__ import annotations

from datetime import timedelta

from strawberry.relay import to_base64

from broker.accounts.models import Role
from tests.account_statements.world import BANK, IMPORT, RESOLVE, lines, world
from tests.conftest import NOW
from tests.factories import make_council, make_user
from tests.statements import counting_statements

HISTORY = """query($filter: StatementLineFilterInput) { statementLines(first: 50, filter: $filter) {
  totalCount nodes { id resolution
    resolutions { resolution reason resolvedAt resolvedBy { email } agreement { id } } } } }"""

NODE = """query($id: ID!) { node(id: $id) { ... on StatementLine { id resolutions { resolution } } } }"""


async def _decide(api, user, line_id: str, action: str, **more) -> dict:
    variables = {"input": {"lineId": line_id, "action": action, **more}}
    return (await api.data(RESOLVE, variables, as_user=user))["resolveStatementLine"]


async def _history(api, user, line_id: str) -> list[dict]:
    nodes = (await api.data(HISTORY, {}, as_user=user))["statementLines"]["nodes"]
    return next(n for n in nodes if n["id"] == line_id)["resolutions"]


async def test_a_line_decided_again_keeps_its_earlier_decisions_latest_first(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    line_id = (await lines(api, w.broker, status="UNMATCHED"))["nodes"][0]["id"]
    other_broker = await make_user(db, Role.BROKER, w.council)
    jo = to_base64("Agreement", w.jo_agreement.id)

    await _decide(api, w.broker, line_id, "ALLOW", reason="Respite break agreed at review.")
    api.clock.at = NOW + timedelta(days=1)
    await _decide(api, other_broker, line_id, "RECOVER", reason="Not in the plan after all.")
    api.clock.at = NOW + timedelta(days=2)
    await _decide(api, w.broker, line_id, "ATTACH_TO_AGREEMENT", agreementId=jo)

    history = await _history(api, w.broker, line_id)
    undecided = [
        n["resolutions"]
        for n in (await api.data(HISTORY, {}, as_user=w.broker))["statementLines"]["nodes"]
        if n["id"] != line_id
    ]

    assert history == [
        {
            "resolution": "ATTACHED",
            "reason": "",
            "resolvedAt": (NOW + timedelta(days=2)).isoformat(),
            "resolvedBy": {"email": w.broker.email},
            "agreement": {"id": jo},
        },
        {
            "resolution": "RECOVER",
            "reason": "Not in the plan after all.",
            "resolvedAt": (NOW + timedelta(days=1)).isoformat(),
            "resolvedBy": {"email": other_broker.email},
            "agreement": None,
        },
        {
            "resolution": "ALLOWED",
            "reason": "Respite break agreed at review.",
            "resolvedAt": NOW.isoformat(),
            "resolvedBy": {"email": w.broker.email},
            "agreement": None,
        },
    ]
    assert undecided == [[]] * 5


async def test_the_history_is_seen_by_the_holders_side_and_the_councils_staff_never_a_provider(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    line_id = (await lines(api, w.broker, status="UNMATCHED"))["nodes"][0]["id"]
    await _decide(api, w.broker, line_id, "RECOVER", reason="Holiday, not care.")
    another_council = await make_council(db)
    strangers = {
        "provider paid from the account": w.jo_user,
        "commissioner": await make_user(db, Role.COMMISSIONER, w.council),
        "another council's broker": await make_user(db, Role.BROKER, another_council),
        "another council's admin": await make_user(db, Role.ADMIN, another_council),
        "another holder's representative": await make_user(db, Role.REPRESENTATIVE, w.council),
    }

    seen = {
        role: [r["resolution"] for r in await _history(api, user, line_id)]
        for role, user in {
            "holder": w.holder_user,
            "representative": w.representative,
            "broker": w.broker,
            "council admin": await make_user(db, Role.ADMIN, w.council),
        }.items()
    }
    hidden = {
        role: (
            (await api.data(HISTORY, {}, as_user=user))["statementLines"]["totalCount"],
            (await api.data(NODE, {"id": line_id}, as_user=user))["node"],
        )
        for role, user in strangers.items()
    }
    anonymous = await api.execute(HISTORY, {})

    assert seen == {role: ["RECOVER"] for role in seen}
    assert hidden == {role: (0, None) for role in strangers}
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_history_of_a_page_costs_the_same_statements_for_6_or_66_lines(api, db):
    w = await world(db)
    lines_file = "Date,Payee,Amount,Reference\n" + "".join(
        f"2026-10-{1 + n % 28:02d},Corner Cafe {n},-{1 + n}.00,r{n}\n" for n in range(60)
    )
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    await api.data(IMPORT, w.import_input(lines_file), as_user=w.broker)
    other_broker = await make_user(db, Role.BROKER, w.council)
    jo = to_base64("Agreement", w.jo_agreement.id)
    unmatched = [n["id"] for n in (await lines(api, w.broker, status="UNMATCHED"))["nodes"]]
    for line_id in unmatched[:2] + unmatched[-2:]:  # on the first page and on the last
        await _decide(api, w.broker, line_id, "ALLOW", reason="ok")
        await _decide(api, other_broker, line_id, "ATTACH_TO_AGREEMENT", agreementId=jo)
    page = """query($first: Int!) { statementLines(first: $first) { nodes { id
      resolutions { resolution reason resolvedAt resolvedBy { email } agreement { id } } } } }"""

    with counting_statements(db) as six:
        small = await api.data(page, {"first": 6}, as_user=w.broker)
    with counting_statements(db) as sixty_six:
        large = await api.data(page, {"first": 66}, as_user=w.broker)

    decided = [len(n["resolutions"]) for n in large["statementLines"]["nodes"] if n["resolutions"]]
    assert len(small["statementLines"]["nodes"]) == 6
    assert any(n["resolutions"] for n in small["statementLines"]["nodes"])
    assert (len(large["statementLines"]["nodes"]), decided) == (66, [2, 2, 2, 2])
    assert len(sixty_six) == len(six)
