"""Who reads, moderates and answers a review, through /graphql: who may, who may not, anonymous."""

from __future__ import annotations

import pytest
from strawberry.relay import to_base64

from broker.reviews.models import Review, ReviewStatus
from tests.factories import reload
from tests.reviews.world import MODERATE, REPLY, REVIEWS, given_review, world

CALLERS = [
    "anonymous",
    "holder_user",
    "representative",
    "other_holder_user",
    "provider_user",
    "other_provider_user",
    "broker",
    "york_broker",
    "commissioner",
]


def _caller(w, name):
    return None if name == "anonymous" else getattr(w, name)


async def test_a_waiting_review_is_seen_by_its_authors_and_the_council_only(api, db):
    w = await world(db)
    await given_review(db, w, status=ReviewStatus.PENDING)

    seen = {
        name: (await api.data(REVIEWS, as_user=_caller(w, name)))["reviews"]["totalCount"] for name in CALLERS
    }

    assert seen == {
        "anonymous": 0,
        "holder_user": 1,
        "representative": 1,
        "other_holder_user": 0,
        "provider_user": 0,
        "other_provider_user": 0,
        "broker": 1,
        "york_broker": 0,
        "commissioner": 0,
    }


async def test_a_published_review_is_public_but_its_author_only_to_them_and_the_council(api, db):
    w = await world(db)
    await given_review(db, w)

    authors = {}
    for name in CALLERS:
        nodes = (await api.data(REVIEWS, as_user=_caller(w, name)))["reviews"]["nodes"]
        authors[name] = [n["writtenBy"] for n in nodes]

    author = [{"email": w.holder_user.email}]
    assert authors == {
        "anonymous": [None],
        "holder_user": author,
        "representative": [None],
        "other_holder_user": [None],
        "provider_user": [None],
        "other_provider_user": [None],
        "broker": author,
        "york_broker": [None],
        "commissioner": [None],
    }


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("holder_user", "PERMISSION_DENIED"),
        ("representative", "PERMISSION_DENIED"),
        ("provider_user", "NOT_FOUND"),
        ("other_holder_user", "NOT_FOUND"),
        ("york_broker", "NOT_FOUND"),
        ("commissioner", "NOT_FOUND"),
    ],
)
async def test_only_the_councils_staff_moderate(api, db, who, code):
    w = await world(db)
    review = await given_review(db, w, status=ReviewStatus.PENDING)

    result = (
        await api.data(
            MODERATE,
            {"input": {"reviewId": to_base64("Review", review.id), "publish": True}},
            as_user=getattr(w, who),
        )
    )["moderateReview"]

    assert result["review"] is None
    assert [e["code"] for e in result["userErrors"]] == [code]
    assert (await reload(db, Review, review.id)).status is ReviewStatus.PENDING  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("other_provider_user", "PERMISSION_DENIED"),
        ("holder_user", "PERMISSION_DENIED"),
        ("broker", "PERMISSION_DENIED"),
    ],
)
async def test_only_the_provider_reviewed_replies(api, db, who, code):
    w = await world(db)
    review = await given_review(db, w)

    result = (
        await api.data(
            REPLY,
            {"input": {"reviewId": to_base64("Review", review.id), "reply": "Hi"}},
            as_user=getattr(w, who),
        )
    )["replyToReview"]

    assert [e["code"] for e in result["userErrors"]] == [code]
    assert (await reload(db, Review, review.id)).reply is None  # type: ignore[union-attr]


async def test_the_provider_cannot_see_or_answer_a_review_before_it_is_published(api, db):
    w = await world(db)
    review = await given_review(db, w, status=ReviewStatus.PENDING)

    result = (
        await api.data(
            REPLY,
            {"input": {"reviewId": to_base64("Review", review.id), "reply": "Hi"}},
            as_user=w.provider_user,
        )
    )["replyToReview"]

    assert [e["code"] for e in result["userErrors"]] == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("mutation", "name", "variables"),
    [
        (
            "submitReview",
            "SubmitReviewInput",
            {
                "agreementId": "x",
                "overall": 5,
                "careAndSupport": 5,
                "dignity": 5,
                "staff": 5,
                "management": 5,
                "value": 5,
            },
        ),
        ("moderateReview", "ModerateReviewInput", {"reviewId": "x", "publish": True}),
        ("replyToReview", "ReplyToReviewInput", {"reviewId": "x", "reply": "Hi"}),
    ],
)
async def test_anonymous_callers_write_nothing(api, db, mutation, name, variables):
    w = await world(db)
    review = await given_review(db, w)
    key = "agreementId" if "agreementId" in variables else "reviewId"
    variables[key] = w.agreement_id if key == "agreementId" else to_base64("Review", review.id)

    result = await api.execute(
        f"mutation($input: {name}!) {{ {mutation}(input: $input) {{ userErrors {{ code }} }} }}",
        {"input": variables},
    )

    assert result["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert (await reload(db, Review, review.id)).reply is None  # type: ignore[union-attr]


async def test_node_shows_a_review_exactly_as_the_list_does(api, db):
    w = await world(db)
    pending = await given_review(db, w, status=ReviewStatus.PENDING)
    query = "query($id: ID!) { node(id: $id) { ... on Review { status } } }"
    variables = {"id": to_base64("Review", pending.id)}

    anonymous = (await api.data(query, variables))["node"]
    broker = (await api.data(query, variables, as_user=w.broker))["node"]

    assert (anonymous, broker) == (None, {"status": "PENDING"})
