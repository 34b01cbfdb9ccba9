"""The listing's review score out of 10 (formula in `broker.reviews.rules`), in SQL for many listings.

Listings, matching and search all read the score from here, so the three can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.reviews import rules
from broker.reviews.models import Review, ReviewStatus

RATINGS_PER_REVIEW = 6


@dataclass(frozen=True)
class ReviewScore:
    """The published reviews of the last 24 months and, from three of them, the score."""

    reviews: int
    score_tenths: int | None

    @property
    def score(self) -> float | None:
        """Out of 10, one decimal place; None below `rules.MIN_REVIEWS_FOR_SCORE` reviews."""
        return None if self.score_tenths is None else self.score_tenths / 10


NO_REVIEWS = ReviewScore(reviews=0, score_tenths=None)


def score_tenths(rating_sum: int, reviews: int) -> int | None:
    """Tenths of 2 x (mean rating), rounded half up, in whole numbers only: 10·2·S/(6n) = 10S/(3n),
    and floor(x + ½) = floor((20S + 3n) / 6n)."""
    if reviews < rules.MIN_REVIEWS_FOR_SCORE:
        return None
    return (20 * rating_sum + 3 * reviews) // (6 * reviews)


def window_start(today: date) -> datetime:
    """The first moment a review still counts on `today`: midnight (UTC) 730 days before."""
    return datetime.combine(today - timedelta(days=rules.SCORE_WINDOW_DAYS), time(), tzinfo=UTC)


async def scores_for(
    session: AsyncSession, provider_ids: Sequence[int], *, today: date
) -> dict[int, ReviewScore]:
    """Every listing's score on `today` (`NO_REVIEWS` for a listing without published reviews)."""
    found: dict[int, ReviewScore] = {}
    ids = sorted(set(provider_ids))
    ratings = (
        col(Review.overall)
        + col(Review.care_and_support)
        + col(Review.dignity)
        + col(Review.staff)
        + col(Review.management)
        + col(Review.value)
    )
    for start in range(0, len(ids), 1_000):
        rows = await session.execute(
            select(col(Review.provider_id), func.count(), func.sum(ratings))
            .where(
                col(Review.provider_id).in_(ids[start : start + 1_000]),
                col(Review.status) == ReviewStatus.PUBLISHED,
                col(Review.submitted_at) >= window_start(today),
            )
            .group_by(col(Review.provider_id))
        )
        for provider_id, reviews, total in rows:
            found[provider_id] = ReviewScore(int(reviews), score_tenths(int(total), int(reviews)))
    return {i: found.get(i, NO_REVIEWS) for i in ids}


async def aged_out(session: AsyncSession, *, today: date, days: int = 1) -> list[int]:
    """Listings whose score (as search indexes it) on `today` differs from `days` earlier because
    published reviews left the 24-month window in between: a review aging out changes no row, so
    nothing else would put the listing back in the search outbox."""
    earlier = today - timedelta(days=days)
    rows = await session.execute(
        select(col(Review.provider_id))
        .where(
            col(Review.status) == ReviewStatus.PUBLISHED,
            col(Review.submitted_at) >= window_start(earlier),
            col(Review.submitted_at) < window_start(today),
        )
        .distinct()
    )
    ids = sorted(rows.scalars())
    before = await scores_for(session, ids, today=earlier)
    now = await scores_for(session, ids, today=today)
    return [i for i in ids if before[i].score_tenths != now[i].score_tenths]
