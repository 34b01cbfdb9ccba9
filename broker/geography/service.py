"""Loading geography files and resolving postcodes against the districts we hold."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broker.errors import ErrorCode, InvalidInput, Problems
from broker.geography.models import PostcodeDistrict
from broker.geography.postcodes import Postcode, parse_postcode

# ONSPD marks a postcode with no grid reference by these coordinates; such a postcode places nothing.
_ONSPD_NO_LOCATION = (99.999999, 0.0)


def read_geography_csv(path: Path) -> list[PostcodeDistrict]:
    """Reads a districts file in either of the formats a council is likely to hold, told apart by
    the header: one row per district (uk-outcodes.csv: postcode, latitude, longitude, city, county,
    region_name), or the ONS Postcode Directory (one row per postcode: pcds or pcd, lat, long,
    oslaua, doterm), which is aggregated to districts (see `_districts_from_onspd`)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = {name.strip().lower() for name in reader.fieldnames or []}
        if {"lat", "long"} <= columns and columns & {"pcd", "pcds"}:
            return _districts_from_onspd(reader)
        return _districts_from_outcodes(reader)


def _districts_from_outcodes(rows: Iterable[dict[str, str]]) -> list[PostcodeDistrict]:
    districts: dict[str, PostcodeDistrict] = {}
    for row in rows:
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


def _districts_from_onspd(rows: Iterable[dict[str, str]]) -> list[PostcodeDistrict]:
    """A district's centroid is the mean position of its live postcodes: a terminated postcode
    (`doterm` set) no longer has addresses, and one without a grid reference places nothing. The
    district's area is the local authority (`oslaua`) most of its postcodes are in."""
    sums: dict[str, list[float]] = {}
    authorities: dict[str, Counter[str]] = {}
    for raw in rows:
        row = {key.strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        if row.get("doterm"):
            continue
        parsed = parse_postcode(row.get("pcds") or row.get("pcd") or "")
        if parsed is None or not row.get("lat") or not row.get("long"):
            continue
        latitude, longitude = float(row["lat"]), float(row["long"])
        if (latitude, longitude) == _ONSPD_NO_LOCATION:
            continue
        total = sums.setdefault(parsed.district, [0.0, 0.0, 0])
        total[0] += latitude
        total[1] += longitude
        total[2] += 1
        if row.get("oslaua"):
            authorities.setdefault(parsed.district, Counter())[row["oslaua"]] += 1
    return [
        PostcodeDistrict(
            code=code,
            latitude=round(lat_sum / count, 6),
            longitude=round(lng_sum / count, 6),
            area=authorities[code].most_common(1)[0][0] if code in authorities else "",
        )
        for code, (lat_sum, lng_sum, count) in sorted(sums.items())
    ]


async def load_districts(
    session: AsyncSession,
    districts: Iterable[PostcodeDistrict],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Inserts new districts and updates known ones by code (an upsert), so loading the same file
    twice leaves the same rows and a corrected file corrects them; returns how many were written.
    `progress` is told the running count, for a command line's progress bar."""
    _KNOWN.clear()
    count = 0
    for district in districts:
        await session.merge(district)
        count += 1
        if progress is not None and count % 100 == 0:
            progress(count)
    await session.flush()
    _KNOWN.clear()
    if progress is not None:
        progress(count)
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


@dataclass(frozen=True)
class Place:
    """Where a person lives or is supported: the postcode as written, and its district on the map."""

    postcode: str
    district: str
    latitude: float
    longitude: float


async def place_of(session: AsyncSession, text: str, *, field: str, problems: Problems) -> Place | None:
    """Like `resolve_postcode`, for an input checked field by field: a refusal joins `problems`."""
    try:
        postcode, district = await resolve_postcode(session, text, field=field)
    except InvalidInput as error:
        problems.errors.extend(error.errors)
        return None
    return Place(str(postcode), district.code, district.latitude, district.longitude)
