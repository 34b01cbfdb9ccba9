"""Who imports, reads and resolves statements: the holder's side their own, the council's staff their
council's, providers and anonymous callers nothing."""

from __future__ import annotations

from broker.accounts.models import Role, User
from broker.statements.models import StatementLine, StatementLineResolution
from tests.account_statements.world import BANK, IMPORT, LINES, RESOLVE, lines, world
from tests.factories import count, make_council, make_holder, make_user, reload

NOT_FOUND = [{"field": "input.holderId", "message": "No DP holder with this ID.", "code": "NOT_FOUND"}]


async def test_the_holder_and_their_representative_import_their_own_statement(api, db):
    w = await world(db)

    by_holder = (await api.data(IMPORT, w.import_input(BANK), as_user=w.holder_user))["importStatement"]
    by_representative = (
        await api.data(
            IMPORT, w.import_input(BANK + "2026-11-21,Corner Cafe,-4.50,,-184.50\n"), as_user=w.representative
        )
    )["importStatement"]

    assert (by_holder["userErrors"], by_holder["linesAdded"]) == ([], 6)
    assert (by_representative["userErrors"], by_representative["linesAdded"]) == ([], 1)


async def test_nobody_else_imports_a_holders_statement_and_nothing_is_written(api, db):
    w = await world(db)
    other_council = await make_council(db)
    strangers = {
        "provider paid from the account": w.jo_user,
        "another holder": await reload(db, User, (await make_holder(db, w.council)).user_id),
        "a broker of another council": await make_user(db, Role.BROKER, other_council),
        "a commissioner": await make_user(db, Role.COMMISSIONER, w.council),
    }

    answers = {
        name: (await api.data(IMPORT, w.import_input(BANK), as_user=user))["importStatement"]
        for name, user in strangers.items()
    }
    anonymous = await api.execute(IMPORT, w.import_input(BANK))

    for answer in answers.values():
        assert (answer["statement"], answer["userErrors"]) == (None, NOT_FOUND)
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count(db, StatementLine) == 0


async def test_lines_are_read_by_the_holder_side_and_the_councils_staff_only(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    other = await make_holder(db, w.council)
    other_user = await reload(db, User, other.user_id)
    admin = await make_user(db, Role.ADMIN, w.council)
    platform_admin = await make_user(db, Role.ADMIN, None)

    seen = {
        name: (await lines(api, user))["totalCount"]
        for name, user in {
            "holder": w.holder_user,
            "representative": w.representative,
            "broker": w.broker,
            "council admin": admin,
            "platform admin": platform_admin,
            "provider paid": w.jo_user,
            "another holder": other_user,
            "another council's broker": await make_user(db, Role.BROKER, await make_council(db)),
            "commissioner": await make_user(db, Role.COMMISSIONER, w.council),
        }.items()
    }
    anonymous = await api.execute(LINES, {"first": 10})

    assert seen == {
        "holder": 6,
        "representative": 6,
        "broker": 6,
        "council admin": 6,
        "platform admin": 6,
        "provider paid": 0,
        "another holder": 0,
        "another council's broker": 0,
        "commissioner": 0,
    }
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_provider_cannot_fetch_a_line_by_its_id(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    line_id = (await lines(api, w.broker))["nodes"][0]["id"]
    query = "query($id: ID!) { node(id: $id) { id ... on StatementLine { payee } } }"

    as_provider = await api.data(query, {"id": line_id}, as_user=w.jo_user)
    as_holder = await api.data(query, {"id": line_id}, as_user=w.holder_user)

    assert as_provider == {"node": None}
    assert as_holder == {"node": {"id": line_id, "payee": "Jo Bloggs"}}


async def test_only_the_councils_staff_resolve_a_line(api, db):
    w = await world(db)
    await api.data(IMPORT, w.import_input(BANK), as_user=w.broker)
    line_id = (await lines(api, w.broker, status="UNMATCHED"))["nodes"][0]["id"]
    ask = {"input": {"lineId": line_id, "action": "ALLOW", "reason": "Respite break agreed at review."}}

    holder = (await api.data(RESOLVE, ask, as_user=w.holder_user))["resolveStatementLine"]
    provider = (await api.data(RESOLVE, ask, as_user=w.jo_user))["resolveStatementLine"]
    elsewhere = (
        await api.data(RESOLVE, ask, as_user=await make_user(db, Role.BROKER, await make_council(db)))
    )["resolveStatementLine"]
    anonymous = await api.execute(RESOLVE, ask)

    assert holder["userErrors"] == [
        {
            "field": "input.lineId",
            "message": "Only the council's brokers and admins resolve statement lines.",
            "code": "PERMISSION_DENIED",
        }
    ]
    not_found = [{"field": "input.lineId", "message": "No statement line with this ID.", "code": "NOT_FOUND"}]
    assert provider["userErrors"] == not_found
    assert elsewhere["userErrors"] == not_found
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count(db, StatementLineResolution) == 0
    assert (await lines(api, w.broker, resolved=True))["totalCount"] == 0
