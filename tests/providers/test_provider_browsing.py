"""Reading listings: who sees what, filters, paging, nodes."""

from __future__ import annotations

from datetime import date

from strawberry.relay import to_base64

from broker.accounts.models import Role
from broker.providers.models import ProviderKind, ProviderStatus
from tests.factories import make_council, make_provider, make_user

NAMES = "query($filter: ProviderFilterInput) { providers(filter: $filter) { totalCount nodes { name } } }"


async def _names(api, filter=None, as_user=None):
    result = await api.data(NAMES, {"filter": filter}, as_user=as_user)
    return [n["name"] for n in result["providers"]["nodes"]]


async def test_anonymous_callers_see_published_listings_without_contact_details(api, db):
    council = await make_council(db)
    await make_provider(db, council, name="Published")
    await make_provider(db, council, name="Draft", status=ProviderStatus.DRAFT)
    await make_provider(db, council, name="Suspended", status=ProviderStatus.SUSPENDED)

    result = await api.data("{ providers { totalCount nodes { name contact { email } } } }")

    assert result["providers"] == {"totalCount": 1, "nodes": [{"name": "Published", "contact": None}]}


async def test_holders_see_public_listings_and_no_contact_details(api, db):
    council = await make_council(db)
    holder = await make_user(db, Role.DP_HOLDER, council)
    await make_provider(db, council, name="Published")
    await make_provider(db, council, name="Draft", status=ProviderStatus.DRAFT)

    result = await api.data("{ providers { nodes { name contact { email } } } }", as_user=holder)

    assert result["providers"]["nodes"] == [{"name": "Published", "contact": None}]


async def test_brokers_see_their_councils_drafts_with_contacts(api, db):
    leeds, york = await make_council(db), await make_council(db)
    broker = await make_user(db, Role.BROKER, leeds)
    await make_provider(db, leeds, name="Leeds draft", status=ProviderStatus.DRAFT)
    await make_provider(db, york, name="York draft", status=ProviderStatus.DRAFT)
    await make_provider(db, york, name="York published")

    result = await api.data("{ providers { nodes { name contact { email } } } }", as_user=broker)

    assert result["providers"]["nodes"] == [
        {"name": "Leeds draft", "contact": {"email": "jo@example.org"}},
        {"name": "York published", "contact": None},
    ]


async def test_filters_combine(api, db):
    leeds, york = await make_council(db), await make_council(db)
    admin = await make_user(db, Role.ADMIN, None)
    await make_provider(db, leeds, name="Ann PA LS8", district="LS8")
    await make_provider(db, leeds, name="Bea PA LS6 respite", district="LS6", services=("RESPITE",))
    await make_provider(db, leeds, name="Care Co agency", kind=ProviderKind.AGENCY, district="LS8")
    await make_provider(db, leeds, name="Dee expired", accredited_until=date(2026, 1, 1))
    await make_provider(db, leeds, name="Eve draft", status=ProviderStatus.DRAFT)
    await make_provider(db, york, name="Fay York")

    assert await _names(api, {"kind": "AGENCY"}) == ["Care Co agency"]
    assert await _names(api, {"service": "RESPITE"}) == ["Bea PA LS6 respite"]
    assert await _names(api, {"postcodeDistrict": "ls8", "kind": "PA"}, as_user=admin) == [
        "Ann PA LS8",
        "Dee expired",
        "Eve draft",
        "Fay York",
    ]
    assert await _names(api, {"postcodeDistrict": "ls8", "kind": "PA"}) == ["Ann PA LS8", "Fay York"]
    assert await _names(api, {"accredited": False}, as_user=admin) == ["Dee expired"]
    assert await _names(api, {"accredited": False}) == []
    leeds_id = to_base64("Council", leeds.id)
    assert await _names(api, {"council": leeds_id, "accredited": True, "kind": "PA"}) == [
        "Ann PA LS8",
        "Bea PA LS6 respite",
    ]
    assert await _names(api, {"status": "DRAFT"}, as_user=admin) == ["Eve draft"]
    assert await _names(api, {"status": "DRAFT"}) == []


async def test_bad_filters_are_clear_errors_not_server_errors(api, db):
    body = await api.execute(NAMES, {"filter": {"postcodeDistrict": "12345"}})
    assert body["errors"][0]["message"] == "Not a postcode district."
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "filter.postcodeDistrict"}

    body = await api.execute(NAMES, {"filter": {"service": "NOPE"}})
    assert body["errors"][0]["extensions"] == {"code": "UNKNOWN_SERVICE", "field": "filter.service"}

    body = await api.execute(NAMES, {"filter": {"kind": "DOG_WALKER"}})
    assert "DOG_WALKER" in body["errors"][0]["message"]


async def test_paging_walks_every_listing_once_and_caps_page_size(api, db):
    council = await make_council(db)
    for letter in "ABCDE":
        await make_provider(db, council, name=f"{letter} listing")
    query = """query($after: String) { providers(first: 2, after: $after) {
      totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""

    seen, after, pages = [], None, 0
    while True:
        page = (await api.data(query, {"after": after}))["providers"]
        seen += [e["node"]["name"] for e in page["edges"]]
        pages += 1
        assert page["totalCount"] == 5
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [f"{letter} listing" for letter in "ABCDE"]
    assert pages == 3
    big = await api.data("{ providers(first: 5000) { edges { cursor } } }")
    assert len(big["providers"]["edges"]) == 5
    bad = await api.execute("{ providers(first: -1) { totalCount } }")
    assert bad["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE"
    bad = await api.execute('{ providers(after: "garbage") { totalCount } }')
    assert bad["errors"][0]["message"] == "Not a cursor from this API."


async def test_node_resolves_visible_listings_and_hides_drafts(api, db):
    council = await make_council(db)
    published = await make_provider(db, council, name="Public")
    draft = await make_provider(db, council, name="Hidden", status=ProviderStatus.DRAFT)
    query = "query($id: ID!) { node(id: $id) { id ... on Provider { name } } }"

    found = await api.data(query, {"id": to_base64("Provider", published.id)})
    hidden = await api.data(query, {"id": to_base64("Provider", draft.id)})
    council_node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Council { name } } }",
        {"id": to_base64("Council", council.id)},
    )

    assert found["node"] == {"id": to_base64("Provider", published.id), "name": "Public"}
    assert hidden["node"] is None
    assert council_node["node"] == {"name": council.name}


async def test_unknown_or_malformed_ids_never_cause_server_errors(api, db):
    for bad_id in ["nope", to_base64("Provider", "abc"), to_base64("Banana", 1), to_base64("Provider", 999)]:
        response = await api.post("query($id: ID!) { provider(id: $id) { name } }", {"id": bad_id})
        assert response.status_code == 200
        body = response.json()
        assert body.get("data") in (None, {"provider": None})
        for error in body.get("errors", []):
            assert error["message"] != "Unexpected error."


async def test_the_service_taxonomy_is_published(api):
    services = (await api.data("{ services { code label group } }"))["services"]

    assert {"code": "DEMENTIA", "label": "Dementia care", "group": "SPECIALIST"} in services
    assert len({s["code"] for s in services}) == len(services)


async def test_the_languages_a_listing_can_name_are_published_to_anyone(api, db):
    council = await make_council(db)
    provider = await make_user(db, Role.PROVIDER, council)

    anonymous = (await api.data("{ languages { code name } }"))["languages"]
    signed_in = (await api.data("{ languages { code name } }", as_user=provider))["languages"]

    assert {"code": "pa", "name": "Punjabi"} in anonymous
    assert anonymous == signed_in
    assert len({language["code"] for language in anonymous}) == len(anonymous)
