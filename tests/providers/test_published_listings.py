"""A published listing always meets the publishing rules: an edit that would empty it is refused with
publishProvider's errors and changes nothing; a draft may be edited freely."""

from __future__ import annotations

from strawberry.relay import to_base64

from broker.accounts.models import Council, Role
from broker.providers.models import ProviderStatus
from tests.factories import adjust_provider, make_council, make_provider, make_user, reload

UPDATE = """
mutation($input: UpdateProviderInput!) { updateProvider(input: $input) {
  provider { status bio } userErrors { field message code }
} }
"""
AVAILABILITY = """
mutation($input: SetAvailabilityInput!) { setAvailability(input: $input) {
  provider { status availability { day start end } } userErrors { field message code }
} }
"""
PUBLISH = """
mutation($id: ID!) { publishProvider(input: {id: $id}) { provider { status } userErrors { field code } } }
"""
LISTING = """
query($id: ID!) { provider(id: $id) {
  status bio weeklyCapacityHours services { code } languages { code } contact { email phone }
  availability { day start end }
} }
"""
SEARCH = """
query($input: SearchProvidersInput!) { searchProviders(input: $input) {
  hits { provider { name } } userErrors { code }
} }
"""
JO_BIO = "Twelve years supporting people at home, including people living with dementia."
JO_AS_GIVEN = {
    "status": "PUBLISHED",
    "bio": JO_BIO,
    "weeklyCapacityHours": 20.0,
    "services": [{"code": "DEMENTIA"}, {"code": "PERSONAL_CARE"}],
    "languages": [{"code": "en"}, {"code": "pa"}],
    "contact": {"email": "jo@example.org", "phone": "0113 496 0000"},
    "availability": [
        {"day": "MONDAY", "start": "09:00", "end": "17:00"},
        {"day": "WEDNESDAY", "start": "09:00", "end": "17:00"},
    ],
}
EMPTIED = {
    "bio": "",
    "services": [],
    "languages": [],
    "weeklyCapacityHours": 0,
    "contactEmail": "",
    "contactPhone": "",
}
# Dementia care, Punjabi, Monday morning, near LS8: everything the emptying would take away.
JO_SEARCH = {
    "text": "dementia",
    "services": ["DEMENTIA"],
    "languages": ["pa"],
    "available": [{"day": "MONDAY", "start": "09:00", "end": "12:00"}],
    "postcode": "LS8",
}


async def _jo(db, status: ProviderStatus = ProviderStatus.PUBLISHED):
    council = await make_council(db, "Leeds City Council")
    jo_user = await make_user(db, Role.PROVIDER, council)
    jo = await make_provider(db, council, owner=jo_user, name="Jo", status=status)
    return jo_user, jo, to_base64("Provider", jo.id)


async def _found(api, index_now) -> list[str]:
    await index_now()
    result = (await api.data(SEARCH, {"input": JO_SEARCH}))["searchProviders"]
    assert result["userErrors"] == []
    return [hit["provider"]["name"] for hit in result["hits"]]


async def test_emptying_a_published_listing_is_refused_field_by_field_and_changes_nothing(api, db, index_now):
    jo_user, _, jo_id = await _jo(db)

    refused = await api.data(UPDATE, {"input": {"id": jo_id, **EMPTIED}}, as_user=jo_user)

    assert refused["updateProvider"] == {
        "provider": None,
        "userErrors": [
            {
                "field": "input.bio",
                "message": "Write at least 30 characters about yourself.",
                "code": "INCOMPLETE",
            },
            {"field": "input.services", "message": "List at least one service.", "code": "INCOMPLETE"},
            {"field": "input.languages", "message": "List the languages you speak.", "code": "INCOMPLETE"},
            {
                "field": "input.weeklyCapacityHours",
                "message": "Say how many hours a week you can take on.",
                "code": "INCOMPLETE",
            },
            {
                "field": "input.contactEmail",
                "message": "Give an email address or phone number for brokers.",
                "code": "INCOMPLETE",
            },
        ],
    }
    assert (await api.data(LISTING, {"id": jo_id}, as_user=jo_user))["provider"] == JO_AS_GIVEN
    assert await _found(api, index_now) == ["Jo"]


async def test_clearing_the_availability_of_a_published_listing_is_refused_and_keeps_the_slots(
    api, db, index_now
):
    jo_user, _, jo_id = await _jo(db)

    refused = await api.data(AVAILABILITY, {"input": {"providerId": jo_id, "slots": []}}, as_user=jo_user)

    assert refused["setAvailability"] == {
        "provider": None,
        "userErrors": [
            {
                "field": "input.slots",
                "message": "Add the times of the week you are available.",
                "code": "INCOMPLETE",
            }
        ],
    }
    assert (await api.data(LISTING, {"id": jo_id}, as_user=jo_user))["provider"] == JO_AS_GIVEN
    assert await _found(api, index_now) == ["Jo"]


async def test_council_staff_cannot_empty_a_published_listing_either(api, db):
    _, jo, jo_id = await _jo(db)
    broker = await make_user(db, Role.BROKER, await reload(db, Council, jo.council_id))

    refused = await api.data(UPDATE, {"input": {"id": jo_id, "services": []}}, as_user=broker)

    assert refused["updateProvider"] == {
        "provider": None,
        "userErrors": [
            {"field": "input.services", "message": "List at least one service.", "code": "INCOMPLETE"}
        ],
    }


async def test_clearing_the_only_contact_points_at_the_field_that_was_cleared(api, db):
    jo_user, jo, jo_id = await _jo(db)
    await adjust_provider(db, jo, contact_email=None)

    refused = await api.data(UPDATE, {"input": {"id": jo_id, "contactPhone": " "}}, as_user=jo_user)

    assert refused["updateProvider"]["userErrors"] == [
        {
            "field": "input.contactPhone",
            "message": "Give an email address or phone number for brokers.",
            "code": "INCOMPLETE",
        }
    ]


async def test_the_same_emptying_of_a_draft_is_accepted_and_publishing_it_says_what_is_missing(api, db):
    jo_user, _, jo_id = await _jo(db, status=ProviderStatus.DRAFT)

    updated = await api.data(UPDATE, {"input": {"id": jo_id, **EMPTIED}}, as_user=jo_user)
    cleared = await api.data(AVAILABILITY, {"input": {"providerId": jo_id, "slots": []}}, as_user=jo_user)
    published = await api.data(PUBLISH, {"id": jo_id}, as_user=jo_user)

    assert updated["updateProvider"] == {"provider": {"status": "DRAFT", "bio": ""}, "userErrors": []}
    assert cleared["setAvailability"] == {
        "provider": {"status": "DRAFT", "availability": []},
        "userErrors": [],
    }
    assert published["publishProvider"] == {
        "provider": None,
        "userErrors": [
            {"field": "bio", "code": "INCOMPLETE"},
            {"field": "services", "code": "INCOMPLETE"},
            {"field": "languages", "code": "INCOMPLETE"},
            {"field": "weeklyCapacityHours", "code": "INCOMPLETE"},
            {"field": "availability", "code": "INCOMPLETE"},
            {"field": "contactEmail", "code": "INCOMPLETE"},
        ],
    }


async def test_a_valid_update_of_a_published_listing_is_accepted_and_reaches_search(api, db, index_now):
    jo_user, _, jo_id = await _jo(db)
    new_bio = "Fifteen years supporting people at home; trained in dementia care and moving and handling."

    updated = await api.data(
        UPDATE,
        {"input": {"id": jo_id, "bio": new_bio, "services": ["DEMENTIA"], "contactEmail": ""}},
        as_user=jo_user,
    )
    slots = [{"day": "MONDAY", "start": "08:00", "end": "12:00"}]
    moved = await api.data(AVAILABILITY, {"input": {"providerId": jo_id, "slots": slots}}, as_user=jo_user)

    assert updated["updateProvider"] == {
        "provider": {"status": "PUBLISHED", "bio": new_bio},
        "userErrors": [],
    }
    assert moved["setAvailability"] == {
        "provider": {"status": "PUBLISHED", "availability": slots},
        "userErrors": [],
    }
    listing = (await api.data(LISTING, {"id": jo_id}, as_user=jo_user))["provider"]
    assert listing == {
        **JO_AS_GIVEN,
        "bio": new_bio,
        "services": [{"code": "DEMENTIA"}],
        "contact": {"email": None, "phone": "0113 496 0000"},
        "availability": slots,
    }
    assert await _found(api, index_now) == ["Jo"]


async def test_a_listing_published_with_a_gap_can_still_be_mended_one_field_at_a_time(api, db):
    """A listing published before a rule existed (here: no languages) is not frozen: an edit is
    refused only for the gaps it opens, so unrelated fixes go through."""
    jo_user, jo, jo_id = await _jo(db)
    await adjust_provider(db, jo, languages=[])

    updated = await api.data(UPDATE, {"input": {"id": jo_id, "name": "Jo Bloggs"}}, as_user=jo_user)
    slots = [{"day": "TUESDAY", "start": "09:00", "end": "17:00"}]
    moved = await api.data(AVAILABILITY, {"input": {"providerId": jo_id, "slots": slots}}, as_user=jo_user)
    still_refused = await api.data(UPDATE, {"input": {"id": jo_id, "bio": "Hi"}}, as_user=jo_user)

    assert updated["updateProvider"]["userErrors"] == []
    assert moved["setAvailability"]["userErrors"] == []
    assert still_refused["updateProvider"]["userErrors"] == [
        {
            "field": "input.bio",
            "message": "Write at least 30 characters about yourself.",
            "code": "INCOMPLETE",
        }
    ]
