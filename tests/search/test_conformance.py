"""Backend-neutral search semantics (see `SearchQuery`), run against every engine in `backend`.

The listings sit due north of ORIGIN at whole-km distances so every expectation is hand-checkable.
Eligible by default (published, accredited, not expired on TODAY): 1, 2, 3, 4, 8, 9.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from search.backend import SearchBackend
from search.documents import ProviderDocument
from search.query import GeoFilter, SearchQuery, SearchResult
from tests.search.factories import ORIGIN, provider

TODAY = date(2025, 6, 1)
MONDAY, WEDNESDAY = 0, 2


def _world() -> list[ProviderDocument]:
    return [
        provider(
            1,
            km_north=2,
            name="Amrit Kaur",
            gender="F",
            hourly_rate_pence=1600,
            travel_radius_km=10,
            services=("DEMENTIA", "PERSONAL_CARE"),
            service_labels=("Dementia care", "Personal care"),
            skills=("Hoist trained", "Full driving licence"),
            languages=("pa",),
            language_names=("Punjabi",),
            slots=((MONDAY, 9 * 60, 13 * 60), (WEDNESDAY, 9 * 60, 17 * 60)),
            bio="Patient and calm, I have supported older people at home for six years.",
        ),
        provider(
            2,
            km_north=4,
            name="Bilal Hussain",
            gender="M",
            hourly_rate_pence=1450,
            travel_radius_km=5,
            services=("AUTISM", "PERSONAL_CARE"),
            service_labels=("Autism support", "Personal care"),
            skills=("Full driving licence",),
            languages=("ur",),
            language_names=("Urdu",),
            slots=((MONDAY, 8 * 60, 10 * 60), (MONDAY, 10 * 60, 12 * 60)),
            accredited_until=TODAY + timedelta(days=30),
            bio="Former teaching assistant; I help young adults get out and about.",
        ),
        provider(
            3,
            km_north=6,
            kind="AGENCY",
            name="Calderdale Homecare",
            hourly_rate_pence=2400,
            travel_radius_km=25,
            services=("PERSONAL_CARE", "RESPITE", "DEMENTIA"),
            service_labels=("Personal care", "Respite and short breaks", "Dementia care"),
            skills=("Hoist trained",),
            languages=("pa", "ur"),
            language_names=("Punjabi", "Urdu"),
            slots=tuple((day, 7 * 60, 22 * 60) for day in range(7)),
            bio="Family-run agency registered with the CQC.",
        ),
        provider(
            4,
            km_north=8,
            name="Dora Evans",
            gender="F",
            hourly_rate_pence=1300,
            travel_radius_km=5,
            services=("COMPANIONSHIP", "DOMESTIC_HELP"),
            service_labels=("Companionship", "Domestic help"),
            languages=("pl",),
            language_names=("Polish",),
            remaining_capacity_hours=2.0,
            slots=((1, 10 * 60, 15 * 60),),
            bio="Happy to offer short breaks so family can rest.",
        ),
        provider(
            5,
            km_north=3,
            kind="AGENCY",
            name="Expiring Homecare",
            hourly_rate_pence=2000,
            travel_radius_km=15,
            services=("DEMENTIA",),
            service_labels=("Dementia care",),
            accredited_until=TODAY,
        ),
        provider(
            6,
            km_north=3,
            name="Gita Sharma",
            gender="F",
            services=("DEMENTIA",),
            service_labels=("Dementia care",),
            accredited=False,
        ),
        provider(
            7,
            km_north=3,
            name="Harriet Moss",
            services=("DEMENTIA",),
            service_labels=("Dementia care",),
            status="DRAFT",
        ),
        provider(
            8,
            km_north=40,
            kind="AGENCY",
            name="Ripon Care Services",
            hourly_rate_pence=3200,
            travel_radius_km=50,
            services=("DEMENTIA",),
            service_labels=("Dementia care",),
        ),
        provider(
            9,
            km_north=1,
            kind="SUPPORT_ORG",
            name="Leeds Independent Living",
            council_id=2,
            hourly_rate_pence=3000,
            travel_radius_km=20,
            services=("COMMUNITY_ACCESS",),
            service_labels=("Community access",),
            bio="Advice on direct payments and payroll.",
        ),
    ]


def _near(radius_km: float) -> GeoFilter:
    return GeoFilter(latitude=ORIGIN[0], longitude=ORIGIN[1], radius_km=radius_km)


def _search(backend: SearchBackend, **fields: object) -> SearchResult:
    fields.setdefault("today", TODAY)
    fields.setdefault("limit", 50)
    return backend.search(SearchQuery(**fields))  # type: ignore[arg-type]


def _ids(backend: SearchBackend, **fields: object) -> set[int]:
    result = _search(backend, **fields)
    assert result.total == len(result.hits)
    return {hit.id for hit in result.hits}


def _ordered(backend: SearchBackend, **fields: object) -> list[int]:
    return [hit.id for hit in _search(backend, **fields).hits]


@pytest.fixture
def world(backend: SearchBackend) -> SearchBackend:
    backend.upsert(_world())
    return backend


# -- free text -------------------------------------------------------------------------------


def test_misspelt_service_finds_dementia_listings(world: SearchBackend) -> None:
    assert _ids(world, text="demensia") == {1, 3, 8}


def test_misspelt_language_finds_punjabi_speakers(world: SearchBackend) -> None:
    assert _ids(world, text="Punjbi") == {1, 3}


def test_natural_sentence_ignores_filler_words(world: SearchBackend) -> None:
    assert _ids(world, text="dementia carer who speaks Punjabi") == {1, 3}


def test_support_worker_finds_personal_assistants_by_synonym(world: SearchBackend) -> None:
    assert _ids(world, text="support worker") == {1, 2, 4}


def test_respite_finds_short_breaks_by_synonym(world: SearchBackend) -> None:
    assert _ids(world, text="respite") == {3, 4}


def test_every_word_must_match(world: SearchBackend) -> None:
    assert _ids(world, text="dementia Urdu") == {3}
    assert _ids(world, text="dementia zzzzqx") == set()


def test_text_hits_carry_a_positive_score(world: SearchBackend) -> None:
    result = _search(world, text="dementia")
    assert all(hit.score > 0 for hit in result.hits)
    assert result.processing_time_ms >= 0


# -- filters ---------------------------------------------------------------------------------


def test_no_filter_returns_published_accredited_listings(world: SearchBackend) -> None:
    assert _ids(world) == {1, 2, 3, 4, 8, 9}


def test_kinds_are_any_of(world: SearchBackend) -> None:
    assert _ids(world, kinds=("AGENCY", "SUPPORT_ORG")) == {3, 8, 9}


def test_services_are_all_of(world: SearchBackend) -> None:
    assert _ids(world, services=("DEMENTIA",)) == {1, 3, 8}
    assert _ids(world, services=("DEMENTIA", "PERSONAL_CARE")) == {1, 3}


def test_skills_are_all_of(world: SearchBackend) -> None:
    assert _ids(world, skills=("Full driving licence",)) == {1, 2}
    assert _ids(world, skills=("Hoist trained", "Full driving licence")) == {1}


def test_languages_are_any_of(world: SearchBackend) -> None:
    assert _ids(world, languages=("ur", "pl")) == {2, 3, 4}


def test_gender_filter(world: SearchBackend) -> None:
    assert _ids(world, gender="F") == {1, 4}


def test_max_rate_includes_the_limit(world: SearchBackend) -> None:
    assert _ids(world, max_rate_pence=1600) == {1, 2, 4}


def test_council_filter(world: SearchBackend) -> None:
    assert _ids(world, council_id=2) == {9}


def test_min_remaining_hours(world: SearchBackend) -> None:
    assert _ids(world, min_remaining_hours=5) == {1, 2, 3, 8, 9}


def test_statuses_filter_for_brokers(world: SearchBackend) -> None:
    assert _ids(world, statuses=("DRAFT",), accredited_only=False) == {7}


def test_accredited_only_off_shows_unaccredited_and_expired(world: SearchBackend) -> None:
    assert _ids(world, accredited_only=False) == {1, 2, 3, 4, 5, 6, 8, 9}


def test_listing_drops_out_on_its_expiry_day_without_reindex(world: SearchBackend) -> None:
    assert 5 in _ids(world, today=TODAY - timedelta(days=1))
    assert 5 not in _ids(world, today=TODAY)
    assert 2 in _ids(world, today=TODAY + timedelta(days=29))
    assert 2 not in _ids(world, today=TODAY + timedelta(days=30))


def test_available_window_needs_covering_slots(world: SearchBackend) -> None:
    assert _ids(world, available=((MONDAY, 10 * 60 + 30, 11 * 60 + 30),)) == {1, 2, 3}
    assert _ids(world, available=((MONDAY, 12 * 60, 14 * 60),)) == {3}


def test_every_available_window_must_be_covered(world: SearchBackend) -> None:
    windows = ((MONDAY, 9 * 60, 10 * 60), (WEDNESDAY, 15 * 60, 16 * 60))
    assert _ids(world, available=windows) == {1, 3}


def test_filters_combine_with_text(world: SearchBackend) -> None:
    assert _ids(world, text="dementia", kinds=("PA",)) == {1}


# -- geo -------------------------------------------------------------------------------------


def test_geo_needs_both_the_query_radius_and_the_travel_radius(world: SearchBackend) -> None:
    # 4 is 8 km away but travels 5 km; 8 travels 50 km but is 40 km away.
    assert _ordered(world, geo=_near(15), sort="distance") == [9, 1, 2, 3]
    assert _ids(world, geo=_near(5)) == {9, 1, 2}
    assert _ids(world, geo=_near(3)) == {9, 1}


def test_hits_carry_distance_in_km(world: SearchBackend) -> None:
    hits = _search(world, geo=_near(15), sort="distance").hits
    assert [round(hit.distance_km or -1, 2) for hit in hits] == [1.0, 2.0, 4.0, 6.0]


def test_travel_radius_counts_in_whole_km_rounded_down(backend: SearchBackend) -> None:
    backend.upsert([provider(10, km_north=4.5, travel_radius_km=4.9)])
    assert _ids(backend, geo=_near(10)) == set()
    backend.upsert([provider(10, km_north=4.5, travel_radius_km=5.0)])
    assert _ids(backend, geo=_near(10)) == {10}


def test_geo_combines_with_text_and_filters(world: SearchBackend) -> None:
    assert _ordered(world, text="Punjabi", geo=_near(15), kinds=("AGENCY",)) == [3]


# -- sort and paging -------------------------------------------------------------------------


def test_sort_by_rate_is_cheapest_first(world: SearchBackend) -> None:
    assert _ordered(world, sort="rate") == [4, 2, 1, 3, 9, 8]
    assert _ordered(world, geo=_near(15), sort="rate") == [2, 1, 3, 9]


def test_sort_by_reviews_is_best_score_first_and_unscored_listings_last(world: SearchBackend) -> None:
    docs = {doc.id: doc for doc in _world()}
    world.upsert(
        [
            replace(docs[3], review_score=9.1),
            replace(docs[2], review_score=6.0),
            replace(docs[8], review_score=9.1),
        ]
    )

    assert _ordered(world, sort="reviews") == [3, 8, 2, 1, 4, 9]
    assert _ordered(world, geo=_near(15), sort="reviews") == [3, 2, 9, 1]
    assert _ordered(world, sort="reviews", limit=2, offset=1) == [8, 2]


def test_relevance_without_text_is_nearest_first(world: SearchBackend) -> None:
    assert _ordered(world, geo=_near(15)) == [9, 1, 2, 3]


def test_sort_without_geo_or_text_is_by_id(world: SearchBackend) -> None:
    assert _ordered(world, sort="distance") == [1, 2, 3, 4, 8, 9]


def test_paging_keeps_total_and_order(world: SearchBackend) -> None:
    pages = [_search(world, geo=_near(15), sort="distance", limit=2, offset=o) for o in (0, 2, 1, 4)]
    assert [[hit.id for hit in page.hits] for page in pages] == [[9, 1], [2, 3], [1, 2], []]
    assert [page.total for page in pages] == [4, 4, 4, 4]


def test_paging_without_geo(world: SearchBackend) -> None:
    assert _ordered(world, sort="rate", limit=2, offset=1) == [2, 1]
    assert _search(world, sort="rate", limit=2, offset=1).total == 6


# -- facets ----------------------------------------------------------------------------------


def test_facets_count_every_match_not_just_the_page(world: SearchBackend) -> None:
    result = _search(world, geo=_near(15), facets=True, limit=1)
    assert result.total == 4
    assert len(result.hits) == 1
    assert result.facets == {
        "services": {"DEMENTIA": 2, "PERSONAL_CARE": 3, "AUTISM": 1, "RESPITE": 1, "COMMUNITY_ACCESS": 1},
        "skills": {"Hoist trained": 2, "Full driving licence": 2},
        "languages": {"pa": 2, "ur": 2},
        "kind": {"PA": 2, "AGENCY": 1, "SUPPORT_ORG": 1},
        "gender": {"F": 1, "M": 1},
        "rate_band": {"under_15": 1, "15_to_20": 1, "20_to_25": 1, "30_plus": 1},
    }


def test_facets_follow_text_and_filters(world: SearchBackend) -> None:
    result = _search(world, text="dementia", facets=True, limit=1)
    assert result.facets["kind"] == {"PA": 1, "AGENCY": 2}
    assert result.facets["rate_band"] == {"15_to_20": 1, "20_to_25": 1, "30_plus": 1}


def test_no_facets_unless_asked(world: SearchBackend) -> None:
    assert _search(world).facets == {}


# -- writes ----------------------------------------------------------------------------------


def test_upserting_the_same_listing_twice_gives_one_hit(backend: SearchBackend) -> None:
    amrit = _world()[0]
    backend.upsert([amrit, amrit])
    backend.upsert([amrit])
    assert _ids(backend, text="Amrit") == {1}
    assert backend.stats()["documents"] == 1


def test_upsert_replaces_the_listing(backend: SearchBackend) -> None:
    amrit = _world()[0]
    backend.upsert([amrit])
    backend.upsert([replace(amrit, name="Jaspreet Kaur")])
    assert _ids(backend, text="Amrit") == set()
    assert _ids(backend, text="Jaspreet") == {1}


def test_delete_removes_listings_and_ignores_unknown_ids(world: SearchBackend) -> None:
    world.delete([2, 999])
    assert _ids(world) == {1, 3, 4, 8, 9}
    assert world.stats()["documents"] == 8


def test_clear_empties_the_index(world: SearchBackend) -> None:
    world.clear()
    assert world.stats()["documents"] == 0
    assert _ids(world) == set()


def test_health_is_true_when_the_engine_answers(backend: SearchBackend) -> None:
    assert backend.health() is True


_PROBES = [
    SearchQuery(today=TODAY, limit=50, facets=True),
    SearchQuery(today=TODAY, limit=50, text="dementia", facets=True),
    SearchQuery(today=TODAY, limit=50, geo=_near(15), sort="distance", facets=True),
    SearchQuery(today=TODAY, limit=50, sort="rate", accredited_only=False),
]


def _answers(backend: SearchBackend) -> list[tuple[set[int], int, dict[str, dict[str, int]]]]:
    results = [backend.search(query) for query in _PROBES]
    return [({hit.id for hit in r.hits}, r.total, r.facets) for r in results]


def test_rebuild_equals_incremental_maintenance(backend: SearchBackend) -> None:
    docs = _world()
    for chunk in (docs[:3], docs[3:6], docs[6:]):
        backend.upsert(chunk)
    cheaper = replace(docs[2], hourly_rate_pence=1400)
    backend.upsert([cheaper])
    backend.delete([4])
    incremental = _answers(backend)
    final = [cheaper if doc.id == 3 else doc for doc in docs if doc.id != 4]

    assert backend.rebuild(final) == 8

    assert _answers(backend) == incremental
    assert backend.stats()["documents"] == 8


def test_rebuild_drops_listings_not_in_the_new_set(world: SearchBackend) -> None:
    world.rebuild([doc for doc in _world() if doc.id in (1, 2)])
    assert _ids(world, accredited_only=False, statuses=()) == {1, 2}


@pytest.mark.parametrize(
    ("fields", "total"),
    [({}, 6), ({"text": "dementia"}, 3), ({"sort": "rate"}, 6), ({"geo": _near(15)}, 4)],
)
def test_limit_zero_counts_without_hits(world: SearchBackend, fields: dict[str, object], total: int) -> None:
    result = _search(world, limit=0, facets=True, **fields)

    assert result.hits == []
    assert result.total == total
    assert sum(result.facets["kind"].values()) == total
