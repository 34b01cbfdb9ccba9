"""Published reviews of the demo council's providers, so listings show a score out of 10.

Every agreement that has run four weeks (or ended) gets one review from its DP holder, written five
weeks after care began and published by the council the day after; ratings lean good, as real care
directories' do. Deterministic: the same seed gives the same reviews.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.models import Council
from broker.agreements.models import Agreement, AgreementStatus
from broker.holders.models import DPHolder
from broker.reviews.models import Review, ReviewStatus
from search import outbox

COMMENTS = (
    "Always on time and takes the time to listen.",
    "Kind, patient and treats Mum with real respect.",
    "Good care, though visits were rushed a few times.",
    "The office answers quickly when plans change.",
    "Reliable and cheerful; we would recommend them.",
)


async def seed_reviews(
    session: AsyncSession, *, council: Council, moderator_id: int, today: date, seed: int
) -> int:
    """Adds the reviews (see the module docstring); how many."""
    rng = random.Random(seed)
    rows = await session.execute(
        select(Agreement, col(DPHolder.user_id))
        .join(DPHolder, col(DPHolder.id) == col(Agreement.holder_id))
        .where(
            col(Agreement.council_id) == council.id,
            col(Agreement.status).in_([AgreementStatus.ACTIVE, AgreementStatus.ENDED]),
            col(Agreement.start_date) <= today - timedelta(days=35),
        )
        .order_by(col(Agreement.id))
    )
    reviewed: set[int] = set()
    added = 0
    for agreement, author_id in rows.all():
        assert agreement.id is not None
        written = datetime.combine(agreement.start_date + timedelta(days=35), time(11), tzinfo=UTC)
        ratings = [min(5, max(1, round(rng.gauss(4.2, 0.8)))) for _ in range(6)]
        session.add(
            Review(
                council_id=agreement.council_id,
                holder_id=agreement.holder_id,
                provider_id=agreement.provider_id,
                agreement_id=agreement.id,
                author_id=author_id,
                overall=ratings[0],
                care_and_support=ratings[1],
                dignity=ratings[2],
                staff=ratings[3],
                management=ratings[4],
                value=ratings[5],
                comment=rng.choice(COMMENTS),
                status=ReviewStatus.PUBLISHED,
                submitted_at=written,
                moderated_by_id=moderator_id,
                moderated_at=written + timedelta(days=1),
            )
        )
        reviewed.add(agreement.provider_id)
        added += 1
    outbox.enqueue(session, sorted(reviewed), now=datetime.combine(today, time(), tzinfo=UTC))
    await session.flush()
    return added
