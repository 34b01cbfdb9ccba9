"""What the Meilisearch index is told: its settings and the JSON each provider becomes."""

from __future__ import annotations

from typing import Any

from search import derived
from search.documents import ProviderDocument
from search.synonyms import STOP_WORDS, meilisearch_synonyms
from search.text import ONE_TYPO_FROM, TWO_TYPOS_FROM

MAX_TOTAL_HITS = 100_000
"""Pages and totals reach this far; national-scale listings stay below it."""


def index_settings() -> dict[str, Any]:
    """The full settings payload (PATCH /indexes/{uid}/settings).

    "sort" ranks first so distance and rate sorts are strict orders, not tie-breakers after text
    relevance; with no `sort` parameter it is a no-op and text relevance leads.
    """
    return {
        "searchableAttributes": ["name", "service_labels", "kind_label", "skills", "language_names", "bio"],
        "filterableAttributes": [
            "id",
            "council_id",
            "kind",
            "status",
            "services",
            "skills",
            "languages",
            "gender",
            "hourly_rate_pence",
            "rate_band",
            "_geo",
            "travel_reach_km",
            "remaining_capacity_hours",
            "available",
            "accredited",
            "accredited_until_day",
        ],
        "sortableAttributes": ["_geo", "hourly_rate_pence", "id", "review_rank"],
        "rankingRules": ["sort", "words", "typo", "proximity", "attribute", "exactness"],
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": ONE_TYPO_FROM, "twoTypos": TWO_TYPOS_FROM},
        },
        "synonyms": meilisearch_synonyms(),
        "stopWords": sorted(STOP_WORDS),
        "faceting": {"maxValuesPerFacet": 1000},
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    }


def to_meilisearch(doc: ProviderDocument) -> dict[str, Any]:
    """The indexed JSON: the document plus derived fields (`_geo`, reach, rate band, blocks, expiry day)."""
    return {
        "id": doc.id,
        "council_id": doc.council_id,
        "kind": doc.kind,
        "kind_label": derived.kind_label(doc),
        "status": doc.status,
        "name": doc.name,
        "bio": doc.bio,
        "services": list(doc.services),
        "service_labels": list(doc.service_labels),
        "skills": list(doc.skills),
        "languages": list(doc.languages),
        "language_names": list(doc.language_names),
        "gender": doc.gender,
        "hourly_rate_pence": doc.hourly_rate_pence,
        "rate_band": derived.doc_rate_band(doc),
        "_geo": {"lat": doc.latitude, "lng": doc.longitude},
        "travel_radius_km": doc.travel_radius_km,
        "travel_reach_km": derived.travel_reach_km(doc),
        "remaining_capacity_hours": doc.remaining_capacity_hours,
        "available": list(derived.available_blocks(doc)),
        "accredited": doc.accredited,
        "accredited_until_day": derived.accredited_until_day(doc),
        "postcode_district": doc.postcode_district,
        "review_score": doc.review_score,
        "review_rank": derived.review_rank(doc),
    }
