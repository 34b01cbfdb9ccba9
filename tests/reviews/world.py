"""A person with a care agreement that has run since April, the people around it, and the GraphQL
operations the review tests send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from strawberry.relay import to_base64

from broker.accounts.models import Council, Role, User
from broker.agreements.models import Agreement, AgreementTransition
from broker.db import Database
from broker.reviews.models import Review, ReviewStatus
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_plan,
    make_provider,
    make_user,
    reload,
)

SUBMIT = """mutation($input: SubmitReviewInput!) { submitReview(input: $input) {
  review { id status overall careAndSupport dignity staff management value comment writtenBy { email } }
  userErrors { field message code }
} }"""

MODERATE = """mutation($input: ModerateReviewInput!) { moderateReview(input: $input) {
  review { id status rejectionReason moderatedAt }
  userErrors { field message code }
} }"""

REPLY = """mutation($input: ReplyToReviewInput!) { replyToReview(input: $input) {
  review { id reply repliedAt }
  userErrors { field message code }
} }"""

REVIEWS = """query($filter: ReviewFilterInput) { reviews(filter: $filter) { totalCount nodes {
  id status overall comment reply rejectionReason writtenBy { email } provider { name }
} } }"""

SCORE = """query($id: ID!) { node(id: $id) { ... on Provider { name reviewScore { reviews score } } } }"""

RATINGS = {"overall": 5, "careAndSupport": 4, "dignity": 5, "staff": 4, "management": 3, "value": 4}


@dataclass
class World:
    council: Council
    broker: User
    york_broker: User
    commissioner: User
    holder_user: User
    representative: User
    other_holder_user: User
    provider_user: User
    other_provider_user: User
    holder: Any
    provider: Any
    agreement: Any
    other_agreement: Any

    @property
    def agreement_id(self) -> str:
        return to_base64("Agreement", self.agreement.id)

    @property
    def provider_id(self) -> str:
        return to_base64("Provider", self.provider.id)

    def review_input(self, agreement: Any = None, **changes: Any) -> dict[str, Any]:
        chosen = agreement or self.agreement
        values = {"agreementId": to_base64("Agreement", chosen.id), **RATINGS, "comment": "Kind and on time."}
        return {"input": {**values, **changes}}


async def activated_on(db: Database, agreement: Any, day: date) -> None:
    """The agreement became ACTIVE on `day` (the factory records it as activated today)."""
    async with db.transaction() as session:
        await session.execute(
            update(AgreementTransition)
            .where(AgreementTransition.agreement_id == agreement.id)  # type: ignore[arg-type]
            .values(at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        )
        await session.execute(
            update(Agreement).where(Agreement.id == agreement.id).values(start_date=day)  # type: ignore[arg-type]
        )


async def world(db: Database, *, activated: date = date(2026, 4, 6)) -> World:
    council, york = await make_council(db, "Leeds"), await make_council(db, "York")
    broker = await make_user(db, Role.BROKER, council)
    representative = await make_user(db, Role.REPRESENTATIVE, council)
    holder = await make_holder(db, council, representatives=(representative,))
    other_holder = await make_holder(db, council)
    provider_user = await make_user(db, Role.PROVIDER, council)
    other_provider_user = await make_user(db, Role.PROVIDER, council)
    provider = await make_provider(db, council, name="Amrit", owner=provider_user)
    await make_provider(db, council, name="Beth", owner=other_provider_user)
    agreement = await make_agreement(db, await make_plan(db, holder), provider, created_by=broker)
    other_agreement = await make_agreement(db, await make_plan(db, other_holder), provider, created_by=broker)
    await activated_on(db, agreement, activated)
    await activated_on(db, other_agreement, activated)
    return World(
        council=council,
        broker=broker,
        york_broker=await make_user(db, Role.BROKER, york),
        commissioner=await make_user(db, Role.COMMISSIONER, council),
        holder_user=await reload(db, User, holder.user_id),  # type: ignore[arg-type]
        representative=representative,
        other_holder_user=await reload(db, User, other_holder.user_id),  # type: ignore[arg-type]
        provider_user=provider_user,
        other_provider_user=other_provider_user,
        holder=holder,
        provider=provider,
        agreement=agreement,
        other_agreement=other_agreement,
    )


async def given_review(
    db: Database,
    w: World,
    *,
    ratings: tuple[int, int, int, int, int, int] = (5, 4, 5, 4, 3, 4),
    status: ReviewStatus = ReviewStatus.PUBLISHED,
    submitted_at: datetime = datetime(2026, 10, 1, 12, tzinfo=UTC),
    agreement: Any = None,
) -> Review:
    """A review straight in the database, as `submitReview` and `moderateReview` would leave it."""
    chosen = agreement or w.agreement
    overall, care, dignity, staff, management, value = ratings
    async with db.transaction() as session:
        review = Review(
            council_id=chosen.council_id,
            holder_id=chosen.holder_id,
            provider_id=chosen.provider_id,
            agreement_id=chosen.id,
            author_id=w.holder_user.id,  # type: ignore[arg-type]
            overall=overall,
            care_and_support=care,
            dignity=dignity,
            staff=staff,
            management=management,
            value=value,
            comment="Given.",
            status=status,
            submitted_at=submitted_at,
            moderated_at=submitted_at + timedelta(days=1) if status is not ReviewStatus.PENDING else None,
        )
        session.add(review)
    return review
