"""The demo install `broker serve` starts with: one council, its geography, listings and sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.models import Role
from broker.accounts.passwords import hash_password
from broker.accounts.service import create_user, get_or_create_council
from broker.geography.service import load_districts, read_geography_csv
from broker.providers.models import Provider, ProviderKind, ProviderStatus
from seed import DEMO_DISTRICTS
from seed.generator import generate

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
    DemoSignIn("broker@leeds.example", Role.BROKER),
    DemoSignIn("commissioner@leeds.example", Role.COMMISSIONER),
    DemoSignIn("holder@leeds.example", Role.DP_HOLDER),
    DemoSignIn("provider@leeds.example", Role.PROVIDER),
)


async def seed_demo(session: AsyncSession, *, today: date, providers: int = 150, holders: int = 30) -> None:
    """Loads the demo geography, a council of listings, and one sign-in per role."""
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
            .where(Provider.kind == ProviderKind.PA, Provider.status == ProviderStatus.PUBLISHED)
            .order_by(Provider.id)
            .limit(1)
        )
    ).scalar_one()
    listing.owner_id = users[Role.PROVIDER].id
    await session.flush()
