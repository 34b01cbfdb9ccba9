"""Bulk-loaded seed data for the market benchmark (issue 13): councils of plans, needs, providers and two
years of agreements, written with executemany (SQLite) or COPY (PostgreSQL), never ORM row by row.

Rows are generated with explicit ids, table by table, in foreign-key order; PostgreSQL's sequences
are moved past them afterwards.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from broker.geography.models import PostcodeDistrict
from broker.market.bands import TimeBand
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import ProviderKind
from seed.plans import NEED_SHAPES as PLAN_SHAPES

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
TODAY = NOW.date()
TWO_YEARS_AGO = TODAY - timedelta(days=730)

# (service, days a week, start hour, hours a visit): the shapes of seed/plans.py, and night support
NEED_SHAPES = [*PLAN_SHAPES, ("NIGHT_SUPPORT", 3, 22, 2)]
SERVICES = sorted({s for s, *_ in NEED_SHAPES})
PLAN_STATUSES = ["ACTIVE"] * 80 + ["MATCHED"] * 10 + ["DRAFT"] * 5 + ["CLOSED"] * 5
CONSTRAINTS = ["RATE", "SCHEDULE", "CAPACITY", "TRAVEL_RADIUS", "LANGUAGE", "GENDER"]
SOURCES = ["NO_CANDIDATE", "REQUEST_DECLINED", "REQUEST_EXPIRED", "NOT_ALLOCATED"]

TABLES: dict[str, tuple[str, ...]] = {
    "council": ("id", "name", "created_at"),
    "user_account": (
        "id", "email", "full_name", "password_hash", "role", "council_id", "failed_logins", "created_at",
        "token_version",
    ),
    "provider": (
        "id", "council_id", "kind", "status", "name", "bio", "skills", "languages", "postcode_district",
        "latitude", "longitude", "travel_radius_km", "hourly_rate_pence", "weekly_capacity_hours",
        "created_at", "updated_at", "published_at",
    ),
    "accreditation": ("id", "provider_id", "check_type", "status", "reference", "checked_on", "recorded_at"),
    "provider_service": ("provider_id", "service_code"),
    "availability_slot": ("id", "provider_id", "day", "start_minute", "end_minute"),
    "dp_holder": (
        "id", "user_id", "council_id", "weekly_budget_pence", "held_as", "home_postcode", "postcode_district",
        "latitude", "longitude", "created_at", "updated_at",
    ),
    "support_plan": (
        "id", "council_id", "holder_id", "status", "outcomes", "postcode", "postcode_district", "latitude",
        "longitude", "start_date", "created_at", "updated_at",
    ),
    "plan_activation": ("plan_id", "activated_at"),
    "plan_need": ("id", "plan_id", "position", "service_code", "hours_per_week", "budgeted_rate_pence"),
    "need_slot": ("id", "need_id", "day", "start_minute", "end_minute"),
    "agreement": (
        "id", "council_id", "holder_id", "plan_id", "provider_id", "status", "hours_per_week",
        "hourly_rate_pence", "start_date", "end_date", "end_reason", "created_by_id", "created_at",
        "updated_at",
    ),
    "agreement_need": (
        "id", "agreement_id", "need_id", "service_code", "hours_per_week", "budgeted_rate_pence",
    ),
    "agreement_slot": ("id", "agreement_id", "day", "start_minute", "end_minute"),
    "direct_payment": (
        "id", "holder_id", "council_id", "start_date", "end_date", "end_reason", "age_band", "recorded_at",
    ),
    "council_figures": (
        "id", "council_id", "month", "people_on_long_term_community_support",
        "people_on_long_term_community_support_18_to_64", "people_on_long_term_community_support_65_plus",
        "people_on_direct_payments", "recorded_at",
    ),
    "take_up_target": (
        "id", "council_id", "target_basis_points", "by_date", "planned_new_per_year", "set_at",
    ),
    "unmet_need": (
        "id", "council_id", "plan_id", "need_id", "postcode_district", "service_code", "time_band",
        "hours_per_week", "failed_constraint", "source", "recorded_at",
    ),
}  # fmt: skip


@dataclass
class Ids:
    """The next id of each table, shared by every council seeded into one database."""

    next: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 1))

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Rows:
    tables: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, *values) -> None:
        self.tables[table].append(values)


def nearest(
    districts: Sequence[PostcodeDistrict], centre: PostcodeDistrict, n: int
) -> list[PostcodeDistrict]:
    def km2(d: PostcodeDistrict) -> float:
        east = (d.longitude - centre.longitude) * math.cos(math.radians(centre.latitude))
        return (d.latitude - centre.latitude) ** 2 + east**2

    return sorted(districts, key=km2)[:n]


def _slots(rng: random.Random, days: int, hour: int, length: int) -> list[tuple[int, int, int]]:
    chosen = sorted(rng.sample(range(7), days)) if days < 7 else list(range(7))
    start = hour * 60 + rng.choice((0, 0, 30))
    end = min(start + length * 60, 24 * 60)
    return [(d, start, end) for d in chosen]


def staff(rows: Rows, ids: Ids, council_id: int | None, label: str) -> dict[str, int]:
    """A commissioner, a broker and an admin of the council (a platform admin without one)."""
    users = {}
    roles = ("COMMISSIONER", "BROKER", "ADMIN") if council_id else ("ADMIN",)
    for role in roles:
        uid = ids.take("user_account")
        rows.add(
            "user_account",
            uid,
            f"{role.lower()}-{label}@bench.invalid",
            f"{role.title()} {label}",
            "-",
            role,
            council_id,
            0,
            NOW,
            0,
        )
        users[role] = uid
    return users


def council(
    rows: Rows,
    ids: Ids,
    rng: random.Random,
    *,
    name: str,
    districts: Sequence[PostcodeDistrict],
    plans: int,
    providers: int,
    needs_per_plan: int = 3,
) -> tuple[int, dict[str, int]]:
    """One council's people, plans, needs, providers, agreements, DPs, figures and unmet-need ledger."""
    council_id = ids.take("council")
    rows.add("council", council_id, name, NOW - timedelta(days=1500))
    users = staff(rows, ids, council_id, str(council_id))

    provider_ids = []
    for _ in range(providers):
        pid = ids.take("provider")
        provider_ids.append(pid)
        home = rng.choice(districts)
        kind = ProviderKind.PA if rng.random() < 0.7 else ProviderKind.AGENCY
        status = "PUBLISHED" if rng.random() < 0.9 else rng.choice(("DRAFT", "SUSPENDED"))
        created = NOW - timedelta(days=rng.randint(30, 1500))
        rows.add(
            "provider",
            pid,
            council_id,
            kind.value,
            status,
            f"Provider {pid}",
            "",
            "[]",
            "[]",
            home.code,
            home.latitude + rng.uniform(-0.04, 0.04),
            home.longitude + rng.uniform(-0.06, 0.06),
            rng.choice((3.0, 5.0, 8.0, 10.0, 15.0, 20.0)),
            rng.randint(1500, 2800),
            float(rng.choice((10, 20, 30, 40, 60, 120))),
            created,
            created,
            created if status == "PUBLISHED" else None,
        )
        for check in sorted(REQUIRED_CHECKS[kind]):
            # one provider in twenty is missing a check (not accredited, so not listed)
            if rng.random() < 0.012:
                continue
            rows.add(
                "accreditation",
                ids.take("accreditation"),
                pid,
                check.value,
                "PASSED",
                f"R{pid}",
                TODAY - timedelta(days=rng.randint(10, 700)),
                created,
            )
        for service in rng.sample(SERVICES, rng.randint(1, 4)):
            rows.add("provider_service", pid, service)
        for day in rng.sample(range(7), rng.randint(3, 7)):
            start = rng.choice((6, 7, 8, 9, 13, 17)) * 60
            rows.add(
                "availability_slot",
                ids.take("availability_slot"),
                pid,
                day,
                start,
                start + rng.randint(3, 9) * 60,
            )

    people = 0
    for _ in range(plans):
        district = rng.choice(districts)
        uid = ids.take("user_account")
        rows.add(
            "user_account",
            uid,
            f"h{uid}@bench.invalid",
            f"Holder {uid}",
            "-",
            "DP_HOLDER",
            council_id,
            0,
            NOW,
            0,
        )
        hid = ids.take("dp_holder")
        created = NOW - timedelta(days=rng.randint(1, 1100), minutes=rng.randint(0, 1440))
        rows.add(
            "dp_holder",
            hid,
            uid,
            council_id,
            rng.randint(20_000, 90_000),
            rng.choice(("PREPAID_CARD", "BANK_ACCOUNT")),
            f"{district.code} 1AA",
            district.code,
            district.latitude,
            district.longitude,
            created,
            created,
        )
        plan_id = ids.take("support_plan")
        status = rng.choice(PLAN_STATUSES)
        rows.add(
            "support_plan",
            plan_id,
            council_id,
            hid,
            status,
            "Stay well at home.",
            f"{district.code} 1AA",
            district.code,
            district.latitude,
            district.longitude,
            created.date() + timedelta(days=14),
            created,
            created,
        )
        if status in ("ACTIVE", "MATCHED") and rng.random() < 0.8:
            rows.add("plan_activation", plan_id, created + timedelta(days=rng.randint(0, 10)))
        needs = []
        for position, (service, days, hour, length) in enumerate(rng.sample(NEED_SHAPES, needs_per_plan)):
            need_id = ids.take("plan_need")
            slots = _slots(rng, days, hour, length) if rng.random() < 0.95 else []
            hours = sum((e - s) / 60 for _, s, e in slots) or float(days * length)
            rate = rng.randint(1500, 3200)
            rows.add("plan_need", need_id, plan_id, position, service, hours, rate)
            for d, s, e in slots:
                rows.add("need_slot", ids.take("need_slot"), need_id, d, s, e)
            needs.append((need_id, service, hours, rate, slots))
        if status != "DRAFT":
            for _ in range(1 if rng.random() < 0.8 else 2):
                if rng.random() > 0.7:
                    continue
                start = TWO_YEARS_AGO + timedelta(days=rng.randint(0, 760))
                a_status = rng.choice(["ACTIVE"] * 13 + ["ENDED"] * 4 + ["CANCELLED"] * 2 + ["PROPOSED"])
                end = None
                if a_status == "ENDED":
                    end = start + timedelta(days=rng.randint(7, 500))
                covered = rng.sample(needs, rng.randint(1, min(2, len(needs))))
                hours = sum(n[2] for n in covered)
                aid = ids.take("agreement")
                made = datetime.combine(start - timedelta(days=rng.randint(1, 20)), datetime.min.time(), UTC)
                rows.add(
                    "agreement",
                    aid,
                    council_id,
                    hid,
                    plan_id,
                    rng.choice(provider_ids),
                    a_status,
                    hours,
                    rng.randint(1500, 2800),
                    start,
                    end,
                    "Moved away." if end else "",
                    users["BROKER"],
                    made,
                    made,
                )
                for need_id, service, need_hours, rate, slots in covered:
                    rows.add(
                        "agreement_need", ids.take("agreement_need"), aid, need_id, service, need_hours, rate
                    )
                    for d, s, e in slots:
                        rows.add("agreement_slot", ids.take("agreement_slot"), aid, d, s, e)
        if rng.random() < 0.4:
            need_id, service, hours, _, _ = rng.choice(needs)
            rows.add(
                "unmet_need",
                ids.take("unmet_need"),
                council_id,
                plan_id,
                need_id,
                district.code,
                service,
                rng.choice(list(TimeBand)).value,
                hours,
                rng.choice(CONSTRAINTS),
                rng.choice(SOURCES),
                NOW - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440)),
            )
        if rng.random() < 0.85:
            people += 1
            dp_start = date(2019, 1, 1) + timedelta(days=rng.randint(0, (TODAY - date(2019, 1, 1)).days))
            dp_end = dp_start + timedelta(days=rng.randint(30, 1500)) if rng.random() < 0.25 else None
            if dp_end and dp_end > TODAY:
                dp_end = None
            rows.add(
                "direct_payment",
                ids.take("direct_payment"),
                hid,
                council_id,
                dp_start,
                dp_end,
                "Moved to a care home." if dp_end else "",
                rng.choice(("AGED_18_TO_64",) * 3 + ("AGED_65_PLUS",) * 2),
                NOW,
            )
    support = max(plans * 3, 10)
    month = date(2023, 12, 1)
    while month <= TODAY:
        younger = support * 2 // 5
        rows.add(
            "council_figures",
            ids.take("council_figures"),
            council_id,
            month,
            support,
            younger,
            support - younger,
            people if rng.random() < 0.5 else None,
            NOW,
        )
        month = (month + timedelta(days=32)).replace(day=1)
    rows.add(
        "take_up_target",
        ids.take("take_up_target"),
        council_id,
        2800,
        date(2028, 3, 31),
        max(plans // 10, 1),
        NOW,
    )
    return council_id, users


def chunks(rows: list[tuple], size: int = 50_000) -> Iterator[list[tuple]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_sqlite(connection, rows: Rows) -> None:
    """executemany per table, in one transaction (`connection` is a sqlite3 connection)."""
    for table, columns in TABLES.items():
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for chunk in chunks(rows.tables[table]):
            connection.executemany(sql, [tuple(_sqlite_value(v) for v in r) for r in chunk])


def write_postgres(connection, rows: Rows) -> None:
    """COPY per table (`connection` is a psycopg connection), then sequences past the ids written."""
    with connection.cursor() as cursor:
        for table, columns in TABLES.items():
            if not rows.tables[table]:
                continue
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows.tables[table]:
                    copy.write_row(row)
        for table, columns in TABLES.items():
            if columns[0] == "id":
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
