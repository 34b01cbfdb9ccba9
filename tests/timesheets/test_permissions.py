"""Who sees and submits timesheets: a provider its own, holders theirs, brokers their council's,
anonymous callers nothing."""

from __future__ import annotations

from broker.accounts.models import Role, User
from broker.timesheets.models import Timesheet
from tests.factories import count, make_council, make_holder, make_provider, make_user, reload
from tests.timesheets.world import AS_AGREED, SUBMIT, TIMESHEETS, gid, shift, submit, submitted, world


async def test_each_party_sees_only_the_timesheets_it_is_party_to(api, db):
    w = await world(db)
    amina_week = await submitted(api, w)
    ben_week = await submitted(api, w, [shift("2026-11-17", "09:00", "12:00")], agreement=w.ben_agreement)
    other_user = await make_user(db, Role.PROVIDER, w.council)
    await make_provider(db, w.council, owner=other_user, name="Sam Other")

    seen = {
        name: sorted(n["id"] for n in (await _list(api, user))["nodes"])
        for name, user in {
            "jo": w.jo_user,
            "amina": w.holder_user,
            "amina's representative": w.representative,
            "ben": w.ben_user,
            "broker": w.broker,
            "council admin": await make_user(db, Role.ADMIN, w.council),
            "platform admin": await make_user(db, Role.ADMIN, None),
            "another provider": other_user,
            "payroll bureau": w.bureau_user,
            "another council's broker": await make_user(db, Role.BROKER, await make_council(db)),
            "commissioner": await make_user(db, Role.COMMISSIONER, w.council),
            "another holder": await reload(db, User, (await make_holder(db, w.council)).user_id),
        }.items()
    }
    anonymous = await api.execute(TIMESHEETS, {})

    both = sorted([amina_week, ben_week])
    assert seen == {
        "jo": both,
        "amina": [amina_week],
        "amina's representative": [amina_week],
        "ben": [ben_week],
        "broker": both,
        "council admin": both,
        "platform admin": both,
        "another provider": [],
        "payroll bureau": [],
        "another council's broker": [],
        "commissioner": [],
        "another holder": [],
    }
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_node_shows_a_timesheet_only_to_those_who_see_it_in_the_list(api, db):
    w = await world(db)
    week = await submitted(api, w)
    node = "query($id: ID!) { node(id: $id) { ... on Timesheet { id status } } }"

    by_holder = await api.data(node, {"id": week}, as_user=w.holder_user)
    by_ben = await api.data(node, {"id": week}, as_user=w.ben_user)
    by_nobody = await api.execute(node, {"id": week})

    assert by_holder["node"] == {"id": week, "status": "SUBMITTED"}
    assert by_ben["node"] is None
    assert (by_nobody.get("data") or {}).get("node") is None


async def test_only_the_provider_who_worked_submits_and_nothing_is_written_otherwise(api, db):
    w = await world(db)
    stranger = await make_user(db, Role.PROVIDER, w.council)

    answers = {
        name: (await submit(api, w, AS_AGREED, as_user=user))["userErrors"]
        for name, user in {
            "amina": w.holder_user,
            "broker": w.broker,
            "another provider": stranger,
            "ben": w.ben_user,
        }.items()
    }
    anonymous = await api.execute(SUBMIT, w.submit_input(AS_AGREED))

    denied = [
        {
            "field": "input.agreementId",
            "message": "Only the provider who worked the shifts submits their timesheet.",
            "code": "PERMISSION_DENIED",
        }
    ]
    not_found = [{"field": "input.agreementId", "message": "No agreement with this ID.", "code": "NOT_FOUND"}]
    assert answers == {"amina": denied, "broker": denied, "another provider": not_found, "ben": not_found}
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count(db, Timesheet) == 0


async def test_filters_narrow_what_one_may_see_and_never_widen_it(api, db):
    w = await world(db)
    await submitted(api, w)
    await submitted(api, w, [shift("2026-11-17", "09:00", "12:00")], agreement=w.ben_agreement)

    by_agreement = await _list(api, w.broker, agreementId=gid("Agreement", w.agreement))
    by_status = await _list(api, w.broker, status="APPROVED")
    ben_asks_for_amina = await _list(api, w.ben_user, holderId=gid("DPHolder", w.holder))

    assert by_agreement["totalCount"] == 1
    assert by_status["totalCount"] == 0
    assert ben_asks_for_amina["totalCount"] == 0


async def _list(api, user, **filters):
    return (await api.data(TIMESHEETS, {"filter": filters or None}, as_user=user))["timesheets"]
