"""A review passing 24 months changes no row, so the daily job puts the listings whose score it
changed back in the search outbox (the REVIEWS sort then agrees with the listing page)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from broker.accounts.models import Role
from broker.app import daily_jobs
from broker.notifications.daily import run_jobs
from broker.reviews.scores import window_start
from search.outbox import SearchOutbox
from tests.factories import make_agreement, make_plan, make_provider, make_user
from tests.reviews.world import given_review, world

TODAY = date(2026, 12, 3)
RUN_AT = datetime.combine(TODAY, time(6), tzinfo=UTC)  # 06:00 in London in winter
AGING = window_start(TODAY) - timedelta(hours=6)  # counted yesterday, not today
RECENT = datetime(2026, 6, 1, tzinfo=UTC)


async def _queued(db) -> list[int]:
    async with db.session() as session:
        rows = await session.execute(select(SearchOutbox.provider_id).order_by(SearchOutbox.provider_id))
        return list(rows.scalars())


async def _clear_outbox(db) -> None:
    async with db.transaction() as session:
        for row in (await session.execute(select(SearchOutbox))).scalars():
            await session.delete(row)


async def test_only_listings_whose_score_a_review_aging_out_changed_are_requeued(db, settings):
    w = await world(db)
    # Amrit: three recent reviews of 4s and one aging 1s: 7.5 yesterday, 8.0 today.
    for _ in range(3):
        await given_review(db, w, ratings=(4, 4, 4, 4, 4, 4), submitted_at=RECENT)
    await given_review(db, w, ratings=(1, 1, 1, 1, 1, 1), submitted_at=AGING)
    # Beth: four reviews of 5s, one of them aging: 10.0 yesterday and today.
    beth = await make_provider(db, w.council, name="Bea", owner=await make_user(db, Role.PROVIDER, w.council))
    beths = await make_agreement(db, await make_plan(db, w.holder), beth, created_by=w.broker)
    for submitted_at in (RECENT, RECENT, RECENT, AGING):
        await given_review(db, w, ratings=(5, 5, 5, 5, 5, 5), submitted_at=submitted_at, agreement=beths)
    # Cal: two reviews, one aging: no score either day (fewer than three).
    cal = await make_provider(db, w.council, name="Cal", owner=await make_user(db, Role.PROVIDER, w.council))
    cals = await make_agreement(db, await make_plan(db, w.holder), cal, created_by=w.broker)
    for submitted_at in (RECENT, AGING):
        await given_review(db, w, ratings=(2, 2, 2, 2, 2, 2), submitted_at=submitted_at, agreement=cals)
    await _clear_outbox(db)

    await run_jobs(db, daily_jobs(settings), RUN_AT)

    assert await _queued(db) == [w.provider.id]


async def test_the_next_day_requeues_nothing_more(db, settings):
    w = await world(db)
    for _ in range(3):
        await given_review(db, w, ratings=(4, 4, 4, 4, 4, 4), submitted_at=RECENT)
    await given_review(db, w, ratings=(1, 1, 1, 1, 1, 1), submitted_at=AGING)
    await _clear_outbox(db)
    await run_jobs(db, daily_jobs(settings), RUN_AT)
    await _clear_outbox(db)

    await run_jobs(db, daily_jobs(settings), RUN_AT + timedelta(days=1))

    assert await _queued(db) == []


async def test_a_review_still_inside_the_window_requeues_nothing(db, settings):
    w = await world(db)
    for _ in range(3):
        await given_review(db, w, ratings=(4, 4, 4, 4, 4, 4), submitted_at=RECENT)
    await given_review(db, w, ratings=(1, 1, 1, 1, 1, 1), submitted_at=window_start(TODAY))
    await _clear_outbox(db)

    await run_jobs(db, daily_jobs(settings), RUN_AT)

    assert await _queued(db) == []
