"""Any party can report a message to the council, whose brokers are told; messages are purged by the
daily job once older than the retention setting; no message text ever reaches the log."""

from __future__ import annotations

from datetime import timedelta

from broker.app import daily_jobs
from broker.conversations.models import Message, MessageReport
from broker.notifications.daily import run_jobs
from tests import log_capture
from tests.conversations.world import NOTIFICATIONS, REPORT, SEND, THREADS, world
from tests.factories import count

service_log = log_capture.service_log


async def _message_from_jo(api, w, body="You will regret this."):
    sent = await api.data(SEND, w.on_request(body), as_user=w.jo)
    return sent["sendMessage"]["message"]["id"]


async def test_the_holder_reports_a_message_and_the_councils_brokers_are_told(api, db):
    w = await world(db)
    message_id = await _message_from_jo(api, w)

    reported = await api.data(
        REPORT, {"input": {"messageId": message_id, "reason": "Threatening."}}, as_user=w.amina
    )
    broker_view = await api.data(THREADS, as_user=w.broker)
    jo_view = await api.data(THREADS, as_user=w.jo)
    broker_told = await api.data(NOTIFICATIONS, as_user=w.broker)
    other_broker_told = await api.data(NOTIFICATIONS, as_user=w.other_broker)

    assert reported["reportMessage"] == {"message": {"id": message_id}, "userErrors": []}
    assert broker_view["conversations"]["nodes"][0]["messages"]["nodes"][0]["reportCount"] == 1
    assert jo_view["conversations"]["nodes"][0]["messages"]["nodes"][0]["reportCount"] is None
    assert [n["kind"] for n in broker_told["viewer"]["notifications"]["nodes"]] == ["MESSAGE_REPORTED"]
    assert other_broker_told["viewer"]["notifications"]["totalCount"] == 0


async def test_the_provider_may_report_the_holders_message_too(api, db):
    w = await world(db)
    sent = await api.data(SEND, w.on_request("Rude words"), as_user=w.son)

    reported = await api.data(
        REPORT,
        {"input": {"messageId": sent["sendMessage"]["message"]["id"], "reason": "Abusive."}},
        as_user=w.jo,
    )

    assert reported["reportMessage"]["userErrors"] == []


async def test_a_message_is_reported_once_per_person_and_never_by_its_sender(api, db):
    w = await world(db)
    message_id = await _message_from_jo(api, w)
    variables = {"input": {"messageId": message_id, "reason": "Threatening."}}
    await api.data(REPORT, variables, as_user=w.amina)

    again = await api.data(REPORT, variables, as_user=w.amina)
    own = await api.data(REPORT, variables, as_user=w.jo)

    assert again["reportMessage"]["userErrors"] == [
        {
            "field": "input.messageId",
            "message": "You have already reported this message.",
            "code": "DUPLICATE",
        }
    ]
    assert own["reportMessage"]["userErrors"] == [
        {
            "field": "input.messageId",
            "message": "You cannot report your own message.",
            "code": "INVALID_STATE",
        }
    ]
    assert await count(db, MessageReport) == 1


async def test_a_report_needs_a_reason_of_sensible_size(api, db):
    w = await world(db)
    message_id = await _message_from_jo(api, w)

    empty = await api.data(REPORT, {"input": {"messageId": message_id, "reason": " "}}, as_user=w.amina)
    huge = await api.data(REPORT, {"input": {"messageId": message_id, "reason": "x" * 501}}, as_user=w.amina)

    assert empty["reportMessage"]["userErrors"][0]["code"] == "REQUIRED"
    assert huge["reportMessage"]["userErrors"][0]["code"] == "TOO_LONG"
    assert await count(db, MessageReport) == 0


async def test_messages_older_than_the_retention_period_are_purged_by_the_daily_job(api, db, clock, settings):
    w = await world(db)
    old_id = await _message_from_jo(api, w, "An old message")
    await api.data(REPORT, {"input": {"messageId": old_id, "reason": "Threatening."}}, as_user=w.amina)
    clock.at += timedelta(days=settings.message_retention_days - 1)
    await _message_from_jo(api, w, "A newer message")

    clock.at += timedelta(days=1, seconds=1)
    await run_jobs(db, daily_jobs(settings), clock.now())
    left = await api.data(THREADS, as_user=w.amina)

    assert [m["body"] for m in left["conversations"]["nodes"][0]["messages"]["nodes"]] == ["A newer message"]
    assert await count(db, Message) == 1
    assert await count(db, MessageReport) == 0


async def test_a_message_one_second_inside_the_retention_period_is_kept(api, db, clock, settings):
    w = await world(db)
    await _message_from_jo(api, w, "Still wanted")

    clock.at += timedelta(days=settings.message_retention_days) - timedelta(seconds=1)
    await run_jobs(db, daily_jobs(settings), clock.now())

    assert await count(db, Message) == 1


async def test_no_message_or_report_text_reaches_the_log(api, db, service_log):
    w = await world(db)
    sent = await api.data(SEND, w.on_request("Planted words Zebracorn"), as_user=w.amina)
    await api.data(SEND, w.on_request("Planted <b>Yakhtml</b>"), as_user=w.amina)
    await api.data(SEND, w.on_request("Planted amina.planted@example.org"), as_user=w.amina)
    await api.data(
        REPORT,
        {"input": {"messageId": sent["sendMessage"]["message"]["id"], "reason": "Planted reason Quokkafox"}},
        as_user=w.jo,
    )
    await api.data(THREADS, as_user=w.broker)

    written = service_log.getvalue()
    assert written  # the requests were logged
    for planted in ("Zebracorn", "Yakhtml", "amina.planted", "Quokkafox"):
        assert planted not in written
