"""DP support: the council's lead contract, subcontracts to the person's preferred provider, referrals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from strawberry.relay import to_base64

from broker.accounts.models import Role, User
from broker.support import service
from broker.support.models import LeadContract, Subcontract, SupportReferral
from tests.factories import (
    count,
    make_council,
    make_holder,
    make_lead_contract,
    make_provider,
    make_referral,
    make_subcontract,
    make_support_org,
    make_user,
    reload,
)
from tests.statements import counting_statements

CREATE_CONTRACT = """
mutation Create($input: CreateLeadContractInput!) {
  createLeadContract(input: $input) {
    leadContract { startDate endDate annualValuePence inForce services { code }
                   leadProvider { name } council { name } }
    userErrors { field message code }
  }
}
"""
PROPOSE = """
mutation Propose($input: ProposeSubcontractInput!) {
  proposeSubcontract(input: $input) {
    subcontract { id status startDate endDate services { code } subcontractor { name }
                  awaitingAcceptanceFrom }
    userErrors { field message code }
  }
}
"""
RESPOND = """
mutation Respond($input: RespondToSubcontractInput!) {
  respondToSubcontract(input: $input) {
    subcontract { status awaitingAcceptanceFrom declineReason decidedAt }
    userErrors { field message code }
  }
}
"""
END = """
mutation End($id: ID!) {
  endSubcontract(input: {id: $id}) {
    subcontract { status endDate endedAt } userErrors { field message code }
  }
}
"""
CHOOSE = """
mutation Choose($input: ChooseSupportProviderInput!) {
  chooseSupportProvider(input: $input) {
    route subcontractProposed message
    referral { id route status services { code } provider { name } leadProvider { name }
               subcontract { id status } createdAt sentAt waitedDays }
    subcontract { id status services { code } subcontractor { name } awaitingAcceptanceFrom }
    userErrors { field message code }
  }
}
"""
REFERRALS = """
query { supportReferrals { totalCount nodes {
  status route sentAt decidedAt waitedDays holder { id } provider { name }
} } }
"""
ANSWER_REFERRAL = """
mutation Answer($input: RespondToSupportReferralInput!) {
  respondToSupportReferral(input: $input) { referral { status decidedAt } userErrors { field message code } }
}
"""
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def gid(kind: str, row) -> str:
    return to_base64(kind, row.id)


async def _coventry(db):
    """Coventry's DP support: a lead provider contracted for four services, another organisation a
    person might prefer, a broker, and a person on a direct payment."""
    council = await make_council(db, "Coventry City Council")
    broker = await make_user(db, Role.BROKER, council)
    lead_owner = await make_user(db, Role.PROVIDER, council)
    other_owner = await make_user(db, Role.PROVIDER, council)
    lead = await make_support_org(db, council, owner=lead_owner, name="Coventry DP Support")
    other = await make_support_org(db, council, owner=other_owner, name="Foleshill Payroll Co-op")
    holder = await make_holder(db, council, district="LS8")
    contract = await make_lead_contract(db, council, lead)
    return council, broker, lead_owner, other_owner, lead, other, holder, contract


async def _choose(api, user, holder, provider, services=("PAYROLL",)):
    variables = {
        "input": {
            "holderId": gid("DPHolder", holder),
            "providerId": gid("Provider", provider),
            "services": services,
        }
    }
    return (await api.data(CHOOSE, variables, as_user=user))["chooseSupportProvider"]


async def _respond(api, user, subcontract_id, accept=True, reason=None):
    variables = {"input": {"id": subcontract_id, "accept": accept, "reason": reason}}
    return (await api.data(RESPOND, variables, as_user=user))["respondToSubcontract"]


# --- the catalogue and listings ---------------------------------------------------------------


async def test_the_taxonomy_lists_the_dp_support_services_with_stable_codes(api):
    services = (await api.data("{ services { code label group } }"))["services"]

    support = [(s["code"], s["label"]) for s in services if s["group"] == "DP_SUPPORT"]
    assert support == [
        ("DP_SUPPORT_SERVICE", "Direct payment support service"),
        ("DP_AUDIT", "Direct payment audit"),
        ("MANAGED_ACCOUNT", "Third-party supported (managed) account"),
        ("PAYROLL", "Payroll service"),
        ("FINANCIAL_INDEPENDENCE", "Promoting financial independence"),
        ("PEER_SUPPORT", "Peer group support"),
        ("SUITABLE_PERSON", "Suitable person service"),
        ("APPOINTEESHIP", "Appointeeship"),
        ("DEPUTYSHIP", "Deputyship"),
        ("INDIVIDUAL_SERVICE_FUND", "Individual service fund"),
        ("PA_WITHOUT_EMPLOYER_LIABILITY", "Personal assistant without employer liability"),
    ]


async def test_a_support_organisation_lists_payroll_and_search_finds_it(api, db, index_now):
    council = await make_council(db)
    owner = await make_user(db, Role.PROVIDER, council)
    org = await make_support_org(db, council, owner=owner, name="Payroll Partners", services=("DP_AUDIT",))
    await make_provider(db, council, name="Jo (PA)")
    update = """mutation($input: UpdateProviderInput!) { updateProvider(input: $input) {
      provider { services { code } } userErrors { field code } } }"""

    updated = await api.data(
        update, {"input": {"id": gid("Provider", org), "services": ["PAYROLL", "DP_AUDIT"]}}, as_user=owner
    )
    await index_now()
    search = """query($input: SearchProvidersInput!) { searchProviders(input: $input) {
      totalHits hits { provider { name } } userErrors { field } } }"""
    found = (await api.data(search, {"input": {"services": ["PAYROLL"]}}))["searchProviders"]

    assert updated["updateProvider"] == {
        "provider": {"services": [{"code": "DP_AUDIT"}, {"code": "PAYROLL"}]},
        "userErrors": [],
    }
    assert found == {"totalHits": 1, "hits": [{"provider": {"name": "Payroll Partners"}}], "userErrors": []}


# --- contracts --------------------------------------------------------------------------------


async def test_a_broker_records_the_councils_lead_contract(api, db):
    council = await make_council(db, "Coventry City Council")
    broker = await make_user(db, Role.BROKER, council)
    lead = await make_support_org(db, council, name="Coventry DP Support")
    contract = {
        "leadProviderId": gid("Provider", lead),
        "services": ["PAYROLL", "DP_SUPPORT_SERVICE", "PAYROLL"],
        "startDate": "2026-04-01",
        "endDate": "2028-03-31",
        "annualValuePence": 25_000_000,
    }

    result = (await api.data(CREATE_CONTRACT, {"input": contract}, as_user=broker))["createLeadContract"]

    assert result == {
        "leadContract": {
            "startDate": "2026-04-01",
            "endDate": "2028-03-31",
            "annualValuePence": 25_000_000,
            "inForce": True,
            "services": [{"code": "PAYROLL"}, {"code": "DP_SUPPORT_SERVICE"}],
            "leadProvider": {"name": "Coventry DP Support"},
            "council": {"name": "Coventry City Council"},
        },
        "userErrors": [],
    }


async def test_overlapping_lead_contracts_for_the_same_service_are_refused_and_nothing_is_saved(api, db):
    _, broker, _, _, _, other, *_ = await _coventry(db)
    overlapping = {
        "leadProviderId": gid("Provider", other),
        "services": ["DP_AUDIT", "MANAGED_ACCOUNT"],
        "startDate": "2028-01-01",
        "endDate": "2029-12-31",
        "annualValuePence": 5_000_000,
    }

    result = (await api.data(CREATE_CONTRACT, {"input": overlapping}, as_user=broker))["createLeadContract"]

    assert result["leadContract"] is None
    assert result["userErrors"] == [
        {
            "field": "input.services.0",
            "message": "The council already has a lead contract for Direct payment audit from "
            "01 April 2026 to 31 March 2028.",
            "code": "OVERLAPPING",
        },
        {
            "field": "input.services.1",
            "message": "The council already has a lead contract for Third-party supported (managed) account "
            "from 01 April 2026 to 31 March 2028.",
            "code": "OVERLAPPING",
        },
    ]
    assert await count(db, LeadContract) == 1


async def test_a_contract_starting_after_the_last_one_ends_is_accepted(api, db):
    _, broker, _, _, _, other, *_ = await _coventry(db)
    next_contract = {
        "leadProviderId": gid("Provider", other),
        "services": ["PAYROLL"],
        "startDate": "2028-04-01",
        "endDate": "2030-03-31",
        "annualValuePence": 5_000_000,
    }

    result = (await api.data(CREATE_CONTRACT, {"input": next_contract}, as_user=broker))["createLeadContract"]

    assert result["userErrors"] == []
    assert await count(db, LeadContract) == 2


async def test_bad_contract_input_is_refused_field_by_field(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    agency = await make_provider(db, council, name="Care Agency")
    bad = {
        "leadProviderId": gid("Provider", agency),
        "services": ["PAYROLL", "PERSONAL_CARE", "BASKET_WEAVING"],
        "startDate": "2027-04-01",
        "endDate": "2027-03-31",
        "annualValuePence": 0,
    }

    result = (await api.data(CREATE_CONTRACT, {"input": bad}, as_user=broker))["createLeadContract"]

    assert result["leadContract"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        ("input.services.1", "INVALID"),
        ("input.services.2", "UNKNOWN_SERVICE"),
        ("input.leadProviderId", "INVALID"),
        ("input.endDate", "OUT_OF_RANGE"),
        ("input.annualValuePence", "OUT_OF_RANGE"),
    ]
    assert result["userErrors"][0]["message"] == "Personal care is not a DP support service."
    assert await count(db, LeadContract) == 0


async def test_the_lead_must_offer_the_services_it_is_contracted_for(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    lead = await make_support_org(db, council, name="Audit Only", services=("DP_AUDIT",))
    contract = {
        "leadProviderId": gid("Provider", lead),
        "services": ["DP_AUDIT", "PAYROLL"],
        "startDate": "2026-04-01",
        "endDate": "2028-03-31",
        "annualValuePence": 100_000,
    }

    result = (await api.data(CREATE_CONTRACT, {"input": contract}, as_user=broker))["createLeadContract"]

    assert result["userErrors"] == [
        {
            "field": "input.services.1",
            "message": "Audit Only does not offer Payroll service.",
            "code": "INVALID",
        }
    ]


async def test_only_council_staff_manage_contracts(api, db):
    council, _, lead_owner, _, _, other, _, contract = await _coventry(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    elsewhere = await make_council(db, "Leeds City Council")
    leeds_broker = await make_user(db, Role.BROKER, elsewhere)
    proposal = {
        "input": {
            "leadContractId": gid("LeadContract", contract),
            "subcontractorId": gid("Provider", other),
            "services": ["PAYROLL"],
        }
    }

    by_provider = await api.execute(PROPOSE, proposal, as_user=lead_owner)
    by_commissioner = await api.execute(PROPOSE, proposal, as_user=commissioner)
    by_other_council = (await api.data(PROPOSE, proposal, as_user=leeds_broker))["proposeSubcontract"]

    assert by_provider["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert by_commissioner["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert by_other_council == {
        "subcontract": None,
        "userErrors": [
            {
                "field": "input.leadContractId",
                "message": "Only the council's brokers and admins manage its contracts.",
                "code": "PERMISSION_DENIED",
            }
        ],
    }
    assert await count(db, Subcontract) == 0


async def test_a_subcontract_for_services_the_lead_contract_does_not_cover_is_refused(api, db):
    _, broker, _, _, lead, other, _, contract = await _coventry(db)
    proposal = {
        "leadContractId": gid("LeadContract", contract),
        "subcontractorId": gid("Provider", other),
        "services": ["PAYROLL", "APPOINTEESHIP"],
        "endDate": "2028-06-30",
    }
    to_itself = {
        **proposal,
        "subcontractorId": gid("Provider", lead),
        "services": ["PAYROLL"],
        "endDate": None,
    }

    result = (await api.data(PROPOSE, {"input": proposal}, as_user=broker))["proposeSubcontract"]
    itself = (await api.data(PROPOSE, {"input": to_itself}, as_user=broker))["proposeSubcontract"]

    assert result["subcontract"] is None
    assert result["userErrors"] == [
        {
            "field": "input.services.1",
            "message": "The lead contract does not cover Appointeeship, so it cannot be subcontracted.",
            "code": "INVALID",
        },
        {
            "field": "input.services.1",
            "message": "Foleshill Payroll Co-op does not offer Appointeeship.",
            "code": "INVALID",
        },
        {
            "field": "input.endDate",
            "message": "A subcontract cannot run past its lead contract.",
            "code": "OUT_OF_RANGE",
        },
    ]
    assert itself["userErrors"] == [
        {
            "field": "input.subcontractorId",
            "message": "The lead provider cannot subcontract to itself.",
            "code": "INVALID",
        }
    ]
    assert await count(db, Subcontract) == 0


async def test_a_proposed_subcontract_is_active_once_both_organisations_accept(api, db):
    _, broker, lead_owner, other_owner, _, other, _, contract = await _coventry(db)
    proposal = {
        "leadContractId": gid("LeadContract", contract),
        "subcontractorId": gid("Provider", other),
        "services": ["PAYROLL"],
    }

    proposed = (await api.data(PROPOSE, {"input": proposal}, as_user=broker))["proposeSubcontract"]
    sub_id = proposed["subcontract"]["id"]
    after_subcontractor = await _respond(api, other_owner, sub_id)
    after_lead = await _respond(api, lead_owner, sub_id)
    again = await api.data(PROPOSE, {"input": proposal}, as_user=broker)

    assert proposed["subcontract"] == {
        "id": sub_id,
        "status": "PROPOSED",
        "startDate": "2026-11-26",
        "endDate": "2028-03-31",
        "services": [{"code": "PAYROLL"}],
        "subcontractor": {"name": "Foleshill Payroll Co-op"},
        "awaitingAcceptanceFrom": ["LEAD", "SUBCONTRACTOR"],
    }
    assert after_subcontractor["subcontract"]["status"] == "PROPOSED"
    assert after_subcontractor["subcontract"]["awaitingAcceptanceFrom"] == ["LEAD"]
    assert after_lead["subcontract"] == {
        "status": "ACTIVE",
        "awaitingAcceptanceFrom": [],
        "declineReason": None,
        "decidedAt": "2026-11-26T10:00:00+00:00",
    }
    assert again["proposeSubcontract"]["userErrors"] == [
        {
            "field": "input.subcontractorId",
            "message": "A active subcontract to this provider already covers these services.",
            "code": "DUPLICATE",
        }
    ]


async def test_only_the_two_organisations_answer_a_subcontract_proposal(api, db):
    council, broker, lead_owner, _, _, other, _, contract = await _coventry(db)
    stranger = await make_user(db, Role.PROVIDER, council)
    await make_support_org(db, council, owner=stranger, name="Someone Else")
    subcontract = await make_subcontract(db, contract, other, status="PROPOSED")
    sub_id = gid("Subcontract", subcontract)

    by_broker = await api.execute(RESPOND, {"input": {"id": sub_id, "accept": True}}, as_user=broker)
    by_stranger = await _respond(api, stranger, sub_id)
    first = await _respond(api, lead_owner, sub_id)
    twice = await _respond(api, lead_owner, sub_id)

    assert by_broker["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert by_stranger == {
        "subcontract": None,
        "userErrors": [{"field": "input.id", "message": "No subcontract with this ID.", "code": "NOT_FOUND"}],
    }
    assert first["userErrors"] == []
    assert twice["userErrors"] == [
        {
            "field": "input.id",
            "message": "You have already accepted; it waits for the other organisation.",
            "code": "INVALID_STATE",
        }
    ]
    row = await reload(db, Subcontract, subcontract.id)
    assert (row.status, row.subcontractor_accepted_at) == ("PROPOSED", None)


async def test_proposals_are_private_to_the_council_and_the_two_organisations(api, db):
    council, broker, lead_owner, other_owner, _, other, _, contract = await _coventry(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    stranger = await make_user(db, Role.PROVIDER, council)
    await make_subcontract(db, contract, other, status="PROPOSED")
    query = "{ subcontracts { totalCount nodes { status subcontractor { name } } } }"

    seen = {
        who: (await api.data(query, as_user=user))["subcontracts"]["totalCount"]
        for who, user in [
            ("broker", broker),
            ("commissioner", commissioner),
            ("lead", lead_owner),
            ("subcontractor", other_owner),
            ("stranger", stranger),
        ]
    }
    anonymous = (await api.data(query))["subcontracts"]["totalCount"]

    assert seen == {"broker": 1, "commissioner": 1, "lead": 1, "subcontractor": 1, "stranger": 0}
    assert anonymous == 0


async def test_staff_end_an_active_subcontract_and_the_next_choice_needs_a_new_one(api, db):
    _, broker, _, other_owner, _, other, holder, contract = await _coventry(db)
    subcontract = await make_subcontract(db, contract, other)

    ended = (await api.data(END, {"id": gid("Subcontract", subcontract)}, as_user=broker))["endSubcontract"]
    by_provider = await api.execute(END, {"id": gid("Subcontract", subcontract)}, as_user=other_owner)
    choice = await _choose(api, broker, holder, other)

    assert ended == {
        "subcontract": {"status": "ENDED", "endDate": "2026-11-26", "endedAt": "2026-11-26T10:00:00+00:00"},
        "userErrors": [],
    }
    assert by_provider["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert (choice["route"], choice["subcontractProposed"]) == ("SUBCONTRACT", True)


# --- a person's choice: the three routes ------------------------------------------------------


async def test_choosing_the_lead_refers_the_person_directly(api, db):
    _, broker, _, _, lead, _, holder, _ = await _coventry(db)

    result = await _choose(api, broker, holder, lead, ["PAYROLL", "MANAGED_ACCOUNT"])

    assert result == {
        "route": "DIRECT",
        "subcontractProposed": False,
        "message": "Referred to the council's lead provider for DP support.",
        "referral": {
            "id": result["referral"]["id"],
            "route": "DIRECT",
            "status": "SENT",
            "services": [{"code": "PAYROLL"}, {"code": "MANAGED_ACCOUNT"}],
            "provider": {"name": "Coventry DP Support"},
            "leadProvider": {"name": "Coventry DP Support"},
            "subcontract": None,
            "createdAt": "2026-11-26T10:00:00+00:00",
            "sentAt": "2026-11-26T10:00:00+00:00",
            "waitedDays": 0.0,
        },
        "subcontract": None,
        "userErrors": [],
    }


async def test_choosing_another_provider_with_an_active_subcontract_refers_under_it(api, db):
    _, broker, _, _, _, other, holder, contract = await _coventry(db)
    subcontract = await make_subcontract(db, contract, other, services=("PAYROLL", "DP_AUDIT"))

    result = await _choose(api, broker, holder, other, ["PAYROLL"])

    sub_id = gid("Subcontract", subcontract)
    assert result["route"] == "SUBCONTRACT"
    assert result["subcontractProposed"] is False
    assert result["message"] == "Referred to your chosen provider under the lead provider's subcontract."
    assert result["referral"]["status"] == "SENT"
    assert result["referral"]["subcontract"] == {"id": sub_id, "status": "ACTIVE"}
    assert result["referral"]["provider"] == {"name": "Foleshill Payroll Co-op"}
    assert result["referral"]["leadProvider"] == {"name": "Coventry DP Support"}
    assert result["subcontract"]["id"] == sub_id
    assert await count(db, Subcontract) == 1


async def test_without_a_subcontract_one_is_proposed_and_the_referral_waits_until_both_accept(api, db, clock):
    _, _, lead_owner, other_owner, _, other, holder, _ = await _coventry(db)
    holder_user = await reload(db, User, holder.user_id)

    chosen = await _choose(api, holder_user, holder, other, ["PAYROLL"])
    sub_id = chosen["subcontract"]["id"]
    clock.at = NOW + timedelta(days=3)
    await _respond(api, lead_owner, sub_id)
    clock.at = NOW + timedelta(days=4, hours=12)
    await _respond(api, other_owner, sub_id)
    clock.at = NOW + timedelta(days=10)
    referrals = (await api.data(REFERRALS, as_user=holder_user))["supportReferrals"]

    assert chosen["route"] == "SUBCONTRACT"
    assert chosen["subcontractProposed"] is True
    assert chosen["message"].startswith("No subcontract covers these services with your chosen provider yet.")
    assert chosen["referral"]["status"] == "WAITING_FOR_SUBCONTRACT"
    assert chosen["referral"]["sentAt"] is None
    assert chosen["subcontract"] == {
        "id": sub_id,
        "status": "PROPOSED",
        "services": [{"code": "PAYROLL"}],
        "subcontractor": {"name": "Foleshill Payroll Co-op"},
        "awaitingAcceptanceFrom": ["LEAD", "SUBCONTRACTOR"],
    }
    assert referrals == {
        "totalCount": 1,
        "nodes": [
            {
                "status": "SENT",
                "route": "SUBCONTRACT",
                "sentAt": "2026-11-30T22:00:00+00:00",
                "decidedAt": None,
                "waitedDays": 4.5,
                "holder": {"id": gid("DPHolder", holder)},
                "provider": {"name": "Foleshill Payroll Co-op"},
            }
        ],
    }


async def test_a_second_person_choosing_the_same_organisation_waits_for_the_same_proposal(api, db):
    council, broker, *_, other, holder, _ = await _coventry(db)
    neighbour = await make_holder(db, council)

    first = await _choose(api, broker, holder, other)
    second = await _choose(api, broker, neighbour, other)

    assert second["subcontractProposed"] is False
    assert second["subcontract"]["id"] == first["subcontract"]["id"]
    assert second["referral"]["status"] == "WAITING_FOR_SUBCONTRACT"
    assert await count(db, Subcontract) == 1


async def test_a_declined_proposal_tells_the_waiting_referral_and_nothing_is_sent(api, db):
    _, broker, lead_owner, other_owner, _, other, holder, _ = await _coventry(db)
    chosen = await _choose(api, broker, holder, other)
    sub_id = chosen["subcontract"]["id"]

    await _respond(api, lead_owner, sub_id)
    declined = await _respond(api, other_owner, sub_id, accept=False, reason="  No capacity   until spring ")
    referrals = (await api.data(REFERRALS, as_user=broker))["supportReferrals"]["nodes"]
    late = await _respond(api, lead_owner, sub_id)

    assert declined["subcontract"] == {
        "status": "DECLINED",
        "awaitingAcceptanceFrom": [],
        "declineReason": "No capacity until spring",
        "decidedAt": "2026-11-26T10:00:00+00:00",
    }
    assert [(r["status"], r["sentAt"], r["decidedAt"]) for r in referrals] == [
        ("SUBCONTRACT_DECLINED", None, "2026-11-26T10:00:00+00:00")
    ]
    assert late["userErrors"] == [
        {
            "field": "input.id",
            "message": "This subcontract is declined, not proposed.",
            "code": "INVALID_STATE",
        }
    ]


async def test_choosing_a_provider_that_does_not_offer_the_service_is_refused_and_nothing_is_saved(api, db):
    council, broker, _, _, _, _, holder, _ = await _coventry(db)
    audit_only = await make_support_org(db, council, name="Audit Only", services=("DP_AUDIT",))
    agency = await make_provider(db, council, name="Care Agency")

    missing = await _choose(api, broker, holder, audit_only, ["DP_AUDIT", "PAYROLL"])
    not_support = await _choose(api, broker, holder, agency, ["PAYROLL"])
    not_contracted = await _choose(api, broker, holder, audit_only, ["DEPUTYSHIP", "PERSONAL_CARE"])

    assert missing["referral"] is None
    assert missing["userErrors"] == [
        {
            "field": "input.services.1",
            "message": "Audit Only does not offer Payroll service.",
            "code": "INVALID",
        }
    ]
    assert not_support["userErrors"] == [
        {
            "field": "input.providerId",
            "message": "DP support is provided by support organisations (SUPPORT_ORG listings).",
            "code": "INVALID",
        }
    ]
    assert not_contracted["userErrors"] == [
        {
            "field": "input.services.1",
            "message": "Personal care is not a DP support service.",
            "code": "INVALID",
        },
        {"field": "input.services.0", "message": "Audit Only does not offer Deputyship.", "code": "INVALID"},
        {
            "field": "input.services.0",
            "message": "The council has no DP support contract for Deputyship in force.",
            "code": "INVALID_STATE",
        },
    ]
    assert (await count(db, SupportReferral), await count(db, Subcontract)) == (0, 0)


async def test_a_broker_cannot_choose_for_a_person_of_another_council(api, db):
    *_, lead, _, holder, _ = await _coventry(db)
    leeds = await make_council(db, "Leeds City Council")
    leeds_broker = await make_user(db, Role.BROKER, leeds)

    result = await _choose(api, leeds_broker, holder, lead)

    assert result["userErrors"] == [
        {"field": "input.holderId", "message": "No DP holder with this ID.", "code": "NOT_FOUND"}
    ]
    assert await count(db, SupportReferral) == 0


async def test_who_may_choose_the_person_their_representative_and_their_councils_brokers(api, db):
    council, _, lead_owner, _, lead, _, _, _ = await _coventry(db)
    daughter = await make_user(db, Role.REPRESENTATIVE, council)
    commissioner = await make_user(db, Role.COMMISSIONER, council)
    person = await make_holder(db, council, representatives=(daughter,))
    someone_else = await make_holder(db, council)
    someone_user = await reload(db, User, someone_else.user_id)

    by_representative = await _choose(api, daughter, person, lead)
    by_other_holder = await _choose(api, someone_user, person, lead)
    by_provider = await _choose(api, lead_owner, person, lead, ["DP_AUDIT"])
    by_commissioner = await _choose(api, commissioner, person, lead, ["DP_AUDIT"])
    anonymous = await api.execute(
        CHOOSE,
        {"input": {"holderId": gid("DPHolder", person), "providerId": gid("Provider", lead), "services": []}},
    )

    assert by_representative["route"] == "DIRECT"
    for refused in (by_other_holder, by_provider, by_commissioner):
        assert refused["userErrors"] == [
            {"field": "input.holderId", "message": "No DP holder with this ID.", "code": "NOT_FOUND"}
        ]
    assert anonymous["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert await count(db, SupportReferral) == 1


async def test_a_person_cannot_hold_two_open_referrals_for_the_same_service(api, db):
    _, broker, _, _, lead, other, holder, _ = await _coventry(db)
    await _choose(api, broker, holder, lead, ["PAYROLL"])

    again = await _choose(api, broker, holder, other, ["PAYROLL", "DP_AUDIT"])

    assert again["userErrors"] == [
        {
            "field": "input.services",
            "message": "A referral for Payroll service is already open for this person.",
            "code": "DUPLICATE",
        }
    ]
    assert (await count(db, SupportReferral), await count(db, Subcontract)) == (1, 0)


async def test_the_chosen_provider_answers_its_referral_and_does_not_see_the_persons_profile(api, db):
    _, broker, lead_owner, other_owner, lead, _, holder, _ = await _coventry(db)
    chosen = await _choose(api, broker, holder, lead)
    referral_id = chosen["referral"]["id"]

    by_other = await api.data(
        ANSWER_REFERRAL, {"input": {"id": referral_id, "accept": True}}, as_user=other_owner
    )
    seen_by_lead = (await api.data(REFERRALS, as_user=lead_owner))["supportReferrals"]["nodes"]
    accepted = await api.data(
        ANSWER_REFERRAL, {"input": {"id": referral_id, "accept": True}}, as_user=lead_owner
    )

    assert by_other["respondToSupportReferral"]["userErrors"] == [
        {"field": "input.id", "message": "No referral with this ID.", "code": "NOT_FOUND"}
    ]
    assert [r["holder"] for r in seen_by_lead] == [None]
    assert accepted["respondToSupportReferral"] == {
        "referral": {"status": "ACCEPTED", "decidedAt": "2026-11-26T10:00:00+00:00"},
        "userErrors": [],
    }


# --- which contract covers an agreement --------------------------------------------------------


async def test_covering_contract_names_the_lead_contract_or_the_subcontract_for_a_day(db):
    council = await make_council(db)
    lead = await make_support_org(db, council, name="Lead")
    other = await make_support_org(db, council, name="Other")
    stranger = await make_support_org(db, council, name="Stranger")
    holder = await make_holder(db, council)
    contract = await make_lead_contract(db, council, lead)
    subcontract = await make_subcontract(db, contract, other, end_date=date(2027, 3, 31))
    day = date(2027, 1, 4)

    async with db.session() as session:
        direct = await service.covering_contract(
            session, holder_id=holder.id, provider_id=lead.id, services=["PAYROLL"], on=day
        )
        subcontracted = await service.covering_contract(
            session, holder_id=holder.id, provider_id=other.id, services=["PAYROLL"], on=day
        )
        after_it_ends = await service.covering_contract(
            session, holder_id=holder.id, provider_id=other.id, services=["PAYROLL"], on=date(2027, 4, 1)
        )
        not_subcontracted = await service.covering_contract(
            session, holder_id=holder.id, provider_id=other.id, services=["DP_AUDIT"], on=day
        )
        nobody = await service.covering_contract(
            session, holder_id=holder.id, provider_id=stranger.id, services=["PAYROLL"], on=day
        )

    assert (direct.lead_contract.id, direct.subcontract, direct.route) == (contract.id, None, "DIRECT")
    assert (subcontracted.lead_contract.id, subcontracted.subcontract.id, subcontracted.route) == (
        contract.id,
        subcontract.id,
        "SUBCONTRACT",
    )
    assert (after_it_ends, not_subcontracted, nobody) == (None, None, None)


# --- finding support providers ----------------------------------------------------------------

SUPPORT_PROVIDERS = """
query($filter: SupportProviderFilterInput) { supportProviders(filter: $filter) {
  totalCount nodes { provider { name } roles leadContracts { endDate } subcontracts { services { code } } }
} }
"""


async def test_support_providers_filter_by_service_council_and_role(api, db):
    council, *_, other, _, contract = await _coventry(db)
    await make_subcontract(db, contract, other, services=("PAYROLL",))
    await make_support_org(db, council, name="Peer Circle", services=("PEER_SUPPORT",))
    await make_provider(db, council, name="Jo (PA)")
    leeds = await make_council(db, "Leeds City Council")
    await make_support_org(db, leeds, name="Leeds Money Matters")

    async def names(**filter):
        result = (await api.data(SUPPORT_PROVIDERS, {"filter": filter}))["supportProviders"]
        return [n["provider"]["name"] for n in result["nodes"]]

    everyone = (await api.data(SUPPORT_PROVIDERS))["supportProviders"]
    assert everyone["totalCount"] == 4
    assert everyone["nodes"][:2] == [
        {
            "provider": {"name": "Coventry DP Support"},
            "roles": ["LEAD"],
            "leadContracts": [{"endDate": "2028-03-31"}],
            "subcontracts": [],
        },
        {
            "provider": {"name": "Foleshill Payroll Co-op"},
            "roles": ["SUBCONTRACTOR"],
            "leadContracts": [],
            "subcontracts": [{"services": [{"code": "PAYROLL"}]}],
        },
    ]
    coventry = gid("Council", council)
    assert await names(council=coventry) == ["Coventry DP Support", "Foleshill Payroll Co-op", "Peer Circle"]
    assert await names(lead=True) == ["Coventry DP Support"]
    assert await names(subcontractor=True, council=coventry) == ["Foleshill Payroll Co-op"]
    assert await names(lead=False, subcontractor=False) == ["Leeds Money Matters", "Peer Circle"]
    assert await names(service="PEER_SUPPORT") == ["Peer Circle"]
    assert await names(lead=True, council=gid("Council", leeds)) == []


# --- counts for commissioners and brokers -----------------------------------------------------

COUNTS = """
query($since: Date, $until: Date) { supportReferralCounts(since: $since, until: $until) {
  since until suppressedBelow council { name }
  months { month referrals choseOtherThanLead stillWaiting averageWaitDays longestWaitDays suppressed }
  rows { month provider { name } service { code } route referrals choseOtherThanLead stillWaiting
         averageWaitDays longestWaitDays suppressed }
} }
"""


async def _autumn_referrals(db):
    """October: six people referred to the lead for payroll. November: two to the lead for audit, five
    who chose the co-op, four of them sent after 1 to 4 days and one still waiting after 6."""
    council, broker, _, _, lead, other, holder, contract = await _coventry(db)
    subcontract = await make_subcontract(db, contract, other)
    october = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    november = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for day in range(6):
        await make_referral(db, holder, contract, lead, created_at=october + timedelta(days=day))
    for _ in range(2):
        await make_referral(db, holder, contract, lead, services=("DP_AUDIT",), created_at=november)
    for days in range(1, 5):
        await make_referral(
            db,
            holder,
            contract,
            other,
            subcontract=subcontract,
            created_at=november,
            waited=timedelta(days=days),
        )
    await make_referral(
        db,
        holder,
        contract,
        other,
        status="WAITING_FOR_SUBCONTRACT",
        subcontract=subcontract,
        created_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    )
    return council, broker


def _month(month, referrals, chose, waiting, average, longest, suppressed=False):
    return {
        "month": month,
        "referrals": referrals,
        "choseOtherThanLead": chose,
        "stillWaiting": waiting,
        "averageWaitDays": average,
        "longestWaitDays": longest,
        "suppressed": suppressed,
    }


def _row(month, provider, code, route, *figures, suppressed=False):
    return {
        **_month(month, *figures, suppressed=suppressed),
        "provider": {"name": provider},
        "service": {"code": code},
        "route": route,
    }


async def test_brokers_count_referrals_by_month_provider_service_and_route(api, db):
    _, broker = await _autumn_referrals(db)

    counts = (await api.data(COUNTS, {"since": "2026-10-01", "until": "2026-11-30"}, as_user=broker))[
        "supportReferralCounts"
    ]

    assert counts["since"] == "2026-10-01"
    assert counts["until"] == "2026-11-30"
    assert counts["suppressedBelow"] is None
    assert counts["council"] == {"name": "Coventry City Council"}
    assert counts["months"] == [_month("2026-10", 6, 0, 0, 0.0, 0.0), _month("2026-11", 7, 5, 1, 2.3, 6.0)]
    assert counts["rows"] == [
        _row("2026-10", "Coventry DP Support", "PAYROLL", "DIRECT", 6, 0, 0, 0.0, 0.0),
        _row("2026-11", "Coventry DP Support", "DP_AUDIT", "DIRECT", 2, 0, 0, 0.0, 0.0),
        _row("2026-11", "Foleshill Payroll Co-op", "PAYROLL", "SUBCONTRACT", 5, 5, 1, 3.2, 6.0),
    ]


async def test_commissioners_see_counts_under_five_withheld(api, db):
    council, _ = await _autumn_referrals(db)
    commissioner = await make_user(db, Role.COMMISSIONER, council)

    counts = (await api.data(COUNTS, {"since": "2026-10-01", "until": "2026-11-30"}, as_user=commissioner))[
        "supportReferralCounts"
    ]

    assert counts["suppressedBelow"] == 5
    assert counts["months"] == [
        _month("2026-10", 6, 0, 0, 0.0, 0.0),
        _month("2026-11", 7, 5, None, 2.3, 6.0, suppressed=True),
    ]
    assert counts["rows"] == [
        _row("2026-10", "Coventry DP Support", "PAYROLL", "DIRECT", 6, 0, 0, 0.0, 0.0),
        _row(
            "2026-11",
            "Coventry DP Support",
            "DP_AUDIT",
            "DIRECT",
            None,
            None,
            None,
            None,
            None,
            suppressed=True,
        ),
        _row(
            "2026-11",
            "Foleshill Payroll Co-op",
            "PAYROLL",
            "SUBCONTRACT",
            5,
            5,
            None,
            3.2,
            6.0,
            suppressed=True,
        ),
    ]


async def test_only_brokers_admins_and_commissioners_of_the_council_see_counts(api, db):
    council, _ = await _autumn_referrals(db)
    holder_user = await make_user(db, Role.DP_HOLDER, council)
    leeds = await make_council(db, "Leeds City Council")
    leeds_commissioner = await make_user(db, Role.COMMISSIONER, leeds)
    other_council = (
        """query($council: ID) { supportReferralCounts(council: $council) { months { month } } }"""
    )

    by_holder = await api.execute(COUNTS, as_user=holder_user)
    by_leeds = await api.execute(
        other_council, {"council": gid("Council", council)}, as_user=leeds_commissioner
    )
    backwards = await api.execute(
        COUNTS, {"since": "2026-11-01", "until": "2026-10-01"}, as_user=leeds_commissioner
    )

    assert by_holder["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert by_leeds["errors"][0]["extensions"] == {"code": "PERMISSION_DENIED", "field": "council"}
    assert backwards["errors"][0]["extensions"] == {"code": "OUT_OF_RANGE", "field": "since"}
    assert backwards["errors"][0]["message"] == "`since` must not be after `until`."


async def test_support_providers_with_their_contracts_cost_the_same_statements_for_1_or_20(api, db):
    for n in range(20):
        council = await make_council(db, f"Council {n:02d}")
        contract = await make_lead_contract(
            db, council, await make_support_org(db, council, name=f"Lead {n:02d}")
        )
        await make_subcontract(db, contract, await make_support_org(db, council, name=f"Sub {n:02d}"))
    query = """query($first: Int!) { supportProviders(first: $first) { nodes {
      provider { name services { code } council { name } } roles
      leadContracts { services { code } council { name } subcontracts { status subcontractor { name } } }
      subcontracts { status }
    } } }"""

    with counting_statements(db) as one:
        small = await api.data(query, {"first": 1})
    with counting_statements(db) as twenty:
        large = await api.data(query, {"first": 20})

    assert small["supportProviders"]["nodes"][0]["roles"] == ["LEAD"]
    assert len(large["supportProviders"]["nodes"]) == 20
    assert len(one) == len(twenty)
