"""Only real agreements earn a review: attempts to review without one, too soon, too often, for
someone else or of oneself are refused, and nothing is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from strawberry.relay import to_base64

from broker.agreements.models import Agreement, AgreementStatus
from broker.reviews.models import Review
from tests.factories import count
from tests.reviews.world import SUBMIT, activated_on, world

NOT_YOURS = [
    {"field": "input.agreementId", "message": "No agreement of yours with this ID.", "code": "NOT_FOUND"}
]


async def _submit(api, w, user, **changes):
    return (await api.data(SUBMIT, w.review_input(**changes), as_user=user))["submitReview"]


async def test_a_holder_cannot_review_through_another_persons_agreement(api, db):
    w = await world(db)

    result = await _submit(api, w, w.holder_user, agreementId=to_base64("Agreement", w.other_agreement.id))

    assert result == {"review": None, "userErrors": NOT_YOURS}
    assert await count(db, Review) == 0


async def test_another_holder_cannot_review_this_agreement(api, db):
    w = await world(db)

    result = await _submit(api, w, w.other_holder_user)

    assert result == {"review": None, "userErrors": NOT_YOURS}
    assert await count(db, Review) == 0


async def test_a_review_needs_an_agreement_that_exists(api, db):
    w = await world(db)

    result = await _submit(api, w, w.holder_user, agreementId=to_base64("Agreement", 999_999))

    assert result == {"review": None, "userErrors": NOT_YOURS}


@pytest.mark.parametrize("who", ["provider_user", "other_provider_user", "broker", "commissioner"])
async def test_providers_and_council_staff_cannot_write_reviews(api, db, who):
    w = await world(db)

    result = await _submit(api, w, getattr(w, who))

    assert result == {"review": None, "userErrors": NOT_YOURS}
    assert await count(db, Review) == 0


async def test_one_review_per_agreement_in_six_months(api, db, clock):
    w = await world(db)

    first = await _submit(api, w, w.holder_user)
    by_representative = await _submit(api, w, w.representative)
    clock.at = clock.at + timedelta(days=182)
    after_six_months = await _submit(api, w, w.holder_user)

    assert first["userErrors"] == []
    assert by_representative["userErrors"] == [
        {
            "field": "input.agreementId",
            "message": "This agreement was reviewed in the last six months; the next review is open from "
            "27 May 2027.",
            "code": "DUPLICATE",
        }
    ]
    assert after_six_months["userErrors"] == []
    assert await count(db, Review) == 2


async def test_an_agreement_active_less_than_four_weeks_cannot_be_reviewed_yet(api, db, clock):
    w = await world(db)
    await activated_on(db, w.agreement, date(2026, 11, 1))

    too_soon = await _submit(api, w, w.holder_user)
    clock.at = datetime(2026, 11, 29, 9, tzinfo=UTC)
    four_weeks_on = await _submit(api, w, w.holder_user)

    assert too_soon["userErrors"] == [
        {
            "field": "input.agreementId",
            "message": "An agreement can be reviewed once it has been active four weeks: from "
            "29 November 2026.",
            "code": "INVALID_STATE",
        }
    ]
    assert four_weeks_on["userErrors"] == []


async def test_four_weeks_count_from_activation_not_an_old_start_date(api, db):
    """An agreement dated back to April but only made ACTIVE last week has given a week of care."""
    w = await world(db)
    from sqlalchemy import update

    from broker.agreements.models import AgreementTransition

    async with db.transaction() as session:
        await session.execute(
            update(AgreementTransition)
            .where(AgreementTransition.agreement_id == w.agreement.id)  # type: ignore[arg-type]
            .values(at=datetime(2026, 11, 19, tzinfo=UTC))
        )

    result = await _submit(api, w, w.holder_user)

    assert [e["code"] for e in result["userErrors"]] == ["INVALID_STATE"]


@pytest.mark.parametrize("status", [AgreementStatus.PROPOSED, AgreementStatus.CANCELLED])
async def test_an_agreement_where_no_care_was_given_cannot_be_reviewed(api, db, status):
    w = await world(db)
    async with db.transaction() as session:
        row = await session.get(Agreement, w.agreement.id)
        assert row is not None
        row.status = status
        session.add(row)

    result = await _submit(api, w, w.holder_user)

    assert result["userErrors"] == [
        {
            "field": "input.agreementId",
            "message": "Only care that has been given can be reviewed.",
            "code": "INVALID_STATE",
        }
    ]
    assert await count(db, Review) == 0
