"""Who sees a subcontract proposal and a referral, asked in SQL and in Python, agrees for every
kind of caller: the council's staff and commissioners, the two organisations, the person, others."""

from __future__ import annotations

from sqlalchemy import select

from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.db import Database
from broker.support.access import (
    referral_visible_clause,
    sees_council_business,
    subcontract_visible,
    subcontract_visible_clause,
)
from broker.support.models import Subcontract, SupportReferral
from tests.factories import (
    make_council,
    make_holder,
    make_lead_contract,
    make_referral,
    make_subcontract,
    make_support_org,
    make_user,
    reload,
)


def _actor(user) -> Actor | None:
    return None if user is None else Actor(user_id=user.id, role=user.role, council_id=user.council_id)


async def test_the_sql_and_python_rules_agree_for_every_caller(db: Database):
    leeds, york = await make_council(db, "Leeds"), await make_council(db, "York")
    lead_user = await make_user(db, Role.PROVIDER, leeds)
    sub_user = await make_user(db, Role.PROVIDER, leeds)
    other_org_user = await make_user(db, Role.PROVIDER, leeds)
    lead = await make_support_org(db, leeds, owner=lead_user)
    sub = await make_support_org(db, leeds, owner=sub_user)
    await make_support_org(db, leeds, owner=other_org_user)
    contract = await make_lead_contract(db, leeds, lead)
    proposed = await make_subcontract(db, contract, sub, status="PROPOSED")
    active = await make_subcontract(db, contract, sub, status="ACTIVE", services=("MANAGED_ACCOUNT",))
    holder = await make_holder(db, leeds)
    referral = await make_referral(db, holder, contract, lead)
    callers = {
        "anonymous": None,
        "leeds broker": await make_user(db, Role.BROKER, leeds),
        "leeds commissioner": await make_user(db, Role.COMMISSIONER, leeds),
        "york broker": await make_user(db, Role.BROKER, york),
        "lead organisation": lead_user,
        "subcontractor": sub_user,
        "another organisation": other_org_user,
        "the person": await reload(db, type(lead_user), holder.user_id),
        "platform admin": await make_user(db, Role.ADMIN, None),
    }

    seen = {}
    async with db.session() as session:
        for name, user in callers.items():
            actor = _actor(user)
            in_sql = set(
                (
                    await session.execute(select(Subcontract.id).where(subcontract_visible_clause(actor)))
                ).scalars()
            )
            in_python = {s.id for s in (proposed, active) if subcontract_visible(actor, s, lead, sub)}
            assert in_sql == in_python, name
            referrals = set(
                (
                    await session.execute(select(SupportReferral.id).where(referral_visible_clause(actor)))
                ).scalars()
            )
            seen[name] = (
                proposed.id in in_sql,
                referral.id in referrals,
                sees_council_business(actor, leeds.id),
            )

    assert seen == {
        "anonymous": (False, False, False),
        "leeds broker": (True, True, True),
        "leeds commissioner": (True, False, True),
        "york broker": (False, False, False),
        "lead organisation": (True, True, False),
        "subcontractor": (True, False, False),
        "another organisation": (False, False, False),
        "the person": (False, True, False),
        "platform admin": (True, True, True),
    }
