"""A DP holder types what they need and where they are, and gets accredited listings that can come."""

from __future__ import annotations

from datetime import UTC, date, datetime

from broker.accounts.models import Role
from broker.providers.models import ProviderKind, ProviderStatus
from tests.factories import make_council, make_provider, make_user

SEARCH = """
query Search($input: SearchProvidersInput!) {
  searchProviders(input: $input) {
    totalHits processingTimeMs nextCursor
    hits { distanceKm score provider { name contact { email } } }
    facets { name values { value label count } }
    userErrors { field message code }
  }
}
"""
NO_PUNJABI = ("en",)
PLAIN_BIO = "Friendly and reliable, I help people stay independent at home."


async def _search(api, as_user=None, **input):
    return (await api.data(SEARCH, {"input": input}, as_user=as_user))["searchProviders"]


def _names(result: dict) -> list[str]:
    return [hit["provider"]["name"] for hit in result["hits"]]


async def _leeds_market(db) -> None:
    council = await make_council(db, "Leeds City Council")
    await make_provider(db, council, name="Amrit (LS8, dementia, Punjabi)", district="LS8")
    await make_provider(
        db, council, name="Beth (LS8, dementia, English)", district="LS8", languages=NO_PUNJABI
    )
    await make_provider(
        db, council, name="Chapeltown PA (LS7, 1 km radius)", district="LS7", travel_radius_km=1
    )
    await make_provider(db, council, name="Dee (LS17, Punjabi)", district="LS17", hourly_rate_pence=1300)
    await make_provider(
        db,
        council,
        name="Ilkley Care (LS29 agency)",
        district="LS29",
        kind=ProviderKind.AGENCY,
        hourly_rate_pence=2900,
    )
    await make_provider(
        db, council, name="Eve (LS8, lapsed DBS)", district="LS8", accredited_until=date(2026, 11, 1)
    )
    await make_provider(db, council, name="Fay (LS8, draft)", district="LS8", status=ProviderStatus.DRAFT)
    await make_provider(
        db,
        council,
        name="Gail (LS6, domestic only)",
        district="LS6",
        services=("DOMESTIC_HELP",),
        languages=NO_PUNJABI,
        bio=PLAIN_BIO,
    )


async def test_dementia_carer_who_speaks_punjabi_near_ls8(api, db, index_now):
    await _leeds_market(db)
    await index_now()

    result = await _search(api, text="dementia carer who speaks Punjabi", postcode="LS8", sort="DISTANCE")

    assert result["userErrors"] == []
    assert _names(result) == ["Amrit (LS8, dementia, Punjabi)", "Dee (LS17, Punjabi)"]
    assert [round(h["distanceKm"], 1) for h in result["hits"]] == [0.0, 4.3]
    assert result["totalHits"] == 2
    assert result["processingTimeMs"] >= 0
    assert {h["provider"]["contact"] is None for h in result["hits"]} == {True}


async def test_typos_still_find_dementia_and_punjabi(api, db, index_now):
    await _leeds_market(db)
    await index_now()

    result = await _search(api, text="demensia Punjbi", postcode="LS8", sort="DISTANCE")

    assert _names(result) == ["Amrit (LS8, dementia, Punjabi)", "Dee (LS17, Punjabi)"]


async def test_a_provider_only_appears_if_they_travel_as_far_as_the_person(api, db, index_now):
    await _leeds_market(db)
    await index_now()

    near_ls7 = await _search(api, postcode="LS7", radiusKm=2, sort="DISTANCE")
    from_ls8 = await _search(api, postcode="LS8", radiusKm=2, sort="DISTANCE")

    assert "Chapeltown PA (LS7, 1 km radius)" in _names(near_ls7)
    assert "Chapeltown PA (LS7, 1 km radius)" not in _names(from_ls8)  # 1.6 km away, travels 1 km
    assert _names(from_ls8) == ["Amrit (LS8, dementia, Punjabi)", "Beth (LS8, dementia, English)"]


async def test_filters_sort_by_rate_and_facets_count_every_match(api, db, index_now):
    await _leeds_market(db)
    await index_now()

    result = await _search(api, services=["PERSONAL_CARE"], maxRatePence=3000, sort="RATE", first=2)

    assert _names(result) == ["Dee (LS17, Punjabi)", "Amrit (LS8, dementia, Punjabi)"]
    assert result["totalHits"] == 5
    assert result["nextCursor"] is not None
    facets = {f["name"]: {v["value"]: v["count"] for v in f["values"]} for f in result["facets"]}
    assert facets["kind"] == {"PA": 4, "AGENCY": 1}
    assert facets["languages"] == {"en": 5, "pa": 4}
    assert facets["rate_band"] == {"under_15": 4, "25_to_30": 1}
    labels = {
        v["value"]: v["label"] for f in result["facets"] for v in f["values"] if f["name"] == "services"
    }
    assert labels["DEMENTIA"] == "Dementia care"
    rest = await _search(
        api, services=["PERSONAL_CARE"], maxRatePence=3000, sort="RATE", first=2, after=result["nextCursor"]
    )
    assert _names(rest) == ["Beth (LS8, dementia, English)", "Chapeltown PA (LS7, 1 km radius)"]


async def test_available_slots_must_be_covered(api, db, index_now):
    council = await make_council(db)
    await make_provider(db, council, name="Mornings", slots=((0, 7 * 60, 12 * 60),))
    await make_provider(db, council, name="Evenings", slots=((0, 17 * 60, 22 * 60),))
    await index_now()

    result = await _search(api, available=[{"day": "MONDAY", "start": "08:00", "end": "10:00"}])

    assert _names(result) == ["Mornings"]


async def test_an_expired_check_drops_the_listing_on_that_day_without_reindexing(api, db, clock, index_now):
    council = await make_council(db)
    await make_provider(db, council, name="Expires 1 December", accredited_until=date(2026, 12, 1))
    await index_now()

    clock.at = datetime(2026, 11, 30, 12, tzinfo=UTC)
    before = await _search(api)
    clock.at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    after = await _search(api)

    assert _names(before) == ["Expires 1 December"]
    assert _names(after) == []


async def test_only_council_staff_may_include_unaccredited_listings(api, db, index_now):
    await _leeds_market(db)
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    holder = await make_user(db, Role.DP_HOLDER, council)
    await index_now()

    refused = await _search(api, as_user=holder, accreditedOnly=False, postcode="LS8", radiusKm=1)
    staff = await _search(api, as_user=broker, postcode="LS8", radiusKm=1, sort="DISTANCE")

    assert refused["userErrors"] == [
        {
            "field": "input.accreditedOnly",
            "code": "PERMISSION_DENIED",
            "message": "Only council staff can see listings that are not accredited.",
        }
    ]
    assert refused["hits"] == []
    assert sorted(_names(staff)) == [
        "Amrit (LS8, dementia, Punjabi)",
        "Beth (LS8, dementia, English)",
        "Eve (LS8, lapsed DBS)",
    ]


async def test_bad_search_input_gets_user_errors_not_server_errors(api, db):
    cases = [
        ({"postcode": "ZZ99 9ZZ"}, "input.postcode", "UNKNOWN_POSTCODE"),
        ({"postcode": "not a postcode"}, "input.postcode", "INVALID"),
        ({"postcode": "LS8", "radiusKm": -1}, "input.radiusKm", "OUT_OF_RANGE"),
        ({"postcode": "LS8", "radiusKm": 5000}, "input.radiusKm", "OUT_OF_RANGE"),
        ({"services": ["UNDERWATER_BASKETS"]}, "input.services.0", "UNKNOWN_SERVICE"),
        ({"languages": ["xx"]}, "input.languages.0", "UNKNOWN_CODE"),
        ({"maxRatePence": 0}, "input.maxRatePence", "OUT_OF_RANGE"),
        ({"sort": "DISTANCE"}, "input.sort", "REQUIRED"),
        ({"latitude": 10.0, "longitude": 10.0}, "input.latitude", "OUT_OF_RANGE"),
        ({"text": "x" * 500}, "input.text", "TOO_LONG"),
        (
            {"available": [{"day": "MONDAY", "start": "10:00", "end": "09:00"}]},
            "input.available.0.end",
            "INVALID",
        ),
    ]
    for input, field, code in cases:
        result = await _search(api, **input)
        assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(field, code)], input
        assert result["hits"] == []
    # A cursor this API never issued is refused before execution (issue 9), like every other cursor.
    bogus = await api.execute(SEARCH, {"input": {"after": "bogus"}})
    bogus.pop("extensions")  # the query's cost
    assert bogus == {
        "data": None,
        "errors": [
            {
                "message": "Not a cursor from this API.",
                "locations": bogus["errors"][0]["locations"],
                "extensions": {"code": "INVALID", "field": "input.after"},
            }
        ],
    }
