"""The council's list of merchant categories its pre-paid cards decline: bounded, and refused whole."""

from __future__ import annotations

from sqlalchemy import select

from broker.accounts.models import Role
from broker.agreements.models import BlockedMerchantCategory
from tests.factories import make_council, make_user

SET = """mutation Set($input: SetBlockedMerchantCategoriesInput!) {
  setBlockedMerchantCategories(input: $input) { categories { code } userErrors { field message code } } }"""


async def _codes(db) -> list[str]:
    async with db.session() as session:
        rows = await session.execute(
            select(BlockedMerchantCategory.code).order_by(BlockedMerchantCategory.code)
        )
        return list(rows.scalars())


async def test_twenty_thousand_categories_are_refused_and_the_list_is_unchanged(api, db):
    broker = await make_user(db, Role.BROKER, await make_council(db))
    await api.data(SET, {"input": {"categories": [{"code": "7299"}]}}, as_user=broker)
    flood = [{"code": f"{n % 10_000:04d}"} for n in range(20_000)]

    refused = (await api.data(SET, {"input": {"categories": flood}}, as_user=broker))[
        "setBlockedMerchantCategories"
    ]

    assert refused == {
        "categories": None,
        "userErrors": [
            {
                "field": "input.categories",
                "message": "At most 200 merchant categories.",
                "code": "OUT_OF_RANGE",
            }
        ],
    }
    assert await _codes(db) == ["7299"]


async def test_two_hundred_distinct_categories_are_accepted(api, db):
    broker = await make_user(db, Role.BROKER, await make_council(db))
    codes = [f"{5000 + n:04d}" for n in range(200)]

    result = (await api.data(SET, {"input": {"categories": [{"code": c} for c in codes]}}, as_user=broker))[
        "setBlockedMerchantCategories"
    ]

    assert result["userErrors"] == []
    assert await _codes(db) == codes


async def test_a_category_listed_twice_is_refused(api, db):
    broker = await make_user(db, Role.BROKER, await make_council(db))

    result = (
        await api.data(
            SET,
            {"input": {"categories": [{"code": "7299"}, {"code": "8050"}, {"code": "7299"}]}},
            as_user=broker,
        )
    )["setBlockedMerchantCategories"]

    assert result == {
        "categories": None,
        "userErrors": [
            {
                "field": "input.categories.2.code",
                "message": "This category is already in the list.",
                "code": "DUPLICATE",
            }
        ],
    }
    assert await _codes(db) == []
