"""The demo shows review scores: some listings have three published reviews or more, the search can
sort by them, and anonymous visitors read the reviews without their authors."""

from __future__ import annotations

from datetime import UTC, date, datetime

from seed.demo import seed_demo
from tests.conftest import NOW

SEARCH = """{ searchProviders(input: {postcode: "LS8", radiusKm: 50, sort: REVIEWS, first: 5}) {
  hits { provider { name reviewScore { reviews score } } } } }"""
REVIEWS = """{ reviews(first: 3) { totalCount nodes { overall comment writtenBy { email } } } }"""


async def test_the_demo_listings_show_review_scores(api, db, index_now):
    async with db.transaction() as session:
        await seed_demo(session, today=date(2026, 11, 26), providers=40, holders=4, plans=30)
    api.clock.at = datetime.now(UTC)
    await index_now()
    api.clock.at = NOW

    hits = (await api.data(SEARCH))["searchProviders"]["hits"]
    reviews = (await api.data(REVIEWS))["reviews"]

    scores = [h["provider"]["reviewScore"]["score"] for h in hits]
    scored = [s for s in scores if s is not None]
    assert len(scored) == 2 and all(2.0 <= s <= 10.0 for s in scored)
    assert scores[:2] == sorted(scored, reverse=True)
    assert reviews["totalCount"] >= 3
    assert {n["writtenBy"] for n in reviews["nodes"]} == {None}
