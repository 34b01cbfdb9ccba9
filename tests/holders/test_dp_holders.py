"""Council staff set up a DP holder's profile; the person chooses how their payment is held."""

from __future__ import annotations

from strawberry.relay import to_base64

from broker.accounts.models import Role
from broker.holders.models import DPHolder, DPHolding
from tests.factories import count, make_council, make_holder, make_user, reload

CREATE = """
mutation Create($input: CreateDpHolderInput!) {
  createDpHolder(input: $input) {
    dpHolder { weeklyBudgetPence heldAs homePostcode postcodeDistrict
               user { email } representatives { email } council { name } }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateDpHolderInput!) {
  updateDpHolder(input: $input) {
    dpHolder { weeklyBudgetPence heldAs homePostcode }
    userErrors { field message code }
  }
}
"""


async def test_a_broker_sets_up_a_holder_profile_with_a_representative(api, db):
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    person = await make_user(db, Role.DP_HOLDER, council, email="amina@example.org")
    daughter = await make_user(db, Role.REPRESENTATIVE, council, email="sara@example.org")

    result = await api.data(
        CREATE,
        {
            "input": {
                "userId": to_base64("User", person.id),
                "weeklyBudgetPence": 32_500,
                "heldAs": "PREPAID_CARD",
                "homePostcode": "ls8 2cd",
                "representativeIds": [to_base64("User", daughter.id)],
            }
        },
        as_user=broker,
    )

    assert result["createDpHolder"] == {
        "dpHolder": {
            "weeklyBudgetPence": 32_500,
            "heldAs": "PREPAID_CARD",
            "homePostcode": "LS8 2CD",
            "postcodeDistrict": "LS8",
            "user": {"email": "amina@example.org"},
            "representatives": [{"email": "sara@example.org"}],
            "council": {"name": "Leeds City Council"},
        },
        "userErrors": [],
    }


async def test_bad_profile_input_is_refused_field_by_field_and_nothing_is_saved(api, db):
    council = await make_council(db)
    broker = await make_user(db, Role.BROKER, council)
    person = await make_user(db, Role.DP_HOLDER, council)
    provider_user = await make_user(db, Role.PROVIDER, council)

    result = await api.data(
        CREATE,
        {
            "input": {
                "userId": to_base64("User", person.id),
                "weeklyBudgetPence": 0,
                "homePostcode": "ZE2 9AA",
                "representativeIds": [to_base64("User", provider_user.id)],
            }
        },
        as_user=broker,
    )

    assert result["createDpHolder"]["dpHolder"] is None
    assert [(e["field"], e["code"]) for e in result["createDpHolder"]["userErrors"]] == [
        ("input.heldAs", "REQUIRED"),
        ("input.weeklyBudgetPence", "OUT_OF_RANGE"),
        ("input.homePostcode", "UNKNOWN_POSTCODE"),
        ("input.representativeIds.0", "INVALID"),
    ]
    assert await count(db, DPHolder) == 0


async def test_a_broker_cannot_set_up_a_person_of_another_council(api, db):
    leeds, york = await make_council(db), await make_council(db)
    york_broker = await make_user(db, Role.BROKER, york)
    person = await make_user(db, Role.DP_HOLDER, leeds)

    result = await api.data(
        CREATE,
        {
            "input": {
                "userId": to_base64("User", person.id),
                "weeklyBudgetPence": 30_000,
                "heldAs": "BANK_ACCOUNT",
                "homePostcode": "LS8",
            }
        },
        as_user=york_broker,
    )

    assert result["createDpHolder"]["userErrors"] == [
        {"field": "input.userId", "message": "No user with this ID.", "code": "NOT_FOUND"}
    ]
    assert await count(db, DPHolder) == 0


async def test_holders_cannot_create_profiles(api, db):
    council = await make_council(db)
    person = await make_user(db, Role.DP_HOLDER, council)

    body = await api.execute(
        CREATE,
        {
            "input": {
                "userId": to_base64("User", person.id),
                "weeklyBudgetPence": 30_000,
                "heldAs": "BANK_ACCOUNT",
                "homePostcode": "LS8",
            }
        },
        as_user=person,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count(db, DPHolder) == 0


async def test_the_holder_changes_how_their_payment_is_held_but_not_their_budget(api, db):
    council = await make_council(db)
    holder = await make_holder(db, council, weekly_budget_pence=30_000)
    person = await reload_user(db, holder.user_id)
    holder_id = to_base64("DPHolder", holder.id)

    chosen = await api.data(UPDATE, {"input": {"id": holder_id, "heldAs": "MANAGED_ACCOUNT"}}, as_user=person)
    budget = await api.data(UPDATE, {"input": {"id": holder_id, "weeklyBudgetPence": 90_000}}, as_user=person)

    assert chosen["updateDpHolder"] == {
        "dpHolder": {"weeklyBudgetPence": 30_000, "heldAs": "MANAGED_ACCOUNT", "homePostcode": "LS8 2CD"},
        "userErrors": [],
    }
    assert budget["updateDpHolder"]["userErrors"] == [
        {
            "field": "input.weeklyBudgetPence",
            "message": "You can change how the payment is held; the council changes the rest.",
            "code": "PERMISSION_DENIED",
        }
    ]
    saved = await reload(db, DPHolder, holder.id)
    assert (saved.weekly_budget_pence, saved.held_as) == (30_000, DPHolding.MANAGED_ACCOUNT)


async def test_a_holder_reads_their_own_profile_and_nobody_elses(api, db):
    council = await make_council(db)
    mine, theirs = await make_holder(db, council), await make_holder(db, council)
    person = await reload_user(db, mine.user_id)
    query = "query($id: ID) { dpHolder(id: $id) { id weeklyBudgetPence } }"

    own = await api.data(query, {"id": None}, as_user=person)
    other = await api.data(query, {"id": to_base64("DPHolder", theirs.id)}, as_user=person)

    assert own["dpHolder"] == {"id": to_base64("DPHolder", mine.id), "weeklyBudgetPence": 30_000}
    assert other["dpHolder"] is None


async def test_a_representative_reads_the_profile_they_act_for(api, db):
    council = await make_council(db)
    daughter = await make_user(db, Role.REPRESENTATIVE, council)
    holder = await make_holder(db, council, representatives=(daughter,))
    stranger = await make_user(db, Role.REPRESENTATIVE, council)
    query = "{ dpHolder { id } }"

    assert (await api.data(query, as_user=daughter))["dpHolder"] == {"id": to_base64("DPHolder", holder.id)}
    assert (await api.data(query, as_user=stranger))["dpHolder"] is None


async def test_staff_list_their_councils_holders_only(api, db):
    leeds, york = await make_council(db), await make_council(db)
    broker = await make_user(db, Role.BROKER, leeds)
    await make_holder(db, leeds)
    await make_holder(db, york)

    result = await api.data("{ dpHolders { totalCount } }", as_user=broker)

    assert result["dpHolders"]["totalCount"] == 1


async def reload_user(db, user_id):
    from broker.accounts.models import User

    return await reload(db, User, user_id)
