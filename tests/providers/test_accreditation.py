"""Council staff record checks; `accredited` follows from them and from today's date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from strawberry.relay import to_base64

from broker.accounts.models import Role
from broker.providers.models import Accreditation, CheckType, ProviderKind
from tests.factories import count, make_council, make_provider, make_user

RECORD = """
mutation Record($input: RecordAccreditationInput!) {
  recordAccreditation(input: $input) {
    accreditation { checkType status reference checkedOn expiresOn current dbsUpdateService }
    provider { accredited accreditedUntil missingChecks }
    userErrors { field message code }
  }
}
"""
LISTING = """
query($id: ID!) { provider(id: $id) {
  accredited accreditedUntil missingChecks
  accreditations { checkType reference expiresOn current }
} }
"""


def _check(provider_id: int, check: str, expires: str | None, **extra: object) -> dict:
    return {
        "input": {
            "providerId": to_base64("Provider", provider_id),
            "checkType": check,
            "status": "PASSED",
            "reference": f"{check[:3]}-001",
            "checkedOn": "2026-01-10",
            "expiresOn": expires,
            **extra,
        }
    }


async def test_a_pa_is_accredited_once_every_required_check_is_recorded(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    pa = await make_provider(db, council, accredited_until=None)

    results = []
    for check, expires in [
        ("DBS_ENHANCED", "2029-01-10"),
        ("COUNCIL_APPROVAL", "2027-03-01"),
        ("PUBLIC_LIABILITY_INSURANCE", "2027-01-10"),
        ("TRAINING", "2028-01-10"),
    ]:
        extra = {"dbsUpdateService": True} if check == "DBS_ENHANCED" else {}
        results.append(
            (await api.data(RECORD, _check(pa.id, check, expires, **extra), as_user=broker))[
                "recordAccreditation"
            ]
        )

    assert [r["provider"]["accredited"] for r in results] == [False, False, False, True]
    assert results[0]["accreditation"] == {
        "checkType": "DBS_ENHANCED",
        "status": "PASSED",
        "reference": "DBS-001",
        "checkedOn": "2026-01-10",
        "expiresOn": "2029-01-10",
        "current": True,
        "dbsUpdateService": True,
    }
    assert results[0]["provider"]["missingChecks"] == [
        "COUNCIL_APPROVAL",
        "PUBLIC_LIABILITY_INSURANCE",
        "TRAINING",
    ]
    assert results[-1]["provider"] == {
        "accredited": True,
        "accreditedUntil": "2027-01-10",
        "missingChecks": [],
    }


async def test_accreditation_lapses_on_the_expiry_day_without_anyone_touching_it(api, db, clock):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    pa = await make_provider(db, council, accredited_until=date(2026, 12, 1))
    variables = {"id": to_base64("Provider", pa.id)}

    clock.at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 23:30 in London, the day before
    before = (await api.data(LISTING, variables))["provider"]
    clock.at = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    on_the_day = (await api.data(LISTING, variables, as_user=broker))["provider"]
    in_public = (await api.data(LISTING, variables))["provider"]

    assert (before["accredited"], before["accreditedUntil"]) == (True, "2026-12-01")
    assert in_public is None
    assert on_the_day["accredited"] is False
    assert on_the_day["accreditedUntil"] is None
    assert on_the_day["missingChecks"] == sorted(
        c.value
        for c in [
            CheckType.DBS_ENHANCED,
            CheckType.COUNCIL_APPROVAL,
            CheckType.PUBLIC_LIABILITY_INSURANCE,
            CheckType.TRAINING,
        ]
    )
    filtered = await api.data("{ providers(filter: {accredited: true}) { totalCount } }")
    assert filtered["providers"]["totalCount"] == 0


async def test_an_agency_rated_inadequate_by_the_cqc_is_not_accredited(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    agency = await make_provider(db, council, kind=ProviderKind.AGENCY)

    result = await api.data(
        RECORD, _check(agency.id, "CQC_REGISTRATION", None, cqcRating="INADEQUATE"), as_user=broker
    )

    assert result["recordAccreditation"]["provider"] == {
        "accredited": False,
        "accreditedUntil": None,
        "missingChecks": ["CQC_REGISTRATION"],
    }


async def test_recording_a_check_again_replaces_it(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    pa = await make_provider(db, council)
    before = await count(db, Accreditation)

    await api.data(RECORD, _check(pa.id, "TRAINING", "2030-01-01"), as_user=broker)

    assert await count(db, Accreditation) == before
    listing = (await api.data(LISTING, {"id": to_base64("Provider", pa.id)}, as_user=broker))["provider"]
    training = [a for a in listing["accreditations"] if a["checkType"] == "TRAINING"]
    assert training == [
        {"checkType": "TRAINING", "reference": "TRA-001", "expiresOn": "2030-01-01", "current": True}
    ]


async def test_a_broker_of_another_council_cannot_accredit(api, db):
    leeds, york = await make_council(db), await make_council(db)
    york_broker = await make_user(db, Role.BROKER, york)
    pa = await make_provider(db, leeds, accredited_until=None)

    result = await api.data(RECORD, _check(pa.id, "TRAINING", "2030-01-01"), as_user=york_broker)

    assert result["recordAccreditation"]["userErrors"] == [
        {
            "field": "input.providerId",
            "message": "Only the listing's council records its checks.",
            "code": "PERMISSION_DENIED",
        }
    ]
    assert await count(db, Accreditation) == 0


async def test_providers_cannot_accredit_themselves(api, db):
    council = await make_council(db)
    jo = await make_user(db, Role.PROVIDER, council)
    pa = await make_provider(db, council, owner=jo, accredited_until=None)

    body = await api.execute(RECORD, _check(pa.id, "TRAINING", "2030-01-01"), as_user=jo)

    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert await count(db, Accreditation) == 0


async def test_impossible_check_dates_are_refused(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    pa = await make_provider(db, council, accredited_until=None)
    variables = _check(pa.id, "DBS_ENHANCED", "2025-01-01")
    variables["input"].update(checkedOn="2027-01-01", reference="", cqcRating="GOOD")

    result = await api.data(RECORD, variables, as_user=broker)

    assert [(e["field"], e["code"]) for e in result["recordAccreditation"]["userErrors"]] == [
        ("input.checkedOn", "OUT_OF_RANGE"),
        ("input.expiresOn", "OUT_OF_RANGE"),
        ("input.reference", "REQUIRED"),
        ("input.cqcRating", "INVALID"),
    ]


async def test_check_records_are_private_to_the_provider_and_council_staff(api, db):
    council = await make_council(db)
    holder = await make_user(db, Role.DP_HOLDER, council)
    broker = await make_user(db, Role.BROKER, council)
    pa = await make_provider(db, council)
    variables = {"id": to_base64("Provider", pa.id)}

    public = (await api.data(LISTING, variables))["provider"]
    as_holder = (await api.data(LISTING, variables, as_user=holder))["provider"]
    as_broker = (await api.data(LISTING, variables, as_user=broker))["provider"]

    assert (public["accreditations"], as_holder["accreditations"]) == ([], [])
    assert (public["accredited"], public["accreditedUntil"]) == (True, "2027-06-30")
    assert {a["reference"] for a in as_broker["accreditations"]} == {
        f"REF-{check[:6]}-{pa.id}"
        for check in ("COUNCIL_APPROVAL", "DBS_ENHANCED", "PUBLIC_LIABILITY_INSURANCE", "TRAINING")
    }
    assert {a["current"] for a in as_broker["accreditations"]} == {True}
