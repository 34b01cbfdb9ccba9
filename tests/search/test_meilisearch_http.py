"""The exact HTTP the Meilisearch backend sends, checked against a recording loopback server.

No Meilisearch server runs here: these tests pin the wire format (settings, filter grammar,
`_geoRadius`, `_geoPoint`, facets, documents, swap-indexes) and the error handling. The same
semantics run against a live server in test_conformance.py when MEILI_URL is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from search.backend import IndexState, SearchError, SearchTaskFailed, SearchUnavailable
from search.meilisearch_backend import MeilisearchBackend
from search.query import GeoFilter, Hit, SearchQuery
from tests.search.factories import provider
from tests.search.fake_meilisearch import FakeMeilisearch, serve_fake_meilisearch

TODAY = date(2025, 6, 1)  # day number 739403
ACCREDITED = "accredited = true AND accredited_until_day > 739403"
SEARCH = ("POST", "/indexes/providers/search")
FAILED = {
    "code": "invalid_settings_ranking_rules",
    "message": "bad rule",
    "type": "invalid_request",
    "link": "",
}


@pytest.fixture
def fake() -> Iterator[FakeMeilisearch]:
    with serve_fake_meilisearch() as server:
        server.search_response = {"hits": [], "totalHits": 0, "processingTimeMs": 1}
        yield server


@pytest.fixture
def backend(fake: FakeMeilisearch) -> MeilisearchBackend:
    return MeilisearchBackend(fake.url, api_key="secret", task_interval_ms=1)


def _search_body(fake: FakeMeilisearch) -> dict:
    return fake.only(*SEARCH).body


# -- writes ----------------------------------------------------------------------------------


def test_first_write_creates_the_index_applies_settings_then_adds_documents(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    backend.upsert([provider(1)])
    backend.upsert([provider(2)])

    assert fake.calls() == [
        ("POST", "/indexes"),
        ("PATCH", "/indexes/providers/settings"),
        ("POST", "/indexes/providers/documents"),
        ("POST", "/indexes/providers/documents"),
    ]
    assert fake.only("POST", "/indexes").body == {"uid": "providers", "primaryKey": "id"}
    assert fake.requests[0].headers["Authorization"] == "Bearer secret"


def test_settings_payload(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    backend.upsert([provider(1)])

    settings = fake.only("PATCH", "/indexes/providers/settings").body
    assert sorted(settings) == [
        "faceting",
        "filterableAttributes",
        "pagination",
        "rankingRules",
        "searchableAttributes",
        "sortableAttributes",
        "stopWords",
        "synonyms",
        "typoTolerance",
    ]
    assert settings["searchableAttributes"] == [
        "name",
        "service_labels",
        "kind_label",
        "skills",
        "language_names",
        "bio",
    ]
    assert settings["filterableAttributes"] == [
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
    ]
    assert settings["sortableAttributes"] == ["_geo", "hourly_rate_pence", "id", "review_rank"]
    assert settings["rankingRules"] == ["sort", "words", "typo", "proximity", "attribute", "exactness"]
    assert settings["typoTolerance"] == {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
    }
    assert settings["synonyms"]["respite"] == ["short break", "short breaks"]
    assert settings["synonyms"]["personal assistant"] == [
        "carer",
        "pa",
        "care worker",
        "support worker",
        "care assistant",
    ]
    assert {"who", "speaks", "near"} <= set(settings["stopWords"])
    assert settings["faceting"] == {"maxValuesPerFacet": 1000}
    assert settings["pagination"] == {"maxTotalHits": 100000}


def test_document_payload(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    doc = provider(
        7,
        name="Amrit Kaur",
        bio="Calm.",
        gender="F",
        hourly_rate_pence=1650,
        latitude=53.84,
        longitude=-1.5,
        travel_radius_km=7.5,
        services=("DEMENTIA",),
        service_labels=("Dementia care",),
        skills=("Hoist trained",),
        languages=("pa",),
        language_names=("Punjabi",),
        review_score=8.6,
        slots=((0, 540, 600),),
        accredited_until=date(2025, 7, 1),
    )
    backend.upsert([doc, doc])

    request = fake.only("POST", "/indexes/providers/documents")
    assert request.query == {"primaryKey": "id"}
    assert request.body == [
        {
            "id": 7,
            "council_id": 1,
            "kind": "PA",
            "kind_label": "Personal assistant",
            "status": "PUBLISHED",
            "name": "Amrit Kaur",
            "bio": "Calm.",
            "services": ["DEMENTIA"],
            "service_labels": ["Dementia care"],
            "skills": ["Hoist trained"],
            "languages": ["pa"],
            "language_names": ["Punjabi"],
            "gender": "F",
            "hourly_rate_pence": 1650,
            "rate_band": "15_to_20",
            "_geo": {"lat": 53.84, "lng": -1.5},
            "travel_radius_km": 7.5,
            "travel_reach_km": 7,
            "remaining_capacity_hours": 20.0,
            "available": ["0-0900", "0-0915", "0-0930", "0-0945"],
            "accredited": True,
            "accredited_until_day": 739433,
            "postcode_district": "LS8",
            "review_score": 8.6,
            "review_rank": 14,
        }
    ]


def test_delete_sends_an_id_filter(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    backend.delete([3, 5])

    assert fake.only("POST", "/indexes/providers/documents/delete").body == {"filter": "id IN [3, 5]"}


def test_clear_deletes_all_documents(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    backend.clear()

    assert fake.calls()[-1] == ("DELETE", "/indexes/providers/documents")


def test_rebuild_builds_aside_then_swaps_and_drops_the_old_copy(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    fake.failed_tasks["indexCreation"] = {"code": "index_already_exists", "message": "exists"}

    assert backend.rebuild(provider(i) for i in (1, 2, 3)) == 3

    staging = fake.requests[0].body["uid"]
    assert staging.startswith("providers_rebuild_")
    assert fake.calls() == [
        ("POST", "/indexes"),
        ("PATCH", f"/indexes/{staging}/settings"),
        ("POST", f"/indexes/{staging}/documents"),
        ("POST", "/indexes"),
        ("PATCH", "/indexes/providers/settings"),
        ("POST", "/swap-indexes"),
        ("DELETE", f"/indexes/{staging}"),
    ]
    assert [doc["id"] for doc in fake.only("POST", f"/indexes/{staging}/documents").body] == [1, 2, 3]
    assert fake.only("POST", "/swap-indexes").body == [{"indexes": ["providers", staging]}]


def test_rebuild_sends_documents_in_batches(fake: FakeMeilisearch) -> None:
    backend = MeilisearchBackend(fake.url, task_interval_ms=1, batch_size=2)

    backend.rebuild(provider(i) for i in (1, 2, 3))

    batches = [r.body for r in fake.requests if r.method == "POST" and r.path.endswith("/documents")]
    assert [[doc["id"] for doc in batch] for batch in batches] == [[1, 2], [3]]


def test_failed_task_raises(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    fake.failed_tasks["settingsUpdate"] = FAILED

    with pytest.raises(SearchTaskFailed, match="invalid_settings_ranking_rules: bad rule"):
        backend.upsert([provider(1)])
    assert ("POST", "/indexes/providers/documents") not in fake.calls()


def test_failed_document_task_raises(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    fake.failed_tasks["documentAdditionOrUpdate"] = {"code": "invalid_document_geo_field", "message": "bad"}

    with pytest.raises(SearchTaskFailed, match="invalid_document_geo_field"):
        backend.upsert([provider(1)])


def test_existing_index_is_not_an_error(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    fake.failed_tasks["indexCreation"] = {"code": "index_already_exists", "message": "exists"}

    backend.upsert([provider(1)])

    assert fake.calls()[-1] == ("POST", "/indexes/providers/documents")


# -- search requests -------------------------------------------------------------------------


def test_filters_use_meilisearch_filter_grammar(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    backend.search(
        SearchQuery(
            text="dementia",
            kinds=("PA", "AGENCY"),
            services=("DEMENTIA", "AUTISM"),
            skills=("Hoist trained",),
            languages=("pa", "ur"),
            gender="F",
            max_rate_pence=1500,
            council_id=3,
            min_remaining_hours=7.5,
            available=((0, 540, 570),),
            today=TODAY,
        )
    )

    assert _search_body(fake) == {
        "q": "dementia",
        "page": 1,
        "hitsPerPage": 20,
        "attributesToRetrieve": ["id", "_geo"],
        "showRankingScore": True,
        "matchingStrategy": "all",
        "filter": (
            'status IN ["PUBLISHED"] AND kind IN ["PA", "AGENCY"] AND services = "DEMENTIA" '
            'AND services = "AUTISM" AND skills = "Hoist trained" AND languages IN ["pa", "ur"] '
            'AND gender = "F" AND council_id = 3 AND hourly_rate_pence <= 1500 '
            'AND remaining_capacity_hours >= 7.5 AND available = "0-0900" AND available = "0-0915" '
            f"AND {ACCREDITED}"
        ),
    }


def test_filter_values_are_quoted_and_escaped(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    backend.search(SearchQuery(skills=('Say "hello"',), accredited_only=False, statuses=()))

    assert _search_body(fake)["filter"] == 'skills = "Say \\"hello\\""'
    assert _search_body(fake)["sort"] == ["id:asc"]


def test_geo_sends_geo_radius_with_travel_bands_and_geo_point_sort(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    fake.search_response = {
        "hits": [
            {"id": 9, "_geo": {"lat": 53.829, "lng": -1.5}, "_geoDistance": 1000, "_rankingScore": 1.0},
            {"id": 1, "_geo": {"lat": 53.838, "lng": -1.5}, "_geoDistance": 2000, "_rankingScore": 1.0},
        ],
        "totalHits": 2,
        "processingTimeMs": 3,
    }

    result = backend.search(SearchQuery(geo=GeoFilter(53.82, -1.5, 3), sort="distance", today=TODAY))

    body = _search_body(fake)
    assert body["filter"] == (
        f'status IN ["PUBLISHED"] AND {ACCREDITED} AND _geoRadius(53.82, -1.5, 3000) AND '
        "(travel_reach_km >= 3 OR (travel_reach_km = 1 AND _geoRadius(53.82, -1.5, 1000)) "
        "OR (travel_reach_km = 2 AND _geoRadius(53.82, -1.5, 2000)))"
    )
    assert body["sort"] == ["_geoPoint(53.82, -1.5):asc", "id:asc"]
    assert result.hits == [Hit(9, 1.0, 1.0), Hit(1, 1.0, 2.0)]
    assert result.total == 2
    assert result.processing_time_ms == 3.0


def test_fractional_query_radius_rounds_the_full_reach_band_up(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    backend.search(SearchQuery(geo=GeoFilter(53.82, -1.5, 1.5), accredited_only=False, statuses=()))

    assert _search_body(fake)["filter"] == (
        "_geoRadius(53.82, -1.5, 1500) AND (travel_reach_km >= 2 OR "
        "(travel_reach_km = 1 AND _geoRadius(53.82, -1.5, 1000)))"
    )


def test_distance_is_computed_from_geo_when_meilisearch_gives_none(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    fake.search_response = {
        "hits": [{"id": 1, "_geo": {"lat": 53.82, "lng": -1.5}, "_rankingScore": 0.9}],
        "totalHits": 1,
        "processingTimeMs": 1,
    }

    result = backend.search(SearchQuery(text="dementia", geo=GeoFilter(53.82, -1.5, 10)))

    assert "sort" not in _search_body(fake)
    assert result.hits == [Hit(1, 0.9, 0.0)]


def test_rate_sort_then_distance_then_id(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    backend.search(SearchQuery(text="dementia", geo=GeoFilter(53.82, -1.5, 10), sort="rate"))

    assert _search_body(fake)["sort"] == ["hourly_rate_pence:asc", "_geoPoint(53.82, -1.5):asc", "id:asc"]


def test_review_sort_is_best_score_first_then_distance_then_id(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    backend.search(SearchQuery(geo=GeoFilter(53.82, -1.5, 10), sort="reviews"))

    assert _search_body(fake)["sort"] == ["review_rank:asc", "_geoPoint(53.82, -1.5):asc", "id:asc"]


def test_facets_are_requested_and_every_facet_name_is_returned(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    fake.search_response = {
        "hits": [{"id": 1, "_rankingScore": 1.0}],
        "totalHits": 3,
        "facetDistribution": {"services": {"DEMENTIA": 3, "AUTISM": 1}, "kind": {"PA": 2, "AGENCY": 1}},
        "processingTimeMs": 2,
    }

    result = backend.search(SearchQuery(facets=True, limit=1))

    assert _search_body(fake)["facets"] == ["services", "skills", "languages", "kind", "gender", "rate_band"]
    assert result.total == 3
    assert result.facets == {
        "services": {"DEMENTIA": 3, "AUTISM": 1},
        "skills": {},
        "languages": {},
        "kind": {"PA": 2, "AGENCY": 1},
        "gender": {},
        "rate_band": {},
    }


def test_aligned_offset_uses_pages(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    backend.search(SearchQuery(limit=2, offset=4))

    assert (_search_body(fake)["page"], _search_body(fake)["hitsPerPage"]) == (3, 2)


def test_unaligned_offset_fetches_the_head_and_drops_it(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    fake.search_response = {"hits": [{"id": i} for i in range(1, 6)], "totalHits": 9, "processingTimeMs": 1}

    result = backend.search(SearchQuery(limit=2, offset=3))

    assert (_search_body(fake)["page"], _search_body(fake)["hitsPerPage"]) == (1, 5)
    assert [hit.id for hit in result.hits] == [4, 5]
    assert result.total == 9


# -- errors and status -----------------------------------------------------------------------


def test_unreachable_server_raises_unavailable() -> None:
    backend = MeilisearchBackend("http://127.0.0.1:9", timeout=0.5)

    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery())
    with pytest.raises(SearchUnavailable):
        backend.upsert([provider(1)])
    assert backend.health() is False


def test_server_error_raises_unavailable(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    fake.responses[SEARCH] = (503, {"message": "overloaded", "code": "internal", "type": "internal"})

    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery())


def test_rejected_request_is_a_search_error_not_unavailable(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    fake.responses[SEARCH] = (400, {"message": "bad filter", "code": "invalid_search_filter", "type": "x"})

    with pytest.raises(SearchError) as raised:
        backend.search(SearchQuery())
    assert not isinstance(raised.value, SearchUnavailable)


def test_missing_index_is_unavailable(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    fake.responses[SEARCH] = (404, {"message": "no index", "code": "index_not_found", "type": "x"})

    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery())


def test_stats_and_health(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    assert backend.stats() == {
        "backend": "meilisearch",
        "documents": 3,
        "indexing": False,
        "index": "providers",
    }
    assert backend.health() is True
    assert fake.calls() == [("GET", "/indexes/providers/stats"), ("GET", "/health")]


def test_limit_zero_asks_for_an_exhaustive_count_only(
    fake: FakeMeilisearch, backend: MeilisearchBackend
) -> None:
    fake.search_response = {"hits": [], "totalHits": 12, "processingTimeMs": 1}

    result = backend.search(SearchQuery(limit=0, offset=40))

    assert (_search_body(fake)["page"], _search_body(fake)["hitsPerPage"]) == (1, 0)
    assert (result.hits, result.total) == ([], 12)


def test_state_is_up_or_down_never_corrupt(fake: FakeMeilisearch, backend: MeilisearchBackend) -> None:
    unreachable = MeilisearchBackend("http://127.0.0.1:9", timeout=0.5)

    assert backend.state() is IndexState.UP
    assert unreachable.state() is IndexState.DOWN
