"""Translating a `SearchQuery` into Meilisearch search parameters, in its documented filter grammar.

The provider's travel radius cannot be compared with a distance inside a Meilisearch filter, so the
query lists one `_geoRadius` per whole-km reach band::

    _geoRadius(lat, lng, R) AND (travel_reach_km >= ceil(R)
                                 OR (travel_reach_km = 1 AND _geoRadius(lat, lng, 1000)) OR ...)

which is exact for the whole-km reach both engines honour, so totals and facets need no post-filter.
"""

from __future__ import annotations

import math
from typing import Any

from search import derived
from search.query import FACET_NAMES, SearchQuery
from search.slots import required_blocks


def quote(value: str) -> str:
    """A filter string literal: double quotes, with backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _geo_radius(lat: float, lng: float, km: float) -> str:
    return f"_geoRadius({_number(lat)}, {_number(lng)}, {round(km * 1000)})"


def _any_of(attribute: str, values: tuple[str, ...]) -> str:
    return f"{attribute} IN [{', '.join(quote(v) for v in values)}]"


def geo_filter(lat: float, lng: float, radius_km: float) -> str:
    """Within `radius_km` of the person and within each provider's whole-km travel reach."""
    full_reach = math.ceil(radius_km - 1e-9)
    bands = [f"travel_reach_km >= {full_reach}"]
    bands += [f"(travel_reach_km = {km} AND {_geo_radius(lat, lng, km)})" for km in range(1, full_reach)]
    return f"{_geo_radius(lat, lng, radius_km)} AND ({' OR '.join(bands)})"


def filter_expression(query: SearchQuery) -> str | None:
    """Every structured filter of `query`, ANDed; None when there is none."""
    parts: list[str] = []
    if query.statuses:
        parts.append(_any_of("status", query.statuses))
    if query.kinds:
        parts.append(_any_of("kind", query.kinds))
    parts += [f"services = {quote(code)}" for code in query.services]
    parts += [f"skills = {quote(skill)}" for skill in query.skills]
    if query.languages:
        parts.append(_any_of("languages", query.languages))
    if query.gender is not None:
        parts.append(f"gender = {quote(query.gender)}")
    if query.council_id is not None:
        parts.append(f"council_id = {query.council_id}")
    if query.max_rate_pence is not None:
        parts.append(f"hourly_rate_pence <= {query.max_rate_pence}")
    if query.min_remaining_hours is not None:
        parts.append(f"remaining_capacity_hours >= {_number(query.min_remaining_hours)}")
    parts += [f"available = {quote(block)}" for block in required_blocks(query.available)]
    if query.accredited_only:
        parts.append(f"accredited = true AND accredited_until_day > {derived.day_number(query.today)}")
    if query.geo is not None:
        parts.append(geo_filter(query.geo.latitude, query.geo.longitude, query.geo.radius_km))
    return " AND ".join(parts) or None


def sort_expression(query: SearchQuery) -> list[str] | None:
    """Meilisearch `sort`; None leaves text relevance in charge (see `SearchQuery.sort`)."""
    point = (
        f"_geoPoint({_number(query.geo.latitude)}, {_number(query.geo.longitude)}):asc" if query.geo else None
    )
    if query.sort == "rate":
        return ["hourly_rate_pence:asc", *([point] if point else []), "id:asc"]
    if query.sort == "reviews":
        return ["review_rank:asc", *([point] if point else []), "id:asc"]
    if query.sort == "relevance" and query.text.strip():
        return None
    return [*([point] if point else []), "id:asc"]


def search_params(query: SearchQuery) -> dict[str, Any]:
    """The POST /indexes/{uid}/search body, minus `q`.

    Uses `page`/`hitsPerPage` because only that mode returns an exhaustive `totalHits`; an offset
    that is not a multiple of the limit fetches the first offset+limit hits and drops the head.
    """
    if query.limit == 0:
        page, per_page = 1, 0
    elif query.offset % query.limit == 0:
        page, per_page = query.offset // query.limit + 1, query.limit
    else:
        page, per_page = 1, query.offset + query.limit
    params: dict[str, Any] = {
        "page": page,
        "hitsPerPage": per_page,
        "attributesToRetrieve": ["id", "_geo"],
        "showRankingScore": True,
        "matchingStrategy": "all",
    }
    if (expression := filter_expression(query)) is not None:
        params["filter"] = expression
    if (sort := sort_expression(query)) is not None:
        params["sort"] = sort
    if query.facets:
        params["facets"] = list(FACET_NAMES)
    return params
