"""The review score as a part of matching (in the breakdown and the reason line) and as a search sort."""

from __future__ import annotations

from datetime import UTC, date, datetime

from strawberry.relay import to_base64

from broker.accounts.models import Role
from tests.factories import make_agreement, make_holder, make_plan, make_provider, make_user
from tests.reviews.world import MODERATE, SUBMIT, given_review, world

MATCHES = """query($plan: ID!) { matchesForPlan(planId: $plan) {
  provider { name reviewScore { reviews score } } score reason components { component value points }
} }"""
SEARCH = """query($input: SearchProvidersInput!) { searchProviders(input: $input) {
  hits { provider { name reviewScore { score } } } userErrors { code }
} }"""


async def _cara_with_three_published_reviews(api, db, w):
    """Cara cared for the holder from 2025 until October; two reviews of the last 24 months are
    published, a third goes through moderation now."""
    cara_user = await make_user(db, Role.PROVIDER, w.council)
    cara = await make_provider(db, w.council, name="Cara", owner=cara_user)
    ended = await make_agreement(
        db,
        await make_plan(db, w.holder),
        cara,
        created_by=w.broker,
        status="ENDED",
        end_date=date(2026, 10, 31),
    )
    for submitted_at in (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)):
        await given_review(db, w, ratings=(5, 5, 5, 4, 4, 4), agreement=ended, submitted_at=submitted_at)
    submitted = await api.data(SUBMIT, w.review_input(agreement=ended), as_user=w.holder_user)
    review_id = submitted["submitReview"]["review"]["id"]
    await api.data(MODERATE, {"input": {"reviewId": review_id, "publish": True}}, as_user=w.broker)
    return cara


async def test_a_good_review_score_lifts_a_match_and_the_reason_says_so(api, db):
    w = await world(db)
    await _cara_with_three_published_reviews(api, db, w)
    newcomer = await make_holder(db, w.council)
    plan = await make_plan(db, newcomer)

    matches = (await api.data(MATCHES, {"plan": to_base64("SupportPlan", plan.id)}, as_user=w.broker))[
        "matchesForPlan"
    ]
    by_name = {m["provider"]["name"]: m for m in matches}

    assert [m["provider"]["name"] for m in matches][:2] == ["Cara", "Beth"]
    assert by_name["Cara"]["provider"]["reviewScore"] == {"reviews": 3, "score": 8.8}
    assert by_name["Cara"]["reason"].endswith("; reviews 8.8/10 from 3")
    assert "reviews" not in by_name["Beth"]["reason"]
    assert [c for c in by_name["Cara"]["components"] if c["component"] == "REVIEWS"] == [
        {"component": "REVIEWS", "value": 0.88, "points": 4.4}
    ]
    assert [c for c in by_name["Beth"]["components"] if c["component"] == "REVIEWS"] == [
        {"component": "REVIEWS", "value": 0.5, "points": 2.5}
    ]
    assert round(by_name["Cara"]["score"] - by_name["Beth"]["score"], 1) == 1.9


async def test_search_sorts_by_review_score_with_unscored_listings_after(api, db, index_now):
    w = await world(db)
    await _cara_with_three_published_reviews(api, db, w)
    await index_now()

    result = (await api.data(SEARCH, {"input": {"postcode": "LS8", "sort": "REVIEWS"}}))["searchProviders"]

    assert result["userErrors"] == []
    assert [(h["provider"]["name"], h["provider"]["reviewScore"]["score"]) for h in result["hits"]] == [
        ("Cara", 8.8),
        ("Amrit", None),
        ("Beth", None),
    ]
