"""Each person reads and marks only their own notifications, and chooses per kind of event whether they
are told in the app, by email, both or neither."""

from __future__ import annotations

from sqlalchemy import select

from broker.notifications import service
from broker.notifications.models import EmailOutbox, Notification, NotificationKind
from tests.conversations.world import SEND, gid, world
from tests.factories import count

LIST = """
query($unread: Boolean) { notifications(unreadOnly: $unread) { totalCount nodes { id kind readAt } } }
"""
UNREAD = "{ unreadNotificationCount }"
MARK = """
mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) {
  marked unread userErrors { field message code }
} }
"""
PREFERENCES = "{ notificationPreferences { kind inApp email } }"
SET = """
mutation($input: SetNotificationPreferencesInput!) { setNotificationPreferences(input: $input) {
  preferences { kind inApp email } userErrors { field message code }
} }
"""


async def _two_messages_for_jo(api, w) -> list[str]:
    await api.data(SEND, w.on_request("One"), as_user=w.amina)
    await api.data(SEND, w.on_request("Two"), as_user=w.son)
    listed = await api.data(LIST, as_user=w.jo)
    return [n["id"] for n in listed["notifications"]["nodes"]]


async def test_a_person_marks_some_then_all_of_their_notifications_read(api, db, clock):
    w = await world(db)
    first, second = await _two_messages_for_jo(api, w)

    one = await api.data(MARK, {"input": {"ids": [second]}}, as_user=w.jo)
    unread = await api.data(LIST, {"unread": True}, as_user=w.jo)
    rest = await api.data(MARK, {"input": {}}, as_user=w.jo)

    assert one["markNotificationsRead"] == {"marked": 1, "unread": 1, "userErrors": []}
    assert [n["id"] for n in unread["notifications"]["nodes"]] == [first]
    assert rest["markNotificationsRead"] == {"marked": 1, "unread": 0, "userErrors": []}
    assert (await api.data(UNREAD, as_user=w.jo)) == {"unreadNotificationCount": 0}
    listed = await api.data(LIST, as_user=w.jo)
    assert {n["readAt"] for n in listed["notifications"]["nodes"]} == {clock.now().isoformat()}


async def test_nobody_sees_or_marks_another_persons_notifications(api, db):
    w = await world(db)
    ids = await _two_messages_for_jo(api, w)

    for who in (w.broker, w.platform_admin, w.amina, w.other_provider):
        marked = await api.data(MARK, {"input": {"ids": ids}}, as_user=who)
        listed = await api.data(LIST, as_user=who)
        by_id = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": ids[0]}, as_user=who)
        jo_seen_by_them = await api.data(
            "query($id: ID!) { node(id: $id) { ... on User { notifications { totalCount } } } }",
            {"id": gid("User", w.jo)},
            as_user=who,
        )
        assert marked["markNotificationsRead"]["marked"] == 0
        assert listed["notifications"]["totalCount"] == 0
        assert by_id == {"node": None}
        assert jo_seen_by_them["node"] in (None, {"notifications": None})
    assert (await api.data(UNREAD, as_user=w.jo)) == {"unreadNotificationCount": 2}


async def test_anonymous_callers_have_no_notifications(api, db):
    viewer = await api.data("{ viewer { notifications { totalCount } } }")
    listed = await api.execute(LIST)
    marked = await api.execute(MARK, {"input": {}})
    chosen = await api.execute(SET, {"input": {"preferences": []}})

    assert viewer == {"viewer": None}
    for body in (listed, marked, chosen):
        assert body["data"] is None
        assert body["errors"][0]["message"] == "Sign in to do this."


async def test_more_than_a_hundred_ids_at_once_are_refused(api, db):
    w = await world(db)
    ids = [gid("Notification", type("Row", (), {"id": i})) for i in range(1, 102)]

    refused = await api.data(MARK, {"input": {"ids": ids}}, as_user=w.jo)

    assert refused["markNotificationsRead"]["userErrors"] == [
        {"field": "input.ids", "message": "At most 100 at once.", "code": "OUT_OF_RANGE"}
    ]


async def test_every_kind_starts_with_both_channels_on(api, db):
    w = await world(db)

    chosen = await api.data(PREFERENCES, as_user=w.jo)

    assert chosen["notificationPreferences"] == [
        {"kind": kind.value, "inApp": True, "email": True} for kind in NotificationKind
    ]


async def test_email_off_for_messages_keeps_them_in_the_app_only(api, db):
    w = await world(db)
    saved = await api.data(
        SET,
        {"input": {"preferences": [{"kind": "NEW_MESSAGE", "inApp": True, "email": False}]}},
        as_user=w.jo,
    )

    await api.data(SEND, w.on_request("Hello"), as_user=w.amina)

    assert {"kind": "NEW_MESSAGE", "inApp": True, "email": False} in saved["setNotificationPreferences"][
        "preferences"
    ]
    assert (await api.data(LIST, as_user=w.jo))["notifications"]["totalCount"] == 1
    assert await count(db, EmailOutbox) == 0


async def test_in_app_off_sends_the_email_but_lists_nothing(api, db):
    w = await world(db)
    await api.data(
        SET,
        {"input": {"preferences": [{"kind": "NEW_MESSAGE", "inApp": False, "email": True}]}},
        as_user=w.jo,
    )

    await api.data(SEND, w.on_request("Hello"), as_user=w.amina)

    assert (await api.data(LIST, as_user=w.jo))["notifications"]["totalCount"] == 0
    assert (await api.data(UNREAD, as_user=w.jo)) == {"unreadNotificationCount": 0}
    assert await count(db, EmailOutbox) == 1


async def test_both_off_tells_nothing_and_other_kinds_are_untouched(api, db):
    w = await world(db)
    await api.data(
        SET,
        {"input": {"preferences": [{"kind": "NEW_MESSAGE", "inApp": False, "email": False}]}},
        as_user=w.jo,
    )

    await api.data(SEND, w.on_request("Hello"), as_user=w.amina)
    chosen = await api.data(PREFERENCES, as_user=w.jo)

    assert await count(db, Notification) == 0
    assert {"kind": "REQUEST_SENT", "inApp": True, "email": True} in chosen["notificationPreferences"]


async def test_setting_preferences_again_replaces_them_and_naming_a_kind_twice_is_refused(api, db):
    w = await world(db)
    off = {"kind": "NEW_MESSAGE", "inApp": False, "email": False}
    on = {"kind": "NEW_MESSAGE", "inApp": True, "email": True}
    await api.data(SET, {"input": {"preferences": [off]}}, as_user=w.jo)

    again = await api.data(SET, {"input": {"preferences": [on]}}, as_user=w.jo)
    twice = await api.data(SET, {"input": {"preferences": [on, off]}}, as_user=w.jo)

    assert on in again["setNotificationPreferences"]["preferences"]
    assert twice["setNotificationPreferences"] == {
        "preferences": None,
        "userErrors": [
            {"field": "input.preferences", "message": "Name each kind once.", "code": "DUPLICATE"}
        ],
    }
    assert on in (await api.data(PREFERENCES, as_user=w.jo))["notificationPreferences"]


async def test_an_unknown_kind_is_refused_before_anything_runs(api, db):
    w = await world(db)

    body = await api.execute(
        SET, {"input": {"preferences": [{"kind": "EVERYTHING", "inApp": True, "email": True}]}}, as_user=w.jo
    )

    assert body["data"] is None
    assert await count(db, Notification) == 0


async def test_a_timesheet_waiting_is_told_once_through_the_function_for_it(api, db, clock):
    w = await world(db)

    async with db.transaction() as session:
        first = await service.timesheet_waiting(
            session, user_ids=[w.amina.id, w.son.id], timesheet_id=7, now=clock.now()
        )
        again = await service.timesheet_waiting(
            session, user_ids=[w.amina.id], timesheet_id=7, now=clock.now()
        )

    listed = await api.data(LIST, as_user=w.amina)
    assert (first, again) == (2, 0)
    assert [n["kind"] for n in listed["notifications"]["nodes"]] == ["TIMESHEET_WAITING"]
    async with db.session() as session:
        links = (await session.execute(select(Notification.link))).scalars().all()
    assert set(links) == {"/timesheets/" + gid("Timesheet", type("Row", (), {"id": 7}))}
