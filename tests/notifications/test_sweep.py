"""What time alone brings is told by the daily job, once: a request about to expire unanswered, an
accreditation check expiring in 30 days, a check that has lapsed (to the provider and the council)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update

from broker.accounts.models import Role
from broker.app import daily_jobs
from broker.notifications.daily import run_jobs
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import Accreditation, ProviderKind
from tests.conversations.world import NOTIFICATIONS, world
from tests.factories import make_care_request, make_council, make_provider, make_user

CHECKS = len(REQUIRED_CHECKS[ProviderKind.PA])  # each of a PA's checks is its own finding


async def kinds(api, user) -> list[str]:
    told = await api.data(NOTIFICATIONS, as_user=user)
    return [n["kind"] for n in told["viewer"]["notifications"]["nodes"]]


async def _set_expiry(db, provider, expires_on: date) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Accreditation)
            .where(Accreditation.provider_id == provider.id)
            .values(expires_on=expires_on)
        )


async def test_a_request_a_day_from_expiring_is_told_to_both_sides_once(api, db, clock, settings):
    w = await world(db)
    sent_at = clock.now() - timedelta(days=6, hours=12)
    await make_care_request(
        db, w.plan, w.provider, sent_by=w.broker, sent_at=sent_at, expires_in=timedelta(days=7)
    )

    await run_jobs(db, daily_jobs(settings), clock.now())
    await run_jobs(db, daily_jobs(settings), clock.now() + timedelta(hours=1))

    assert await kinds(api, w.jo) == ["REQUEST_EXPIRING"]
    assert await kinds(api, w.amina) == ["REQUEST_EXPIRING"]
    assert await kinds(api, w.broker) == ["REQUEST_EXPIRING"]


async def test_a_request_with_days_to_go_is_not_told_yet(api, db, clock, settings):
    w = await world(db)  # its request expires in thirteen days

    await run_jobs(db, daily_jobs(settings), clock.now())

    assert await kinds(api, w.jo) == []


async def test_a_check_expiring_within_30_days_is_told_to_the_provider_and_the_council_once(
    api, db, clock, settings
):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    elsewhere = await make_user(db, Role.BROKER, await make_council(db))
    owner = await make_user(db, Role.PROVIDER, council)
    provider = await make_provider(db, council, owner=owner)
    await _set_expiry(db, provider, date(2026, 12, 26))  # 30 days after the tests' today

    await run_jobs(db, daily_jobs(settings), clock.now())
    await run_jobs(db, daily_jobs(settings), clock.now() + timedelta(days=1))

    assert await kinds(api, owner) == ["CHECK_EXPIRING"] * CHECKS
    assert await kinds(api, broker) == ["CHECK_EXPIRING"] * CHECKS
    assert await kinds(api, elsewhere) == []


async def test_a_check_31_days_away_is_not_told_yet(api, db, clock, settings):
    council = await make_council(db)
    owner = await make_user(db, Role.PROVIDER, council)
    provider = await make_provider(db, council, owner=owner)
    await _set_expiry(db, provider, date(2026, 12, 27))

    await run_jobs(db, daily_jobs(settings), clock.now())

    assert await kinds(api, owner) == []


async def test_a_lapsed_check_is_told_once_as_lapsed(api, db, clock, settings):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    owner = await make_user(db, Role.PROVIDER, council)
    provider = await make_provider(db, council, owner=owner)
    await _set_expiry(db, provider, date(2026, 11, 25))  # yesterday

    await run_jobs(db, daily_jobs(settings), clock.now())
    await run_jobs(db, daily_jobs(settings), datetime(2026, 11, 27, 10, 0, tzinfo=clock.now().tzinfo))

    assert set(await kinds(api, owner)) == {"CHECK_LAPSED"}
    assert set(await kinds(api, broker)) == {"CHECK_LAPSED"}
    assert len(await kinds(api, owner)) == len([c for c in (await kinds(api, owner))])
