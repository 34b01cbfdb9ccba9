"""Assembles the schema from each capability's queries and mutations, with limits and masking."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from broker.accounts.graphql import AccountMutations, AccountQueries
from broker.agreements.graphql import AgreementMutations, AgreementQueries
from broker.api.errors import BrokerErrors
from broker.api.input_rules import InputRules
from broker.discovery.graphql import DiscoveryQueries
from broker.holders.graphql import HolderMutations, HolderQueries
from broker.matching.graphql import MatchingMutations, MatchingQueries
from broker.payments.graphql import PaymentMutations, PaymentQueries
from broker.plans.graphql import PlanMutations, PlanQueries
from broker.providers.graphql import ProviderMutations, ProviderQueries
from broker.support.graphql import SupportMutations, SupportQueries

MAX_DEPTH = 10
MAX_TOKENS = 2_000
MAX_ALIASES = 15


@strawberry.type
class Query(
    AccountQueries,
    ProviderQueries,
    DiscoveryQueries,
    HolderQueries,
    PlanQueries,
    MatchingQueries,
    SupportQueries,
    AgreementQueries,
    PaymentQueries,
):
    node: relay.Node | None = relay.node(description="Any object by its global ID, if you may see it.")


@strawberry.type
class Mutation(
    AccountMutations,
    ProviderMutations,
    HolderMutations,
    PlanMutations,
    MatchingMutations,
    SupportMutations,
    AgreementMutations,
    PaymentMutations,
):
    pass


# Built once: the validation cache is keyed by the rule classes, and each limiter instance would
# otherwise mint new classes per request, so nothing would ever be served from the cache.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


def create_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: AddValidationRules(LIMIT_RULES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            InputRules,
            BrokerErrors,
        ],
    )


schema = create_schema()
