"""Loading geography files and resolving postcodes against the districts we hold."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broker.errors import ErrorCode, InvalidInput
from broker.geography.models import PostcodeDistrict
from broker.geography.postcodes import Postcode, parse_postcode


def read_geography_csv(path: Path) -> list[PostcodeDistrict]:
    """Reads the columns of uk-outcodes.csv (postcode, latitude, longitude, city, county, region_name)."""
    districts: dict[str, PostcodeDistrict] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            parsed = parse_postcode(row["postcode"])
            if parsed is None or parsed.inward is not None:
                continue
            districts[parsed.district] = PostcodeDistrict(
                code=parsed.district,
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                town=(row.get("city") or "").strip(),
                area=(row.get("county") or "").strip(),
                region=(row.get("region_name") or "").strip(),
            )
    return list(districts.values())


async def load_districts(session: AsyncSession, districts: Iterable[PostcodeDistrict]) -> int:
    """Inserts or replaces districts; returns how many were written."""
    _KNOWN.clear()
    count = 0
    for district in districts:
        await session.merge(district)
        count += 1
    await session.flush()
    return count


async def district_count(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(PostcodeDistrict))).scalar_one()


# District centroids are reference data that never change once loaded, only grow; remembering the
# ones we have seen saves a database round trip on every search and plan.
_KNOWN: dict[str, PostcodeDistrict] = {}


async def find_district(session: AsyncSession, code: str) -> PostcodeDistrict | None:
    known = _KNOWN.get(code)
    if known is not None:
        return known
    district = await session.get(PostcodeDistrict, code)
    if district is None:
        return None
    if len(_KNOWN) < 10_000:
        _KNOWN[code] = PostcodeDistrict(**district.model_dump())
    return district


async def resolve_postcode(
    session: AsyncSession, text: str, *, field: str
) -> tuple[Postcode, PostcodeDistrict]:
    """A postcode the user typed, checked for shape and for a district we can place on the map."""
    postcode = parse_postcode(text)
    if postcode is None:
        raise InvalidInput(f"'{text[:12]}' is not a UK postcode or postcode district.", field=field)
    district = await find_district(session, postcode.district)
    if district is None:
        raise InvalidInput(
            f"We have no location for postcode district {postcode.district}.",
            field=field,
            code=ErrorCode.UNKNOWN_POSTCODE,
        )
    return postcode, district
