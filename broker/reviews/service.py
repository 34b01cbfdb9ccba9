"""Writing, moderating and answering reviews: the rules that only real care earns a review.

A review belongs to an agreement: the holder or a representative reviews the provider they have an
agreement with, once it has been ACTIVE four weeks or has ended, and at most once per agreement in any
six months (a rejected review does not use that turn: the person may say it again, better). The
council's staff publish or reject it, with a reason the author sees; the provider may reply once, in
public, to a published review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.agreements.models import Agreement, AgreementStatus, AgreementTransition
from broker.errors import Conflict, ErrorCode, NotFound, PermissionDenied, Problems
from broker.holders.models import DPHolder
from broker.hygiene import markup_problem
from broker.providers.models import Provider
from broker.reviews import rules
from broker.reviews.access import may_moderate, may_reply, may_review, visible_clause
from broker.reviews.models import Review, ReviewStatus
from broker.reviews.scores import aged_out
from search import outbox

RATING_FIELDS = ("overall", "care_and_support", "dignity", "staff", "management", "value")


@dataclass(frozen=True)
class ReviewDraft:
    agreement_id: int
    overall: int
    care_and_support: int
    dignity: int
    staff: int
    management: int
    value: int
    comment: str = ""


def _checked_text(problems: Problems, field: str, text: str, limit: int) -> str:
    text = text.strip()
    if len(text) > limit:
        problems.add(field, f"At most {limit:,} characters.", ErrorCode.TOO_LONG)
    elif (problem := markup_problem(text)) is not None:
        problems.add(field, problem)
    return text


async def reviewable_from(session: AsyncSession, agreement: Agreement) -> date | None:
    """The first day the agreement's holder may review its provider, or None while it cannot be.

    An ENDED agreement may be reviewed at once; an ACTIVE one four weeks after the later of its start
    date and the day it became ACTIVE; a PROPOSED or CANCELLED one never (no care was given)."""
    if agreement.status is AgreementStatus.ENDED:
        return date.min
    if agreement.status is not AgreementStatus.ACTIVE:
        return None
    activated = (
        await session.execute(
            select(func.max(col(AgreementTransition.at))).where(
                col(AgreementTransition.agreement_id) == agreement.id,
                col(AgreementTransition.to_status) == AgreementStatus.ACTIVE,
            )
        )
    ).scalar_one_or_none()
    began = max(agreement.start_date, activated.date()) if activated else agreement.start_date
    return began + timedelta(days=rules.ACTIVE_DAYS_BEFORE_REVIEW)


async def agreement_to_review(session: AsyncSession, *, actor: Actor, agreement_id: int) -> Agreement | None:
    """The agreement, when `actor` may review its provider (`access.may_review`); else None."""
    agreement = await session.get(Agreement, agreement_id)
    holder = await session.get(DPHolder, agreement.holder_id) if agreement is not None else None
    if agreement is None or holder is None or not await may_review(session, actor, holder):
        return None
    return agreement


async def submit_review(
    session: AsyncSession, *, actor: Actor, command: ReviewDraft, now: datetime, today: date
) -> Review:
    """Records a review waiting for moderation (see the module docstring for who may, and when)."""
    problems = Problems()
    for name in RATING_FIELDS:
        rating = getattr(command, name)
        if not rules.LOWEST_RATING <= rating <= rules.HIGHEST_RATING:
            problems.add(
                name,
                f"Give a whole number from {rules.LOWEST_RATING} to {rules.HIGHEST_RATING}.",
                ErrorCode.OUT_OF_RANGE,
            )
    comment = _checked_text(problems, "comment", command.comment, rules.COMMENT_MAX)
    problems.raise_if_any()
    # The agreement row is locked for the rest of the transaction (SQLite's write lock is already
    # held), so two submissions at once cannot both find the six months free.
    agreement = await session.get(Agreement, command.agreement_id, with_for_update=True)
    holder = await session.get(DPHolder, agreement.holder_id) if agreement is not None else None
    if agreement is None or holder is None or not await may_review(session, actor, holder):
        raise NotFound("No agreement of yours with this ID.", field="agreement_id")
    opens = await reviewable_from(session, agreement)
    if opens is None:
        raise Conflict("Only care that has been given can be reviewed.", field="agreement_id")
    if today < opens:
        raise Conflict(
            f"An agreement can be reviewed once it has been active four weeks: from {opens:%-d %B %Y}.",
            field="agreement_id",
        )
    since = now - timedelta(days=rules.DAYS_BETWEEN_REVIEWS)
    earlier = (
        await session.execute(
            select(func.max(col(Review.submitted_at))).where(
                col(Review.agreement_id) == agreement.id,
                col(Review.status) != ReviewStatus.REJECTED,
                col(Review.submitted_at) > since,
            )
        )
    ).scalar_one_or_none()
    if earlier is not None:
        next_day = (earlier + timedelta(days=rules.DAYS_BETWEEN_REVIEWS)).date()
        raise Conflict(
            f"This agreement was reviewed in the last six months; the next review is open from "
            f"{next_day:%-d %B %Y}.",
            field="agreement_id",
            code=ErrorCode.DUPLICATE,
        )
    review = Review(
        council_id=agreement.council_id,
        holder_id=agreement.holder_id,
        provider_id=agreement.provider_id,
        agreement_id=command.agreement_id,
        author_id=actor.user_id,
        **{name: getattr(command, name) for name in RATING_FIELDS},
        comment=comment,
        submitted_at=now,
    )
    session.add(review)
    await session.flush()
    return review


async def _visible_review(session: AsyncSession, actor: Actor, review_id: int) -> Review:
    found = await session.execute(
        select(Review).where(col(Review.id) == review_id, visible_clause(actor)).with_for_update()
    )
    review = found.scalar_one_or_none()
    if review is None:
        raise NotFound("No review with this ID.", field="review_id")
    return review


async def moderate_review(
    session: AsyncSession, *, actor: Actor, review_id: int, publish: bool, reason: str | None, now: datetime
) -> Review:
    """The council's decision on a waiting review: publish it, or reject it saying why (the author
    reads the reason). A decision is final; a rejected review's author may write a new one."""
    review = await _visible_review(session, actor, review_id)
    if not may_moderate(actor, review):
        raise PermissionDenied("Only the council's brokers and admins moderate reviews.", field="review_id")
    if review.status is not ReviewStatus.PENDING:
        raise Conflict(f"This review is already {review.status.value.lower()}.", field="review_id")
    problems = Problems()
    text = _checked_text(problems, "reason", reason or "", rules.REASON_MAX)
    if not publish and not text and not problems:
        problems.add(
            "reason", "Say why the review is not published: its author reads it.", ErrorCode.REQUIRED
        )
    problems.raise_if_any()
    review.status = ReviewStatus.PUBLISHED if publish else ReviewStatus.REJECTED
    review.rejection_reason = "" if publish else text
    review.moderated_by_id = actor.user_id
    review.moderated_at = now
    session.add(review)
    if publish:
        # The listing's score is in its search document.
        outbox.enqueue(session, [review.provider_id], now=now)
    await session.flush()
    return review


async def reply_to_review(
    session: AsyncSession, *, actor: Actor, review_id: int, reply: str, now: datetime
) -> Review:
    """The provider's one public answer to a published review; it cannot be changed afterwards."""
    review = await _visible_review(session, actor, review_id)
    provider = await session.get(Provider, review.provider_id)
    assert provider is not None
    if not may_reply(actor, provider):
        raise PermissionDenied("Only the provider reviewed may reply.", field="review_id")
    if review.status is not ReviewStatus.PUBLISHED:
        raise Conflict("Only a published review can be answered.", field="review_id")
    if review.reply is not None:
        raise Conflict("This review has been answered already.", field="review_id", code=ErrorCode.DUPLICATE)
    problems = Problems()
    text = _checked_text(problems, "reply", reply, rules.REPLY_MAX)
    if not text and not problems:
        problems.add("reply", "Write a reply.", ErrorCode.REQUIRED)
    problems.raise_if_any()
    review.reply = text
    review.replied_by_id = actor.user_id
    review.replied_at = now
    session.add(review)
    await session.flush()
    return review


async def requeue_aged_out_scores(session: AsyncSession, *, now: datetime, today: date) -> int:
    """The daily job: listings whose score changed overnight because a review passed 24 months go back
    to the search outbox, so the REVIEWS sort agrees with the listing page from that day on."""
    changed = await aged_out(session, today=today)
    outbox.enqueue(session, changed, now=now)
    return len(changed)
