"""Per-request loaders of what belongs to people: holders, representatives, plans and who read them,
DP support contracts, conversations, reviews and surveys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from strawberry.dataloader import DataLoader

from broker.accounts.actor import Actor
from broker.api.batching import load_by_id, load_grouped
from broker.conversations.service import report_counts, unread_counts
from broker.db import Database
from broker.holders.models import DPHolder, HolderRepresentative
from broker.plans.models import NeedSlot, PlanNeed, PlanPreference, PlanRead, SupportPlan
from broker.plans.reading import plans_by_holder, reads_by_plan
from broker.reviews.scores import ReviewScore, scores_for
from broker.support.models import LeadContract, Subcontract
from broker.surveys.models import SurveyQuestion


class DPHolderByIdLoader(DataLoader[int, DPHolder | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, DPHolder))


class RepresentativesByHolderIdLoader(DataLoader[int, list[HolderRepresentative]]):
    def __init__(self, db: Database) -> None:
        order = [HolderRepresentative.user_id]
        super().__init__(load_fn=load_grouped(db, HolderRepresentative, "holder_id", order))


class NeedsByPlanIdLoader(DataLoader[int, list[PlanNeed]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_grouped(db, PlanNeed, "plan_id", [PlanNeed.position, PlanNeed.id]))


class SlotsByNeedIdLoader(DataLoader[int, list[NeedSlot]]):
    def __init__(self, db: Database) -> None:
        order = [NeedSlot.day, NeedSlot.start_minute]
        super().__init__(load_fn=load_grouped(db, NeedSlot, "need_id", order))


class PreferencesByPlanIdLoader(DataLoader[int, list[PlanPreference]]):
    def __init__(self, db: Database) -> None:
        order = [PlanPreference.position, PlanPreference.id]
        super().__init__(load_fn=load_grouped(db, PlanPreference, "plan_id", order))


class HolderPlans(NamedTuple):
    """Which holder's plans, for whom, at what instant: the read is scoped and recorded as theirs."""

    holder_id: int
    actor: Actor | None
    now: datetime


class SupportPlansByHolderIdLoader(DataLoader[HolderPlans, list[SupportPlan]]):
    """A holder's plans the reader may see, newest first; one transaction per batch, because each
    read is written to the plan's read log."""

    def __init__(self, db: Database) -> None:
        async def load(keys: Sequence[HolderPlans]) -> list[list[SupportPlan]]:
            found: dict[HolderPlans, list[SupportPlan]] = {}
            for actor, now in dict.fromkeys((k.actor, k.now) for k in keys):
                batch = [k for k in keys if (k.actor, k.now) == (actor, now)]
                async with db.transaction() as session:
                    grouped = await plans_by_holder(
                        session, actor=actor, holder_ids=[k.holder_id for k in batch], now=now
                    )
                found.update((k, grouped.get(k.holder_id, [])) for k in batch)
            return [found[k] for k in keys]

        super().__init__(load_fn=load)


class PlanReadsByPlanIdLoader(DataLoader[tuple[int, int], list[PlanRead]]):
    """The newest reads of a plan, keyed by (plan ID, how many)."""

    def __init__(self, db: Database) -> None:
        async def load(keys: Sequence[tuple[int, int]]) -> list[list[PlanRead]]:
            found: dict[tuple[int, int], list[PlanRead]] = {}
            async with db.session() as session:
                for limit in dict.fromkeys(k[1] for k in keys):
                    ids = [plan_id for plan_id, n in keys if n == limit]
                    grouped = await reads_by_plan(session, plan_ids=ids, limit=limit)
                    found.update(((i, limit), grouped.get(i, [])) for i in ids)
            return [found[k] for k in keys]

        super().__init__(load_fn=load)


class LeadContractByIdLoader(DataLoader[int, LeadContract | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, LeadContract))


class SubcontractByIdLoader(DataLoader[int, Subcontract | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, Subcontract))


class SubcontractsByLeadContractIdLoader(DataLoader[int, list[Subcontract]]):
    def __init__(self, db: Database) -> None:
        order = [Subcontract.id]
        super().__init__(load_fn=load_grouped(db, Subcontract, "lead_contract_id", order))


class LeadContractsByProviderIdLoader(DataLoader[int, list[LeadContract]]):
    def __init__(self, db: Database) -> None:
        order = [LeadContract.start_date, LeadContract.id]
        super().__init__(load_fn=load_grouped(db, LeadContract, "provider_id", order))


class SubcontractsBySubcontractorIdLoader(DataLoader[int, list[Subcontract]]):
    def __init__(self, db: Database) -> None:
        order = [Subcontract.start_date, Subcontract.id]
        super().__init__(load_fn=load_grouped(db, Subcontract, "subcontractor_id", order))


class ProviderOnDay(NamedTuple):
    """A listing on a day: what changes with the date (a review score's 24-month window)."""

    provider_id: int
    today: date


class ReviewScoreByProviderIdLoader(DataLoader[ProviderOnDay, ReviewScore]):
    """Listings' review scores (`broker.reviews.scores`), one query for every listing on a page."""

    def __init__(self, db: Database) -> None:
        async def load(keys: Sequence[ProviderOnDay]) -> list[ReviewScore]:
            found: dict[ProviderOnDay, ReviewScore] = {}
            async with db.session() as session:
                for today in dict.fromkeys(k.today for k in keys):
                    ids = [k.provider_id for k in keys if k.today == today]
                    scores = await scores_for(session, ids, today=today)
                    found.update((ProviderOnDay(i, today), scores[i]) for i in ids)
            return [found[k] for k in keys]

        super().__init__(load_fn=load)


class UnreadOf(NamedTuple):
    """Which thread's unread messages: those sent from one side (the reader's other side)."""

    conversation_id: int
    from_provider: bool


class UnreadCountByConversationIdLoader(DataLoader[UnreadOf, int]):
    """Unread messages per thread (`broker.conversations.service.unread_counts`), one query a side."""

    def __init__(self, db: Database) -> None:
        async def load(keys: Sequence[UnreadOf]) -> list[int]:
            found: dict[UnreadOf, int] = {}
            async with db.session() as session:
                for from_provider in dict.fromkeys(k.from_provider for k in keys):
                    ids = [k.conversation_id for k in keys if k.from_provider == from_provider]
                    counts = await unread_counts(session, conversation_ids=ids, from_provider=from_provider)
                    found.update((UnreadOf(i, from_provider), counts.get(i, 0)) for i in ids)
            return [found[k] for k in keys]

        super().__init__(load_fn=load)


class ReportCountByMessageIdLoader(DataLoader[int, int]):
    """How often each message was reported, one query for a page of messages."""

    def __init__(self, db: Database) -> None:
        async def load(ids: Sequence[int]) -> list[int]:
            async with db.session() as session:
                counts = await report_counts(session, message_ids=ids)
            return [counts.get(i, 0) for i in ids]

        super().__init__(load_fn=load)


class QuestionsBySurveyIdLoader(DataLoader[int, list[SurveyQuestion]]):
    def __init__(self, db: Database) -> None:
        order = [SurveyQuestion.position, SurveyQuestion.id]
        super().__init__(load_fn=load_grouped(db, SurveyQuestion, "survey_id", order))
