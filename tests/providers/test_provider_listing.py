"""A provider maintains their own listing; council staff maintain their council's listings."""

from __future__ import annotations

from datetime import date

from strawberry.relay import from_base64

from broker.accounts.models import Role
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import Provider, ProviderStatus
from tests.factories import make_check, make_council, make_provider, make_user, reload

CREATE = """
mutation Create($input: CreateProviderInput!) {
  createProvider(input: $input) {
    provider { id name kind status postcodeDistrict hourlyRatePence travelRadiusKm
               services { code label } languages { code name } skills gender
               contact { email phone basePostcode } council { name } }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateProviderInput!) {
  updateProvider(input: $input) {
    provider { id name bio hourlyRatePence services { code } }
    userErrors { field message code }
  }
}
"""
PUBLISH = """
mutation Publish($id: ID!) {
  publishProvider(input: {id: $id}) { provider { status } userErrors { field message code } }
}
"""
AVAILABILITY = """
mutation Slots($input: SetAvailabilityInput!) {
  setAvailability(input: $input) {
    provider { availability { day start end } }
    userErrors { field message code }
  }
}
"""
PA_LISTING = {
    "kind": "PA",
    "name": "  Jo   Bloggs ",
    "bio": "I have supported older people at home for ten years, mostly people living with dementia.",
    "services": ["PERSONAL_CARE", "DEMENTIA", "PERSONAL_CARE"],
    "skills": ["Hoist trained", "hoist trained", "Cooking"],
    "languages": ["en", "PA"],
    "gender": "FEMALE",
    "basePostcode": "ls81aa",
    "travelRadiusKm": 8,
    "hourlyRatePence": 1450,
    "weeklyCapacityHours": 20,
    "contactEmail": "jo@example.org",
    "contactPhone": "0113 496 0000",
}


async def test_provider_creates_their_own_draft_listing(api, db):
    council = await make_council(db, "Leeds City Council")
    jo = await make_user(db, Role.PROVIDER, council)

    result = (await api.data(CREATE, {"input": PA_LISTING}, as_user=jo))["createProvider"]

    assert result["userErrors"] == []
    listing = result["provider"]
    assert listing["name"] == "Jo Bloggs"
    assert listing["status"] == "DRAFT"
    assert listing["postcodeDistrict"] == "LS8"
    assert listing["services"] == [
        {"code": "DEMENTIA", "label": "Dementia care"},
        {"code": "PERSONAL_CARE", "label": "Personal care"},
    ]
    assert listing["languages"] == [{"code": "en", "name": "English"}, {"code": "pa", "name": "Punjabi"}]
    assert listing["skills"] == ["Hoist trained", "Cooking"]
    assert listing["contact"] == {
        "email": "jo@example.org",
        "phone": "0113 496 0000",
        "basePostcode": "LS8 1AA",
    }
    assert listing["council"] == {"name": "Leeds City Council"}


async def test_a_provider_keeps_one_listing(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    await api.data(CREATE, {"input": PA_LISTING}, as_user=jo)

    again = (await api.data(CREATE, {"input": PA_LISTING}, as_user=jo))["createProvider"]

    assert again["provider"] is None
    assert [e["code"] for e in again["userErrors"]] == ["DUPLICATE"]


async def test_bad_listing_input_is_refused_field_by_field_and_nothing_is_saved(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    bad = {
        **PA_LISTING,
        "name": "x" * 500,
        "services": ["PERSONAL_CARE", "BASKET_WEAVING"],
        "languages": ["en", "klingon"],
        "basePostcode": "NOT A POSTCODE",
        "travelRadiusKm": -3,
        "hourlyRatePence": 1_000_000,
        "weeklyCapacityHours": 500,
        "contactEmail": "not-an-email",
    }

    result = (await api.data(CREATE, {"input": bad}, as_user=jo))["createProvider"]

    assert result["provider"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        ("input.name", "OUT_OF_RANGE"),
        ("input.services.1", "UNKNOWN_SERVICE"),
        ("input.languages.1", "UNKNOWN_CODE"),
        ("input.basePostcode", "INVALID"),
        ("input.travelRadiusKm", "OUT_OF_RANGE"),
        ("input.hourlyRatePence", "OUT_OF_RANGE"),
        ("input.weeklyCapacityHours", "OUT_OF_RANGE"),
        ("input.contactEmail", "INVALID"),
    ]
    listings = await api.data("{ providers { totalCount } }", as_user=jo)
    assert listings["providers"]["totalCount"] == 0


async def test_rates_below_the_national_living_wage_are_refused(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)

    result = await api.data(CREATE, {"input": {**PA_LISTING, "hourlyRatePence": 1200}}, as_user=jo)

    assert result["createProvider"]["userErrors"] == [
        {
            "field": "input.hourlyRatePence",
            "message": "Hourly rate cannot be below the National Living Wage (£12.71).",
            "code": "OUT_OF_RANGE",
        }
    ]


async def test_a_postcode_district_we_cannot_place_is_refused(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)

    result = await api.data(CREATE, {"input": {**PA_LISTING, "basePostcode": "ZE2 9AA"}}, as_user=jo)

    assert result["createProvider"]["userErrors"] == [
        {
            "field": "input.basePostcode",
            "message": "We have no location for postcode district ZE2.",
            "code": "UNKNOWN_POSTCODE",
        }
    ]


async def test_agencies_do_not_list_a_gender(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)

    result = await api.data(CREATE, {"input": {**PA_LISTING, "kind": "AGENCY"}}, as_user=broker)

    assert [e["field"] for e in result["createProvider"]["userErrors"]] == ["input.gender"]


async def test_provider_a_cannot_edit_provider_b(api, db):
    council = await make_council(db)
    a, b = await make_user(db, Role.PROVIDER, council), await make_user(db, Role.PROVIDER, council)
    listing_b = await make_provider(db, council, owner=b, name="B's listing")
    listing_b_id = (await api.data("{ providers { nodes { id } } }"))["providers"]["nodes"][0]["id"]

    result = await api.data(UPDATE, {"input": {"id": listing_b_id, "name": "Hijacked"}}, as_user=a)

    assert result["updateProvider"] == {
        "provider": None,
        "userErrors": [
            {
                "field": "input.id",
                "message": "You can only change your own listing.",
                "code": "PERMISSION_DENIED",
            }
        ],
    }
    assert (await reload(db, Provider, listing_b.id)).name == "B's listing"


async def test_owner_updates_only_the_fields_they_send(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    listing = await make_provider(db, council, owner=jo, name="Jo")
    listing_id = (await api.data("{ providers { nodes { id } } }"))["providers"]["nodes"][0]["id"]

    result = await api.data(
        UPDATE, {"input": {"id": listing_id, "hourlyRatePence": 1600, "services": ["RESPITE"]}}, as_user=jo
    )

    assert result["updateProvider"]["userErrors"] == []
    assert result["updateProvider"]["provider"]["name"] == "Jo"
    assert result["updateProvider"]["provider"]["hourlyRatePence"] == 1600
    assert result["updateProvider"]["provider"]["services"] == [{"code": "RESPITE"}]
    assert (await reload(db, Provider, listing.id)).bio == listing.bio


async def test_broker_edits_listings_of_their_council_only(api, db):
    leeds, york = await make_council(db), await make_council(db)
    leeds_broker = await make_user(db, Role.BROKER, leeds)
    york_listing = await make_provider(db, york, status=ProviderStatus.DRAFT, name="York draft")
    await make_provider(db, leeds, status=ProviderStatus.DRAFT, name="Leeds draft")
    york_id = f"{york_listing.id}"
    from strawberry.relay import to_base64

    result = await api.data(
        UPDATE, {"input": {"id": to_base64("Provider", york_id), "name": "Edited"}}, as_user=leeds_broker
    )

    assert [e["code"] for e in result["updateProvider"]["userErrors"]] == ["NOT_FOUND"]
    seen = await api.data("{ providers { nodes { name } } }", as_user=leeds_broker)
    assert seen["providers"]["nodes"] == [{"name": "Leeds draft"}]


async def test_other_roles_cannot_create_listings(api, db):
    council = await make_council(db)
    holder = await make_user(db, Role.DP_HOLDER, council)

    result = await api.data(CREATE, {"input": PA_LISTING}, as_user=holder)

    assert [e["code"] for e in result["createProvider"]["userErrors"]] == ["PERMISSION_DENIED"]


async def test_anonymous_callers_cannot_write(api, db):
    body = await api.execute(CREATE, {"input": PA_LISTING})

    assert body["data"] is None
    assert body["errors"][0]["message"] == "Sign in to do this."
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_publishing_an_incomplete_listing_says_what_is_missing(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    created = await api.data(CREATE, {"input": {"kind": "PA", "name": "Jo"}}, as_user=jo)
    listing_id = created["createProvider"]["provider"]["id"]

    result = (await api.data(PUBLISH, {"id": listing_id}, as_user=jo))["publishProvider"]

    assert result["provider"] is None
    assert [e["field"] for e in result["userErrors"]] == [
        "bio",
        "services",
        "languages",
        "basePostcode",
        "travelRadiusKm",
        "hourlyRatePence",
        "weeklyCapacityHours",
        "availability",
        "contactEmail",
    ]
    assert {e["code"] for e in result["userErrors"]} == {"INCOMPLETE"}


async def test_a_complete_listing_publishes_and_becomes_public(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    created = await api.data(CREATE, {"input": PA_LISTING}, as_user=jo)
    listing_id = created["createProvider"]["provider"]["id"]
    assert (await api.data("{ providers { totalCount } }"))["providers"]["totalCount"] == 0
    slots = [{"day": "MONDAY", "start": "09:00", "end": "13:00"}]
    await api.data(AVAILABILITY, {"input": {"providerId": listing_id, "slots": slots}}, as_user=jo)

    result = (await api.data(PUBLISH, {"id": listing_id}, as_user=jo))["publishProvider"]

    assert result == {"provider": {"status": "PUBLISHED"}, "userErrors": []}
    public = "{ providers { totalCount nodes { name contact { email } } } }"
    assert (await api.data(public))["providers"] == {"totalCount": 0, "nodes": []}  # not yet accredited
    async with db.transaction() as session:
        provider = await session.get(Provider, int(from_base64(listing_id)[1]))
        session.add_all(
            make_check(provider, c, expires_on=date(2027, 6, 30)) for c in REQUIRED_CHECKS[provider.kind]
        )
    assert (await api.data(public))["providers"] == {
        "totalCount": 1,
        "nodes": [{"name": "Jo Bloggs", "contact": None}],
    }


async def test_availability_is_replaced_whole_and_sorted(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    await make_provider(db, council, owner=jo)
    listing_id = (await api.data("{ providers { nodes { id } } }"))["providers"]["nodes"][0]["id"]
    slots = [
        {"day": "FRIDAY", "start": "18:00", "end": "24:00"},
        {"day": "MONDAY", "start": "13:00", "end": "17:00"},
        {"day": "MONDAY", "start": "07:30", "end": "12:00"},
    ]

    result = await api.data(AVAILABILITY, {"input": {"providerId": listing_id, "slots": slots}}, as_user=jo)

    assert result["setAvailability"] == {
        "provider": {
            "availability": [
                {"day": "MONDAY", "start": "07:30", "end": "12:00"},
                {"day": "MONDAY", "start": "13:00", "end": "17:00"},
                {"day": "FRIDAY", "start": "18:00", "end": "24:00"},
            ]
        },
        "userErrors": [],
    }


async def test_overlapping_inverted_or_malformed_slots_are_refused_and_old_slots_kept(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    await make_provider(db, council, owner=jo)
    listing_id = (await api.data("{ providers { nodes { id } } }"))["providers"]["nodes"][0]["id"]
    slots = [
        {"day": "MONDAY", "start": "09:00", "end": "12:00"},
        {"day": "MONDAY", "start": "11:00", "end": "14:00"},
        {"day": "TUESDAY", "start": "17:00", "end": "09:00"},
        {"day": "WEDNESDAY", "start": "9am", "end": "25:00"},
    ]

    result = await api.data(AVAILABILITY, {"input": {"providerId": listing_id, "slots": slots}}, as_user=jo)

    assert [(e["field"], e["code"]) for e in result["setAvailability"]["userErrors"]] == [
        ("input.slots.2.end", "INVALID"),
        ("input.slots.3.start", "INVALID"),
        ("input.slots.3.end", "INVALID"),
        ("input.slots.1", "OVERLAPPING"),
    ]
    kept = await api.data("{ providers { nodes { availability { day start end } } } }")
    assert kept["providers"]["nodes"][0]["availability"] == [
        {"day": "MONDAY", "start": "09:00", "end": "17:00"},
        {"day": "WEDNESDAY", "start": "09:00", "end": "17:00"},
    ]


async def test_council_staff_suspend_and_the_provider_cannot_republish(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    broker = await make_user(db, Role.BROKER, council)
    await make_provider(db, council, owner=jo)
    listing_id = (await api.data("{ providers { nodes { id } } }"))["providers"]["nodes"][0]["id"]
    suspend = (
        "mutation($id: ID!) { suspendProvider(input: {id: $id}) { provider { status } userErrors { code } } }"
    )

    by_owner = await api.execute(suspend, {"id": listing_id}, as_user=jo)
    assert by_owner["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    suspended = await api.data(suspend, {"id": listing_id}, as_user=broker)
    assert suspended["suspendProvider"] == {"provider": {"status": "SUSPENDED"}, "userErrors": []}

    republish = (await api.data(PUBLISH, {"id": listing_id}, as_user=jo))["publishProvider"]
    assert [e["code"] for e in republish["userErrors"]] == ["INVALID_STATE"]
    assert (await api.data("{ providers { totalCount } }"))["providers"]["totalCount"] == 0
    lifted = (await api.data(PUBLISH, {"id": listing_id}, as_user=broker))["publishProvider"]
    assert lifted == {"provider": {"status": "PUBLISHED"}, "userErrors": []}
