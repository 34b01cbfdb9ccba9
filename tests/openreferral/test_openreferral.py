"""The Open Referral UK feed: every response checked against the profile's own schemas and OpenAPI.

Schemas are read from ../shared/data/openreferral-uk (never copied into the project) and validated
as its README says: Draft 2020-12, unknown keywords ignored, formats (uuid, email) checked.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from benchmarks.shared_data import shared_data
from broker.geography.postcodes import distance_km
from broker.openreferral.ids import keyed
from broker.providers.models import ProviderKind, ProviderStatus
from broker.taxonomy.services import all_services
from tests.client import GraphQLClient
from tests.factories import make_council, make_provider

PROFILE_DATA = shared_data() / "openreferral-uk"
PROFILE_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
OPENAPI_URI = "urn:openreferral-uk:openapi"
PRIVATE_EMAIL = "jo.private@example.org"
PRIVATE_PHONE = "0113 496 0000"
LS8 = (53.8230, -1.5120)
LS29 = (53.9250, -1.8200)

pytestmark = pytest.mark.skipif(
    not (PROFILE_DATA / "schema" / "openapi.json").is_file(),
    reason=f"Open Referral UK schemas not found at {PROFILE_DATA}; they come from ../shared/data",
)


# --- validating against the profile -------------------------------------------------------------


def _resource(contents: Any) -> Resource:
    return Resource.from_contents(contents, default_specification=DRAFT202012)


@cache
def _registry() -> Registry:
    """The profile's files under the URLs its OpenAPI refers to them by.

    taxonomy.json and taxonomy_term.json are not in the compiled set; their definitions are taken
    from the compiled service_with_definitions.json.
    """
    resources = [
        (f"{PROFILE_URL}compiled/{path.name}", _resource(json.loads(path.read_text())))
        for path in sorted((PROFILE_DATA / "schema" / "compiled").glob("*.json"))
    ]
    definitions = f"{PROFILE_URL}compiled/service_with_definitions.json#/definitions"
    for name in ("taxonomy", "taxonomy_term"):
        resources.append((f"{PROFILE_URL}{name}.json", _resource({"$ref": f"{definitions}/{name}"})))
    openapi = json.loads((PROFILE_DATA / "schema" / "openapi.json").read_text())
    resources.append((OPENAPI_URI, _resource(openapi)))
    return Registry().with_resources(resources)


def _errors(path: str, body: Any) -> list[str]:
    """Schema errors of `body` as the 200 response of GET `path` in the profile's OpenAPI."""
    escaped = path.replace("~", "~0").replace("/", "~1")
    pointer = f"/paths/{escaped}/get/responses/200/content/application~1json/schema"
    validator = Draft202012Validator(
        {"$ref": f"{OPENAPI_URI}#{pointer}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(body)]


async def _get(api: GraphQLClient, url: str, schema_path: str | None = None) -> dict[str, Any]:
    """A 200 JSON body, open to any origin, and (given `schema_path`) valid against the profile."""
    response = await api.http.get(f"/openreferral{url}")
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    if schema_path is not None:
        assert _errors(schema_path, body) == []
    return body


def _names(page: dict[str, Any]) -> list[str]:
    return [item.get("name") or item["service"]["name"] for item in page["contents"]]


# --- the harness itself -------------------------------------------------------------------------


def test_schema_harness_accepts_profile_example_and_rejects_non_uuid_id() -> None:
    example = json.loads((PROFILE_DATA / "examples" / "service_full.json").read_text())

    assert _errors("/services/{id}", example) == []
    assert _errors("/services/{id}", {**example, "id": "12"}) == ["$.id: '12' is not a 'uuid'"]
    assert _errors("/services/{id}", {"id": example["id"], "name": "x"}) == [
        "$: 'status' is a required property"
    ]


# --- endpoints ----------------------------------------------------------------------------------


async def test_root_says_which_hsds_profile_it_serves(api: GraphQLClient) -> None:
    body = await _get(api, "/", "/")

    assert body == {
        "version": "3.0",
        "profile": "https://github.com/openreferral/uk-profile",
        "openapi_url": "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json",
    }


async def test_services_page_lists_published_accredited_listings_in_name_order(api, db) -> None:
    council = await make_council(db)
    await make_provider(db, council, name="Beth", district="LS8")
    await make_provider(db, council, name="Amrit Care", kind=ProviderKind.AGENCY, district="LS7")

    body = await _get(api, "/services", "/services")

    assert {k: v for k, v in body.items() if k != "contents"} == {
        "total_items": 2,
        "total_pages": 1,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": True,
        "empty": False,
    }
    assert _names(body) == ["Amrit Care", "Beth"]
    agency = body["contents"][0]
    assert agency["status"] == "active"
    assert agency["fees"] == "£14.50 an hour"
    assert agency["accreditations"] == (
        "Checked by the council: current CQC registration, council approval, employer's liability "
        "insurance and public liability insurance. Accredited until 30 June 2027."
    )
    assert agency["organization"]["name"] == "Amrit Care"
    assert agency["organization_id"] == agency["organization"]["id"]


async def test_service_by_id_is_fully_nested_from_the_listing(api, db) -> None:
    council = await make_council(db)
    provider = await make_provider(
        db,
        council,
        name="Jo",
        district="LS8",
        services=("PERSONAL_CARE", "DEMENTIA"),
        languages=("en", "pa"),
        slots=((0, 9 * 60, 17 * 60), (2, 9 * 60, 17 * 60), (5, 18 * 60, 24 * 60)),
    )
    service_id = keyed("service", provider.id)

    body = await _get(api, f"/services/{service_id}", "/services/{id}")

    assert body["id"] == service_id
    assert body["name"] == "Jo"
    assert body["minimum_age"] == 18
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in body["schedules"]] == [
        ("MO,WE", "09:00", "17:00"),
        ("SA", "18:00", "23:59"),
    ]
    assert body["schedules"][0]["description"] == (
        "Usually available Mondays and Wednesdays, 09:00 to 17:00 (UK time)."
    )
    assert [(a["taxonomy_term"]["term"], a["taxonomy_term"]["name"]) for a in body["attributes"]] == [
        ("PERSONAL_CARE", "Personal care"),
        ("DEMENTIA", "Dementia care"),
    ]
    assert [(lang["code"], lang["name"]) for lang in body["languages"]] == [
        ("en", "English"),
        ("pa", "Punjabi"),
    ]
    assert [(c["option"], c["amount"]) for c in body["cost_options"]] == [("Hourly rate", 14.5)]
    assert [(c["name"], c["title"]) for c in body["contacts"]] == [("Jo", "Personal assistant")]
    assert [a["name"] for a in body["service_areas"]] == ["Within 10 km of postcode district LS8"]
    (at_location,) = body["service_at_locations"]
    place = at_location["location"]
    assert (place["name"], place["latitude"], place["longitude"]) == ("LS8 (Roundhay)", *LS8)
    assert at_location["service_id"] == service_id


async def test_service_at_locations_place_each_listing_at_its_district(api, db) -> None:
    council = await make_council(db)
    await make_provider(db, council, name="Jo", district="LS8")
    await make_provider(db, council, name="Kim", district="LS8")

    body = await _get(api, "/service_at_locations", "/service_at_locations")

    assert _names(body) == ["Jo", "Kim"]
    first, second = body["contents"]
    assert first["location_id"] == second["location_id"] == first["location"]["id"]
    assert first["service_id"] == first["service"]["id"] != second["service_id"]
    assert first["location"]["external_identifier"] == "LS8"


async def test_taxonomies_and_terms_publish_the_whole_service_taxonomy(api) -> None:
    taxonomies = await _get(api, "/taxonomies", "/taxonomies")
    terms = await _get(api, "/taxonomy_terms?per_page=200", "/taxonomy_terms")

    (taxonomy,) = taxonomies["contents"]
    assert taxonomy["name"] == "Direct payments marketplace service taxonomy"
    assert taxonomies["total_items"] == 1
    groups = {t["term"]: t["id"] for t in terms["contents"] if "parent_id" not in t}
    assert sorted(groups) == ["CARE", "DP_SUPPORT", "SPECIALIST"]
    children = [t for t in terms["contents"] if "parent_id" in t]
    assert [t["term"] for t in children] == list(all_services())
    assert {t["parent_id"] for t in children} == set(groups.values())
    assert {t["taxonomy_id"] for t in terms["contents"]} == {taxonomy["id"]}
    assert terms["total_items"] == len(all_services()) + 3
    full = await _get(api, f"/taxonomies/{taxonomy['id']}")
    assert len(full["taxonomy_terms"]) == terms["total_items"]
    dementia = next(t for t in children if t["term"] == "DEMENTIA")
    assert await _get(api, f"/taxonomy_terms/{dementia['id']}") == dementia


async def test_taxonomy_term_filter_narrows_services_to_that_term_or_group(api, db) -> None:
    council = await make_council(db)
    await make_provider(db, council, name="Dementia PA", services=("PERSONAL_CARE", "DEMENTIA"))
    await make_provider(db, council, name="Cleaner", services=("DOMESTIC_HELP",))
    terms = (await _get(api, "/taxonomy_terms?per_page=200"))["contents"]
    term = {t["term"]: t["id"] for t in terms}

    by_code = await _get(api, f"/services?taxonomy_term_id={term['DEMENTIA']}", "/services")
    by_group = await _get(api, f"/services?taxonomy_term_id={term['CARE']}", "/services")
    unknown = await _get(api, "/services?taxonomy_term_id=00000000-0000-4000-8000-000000000000")
    other_taxonomy = await _get(api, "/services?taxonomy_id=00000000-0000-4000-8000-000000000000")

    assert _names(by_code) == ["Dementia PA"]
    assert _names(by_group) == ["Cleaner", "Dementia PA"]
    assert (unknown["total_items"], unknown["empty"]) == (0, True)
    assert other_taxonomy["total_items"] == 0


async def test_search_matches_name_or_description(api, db) -> None:
    council = await make_council(db)
    await make_provider(db, council, name="Jo", bio="I speak Punjabi and have 100% reliability.")
    await make_provider(db, council, name="Kim", bio="Twelve years of night support in Leeds.")

    assert _names(await _get(api, "/services?search=punjabi", "/services")) == ["Jo"]
    assert _names(await _get(api, "/services?search=100%25")) == ["Jo"]
    assert _names(await _get(api, "/services?search=KIM")) == ["Kim"]


# --- what never appears -------------------------------------------------------------------------


async def test_drafts_suspended_and_lapsed_listings_are_absent_everywhere(api, db) -> None:
    council = await make_council(db)
    await make_provider(db, council, name="Listed")
    hidden = [
        await make_provider(db, council, name="Draft", status=ProviderStatus.DRAFT),
        await make_provider(db, council, name="Suspended", status=ProviderStatus.SUSPENDED),
        # checks stop counting on their expiry date; the tests' clock is 26 November 2026
        await make_provider(db, council, name="Lapses today", accredited_until=date(2026, 11, 26)),
        await make_provider(db, council, name="Never checked", accredited_until=None),
    ]

    services = await _get(api, "/services", "/services")
    located = await _get(api, "/service_at_locations?postcode=LS8", "/service_at_locations")

    assert _names(services) == ["Listed"]
    assert _names(located) == ["Listed"]
    for provider in hidden:
        response = await api.http.get(f"/openreferral/services/{keyed('service', provider.id)}")
        assert response.status_code == 404, provider.name
        assert response.json() == {
            "errors": [
                {
                    "field": "id",
                    "message": "No published, accredited service with this id.",
                    "code": "NOT_FOUND",
                }
            ]
        }


@pytest.mark.parametrize(
    "service_id",
    ["not-a-uuid", "00000000-0000-4000-8000-000000000000", "ORGANIZATION", "UPPER"],
)
async def test_unknown_service_ids_answer_404_json(api, db, service_id: str) -> None:
    council = await make_council(db)
    provider = await make_provider(db, council)
    service_id = {
        "ORGANIZATION": keyed("organization", provider.id),
        "UPPER": keyed("service", provider.id).upper().replace("-", ""),
    }.get(service_id, service_id)

    response = await api.http.get(f"/openreferral/services/{service_id}")

    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"


async def test_no_private_contact_details_anywhere_in_the_feed(api, db) -> None:
    council = await make_council(db)
    provider = await make_provider(db, council, name="Jo", district="LS8", contact_email=PRIVATE_EMAIL)
    urls = [
        "/",
        "/services",
        f"/services/{keyed('service', provider.id)}",
        "/service_at_locations",
        "/service_at_locations?postcode=LS8&proximity=5000",
        "/taxonomies",
        "/taxonomy_terms",
    ]

    text = "".join([json.dumps(await _get(api, url)) for url in urls])

    assert '"Jo"' in text
    for private in (PRIVATE_EMAIL, PRIVATE_PHONE, "LS8 1AB", "1AB", "0113", "@"):
        assert private not in text, private


# --- paging and place ---------------------------------------------------------------------------


async def test_paging_walks_every_listing_exactly_once(api, db) -> None:
    council = await make_council(db)
    for name in ("Ann", "Bea", "Cal", "Dev", "Eve"):
        await make_provider(db, council, name=name)

    pages = [await _get(api, f"/services?per_page=2&page={n}", "/services") for n in (1, 2, 3, 4)]

    assert [p["size"] for p in pages] == [2, 2, 1, 0]
    assert [(p["first_page"], p["last_page"]) for p in pages] == [
        (True, False),
        (False, False),
        (False, True),
        (False, True),
    ]
    assert {(p["total_items"], p["total_pages"], p["empty"]) for p in pages} == {(5, 3, False)}
    ids = [item["id"] for page in pages for item in page["contents"]]
    assert len(ids) == len(set(ids)) == 5
    assert [name for page in pages for name in _names(page)] == ["Ann", "Bea", "Cal", "Dev", "Eve"]


async def test_empty_feed_says_so(api) -> None:
    body = await _get(api, "/service_at_locations", "/service_at_locations")

    assert body == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }


async def test_postcode_and_proximity_filter_on_district_centroids(api, db) -> None:
    # LS8 (Roundhay) and LS29 (Ilkley) centroids are about 23 km apart.
    assert round(distance_km(*LS8, *LS29)) == 23
    council = await make_council(db)
    await make_provider(db, council, name="Roundhay PA", district="LS8", travel_radius_km=10)
    await make_provider(db, council, name="Ilkley agency", district="LS29", travel_radius_km=50)

    def located(query: str) -> str:
        return f"/service_at_locations?{query}"

    # postcode alone: listings whose travel radius covers it, nearest first
    assert _names(await _get(api, located("postcode=LS8"), "/service_at_locations")) == [
        "Roundhay PA",
        "Ilkley agency",
    ]
    assert _names(await _get(api, located("postcode=LS29"))) == ["Ilkley agency"]
    # proximity (metres) also limits how far the listing's district may be from the postcode
    assert _names(await _get(api, located("postcode=LS8&proximity=5000"))) == ["Roundhay PA"]
    assert _names(await _get(api, located("postcode=LS8&proximity=22000"))) == ["Roundhay PA"]
    assert _names(await _get(api, located("postcode=LS8&proximity=24000"))) == [
        "Roundhay PA",
        "Ilkley agency",
    ]
    assert _names(await _get(api, located("postcode=LS29&proximity=30000"))) == ["Ilkley agency"]
    # a full postcode is placed at its district; /services takes the same filter
    assert _names(await _get(api, "/services?postcode=ls8%201aa&proximity=5000", "/services")) == [
        "Roundhay PA"
    ]
    paged = await _get(api, located("postcode=LS8&per_page=1&page=2"))
    assert (_names(paged), paged["total_items"]) == (["Ilkley agency"], 2)


# --- open to the web, refusing bad input ----------------------------------------------------------


async def test_every_response_is_open_to_any_origin_including_preflight(api) -> None:
    not_found = await api.http.get("/openreferral/no_such_endpoint")
    bad = await api.http.get("/openreferral/services?page=0")
    write = await api.http.post("/openreferral/services", json={})
    preflight = await api.http.options(
        "/openreferral/services",
        headers={
            "Origin": "https://directory.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept",
        },
    )

    assert [r.status_code for r in (not_found, bad, write, preflight)] == [404, 400, 405, 204]
    for response in (not_found, bad, write, preflight):
        assert response.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert preflight.headers["access-control-allow-headers"] == "accept"
    assert write.headers["allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("page=0", "page", "OUT_OF_RANGE"),
        ("page=two", "page", "INVALID"),
        ("page=1.5", "page", "INVALID"),
        ("per_page=0", "per_page", "OUT_OF_RANGE"),
        ("per_page=-3", "per_page", "INVALID"),
        ("per_page=201", "per_page", "OUT_OF_RANGE"),
        ("postcode=NOT A POSTCODE", "postcode", "INVALID"),
        ("postcode=ZZ99", "postcode", "UNKNOWN_POSTCODE"),
        ("postcode=LS8&proximity=far", "proximity", "INVALID"),
        ("postcode=LS8&proximity=-5", "proximity", "INVALID"),
        ("postcode=LS8&proximity=0", "proximity", "OUT_OF_RANGE"),
        ("postcode=LS8&proximity=1e9", "proximity", "INVALID"),
        ("postcode=LS8&proximity=200001", "proximity", "OUT_OF_RANGE"),
        ("proximity=5000", "proximity", "INVALID"),
        (f"search={'x' * 201}", "search", "INVALID"),
    ],
)
@pytest.mark.parametrize("endpoint", ["/services", "/service_at_locations"])
async def test_bad_paging_or_place_answers_400_json(
    api: GraphQLClient, endpoint: str, query: str, field: str, code: str
) -> None:
    response: httpx.Response = await api.http.get(f"/openreferral{endpoint}?{query}")

    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


async def test_taxonomy_lists_refuse_bad_paging(api: GraphQLClient) -> None:
    for url in ("/openreferral/taxonomies?per_page=x", "/openreferral/taxonomy_terms?page=-1"):
        response = await api.http.get(url)
        assert response.status_code == 400, url
