"""A person reviews their provider; the council publishes it; the provider answers; the listing's
score appears from the third published review of the last 24 months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strawberry.relay import to_base64

from broker.reviews.models import Review, ReviewStatus
from tests.factories import count
from tests.reviews.world import MODERATE, REPLY, REVIEWS, SCORE, SUBMIT, given_review, world


def _id(review) -> str:
    return to_base64("Review", review.id)


async def test_a_review_waits_for_the_council_then_is_public_without_its_author(api, db):
    w = await world(db)

    submitted = (await api.data(SUBMIT, w.review_input(), as_user=w.holder_user))["submitReview"]
    review = submitted["review"]
    before = (await api.data(REVIEWS))["reviews"]
    published = (
        await api.data(MODERATE, {"input": {"reviewId": review["id"], "publish": True}}, as_user=w.broker)
    )["moderateReview"]
    after = (await api.data(REVIEWS, {"filter": {"providerId": w.provider_id}}))["reviews"]

    assert submitted["userErrors"] == []
    assert review | {"id": None} == {
        "id": None,
        "status": "PENDING",
        "overall": 5,
        "careAndSupport": 4,
        "dignity": 5,
        "staff": 4,
        "management": 3,
        "value": 4,
        "comment": "Kind and on time.",
        "writtenBy": {"email": w.holder_user.email},
    }
    assert before == {"totalCount": 0, "nodes": []}
    assert published["review"]["status"] == "PUBLISHED"
    assert after["nodes"] == [
        {
            "id": review["id"],
            "status": "PUBLISHED",
            "overall": 5,
            "comment": "Kind and on time.",
            "reply": None,
            "rejectionReason": "",
            "writtenBy": None,
            "provider": {"name": "Amrit"},
        }
    ]


async def test_a_representative_reviews_for_the_person_they_represent(api, db):
    w = await world(db)

    result = (await api.data(SUBMIT, w.review_input(), as_user=w.representative))["submitReview"]

    assert result["userErrors"] == []
    assert result["review"]["writtenBy"] == {"email": w.representative.email}


async def test_an_ended_agreement_may_be_reviewed_at_once(api, db):
    w = await world(db, activated=datetime(2026, 11, 20).date())
    from broker.agreements.models import Agreement, AgreementStatus

    async with db.transaction() as session:
        row = await session.get(Agreement, w.agreement.id)
        row.status = AgreementStatus.ENDED
        session.add(row)

    result = (await api.data(SUBMIT, w.review_input(), as_user=w.holder_user))["submitReview"]

    assert result["userErrors"] == []


async def test_the_provider_replies_once_to_a_published_review(api, db):
    w = await world(db)
    review = await given_review(db, w)
    reply = {"input": {"reviewId": _id(review), "reply": "Thank you, we will pass it on."}}

    first = (await api.data(REPLY, reply, as_user=w.provider_user))["replyToReview"]
    again = (await api.data(REPLY, reply, as_user=w.provider_user))["replyToReview"]
    public = (await api.data(REVIEWS))["reviews"]["nodes"]

    assert first["userErrors"] == []
    assert first["review"]["reply"] == "Thank you, we will pass it on."
    assert again["review"] is None
    assert again["userErrors"] == [
        {"field": "input.reviewId", "message": "This review has been answered already.", "code": "DUPLICATE"}
    ]
    assert public[0]["reply"] == "Thank you, we will pass it on."


async def test_a_rejected_review_says_why_to_its_author_and_frees_the_turn(api, db):
    w = await world(db)
    review = (await api.data(SUBMIT, w.review_input(), as_user=w.holder_user))["submitReview"]["review"]

    without_reason = (
        await api.data(MODERATE, {"input": {"reviewId": review["id"], "publish": False}}, as_user=w.broker)
    )["moderateReview"]
    rejected = (
        await api.data(
            MODERATE,
            {"input": {"reviewId": review["id"], "publish": False, "reason": "It names a member of staff."}},
            as_user=w.broker,
        )
    )["moderateReview"]
    seen_by_author = (await api.data(REVIEWS, as_user=w.holder_user))["reviews"]["nodes"]
    seen_by_public = (await api.data(REVIEWS))["reviews"]["totalCount"]
    again = (await api.data(SUBMIT, w.review_input(), as_user=w.holder_user))["submitReview"]

    assert without_reason["userErrors"] == [
        {
            "field": "input.reason",
            "message": "Say why the review is not published: its author reads it.",
            "code": "REQUIRED",
        }
    ]
    assert rejected["review"]["status"] == "REJECTED"
    assert [(r["status"], r["rejectionReason"]) for r in seen_by_author] == [
        ("REJECTED", "It names a member of staff.")
    ]
    assert seen_by_public == 0
    assert again["userErrors"] == []


async def test_a_decided_review_cannot_be_moderated_again(api, db):
    w = await world(db)
    review = await given_review(db, w)

    result = (
        await api.data(
            MODERATE, {"input": {"reviewId": _id(review), "publish": False, "reason": "x"}}, as_user=w.broker
        )
    )["moderateReview"]

    assert result["userErrors"] == [
        {"field": "input.reviewId", "message": "This review is already published.", "code": "INVALID_STATE"}
    ]


async def test_the_score_shows_from_three_published_reviews_of_the_last_24_months(api, db):
    w = await world(db)
    node = {"id": w.provider_id}
    await given_review(db, w, ratings=(5, 5, 5, 5, 5, 5))
    await given_review(db, w, ratings=(4, 4, 4, 4, 4, 4), agreement=w.other_agreement)
    await given_review(db, w, ratings=(1, 1, 1, 1, 1, 1), status=ReviewStatus.PENDING)
    await given_review(db, w, ratings=(1, 1, 1, 1, 1, 1), submitted_at=datetime(2024, 11, 1, tzinfo=UTC))
    two = (await api.data(SCORE, node))["node"]["reviewScore"]
    await given_review(db, w, ratings=(3, 4, 4, 4, 4, 4), submitted_at=datetime(2025, 6, 1, tzinfo=UTC))

    three = (await api.data(SCORE, node))["node"]["reviewScore"]

    # Pending and older than 730 days do not count; (30 + 24 + 23) ratings / 18, times two = 8.555…
    assert two == {"reviews": 2, "score": None}
    assert three == {"reviews": 3, "score": 8.6}
    assert await count(db, Review) == 5


async def test_a_review_ages_out_of_the_score_after_24_months(api, db, clock):
    w = await world(db)
    for ratings in ((5,) * 6, (4,) * 6, (3,) * 6):
        await given_review(db, w, ratings=ratings)  # type: ignore[arg-type]
    node = {"id": w.provider_id}

    now = (await api.data(SCORE, node))["node"]["reviewScore"]
    clock.at = datetime(2026, 10, 1, 12, tzinfo=UTC) + timedelta(days=731)
    # (the listing's checks have lapsed by then: its council's broker still sees it)
    later = (await api.data(SCORE, node, as_user=w.broker))["node"]["reviewScore"]

    assert now == {"reviews": 3, "score": 8.0}
    assert later == {"reviews": 0, "score": None}
