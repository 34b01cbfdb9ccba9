"""The deterministic data generator behind `broker seed`: same seed and date, same data.

Rates follow 2026 reality: PAs from the National Living Wage (£12.71/h from April 2026) up to about
£18/h; agencies around £24 to £34/h (the Homecare Association's minimum price for 2025/26 is £32.14/h).
Some checks are expired or about to expire, as in any real register.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from faker import Faker
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.models import Council, Role, User
from broker.db import utcnow
from broker.geography.models import PostcodeDistrict
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import (
    Accreditation,
    AvailabilitySlot,
    CheckStatus,
    CheckType,
    CqcRating,
    Gender,
    Provider,
    ProviderKind,
    ProviderService,
    ProviderStatus,
)
from broker.providers.rules import national_living_wage_pence
from broker.taxonomy.services import all_services
from search.outbox import SearchOutbox
from seed import vocabulary as words

BATCH = 2_000
DP_SUPPORT_CODES = sorted(
    code
    for code, entry in all_services().items()
    if entry.group == "DP_SUPPORT" and code != "DP_SUPPORT_SERVICE"
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class SeedSummary:
    council_id: int
    providers: int
    holders: int


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _round5(pence: float) -> int:
    return int(round(pence / 5) * 5)


class _Generator:
    def __init__(self, seed: int, today: date, districts: Sequence[PostcodeDistrict]) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.today = today
        self.districts = list(districts)
        self.now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)

    def provider_row(self, council_id: int) -> tuple[dict, list[str], list[dict], list[dict]]:
        rng = self.rng
        kind = rng.choices(
            [ProviderKind.PA, ProviderKind.AGENCY, ProviderKind.SUPPORT_ORG], weights=[70, 22, 8]
        )[0]
        district = rng.choice(self.districts)
        specialisms = rng.sample(words.SPECIALIST, k=rng.randint(1, 3))
        specialism_text = " and ".join(s.replace("_", " ").lower() for s in specialisms[:2])
        languages = ["en"]
        if rng.random() < 0.35:
            languages.append(_weighted(rng, words.COMMUNITY_LANGUAGES))
        gender = None
        if kind is ProviderKind.PA:
            gender = rng.choices([Gender.FEMALE, Gender.MALE, Gender.NON_BINARY], weights=[78, 21, 1])[0]
            first = self.fake.first_name_female() if gender is Gender.FEMALE else self.fake.first_name_male()
            name = f"{first} {self.fake.last_name()}"
            floor = national_living_wage_pence(self.today)
            rate = max(floor, _round5(rng.uniform(floor, 1800)))
            capacity = float(rng.choice([8, 10, 12, 16, 20, 25, 30, 37.5, 40]))
            radius = float(rng.choice([3, 5, 5, 8, 10, 10, 12, 15]))
            services = rng.sample(words.CARE_SERVICES, k=rng.randint(2, 4)) + specialisms
            bio = rng.choice(words.PA_BIO).format(years=rng.randint(1, 25), specialism=specialism_text)
        elif kind is ProviderKind.AGENCY:
            name = f"{self.fake.last_name()} {rng.choice(words.AGENCY_SUFFIXES)}"
            rate = _round5(rng.uniform(2400, 3400))
            capacity = float(rng.choice([150, 300, 500, 800, 1200, 2000]))
            radius = float(rng.choice([10, 15, 20, 25, 30]))
            services = rng.sample(words.CARE_SERVICES, k=rng.randint(3, 6)) + specialisms
            services += rng.sample(words.AGENCY_ONLY, k=rng.randint(0, 2))
            bio = rng.choice(words.AGENCY_BIO).format(
                staff=rng.randint(12, 180),
                area=district.town or district.code,
                specialism=specialism_text,
                founded=rng.randint(1995, 2022),
            )
        else:
            name = f"{self.fake.city()} {rng.choice(words.SUPPORT_ORG_SUFFIXES)}"
            rate = _round5(rng.uniform(2000, 3000))
            capacity = float(rng.choice([100, 200, 400]))
            radius = float(rng.choice([20, 30, 40]))
            services = ["DP_SUPPORT_SERVICE", *rng.sample(DP_SUPPORT_CODES, k=rng.randint(2, 5))]
            bio = rng.choice(words.SUPPORT_BIO).format(area=district.town or district.code)
        status = rng.choices(
            [ProviderStatus.PUBLISHED, ProviderStatus.DRAFT, ProviderStatus.SUSPENDED],
            weights=[85, 10, 5],
        )[0]
        inward = f"{rng.randint(1, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
        row = {
            "council_id": council_id,
            "owner_id": None,
            "kind": kind,
            "status": status,
            "name": name[:120],
            "bio": bio,
            "gender": gender,
            "skills": rng.sample(words.SKILLS, k=rng.randint(1, 5)),
            "languages": languages,
            "base_postcode": f"{district.code} {inward}",
            "postcode_district": district.code,
            "latitude": district.latitude,
            "longitude": district.longitude,
            "travel_radius_km": radius,
            "hourly_rate_pence": rate,
            "weekly_capacity_hours": capacity,
            "merchant_category_code": rng.choice(["8050", "8099", "7299", "8398"]),
            "contact_email": self.fake.email(),
            "contact_phone": self.fake.phone_number()[:32],
            "created_at": self.now,
            "updated_at": self.now,
            "published_at": self.now if status is ProviderStatus.PUBLISHED else None,
        }
        return row, list(dict.fromkeys(services)), self.slots(kind), self.checks(kind)

    def slots(self, kind: ProviderKind) -> list[dict]:
        rng = self.rng
        if kind is not ProviderKind.PA:
            return [{"day": d, "start_minute": 7 * 60, "end_minute": 22 * 60} for d in range(7)]
        days = sorted(rng.sample(range(7), k=rng.randint(3, 6)))
        pattern = rng.choice([(7, 13), (8, 16), (9, 17), (12, 20), (16, 22), (7, 10), (17, 24)])
        slots = [{"day": d, "start_minute": pattern[0] * 60, "end_minute": pattern[1] * 60} for d in days]
        if rng.random() < 0.2:  # a second, evening window on some days
            for d in days[:2]:
                if pattern[1] <= 17:
                    slots.append({"day": d, "start_minute": 18 * 60, "end_minute": 21 * 60})
        return slots

    def checks(self, kind: ProviderKind) -> list[dict]:
        rng = self.rng
        rows = []
        for check in sorted(REQUIRED_CHECKS[kind]):
            if rng.random() < 0.04:
                continue  # never done
            fate = rng.random()
            validity_days = {CheckType.DBS_ENHANCED: 3 * 365, CheckType.TRAINING: 2 * 365}.get(check, 365)
            if check is CheckType.CQC_REGISTRATION:
                validity_days = 0
            if fate < 0.08:  # lapsed
                expires = self.today - timedelta(days=rng.randint(1, 200))
            elif fate < 0.14:  # about to lapse
                expires = self.today + timedelta(days=rng.randint(1, 30))
            else:
                expires = self.today + timedelta(days=rng.randint(31, max(validity_days, 60)))
            checked = expires - timedelta(days=validity_days or 365)
            if checked > self.today:
                checked = self.today - timedelta(days=rng.randint(1, 60))
            row = {
                "check_type": check,
                "status": CheckStatus.PASSED if rng.random() > 0.03 else CheckStatus.PENDING,
                "reference": f"{check.value[:3]}{rng.randint(10**8, 10**9 - 1)}",
                "checked_on": checked,
                "expires_on": None if check is CheckType.CQC_REGISTRATION else expires,
                "dbs_update_service": rng.random() < 0.4 if check is CheckType.DBS_ENHANCED else None,
                "cqc_rating": rng.choices(list(CqcRating), weights=[5, 70, 20, 3, 2])[0]
                if check is CheckType.CQC_REGISTRATION
                else None,
                "recorded_at": self.now,
            }
            rows.append(row)
        return rows


async def generate(
    session: AsyncSession,
    *,
    council: Council,
    providers: int,
    holders: int,
    seed: int,
    today: date,
    districts: Sequence[PostcodeDistrict],
    holder_password_hash: str,
) -> SeedSummary:
    """Adds `providers` listings and `holders` DP holders to `council`, in batches."""
    if not districts:
        raise ValueError("load a geography before seeding providers")
    assert council.id is not None
    generator = _Generator(seed, today, districts)
    queued_at = utcnow()  # when the index should pick these up: now, whatever date the data is for
    made = 0
    while made < providers:
        batch = [generator.provider_row(council.id) for _ in range(min(BATCH, providers - made))]
        result = await session.execute(
            insert(Provider).returning(col(Provider.id), sort_by_parameter_order=True), [b[0] for b in batch]
        )
        ids = list(result.scalars())
        services, slots, checks = [], [], []
        for provider_id, (_, codes, provider_slots, provider_checks) in zip(ids, batch, strict=True):
            services += [{"provider_id": provider_id, "service_code": c} for c in codes]
            slots += [{**s, "provider_id": provider_id} for s in provider_slots]
            checks += [{**c, "provider_id": provider_id} for c in provider_checks]
        await session.execute(
            insert(SearchOutbox),
            [
                {"provider_id": i, "enqueued_at": queued_at, "next_attempt_at": queued_at, "attempts": 0}
                for i in ids
            ],
        )
        await session.execute(insert(ProviderService), services)
        await session.execute(insert(AvailabilitySlot), slots)
        await session.execute(insert(Accreditation), checks)
        made += len(batch)
    slug = "".join(ch for ch in council.name.lower() if ch.isalnum())[:20] or "council"
    if holders:
        await session.execute(
            insert(User),
            [
                {
                    "email": f"holder{n + 1}.{seed}@{slug}.example",
                    "full_name": generator.fake.name(),
                    "password_hash": holder_password_hash,
                    "role": Role.DP_HOLDER,
                    "council_id": council.id,
                    "failed_logins": 0,
                    "created_at": generator.now,
                }
                for n in range(holders)
            ],
        )
    await session.flush()
    return SeedSummary(council_id=council.id, providers=providers, holders=holders)
