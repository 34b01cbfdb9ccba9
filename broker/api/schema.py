"""Assembles the schema from each capability's queries and mutations, with limits and masking."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig

from broker.accounts.users_graphql import UserAdminMutations, UserAdminQueries
from broker.agreements.graphql import AgreementMutations, AgreementQueries
from broker.api.accounts import AccountMutations, AccountQueries
from broker.api.errors import BrokerErrors
from broker.api.execution import LeanExecution
from broker.api.input_rules import InputRules
from broker.api.limits import QueryCostLimit, TokenLimit
from broker.api.money import SCALARS
from broker.api.validation import CachedValidation
from broker.conversations.graphql import ConversationMutations, ConversationQueries
from broker.discovery.graphql import DiscoveryQueries
from broker.holders.graphql import HolderMutations, HolderQueries
from broker.market.graphql import MarketMutations, MarketQueries
from broker.matching.graphql import MatchingMutations, MatchingQueries
from broker.notifications.graphql import NotificationMutations, NotificationQueries
from broker.payments.graphql import PaymentMutations, PaymentQueries
from broker.plans.graphql import PlanMutations, PlanQueries
from broker.providers.graphql import ProviderMutations, ProviderQueries
from broker.reviews.graphql import ReviewMutations, ReviewQueries
from broker.statements.graphql import StatementMutations, StatementQueries
from broker.support.graphql import SupportMutations, SupportQueries
from broker.surveys.graphql import SurveyMutations, SurveyQueries
from broker.timesheets.graphql import TimesheetMutations, TimesheetQueries


@strawberry.type
class Query(
    AccountQueries,
    UserAdminQueries,
    ProviderQueries,
    DiscoveryQueries,
    HolderQueries,
    PlanQueries,
    MatchingQueries,
    SupportQueries,
    AgreementQueries,
    PaymentQueries,
    StatementQueries,
    TimesheetQueries,
    MarketQueries,
    ReviewQueries,
    SurveyQueries,
    ConversationQueries,
    NotificationQueries,
):
    node: relay.Node | None = relay.node(description="Any object by its global ID, if you may see it.")


@strawberry.type
class Mutation(
    AccountMutations,
    UserAdminMutations,
    ProviderMutations,
    HolderMutations,
    PlanMutations,
    MatchingMutations,
    SupportMutations,
    AgreementMutations,
    PaymentMutations,
    StatementMutations,
    TimesheetMutations,
    MarketMutations,
    ReviewMutations,
    SurveyMutations,
    ConversationMutations,
    NotificationMutations,
):
    pass


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(scalar_map=SCALARS),
    # One schema for every app (strawberry's relay fields bind to the first schema built from these
    # types): the limits and production's hardening are read from each request's settings.
    extensions=[
        lambda: ParserCache(maxsize=256),
        TokenLimit,
        CachedValidation,
        QueryCostLimit,
        InputRules,
        BrokerErrors,
    ],
    execution_context_class=LeanExecution,
)
