"""Hostile reviews: ratings off the scale, comments too long or with HTML, NUL and lone surrogates,
malformed IDs. Each is a clear refusal that writes nothing, never a server error."""

from __future__ import annotations

import json

import pytest

from broker.reviews.models import Review
from tests.factories import count
from tests.reviews.world import REPLY, SUBMIT, given_review, world


async def _submit(api, w, **changes):
    return (await api.data(SUBMIT, w.review_input(**changes), as_user=w.holder_user))["submitReview"]


@pytest.mark.parametrize("rating", [0, 6, -1, 2_147_483_647])
async def test_ratings_off_the_one_to_five_scale_are_refused(api, db, rating):
    w = await world(db)

    result = await _submit(api, w, dignity=rating, value=rating)

    assert result["userErrors"] == [
        {"field": f"input.{name}", "message": "Give a whole number from 1 to 5.", "code": "OUT_OF_RANGE"}
        for name in ("dignity", "value")
    ]
    assert await count(db, Review) == 0


async def test_a_rating_beyond_a_graphql_int_is_a_request_error(api, db):
    w = await world(db)

    body = await api.execute(SUBMIT, w.review_input(overall=2**40), as_user=w.holder_user)

    assert "errors" in body and body.get("data") is None
    assert await count(db, Review) == 0


async def test_a_comment_over_two_thousand_characters_is_refused(api, db):
    w = await world(db)

    result = await _submit(api, w, comment="a" * 2_001)

    assert result["userErrors"] == [
        {"field": "input.comment", "message": "At most 2,000 characters.", "code": "TOO_LONG"}
    ]
    assert await count(db, Review) == 0


@pytest.mark.parametrize(
    "comment",
    ["<script>alert(1)</script>", "Lovely <b>staff</b>", "<img src=x onerror=alert(1)>", "Tom &amp; Jo"],
)
async def test_html_in_a_comment_is_refused_not_stripped(api, db, comment):
    w = await world(db)

    result = await _submit(api, w, comment=comment)

    assert [e["field"] for e in result["userErrors"]] == ["input.comment"]
    assert await count(db, Review) == 0


async def test_plain_text_that_merely_looks_like_markup_is_kept(api, db):
    w = await world(db)

    result = await _submit(api, w, comment="Visits < 1 hour late; fish & chips on Fridays :->")

    assert result["review"]["comment"] == "Visits < 1 hour late; fish & chips on Fridays :->"


@pytest.mark.parametrize("poison", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
async def test_nul_and_lone_surrogates_are_refused_before_anything_runs(api, db, poison):
    w = await world(db)
    body = json.dumps({"query": SUBMIT, "variables": w.review_input(comment=f"Kind{poison}")}).encode()

    response = await api.http.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {api.token_for(w.holder_user)}",
            "content-type": "application/json",
            "Accept": "application/graphql-response+json",
        },
    )

    assert response.status_code == 400
    assert [e["extensions"]["field"] for e in response.json()["errors"]] == ["input.comment"]
    assert await count(db, Review) == 0


@pytest.mark.parametrize(
    "bad_id", ["nonsense", "UHJvdmlkZXI6MQ==", "QWdyZWVtZW50Oi0x", "QWdyZWVtZW50Ojk5OTk5OTk5OTk5OTk="]
)
async def test_malformed_agreement_ids_are_refused(api, db, bad_id):
    w = await world(db)

    body = await api.execute(SUBMIT, w.review_input(agreementId=bad_id), as_user=w.holder_user)

    assert "errors" in body or body["data"]["submitReview"]["userErrors"]
    assert await count(db, Review) == 0


async def test_a_reply_with_html_or_too_long_is_refused(api, db):
    w = await world(db)
    review = await given_review(db, w)
    from strawberry.relay import to_base64

    review_id = to_base64("Review", review.id)
    html = await api.data(
        REPLY, {"input": {"reviewId": review_id, "reply": "<a href=x>us</a>"}}, as_user=w.provider_user
    )
    long = await api.data(
        REPLY, {"input": {"reviewId": review_id, "reply": "a" * 2_001}}, as_user=w.provider_user
    )
    empty = await api.data(REPLY, {"input": {"reviewId": review_id, "reply": "   "}}, as_user=w.provider_user)

    assert [e["code"] for e in html["replyToReview"]["userErrors"]] == ["INVALID"]
    assert [e["code"] for e in long["replyToReview"]["userErrors"]] == ["TOO_LONG"]
    assert [e["code"] for e in empty["replyToReview"]["userErrors"]] == ["REQUIRED"]
