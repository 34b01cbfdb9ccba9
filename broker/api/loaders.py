"""Per-request dataloaders, one per relation, named `<Target>By<Key>Loader`.

Each batch opens its own short session: strawberry resolves sibling fields concurrently and an
AsyncSession must not be shared between concurrent awaits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import select
from sqlmodel import col
from strawberry.dataloader import DataLoader

from broker.accounts.actor import Actor
from broker.accounts.models import Council, User
from broker.agreements.models import (
    Agreement,
    AgreementNeed,
    AgreementSlot,
    AgreementTransition,
    BlockedMerchantCategory,
)
from broker.db import Database
from broker.geography.models import PostcodeDistrict
from broker.holders.models import DPHolder, HolderRepresentative
from broker.payments.models import Payment, Refund
from broker.payments.reading import payments_by_agreement
from broker.plans.models import NeedSlot, PlanNeed, PlanPreference, PlanRead, SupportPlan
from broker.plans.reading import plans_by_holder, reads_by_plan
from broker.providers.models import Accreditation, AvailabilitySlot, Provider, ProviderService
from broker.reviews.scores import ReviewScore, scores_for
from broker.statements.models import AccountStatement
from broker.support.models import LeadContract, Subcontract
from broker.timesheets.models import Timesheet, TimesheetShift
from broker.timesheets.reading import shifts_by_timesheet

T = TypeVar("T")


def _load_by_id(db: Database, model: type[T]) -> Callable[[Sequence[int]], Awaitable[list[T | None]]]:
    async def load(ids: Sequence[int]) -> list[T | None]:
        async with db.session() as session:
            rows = await session.execute(select(model).where(model.id.in_(ids)))  # type: ignore[attr-defined]
            found = {row.id: row for row in rows.scalars()}  # type: ignore[attr-defined]
        return [found.get(i) for i in ids]

    return load


def _load_by_provider(
    db: Database, model: type[T], order: Sequence[Any]
) -> Callable[[Sequence[int]], Awaitable[list[list[T]]]]:
    async def load(ids: Sequence[int]) -> list[list[T]]:
        async with db.session() as session:
            rows = await session.execute(
                select(model).where(model.provider_id.in_(ids)).order_by(*order)  # type: ignore[attr-defined]
            )
            grouped: dict[int, list[T]] = defaultdict(list)
            for row in rows.scalars():
                grouped[row.provider_id].append(row)  # type: ignore[attr-defined]
        return [grouped.get(i, []) for i in ids]

    return load


class DistrictByCodeLoader(DataLoader[str, PostcodeDistrict | None]):
    """Postcode districts by code (public ONS geography: where a district's centre is)."""

    def __init__(self, db: Database) -> None:
        async def load(codes: Sequence[str]) -> list[PostcodeDistrict | None]:
            async with db.session() as session:
                rows = await session.execute(
                    select(PostcodeDistrict).where(col(PostcodeDistrict.code).in_(codes))
                )
                found = {row.code: row for row in rows.scalars()}
            return [found.get(code) for code in codes]

        super().__init__(load_fn=load)


class ProviderByIdLoader(DataLoader[int, Provider | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, Provider))


class CouncilByIdLoader(DataLoader[int, Council | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, Council))


class UserByIdLoader(DataLoader[int, User | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, User))


class ServicesByProviderIdLoader(DataLoader[int, list[ProviderService]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_provider(db, ProviderService, [ProviderService.service_code]))


class AccreditationsByProviderIdLoader(DataLoader[int, list[Accreditation]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_provider(db, Accreditation, [Accreditation.check_type]))


class AvailabilityByProviderIdLoader(DataLoader[int, list[AvailabilitySlot]]):
    def __init__(self, db: Database) -> None:
        order = [AvailabilitySlot.day, AvailabilitySlot.start_minute]
        super().__init__(load_fn=_load_by_provider(db, AvailabilitySlot, order))


def _load_grouped(
    db: Database, model: type[T], key: str, order: Sequence[Any]
) -> Callable[[Sequence[int]], Awaitable[list[list[T]]]]:
    async def load(ids: Sequence[int]) -> list[list[T]]:
        column = getattr(model, key)
        async with db.session() as session:
            rows = await session.execute(select(model).where(column.in_(ids)).order_by(*order))
            grouped: dict[int, list[T]] = defaultdict(list)
            for row in rows.scalars():
                grouped[getattr(row, key)].append(row)
        return [grouped.get(i, []) for i in ids]

    return load


class DPHolderByIdLoader(DataLoader[int, DPHolder | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, DPHolder))


class RepresentativesByHolderIdLoader(DataLoader[int, list[HolderRepresentative]]):
    def __init__(self, db: Database) -> None:
        order = [HolderRepresentative.user_id]
        super().__init__(load_fn=_load_grouped(db, HolderRepresentative, "holder_id", order))


class NeedsByPlanIdLoader(DataLoader[int, list[PlanNeed]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_grouped(db, PlanNeed, "plan_id", [PlanNeed.position, PlanNeed.id]))


class SlotsByNeedIdLoader(DataLoader[int, list[NeedSlot]]):
    def __init__(self, db: Database) -> None:
        order = [NeedSlot.day, NeedSlot.start_minute]
        super().__init__(load_fn=_load_grouped(db, NeedSlot, "need_id", order))


class PreferencesByPlanIdLoader(DataLoader[int, list[PlanPreference]]):
    def __init__(self, db: Database) -> None:
        order = [PlanPreference.position, PlanPreference.id]
        super().__init__(load_fn=_load_grouped(db, PlanPreference, "plan_id", order))


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
        super().__init__(load_fn=_load_by_id(db, LeadContract))


class SubcontractByIdLoader(DataLoader[int, Subcontract | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, Subcontract))


class SubcontractsByLeadContractIdLoader(DataLoader[int, list[Subcontract]]):
    def __init__(self, db: Database) -> None:
        order = [Subcontract.id]
        super().__init__(load_fn=_load_grouped(db, Subcontract, "lead_contract_id", order))


class LeadContractsByProviderIdLoader(DataLoader[int, list[LeadContract]]):
    def __init__(self, db: Database) -> None:
        order = [LeadContract.start_date, LeadContract.id]
        super().__init__(load_fn=_load_grouped(db, LeadContract, "provider_id", order))


class SubcontractsBySubcontractorIdLoader(DataLoader[int, list[Subcontract]]):
    def __init__(self, db: Database) -> None:
        order = [Subcontract.start_date, Subcontract.id]
        super().__init__(load_fn=_load_grouped(db, Subcontract, "subcontractor_id", order))


class AgreementByIdLoader(DataLoader[int, Agreement | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, Agreement))


class PlanNeedByIdLoader(DataLoader[int, PlanNeed | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, PlanNeed))


class NeedsByAgreementIdLoader(DataLoader[int, list[AgreementNeed]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_grouped(db, AgreementNeed, "agreement_id", [AgreementNeed.id]))


class SlotsByAgreementIdLoader(DataLoader[int, list[AgreementSlot]]):
    def __init__(self, db: Database) -> None:
        order = [AgreementSlot.day, AgreementSlot.start_minute]
        super().__init__(load_fn=_load_grouped(db, AgreementSlot, "agreement_id", order))


class TransitionsByAgreementIdLoader(DataLoader[int, list[AgreementTransition]]):
    def __init__(self, db: Database) -> None:
        order = [AgreementTransition.at, AgreementTransition.id]
        super().__init__(load_fn=_load_grouped(db, AgreementTransition, "agreement_id", order))


class RefundsByPaymentIdLoader(DataLoader[int, list[Refund]]):
    def __init__(self, db: Database) -> None:
        order = [Refund.created_at, Refund.id]
        super().__init__(load_fn=_load_grouped(db, Refund, "payment_id", order))


class PaymentByIdLoader(DataLoader[int, Payment | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, Payment))


class TimesheetByIdLoader(DataLoader[int, Timesheet | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, Timesheet))


class ShiftsByTimesheetIdLoader(DataLoader[int, list[TimesheetShift]]):
    def __init__(self, db: Database) -> None:
        async def load(ids: Sequence[int]) -> list[list[TimesheetShift]]:
            async with db.session() as session:
                grouped = await shifts_by_timesheet(session, ids)
            return [grouped.get(i, []) for i in ids]

        super().__init__(load_fn=load)


class AccountStatementByIdLoader(DataLoader[int, AccountStatement | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, AccountStatement))


class BlockedCategoryByCouncilCodeLoader(DataLoader[tuple[int, str], BlockedMerchantCategory | None]):
    """The council's entry for a merchant category its pre-paid cards decline, keyed by
    (council ID, code); None when its cards take that category."""

    def __init__(self, db: Database) -> None:
        async def load(keys: Sequence[tuple[int, str]]) -> list[BlockedMerchantCategory | None]:
            councils = {council_id for council_id, _ in keys}
            codes = {code for _, code in keys}
            async with db.session() as session:
                rows = await session.execute(
                    select(BlockedMerchantCategory).where(
                        BlockedMerchantCategory.council_id.in_(councils),  # type: ignore[attr-defined]
                        BlockedMerchantCategory.code.in_(codes),  # type: ignore[attr-defined]
                    )
                )
                found = {(row.council_id, row.code): row for row in rows.scalars()}
            return [found.get(k) for k in keys]

        super().__init__(load_fn=load)


class AgreementPayments(NamedTuple):
    """Which agreement's payments, for whom, which page: the page is scoped to what the reader may see."""

    agreement_id: int
    actor: Actor | None
    limit: int
    offset: int


class PaymentsByAgreementIdLoader(DataLoader[AgreementPayments, tuple[list[Payment], int]]):
    """A page of an agreement's payments the reader may see, latest period first, and their total."""

    def __init__(self, db: Database) -> None:
        async def load(keys: Sequence[AgreementPayments]) -> list[tuple[list[Payment], int]]:
            found: dict[AgreementPayments, tuple[list[Payment], int]] = {}
            async with db.session() as session:
                for actor, limit, offset in dict.fromkeys((k.actor, k.limit, k.offset) for k in keys):
                    batch = [k for k in keys if (k.actor, k.limit, k.offset) == (actor, limit, offset)]
                    pages = await payments_by_agreement(
                        session,
                        actor=actor,
                        agreement_ids=[k.agreement_id for k in batch],
                        limit=limit,
                        offset=offset,
                    )
                    found.update((k, pages[k.agreement_id]) for k in batch)
            return [found[k] for k in keys]

        super().__init__(load_fn=load)


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


@dataclass(frozen=True)
class Loaders:
    provider_by_id: ProviderByIdLoader
    council_by_id: CouncilByIdLoader
    user_by_id: UserByIdLoader
    services_by_provider_id: ServicesByProviderIdLoader
    accreditations_by_provider_id: AccreditationsByProviderIdLoader
    availability_by_provider_id: AvailabilityByProviderIdLoader
    dp_holder_by_id: DPHolderByIdLoader
    representatives_by_holder_id: RepresentativesByHolderIdLoader
    needs_by_plan_id: NeedsByPlanIdLoader
    slots_by_need_id: SlotsByNeedIdLoader
    preferences_by_plan_id: PreferencesByPlanIdLoader
    support_plans_by_holder_id: SupportPlansByHolderIdLoader
    plan_reads_by_plan_id: PlanReadsByPlanIdLoader
    lead_contract_by_id: LeadContractByIdLoader
    subcontract_by_id: SubcontractByIdLoader
    subcontracts_by_lead_contract_id: SubcontractsByLeadContractIdLoader
    lead_contracts_by_provider_id: LeadContractsByProviderIdLoader
    subcontracts_by_subcontractor_id: SubcontractsBySubcontractorIdLoader
    agreement_by_id: AgreementByIdLoader
    plan_need_by_id: PlanNeedByIdLoader
    needs_by_agreement_id: NeedsByAgreementIdLoader
    slots_by_agreement_id: SlotsByAgreementIdLoader
    transitions_by_agreement_id: TransitionsByAgreementIdLoader
    refunds_by_payment_id: RefundsByPaymentIdLoader
    blocked_category_by_council_code: BlockedCategoryByCouncilCodeLoader
    payments_by_agreement_id: PaymentsByAgreementIdLoader
    district_by_code: DistrictByCodeLoader
    payment_by_id: PaymentByIdLoader
    account_statement_by_id: AccountStatementByIdLoader
    timesheet_by_id: TimesheetByIdLoader
    shifts_by_timesheet_id: ShiftsByTimesheetIdLoader
    review_score_by_provider_id: ReviewScoreByProviderIdLoader

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(
            provider_by_id=ProviderByIdLoader(db),
            council_by_id=CouncilByIdLoader(db),
            user_by_id=UserByIdLoader(db),
            services_by_provider_id=ServicesByProviderIdLoader(db),
            accreditations_by_provider_id=AccreditationsByProviderIdLoader(db),
            availability_by_provider_id=AvailabilityByProviderIdLoader(db),
            dp_holder_by_id=DPHolderByIdLoader(db),
            representatives_by_holder_id=RepresentativesByHolderIdLoader(db),
            needs_by_plan_id=NeedsByPlanIdLoader(db),
            slots_by_need_id=SlotsByNeedIdLoader(db),
            preferences_by_plan_id=PreferencesByPlanIdLoader(db),
            support_plans_by_holder_id=SupportPlansByHolderIdLoader(db),
            plan_reads_by_plan_id=PlanReadsByPlanIdLoader(db),
            lead_contract_by_id=LeadContractByIdLoader(db),
            subcontract_by_id=SubcontractByIdLoader(db),
            subcontracts_by_lead_contract_id=SubcontractsByLeadContractIdLoader(db),
            lead_contracts_by_provider_id=LeadContractsByProviderIdLoader(db),
            subcontracts_by_subcontractor_id=SubcontractsBySubcontractorIdLoader(db),
            agreement_by_id=AgreementByIdLoader(db),
            plan_need_by_id=PlanNeedByIdLoader(db),
            needs_by_agreement_id=NeedsByAgreementIdLoader(db),
            slots_by_agreement_id=SlotsByAgreementIdLoader(db),
            transitions_by_agreement_id=TransitionsByAgreementIdLoader(db),
            refunds_by_payment_id=RefundsByPaymentIdLoader(db),
            blocked_category_by_council_code=BlockedCategoryByCouncilCodeLoader(db),
            payments_by_agreement_id=PaymentsByAgreementIdLoader(db),
            district_by_code=DistrictByCodeLoader(db),
            payment_by_id=PaymentByIdLoader(db),
            account_statement_by_id=AccountStatementByIdLoader(db),
            timesheet_by_id=TimesheetByIdLoader(db),
            shifts_by_timesheet_id=ShiftsByTimesheetIdLoader(db),
            review_score_by_provider_id=ReviewScoreByProviderIdLoader(db),
        )
