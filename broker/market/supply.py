"""Reachable supply for market gaps, in SQL: the free weekly hours and asking rates of listed
(published, accredited) providers offering the service, whose own travel radius covers the
district's centroid and whose availability overlaps the time band.

Free hours are the listing's weekly capacity less the hours its agreements hold today, never below
zero (`broker.agreements.capacity.still_holding`: the one rule of which agreement holds when).
Distance is the equirectangular
approximation with cos(latitude) as a Taylor polynomial, exact to metres at UK latitudes and the
same arithmetic on SQLite and PostgreSQL. A dimension not grouped by is a condition over the
council's demand: any district, or any service, of its ACTIVE and MATCHED plans.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel import col

from broker.agreements.capacity import still_holding
from broker.agreements.models import Agreement
from broker.geography.models import PostcodeDistrict
from broker.market.sql import band_parts
from broker.plans.models import PlanNeed, SupportPlan
from broker.providers.access import listed_clause
from broker.providers.models import AvailabilitySlot, Provider, ProviderService

KM_PER_DEGREE = 111.195


def _reaches(district: ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]) -> ColumnElement[bool]:
    x = (col(Provider.latitude) + district.latitude) * (math.pi / 360)  # mean latitude, radians
    x2 = x * x
    cosine = 1 - x2 / 2 + x2 * x2 / 24 - x2 * x2 * x2 / 720
    north = (col(Provider.latitude) - district.latitude) * KM_PER_DEGREE
    east = (col(Provider.longitude) - district.longitude) * KM_PER_DEGREE * cosine
    return north * north + east * east <= col(Provider.travel_radius_km) * col(Provider.travel_radius_km)


async def supply(
    session: AsyncSession, *, dims: list[str], plans: ColumnElement[bool], today: date
) -> tuple[dict[tuple, float], dict[tuple, dict[float, int]]]:
    """(free hours by cell, asking-rate histogram by cell); `dims` among "district", "service", "band"."""
    held = (
        select(col(Agreement.provider_id), func.sum(col(Agreement.hours_per_week)).label("hours"))
        .where(still_holding(today, today))
        .group_by(col(Agreement.provider_id))
        .subquery()
    )
    left = func.coalesce(Provider.weekly_capacity_hours, 0.0) - func.coalesce(held.c.hours, 0.0)
    free = case((left > 0, left), else_=literal(0.0)).label("free")
    districts = select(col(SupportPlan.postcode_district)).where(plans).distinct().subquery()
    services = (
        select(col(PlanNeed.service_code))
        .join(SupportPlan, col(SupportPlan.id) == col(PlanNeed.plan_id))
        .where(plans)
        .distinct()
    ).subquery()
    place = (
        select(PostcodeDistrict)
        .where(col(PostcodeDistrict.code).in_(select(districts.c.postcode_district)))
        .subquery("place")
    )
    keys: list = []
    query = (
        select(col(Provider.id).label("provider_id"), free, col(Provider.hourly_rate_pence).label("rate"))
        .outerjoin(held, held.c.provider_id == Provider.id)
        .where(
            listed_clause(today),
            col(Provider.travel_radius_km).is_not(None),
            col(Provider.latitude).is_not(None),
        )
    )
    for dim in dims:
        if dim == "district":
            query = query.join(place, _reaches(place.c))
            keys.append(place.c.code.label("district"))
        elif dim == "service":
            offered = ProviderService.__table__.alias("offered")  # type: ignore[attr-defined]
            query = query.join(
                offered,
                and_(
                    offered.c.provider_id == Provider.id,
                    offered.c.service_code.in_(select(services.c.service_code)),
                ),
            )
            keys.append(offered.c.service_code.label("service"))
        else:
            part = band_parts("supply_part")
            slot = AvailabilitySlot.__table__.alias("slot")  # type: ignore[attr-defined]
            query = query.join(slot, slot.c.provider_id == Provider.id).join(
                part,
                and_(
                    slot.c.day.between(part.c.first_day, part.c.last_day),
                    slot.c.start_minute < part.c.end_minute,
                    slot.c.end_minute > part.c.start_minute,
                ),
            )
            keys.append(part.c.band.label("band"))
    if "district" not in dims:
        query = query.where(select(place.c.code).where(_reaches(place.c)).exists())
    if "service" not in dims:
        query = query.where(
            select(col(ProviderService.provider_id))
            .where(
                col(ProviderService.provider_id) == col(Provider.id),
                col(ProviderService.service_code).in_(select(services.c.service_code)),
            )
            .exists()
        )
    cells = query.add_columns(*keys).distinct().subquery("supply_cell")
    cell_keys = [cells.c[d] for d in dims]
    hours: dict[tuple, float] = {}
    for row in await session.execute(select(*cell_keys, func.sum(cells.c.free)).group_by(*cell_keys)):
        hours[tuple(row[: len(dims)])] = round(float(row[len(dims)] or 0), 2)
    rates: dict[tuple, dict[float, int]] = defaultdict(dict)
    histogram = select(*cell_keys, cells.c.rate, func.count()).where(cells.c.rate.is_not(None))
    for row in await session.execute(histogram.group_by(*cell_keys, cells.c.rate)):
        rates[tuple(row[: len(dims)])][float(row[len(dims)])] = row[len(dims) + 1]
    return hours, rates
