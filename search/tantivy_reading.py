"""Answering one search from a tantivy searcher: a page of hits in the order asked for, the exact
total, and the facet counts over everything that matched (the backend opens the searcher and guards
the generation it reads)."""

from __future__ import annotations

from typing import Any, cast

import tantivy

from search.geo import distances_within
from search.query import FACET_NAMES, Hit, SearchQuery

FACET_SIZE = 1000


def page_without_geo(
    searcher: tantivy.Searcher, engine_query: tantivy.Query, query: SearchQuery, has_text: bool
) -> tuple[list[Hit], int, tantivy.Query | None]:
    """Paging and ordering inside tantivy: by score, or by the `rate_id` / `id` fast field."""
    page: dict[str, Any] = {
        "limit": max(1, query.limit),
        "count": True,
        "offset": query.offset,
    }  # limit 0 panics
    if has_text and query.sort == "relevance":
        result = searcher.search(engine_query, **page)
        scores = [float(score) for score, _ in result.hits]
    else:
        field = {"rate": "rate_id", "reviews": "review_rank_id"}.get(query.sort, "id")
        result = searcher.search(engine_query, **page, order_by_field=field, order=tantivy.Order.Asc)
        scores = [0.0] * len(result.hits)
    ids = cast(list[int], searcher.fast_field_values("id", [address for _, address in result.hits]))
    hits = [Hit(id=int(i), score=s) for i, s in zip(ids, scores, strict=True)]
    return hits[: query.limit], int(result.count or 0), engine_query  # type: ignore[attr-defined]


def page_with_geo(
    schema: tantivy.Schema,
    searcher: tantivy.Searcher,
    engine_query: tantivy.Query,
    query: SearchQuery,
    has_text: bool,
) -> tuple[list[Hit], int, tantivy.Query | None]:
    """Box in the engine, circle and travel reach here, over every candidate (for exact totals)."""
    assert query.geo is not None
    geo = query.geo
    candidates = searcher.search(engine_query, limit=max(1, searcher.num_docs), count=False).hits
    addresses = [address for _, address in candidates]
    # The stubs type fast-field values as any field type's; these fields are u64 and f64.
    ids = cast(list[int], searcher.fast_field_values("id", addresses))
    lats = cast(list[float], searcher.fast_field_values("latitude", addresses))
    lngs = cast(list[float], searcher.fast_field_values("longitude", addresses))
    reaches = cast(list[float], searcher.fast_field_values("travel_reach_km", addresses))
    distances = distances_within(geo.latitude, geo.longitude, geo.radius_km, lats, lngs, reaches)
    kept: list[tuple[int, float, float, int]] = []
    excluded: list[int] = []
    for position, distance in enumerate(distances):
        if distance is None:
            excluded.append(int(ids[position]))
        else:
            kept.append((int(ids[position]), distance, float(candidates[position][0]), position))
    if has_text and query.sort == "relevance":
        kept.sort(key=lambda row: (-row[2], row[0]))
    elif query.sort == "rate":
        rates = searcher.fast_field_values("hourly_rate_pence", [addresses[row[3]] for row in kept])
        order = sorted(range(len(kept)), key=lambda k: (rates[k], kept[k][1], kept[k][0]))
        kept = [kept[k] for k in order]
    elif query.sort == "reviews":
        ranks = searcher.fast_field_values("review_rank", [addresses[row[3]] for row in kept])
        order = sorted(range(len(kept)), key=lambda k: (ranks[k], kept[k][1], kept[k][0]))
        kept = [kept[k] for k in order]
    else:
        kept.sort(key=lambda row: (row[1], row[0]))
    scored = has_text and query.sort == "relevance"
    page = kept[query.offset : query.offset + query.limit]
    hits = [Hit(id=row[0], score=row[2] if scored else 0.0, distance_km=row[1]) for row in page]
    return hits, len(kept), _restrict(schema, engine_query, [row[0] for row in kept], excluded)


def _restrict(
    schema: tantivy.Schema, engine_query: tantivy.Query, kept: list[int], excluded: list[int]
) -> tantivy.Query | None:
    """The matching set as a query, for facets: whichever of kept / excluded is shorter to spell."""
    if not kept:
        return None
    if not excluded:
        return engine_query
    if len(excluded) < len(kept):
        return engine_query.and_must_not_match(tantivy.Query.term_set_query(schema, "id", excluded))
    return tantivy.Query.term_set_query(schema, "id", kept)


def count_facets(searcher: tantivy.Searcher, facet_query: tantivy.Query | None) -> dict[str, dict[str, int]]:
    """Term counts over every matching document, via tantivy's aggregation on fast fields."""
    facets: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES}
    if facet_query is None:
        return facets
    request = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACET_NAMES}
    response = searcher.aggregate(facet_query, request)
    for name in FACET_NAMES:
        for bucket in response.get(name, {}).get("buckets", []):
            facets[name][str(bucket["key"])] = int(bucket["doc_count"])
    return facets
