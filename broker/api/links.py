"""Fields that lead from a capability's type to one that builds on it: an agreement's payments, a
holder's plans, a listing's review score.

Payments build on agreements and plans on holders, so the lower capability cannot import the
higher one without a cycle. These resolvers sit in the API layer, which knows every capability; the
lower type declares the field (naming the higher type lazily) and the higher capability is imported
when the field is first resolved, after every module has loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from broker.api.context import Info
from broker.api.people_loaders import HolderPlans, ProviderOnDay
from broker.api.record_loaders import AgreementPayments
from broker.api.relay import connection, page_from

if TYPE_CHECKING:
    from broker.agreements.graphql.types import AgreementNode
    from broker.holders.graphql import DPHolderNode
    from broker.providers.graphql.types import ProviderNode


# The resolvers leave their return type unsaid: the field's annotation on the lower type is its type.


async def agreement_payments(  # type: ignore[no-untyped-def]
    root: AgreementNode, info: Info, first: int | None = None, after: str | None = None
):
    from broker.payments.graphql.types import PaymentNode

    page = page_from(first, after)
    key = AgreementPayments(root.id, info.context.actor, page.limit, page.offset)
    rows, total = await info.context.loaders.payments_by_agreement_id.load(key)
    return connection([PaymentNode.from_model(p) for p in rows], page=page, total=total)


async def holder_support_plans(root: DPHolderNode, info: Info):  # type: ignore[no-untyped-def]
    from broker.plans.graphql import SupportPlanNode

    ctx = info.context
    plans = await ctx.loaders.support_plans_by_holder_id.load(HolderPlans(root.id, ctx.actor, ctx.now))
    return [SupportPlanNode.from_model(p) for p in plans]


async def provider_review_score(root: ProviderNode, info: Info):  # type: ignore[no-untyped-def]
    from broker.reviews.graphql import ReviewScoreType

    score = await info.context.loaders.review_score_by_provider_id.load(
        ProviderOnDay(root.id, info.context.today)
    )
    return ReviewScoreType.from_score(score)
