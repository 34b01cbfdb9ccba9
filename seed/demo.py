"""The demo install `broker serve` starts with: one council, its geography, listings and sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.accounts.passwords import hash_password
from broker.accounts.service import create_user, get_or_create_council
from broker.geography.service import load_districts, read_geography_csv
from broker.holders.models import DPHolding
from broker.holders.service import CreateDpHolder, HolderFields, create_dp_holder
from broker.market import demand
from broker.plans.models import PreferenceKind, Strength
from broker.plans.service import (
    CreateSupportPlan,
    NeedFields,
    PlanFields,
    PreferenceFields,
    create_support_plan,
)
from broker.providers.models import Provider, ProviderKind, ProviderStatus, Weekday
from broker.schedule import SlotFields
from seed import DEMO_DISTRICTS
from seed.generator import generate
from seed.market import seed_market
from seed.plans import generate_plans
from seed.reviews import seed_reviews
from seed.showcase import REPRESENTATIVE_EMAIL, SHOWCASE, seed_representative, seed_showcase

DEMO_COUNCIL = "Leeds City Council"
DEMO_PASSWORD = "demo-password-2026"
DEMO_SEED = 2026


@dataclass(frozen=True)
class DemoSignIn:
    email: str
    role: Role
    with_council: bool = True


DEMO_SIGN_INS = (
    DemoSignIn("admin@demo.example", Role.ADMIN, with_council=False),
    DemoSignIn("council-admin@leeds.example", Role.ADMIN),
    DemoSignIn("broker@leeds.example", Role.BROKER),
    DemoSignIn("commissioner@leeds.example", Role.COMMISSIONER),
    DemoSignIn("holder@leeds.example", Role.DP_HOLDER),
    DemoSignIn("provider@leeds.example", Role.PROVIDER),
)
# Every sign-in the demo has, for the start-up banner: the ones above, the representative (seeded
# after the holder they act with) and the owners of the showcase listings (seed/showcase.py).
ADVERTISED_SIGN_INS = (
    *DEMO_SIGN_INS,
    DemoSignIn(REPRESENTATIVE_EMAIL, Role.REPRESENTATIVE),
    *(DemoSignIn(item.email, Role.PROVIDER) for item in SHOWCASE),
)


async def seed_demo(
    session: AsyncSession, *, today: date, providers: int = 150, holders: int = 30, plans: int = 60
) -> None:
    """Loads the demo geography, a council of listings, holders with plans, and one sign-in per role."""
    districts = read_geography_csv(DEMO_DISTRICTS)
    await load_districts(session, districts)
    council = await get_or_create_council(session, DEMO_COUNCIL)
    await generate(
        session,
        council=council,
        providers=providers,
        holders=holders,
        seed=DEMO_SEED,
        today=today,
        districts=districts,
        holder_password_hash=hash_password(DEMO_PASSWORD),
    )
    users = {}
    for sign_in in DEMO_SIGN_INS:
        users[sign_in.role] = await create_user(
            session,
            email=sign_in.email,
            password=DEMO_PASSWORD,
            role=sign_in.role,
            council=council if sign_in.with_council else None,
            full_name=f"Demo {sign_in.role.value.replace('_', ' ').title()}",
        )
    # The demo provider user owns a published PA listing, so "edit my listing" works at once.
    listing = (
        await session.execute(
            select(Provider)
            .where(col(Provider.kind) == ProviderKind.PA, col(Provider.status) == ProviderStatus.PUBLISHED)
            .order_by(col(Provider.id))
            .limit(1)
        )
    ).scalar_one()
    listing.owner_id = users[Role.PROVIDER].id
    await session.flush()
    await _demo_holder_and_plan(session, council_id=council.id, users=users, today=today)
    await seed_representative(
        session, council=council, holder_user=users[Role.DP_HOLDER], password=DEMO_PASSWORD
    )
    await seed_showcase(session, council=council, password=DEMO_PASSWORD, today=today)
    await generate_plans(
        session,
        council=council,
        plans=plans,
        seed=DEMO_SEED,
        today=today,
        districts=districts,
        password_hash=hash_password(DEMO_PASSWORD),
    )
    await seed_market(session, council=council, today=today, seed=DEMO_SEED)
    moderator = users[Role.BROKER].id
    assert moderator is not None
    await seed_reviews(session, council=council, moderator_id=moderator, today=today, seed=DEMO_SEED)
    # Plans and agreements above were written straight to their tables: derive the market's demand
    # rows from them, as saving a plan or proposing an agreement does.
    await demand.rebuild(session)


async def _demo_holder_and_plan(
    session: AsyncSession, *, council_id: int | None, users: dict, today: date
) -> None:
    """The demo holder gets a budget and a plan, written through the same rules a broker's would be."""
    broker = users[Role.BROKER]
    actor = Actor(user_id=broker.id, role=Role.BROKER, council_id=council_id)
    now = datetime.now(UTC)
    holder = await create_dp_holder(
        session,
        actor=actor,
        now=now,
        command=CreateDpHolder(
            user_id=users[Role.DP_HOLDER].id,
            fields=HolderFields(
                weekly_budget_pence=42_000, held_as=DPHolding.PREPAID_CARD, home_postcode="LS8 2QP"
            ),
        ),
    )
    mornings = [SlotFields(day=Weekday(d), start="08:00", end="09:30") for d in range(7)]
    assert holder.id is not None
    fields = PlanFields(
        outcomes="Stay living at home with my wife; get to the mosque on Fridays; keep my garden.",
        start_date=today,
        needs=[
            NeedFields(
                service_code="PERSONAL_CARE",
                hours_per_week=10.5,
                budgeted_rate_pence=1550,
                slots=mornings,
            ),
            NeedFields(
                service_code="COMMUNITY_ACCESS",
                hours_per_week=3,
                budgeted_rate_pence=1500,
                slots=[SlotFields(day=Weekday.FRIDAY, start="12:00", end="15:00")],
            ),
        ],
        preferences=[
            PreferenceFields(kind=PreferenceKind.LANGUAGE, value="pa", strength=Strength.PREFERRED),
            PreferenceFields(kind=PreferenceKind.GENDER, value="MALE", strength=Strength.PREFERRED),
        ],
    )
    await create_support_plan(
        session, actor=actor, now=now, command=CreateSupportPlan(holder_id=holder.id, fields=fields)
    )
