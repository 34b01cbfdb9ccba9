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
from sqlmodel import col

from broker.agreements.capacity import still_holding
from broker.agreements.models import Agreement
from broker.geography.models import PostcodeDistrict
from broker.market.sql import band_parts
from broker.plans.models import PlanNeed, SupportPlan
from broker.providers.access import listed_clause
from broker.providers.models import AvailabilitySlot, Provider, ProviderService

KM_PER_DEGREE = 111.195


def reaches(provider: Any, district: Any) -> ColumnElement[bool]:
    x = (provider.latitude + district.latitude) * (math.pi / 360)  # mean latitude, radians
    x2 = x * x
    cosine = 1 - x2 / 2 + x2 * x2 / 24 - x2 * x2 * x2 / 720
    north = (provider.latitude - district.latitude) * KM_PER_DEGREE
    east = (provider.longitude - district.longitude) * KM_PER_DEGREE * cosine
    return north * north + east * east <= provider.travel_radius_km * provider.travel_radius_km


async def supply(
    session: AsyncSession, *, dims: list[str], plans: ColumnElement[bool], today: date
) -> tuple[dict[tuple, float], dict[tuple, dict[float, int]]]:
    """(free hours by cell, asking-rate histogram by cell); `dims` among "district", "service", "band".

    The listed providers are read once (a materialized CTE), then joined to one distinct row per
    provider and dimension value (district reached, worked out once per pair; service offered; band
    available), so each (provider, cell) pair is one row and both figures come from one GROUP BY."""
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
        select(col(PostcodeDistrict.code), col(PostcodeDistrict.latitude), col(PostcodeDistrict.longitude))
        .where(col(PostcodeDistrict.code).in_(select(districts.c.postcode_district)))
        .cte("place")
        .prefix_with("MATERIALIZED")
    )
    listed = (
        select(
            col(Provider.id).label("provider_id"),
            free,
            col(Provider.hourly_rate_pence).label("rate"),
            col(Provider.latitude),
            col(Provider.longitude),
            col(Provider.travel_radius_km),
        )
        .outerjoin(held, held.c.provider_id == Provider.id)
        .where(
            listed_clause(today),
            col(Provider.travel_radius_km).is_not(None),
            col(Provider.latitude).is_not(None),
        )
        .cte("listed")
        .prefix_with("MATERIALIZED")
    )
    # Each provider's distance to each district is worked out once, not once per service and band.
    reach = (
        select(listed.c.provider_id, place.c.code.label("district"))
        .join(place, reaches(listed.c, place.c))
        .cte("reach")
        .prefix_with("MATERIALIZED")
    )
    query = select(listed.c.free, listed.c.rate)
    keys: list = []
    for dim in dims:
        if dim == "district":
            query = query.join(reach, reach.c.provider_id == listed.c.provider_id)
            keys.append(reach.c.district)
        elif dim == "service":
            offered = (
                select(col(ProviderService.provider_id), col(ProviderService.service_code))
                .where(col(ProviderService.service_code).in_(select(services.c.service_code)))
                .subquery("offered")
            )
            query = query.join(offered, offered.c.provider_id == listed.c.provider_id)
            keys.append(offered.c.service_code.label("service"))
        else:
            part = band_parts("supply_part")
            slot = AvailabilitySlot.__table__.alias("slot")  # type: ignore[attr-defined]
            available = (
                select(slot.c.provider_id, part.c.band)
                .join(
                    part,
                    and_(
                        slot.c.day.between(part.c.first_day, part.c.last_day),
                        slot.c.start_minute < part.c.end_minute,
                        slot.c.end_minute > part.c.start_minute,
                    ),
                )
                .where(slot.c.provider_id.in_(select(listed.c.provider_id)))
                .distinct()
                .subquery("available")
            )
            query = query.join(available, available.c.provider_id == listed.c.provider_id)
            keys.append(available.c.band.label("band"))
    query = query.select_from(listed)
    if "district" not in dims:
        query = query.where(listed.c.provider_id.in_(select(reach.c.provider_id)))
    if "service" not in dims:
        query = query.where(
            select(col(ProviderService.provider_id))
            .where(
                col(ProviderService.provider_id) == listed.c.provider_id,
                col(ProviderService.service_code).in_(select(services.c.service_code)),
            )
            .exists()
        )
    cells = query.add_columns(*keys).subquery("supply_cell")
    cell_keys = [cells.c[d] for d in dims]
    summed = select(*cell_keys, cells.c.rate, func.sum(cells.c.free), func.count()).group_by(
        *cell_keys, cells.c.rate
    )
    hours: dict[tuple, float] = defaultdict(float)
    rates: dict[tuple, dict[float, int]] = defaultdict(dict)
    for row in await session.execute(summed):
        key = tuple(row[: len(dims)])
        rate, free_hours, providers = row[len(dims) :]
        hours[key] += float(free_hours or 0)
        if rate is not None:
            rates[key][float(rate)] = providers
    return {key: round(value, 2) for key, value in hours.items()}, rates
