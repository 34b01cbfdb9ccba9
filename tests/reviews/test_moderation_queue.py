"""`reviewsAwaitingModeration` (the council's queue, staff only) and `agreementToReview` (the holder's
side only), through /graphql: who may, who may not, anonymous."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from strawberry.relay import to_base64

from broker.accounts.models import Role
from broker.reviews.models import ReviewStatus
from tests.factories import make_council, make_user
from tests.reviews.world import given_review, world

QUEUE = """
query Queue($first: Int, $after: String) {
  reviewsAwaitingModeration(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id status }
  }
}
"""
TO_REVIEW = """
query ToReview($id: ID!) { agreementToReview(id: $id) { id status } }
"""
REFUSED = ["anonymous", "holder_user", "representative", "provider_user", "commissioner"]


def _caller(w, name):
    return None if name == "anonymous" else getattr(w, name)


async def _queue_world(db):
    w = await world(db)
    older = await given_review(
        db, w, status=ReviewStatus.PENDING, submitted_at=datetime(2026, 9, 1, 12, tzinfo=UTC)
    )
    newer = await given_review(
        db,
        w,
        status=ReviewStatus.PENDING,
        submitted_at=datetime(2026, 10, 1, 12, tzinfo=UTC),
        agreement=w.other_agreement,
    )
    await given_review(db, w, status=ReviewStatus.PUBLISHED, submitted_at=datetime(2026, 8, 1, tzinfo=UTC))
    await given_review(db, w, status=ReviewStatus.REJECTED, submitted_at=datetime(2026, 8, 2, tzinfo=UTC))
    return w, [to_base64("Review", older.id), to_base64("Review", newer.id)]


async def test_the_councils_staff_read_its_waiting_reviews_oldest_first(api, db):
    w, waiting = await _queue_world(db)
    council_admin = await make_user(db, Role.ADMIN, w.council)

    by_broker = (await api.data(QUEUE, {"first": 20}, as_user=w.broker))["reviewsAwaitingModeration"]
    by_admin = (await api.data(QUEUE, {"first": 20}, as_user=council_admin))["reviewsAwaitingModeration"]

    assert [n["id"] for n in by_broker["nodes"]] == waiting
    assert {n["status"] for n in by_broker["nodes"]} == {"PENDING"}
    assert by_broker["totalCount"] == 2
    assert by_admin == by_broker


async def test_the_queue_pages_forwards(api, db):
    w, waiting = await _queue_world(db)

    first = (await api.data(QUEUE, {"first": 1}, as_user=w.broker))["reviewsAwaitingModeration"]
    after = {"first": 1, "after": first["pageInfo"]["endCursor"]}
    second = (await api.data(QUEUE, after, as_user=w.broker))["reviewsAwaitingModeration"]

    assert first["pageInfo"]["hasNextPage"] is True
    assert [n["id"] for n in first["nodes"] + second["nodes"]] == waiting


async def test_staff_of_another_council_have_an_empty_queue_and_a_platform_admin_sees_all(api, db):
    w, waiting = await _queue_world(db)
    platform_admin = await make_user(db, Role.ADMIN, None)
    await make_council(db, "Bradford")

    by_york = (await api.data(QUEUE, {"first": 20}, as_user=w.york_broker))["reviewsAwaitingModeration"]
    by_platform = (await api.data(QUEUE, {"first": 20}, as_user=platform_admin))["reviewsAwaitingModeration"]

    assert by_york == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}
    assert [n["id"] for n in by_platform["nodes"]] == waiting


@pytest.mark.parametrize("who", REFUSED)
async def test_anyone_but_staff_is_refused_the_queue(api, db, who):
    w, _ = await _queue_world(db)

    result = await api.execute(QUEUE, {"first": 20}, as_user=_caller(w, who))

    assert result["data"] is None
    assert result["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert result["errors"][0]["path"] == ["reviewsAwaitingModeration"]


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("holder_user", True),
        ("representative", True),
        ("other_holder_user", False),
        ("provider_user", False),
        ("broker", False),
        ("york_broker", False),
        ("commissioner", False),
    ],
)
async def test_only_the_holders_side_has_an_agreement_to_review(api, db, who, shown):
    w = await world(db)

    found = (await api.data(TO_REVIEW, {"id": w.agreement_id}, as_user=getattr(w, who)))["agreementToReview"]

    assert found == ({"id": w.agreement_id, "status": "ACTIVE"} if shown else None)


async def test_anonymous_callers_have_no_agreement_to_review(api, db):
    w = await world(db)

    result = await api.execute(TO_REVIEW, {"id": w.agreement_id})

    assert (result["data"] or {}).get("agreementToReview") is None
    assert result["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


@pytest.mark.parametrize("hostile", ["x", to_base64("Provider", 1), to_base64("Agreement", 999_999)])
async def test_hostile_agreement_ids_are_a_request_error_or_null(api, db, hostile):
    w = await world(db)

    result = await api.execute(TO_REVIEW, {"id": hostile}, as_user=w.holder_user)

    assert (result.get("data") or {}).get("agreementToReview") is None
    assert all(e["extensions"]["code"] in ("INVALID", "NOT_FOUND") for e in result.get("errors", []))
