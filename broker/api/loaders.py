"""Per-request dataloaders, one per relation, named `<Target>By<Key>Loader`: the registry (`Loaders`)
and the loaders of listings and agreements; people's records are in `people_loaders.py`, money and time
records in `record_loaders.py`, and what they are built of in `batching.py`.

Each batch opens its own short session: strawberry resolves sibling fields concurrently and an
AsyncSession must not be shared between concurrent awaits. A page that knows what its rows will be
asked for loads those relations in its own session and primes the loaders with them
(`Loaders.prefetch_providers`); resolvers then read them without awaiting (`present`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, fields
from typing import Any, get_type_hints

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from strawberry.dataloader import DataLoader

from broker.accounts.models import Council, User
from broker.agreements.models import (
    Agreement,
    AgreementNeed,
    AgreementSlot,
    AgreementTransition,
)
from broker.api.batching import T, load_by_id, load_grouped
from broker.api.people_loaders import (
    DPHolderByIdLoader,
    LeadContractByIdLoader,
    LeadContractsByProviderIdLoader,
    NeedsByPlanIdLoader,
    PlanReadsByPlanIdLoader,
    PreferencesByPlanIdLoader,
    QuestionsBySurveyIdLoader,
    ReportCountByMessageIdLoader,
    RepresentativesByHolderIdLoader,
    ReviewScoreByProviderIdLoader,
    SlotsByNeedIdLoader,
    SubcontractByIdLoader,
    SubcontractsByLeadContractIdLoader,
    SubcontractsBySubcontractorIdLoader,
    SupportPlansByHolderIdLoader,
    UnreadCountByConversationIdLoader,
)
from broker.api.record_loaders import (
    AccountStatementByIdLoader,
    BlockedCategoryByCouncilCodeLoader,
    PaymentByIdLoader,
    PaymentsByAgreementIdLoader,
    RefundsByPaymentIdLoader,
    ResolutionsByStatementLineIdLoader,
    ShiftsByTimesheetIdLoader,
    SpentPenceByPeriodLoader,
    TimesheetByIdLoader,
)
from broker.db import Database
from broker.geography.models import PostcodeDistrict
from broker.plans.models import PlanNeed
from broker.providers.models import Accreditation, AvailabilitySlot, Provider, ProviderService


async def _rows_by_provider(
    session: AsyncSession, model: type[T], order: Sequence[Any], ids: Sequence[int]
) -> dict[int, list[T]]:
    rows = await session.execute(
        select(model).where(model.provider_id.in_(ids)).order_by(*order)  # type: ignore[attr-defined]
    )
    grouped: dict[int, list[T]] = {i: [] for i in ids}
    for row in rows.scalars():
        grouped[row.provider_id].append(row)  # type: ignore[attr-defined]
    return grouped


def _load_by_provider(
    db: Database, model: type[T], order: Sequence[Any]
) -> Callable[[Sequence[int]], Awaitable[list[list[T]]]]:
    async def load(ids: Sequence[int]) -> list[list[T]]:
        async with db.session() as session:
            grouped = await _rows_by_provider(session, model, order, ids)
        return [grouped[i] for i in ids]

    return load


SERVICE_ORDER = (ProviderService.service_code,)


ACCREDITATION_ORDER = (Accreditation.check_type,)


AVAILABILITY_ORDER = (AvailabilitySlot.day, AvailabilitySlot.start_minute)
# The fields of a listing that read its checks (`broker.providers.graphql.types.ProviderNode`).


CHECK_FIELDS = frozenset({"accreditations", "accredited", "accreditedUntil", "missingChecks"})


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
        super().__init__(load_fn=load_by_id(db, Provider))


class CouncilByIdLoader(DataLoader[int, Council | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, Council))


class UserByIdLoader(DataLoader[int, User | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, User))


class ServicesByProviderIdLoader(DataLoader[int, list[ProviderService]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_provider(db, ProviderService, SERVICE_ORDER))


class AccreditationsByProviderIdLoader(DataLoader[int, list[Accreditation]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_provider(db, Accreditation, ACCREDITATION_ORDER))


class AvailabilityByProviderIdLoader(DataLoader[int, list[AvailabilitySlot]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_provider(db, AvailabilitySlot, AVAILABILITY_ORDER))


class AgreementByIdLoader(DataLoader[int, Agreement | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, Agreement))


class PlanNeedByIdLoader(DataLoader[int, PlanNeed | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, PlanNeed))


class NeedsByAgreementIdLoader(DataLoader[int, list[AgreementNeed]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_grouped(db, AgreementNeed, "agreement_id", [AgreementNeed.id]))


class SlotsByAgreementIdLoader(DataLoader[int, list[AgreementSlot]]):
    def __init__(self, db: Database) -> None:
        order = [AgreementSlot.day, AgreementSlot.start_minute]
        super().__init__(load_fn=load_grouped(db, AgreementSlot, "agreement_id", order))


class TransitionsByAgreementIdLoader(DataLoader[int, list[AgreementTransition]]):
    def __init__(self, db: Database) -> None:
        order = [AgreementTransition.at, AgreementTransition.id]
        super().__init__(load_fn=load_grouped(db, AgreementTransition, "agreement_id", order))


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
    resolutions_by_statement_line_id: ResolutionsByStatementLineIdLoader
    timesheet_by_id: TimesheetByIdLoader
    shifts_by_timesheet_id: ShiftsByTimesheetIdLoader
    review_score_by_provider_id: ReviewScoreByProviderIdLoader
    unread_count_by_conversation_id: UnreadCountByConversationIdLoader
    report_count_by_message_id: ReportCountByMessageIdLoader
    questions_by_survey_id: QuestionsBySurveyIdLoader
    spent_pence_by_period: SpentPenceByPeriodLoader

    async def prefetch_providers(
        self, session: AsyncSession, ids: Sequence[int], selected: Collection[str]
    ) -> None:
        """Loads, in `session`, the relations of these listings that `selected` field names ask for,
        and primes the loaders with them: the same statements the loaders would run, without a
        session of their own each."""
        if not ids:
            return
        if "services" in selected:
            services = await _rows_by_provider(session, ProviderService, SERVICE_ORDER, ids)
            self.services_by_provider_id.prime_many(services)
        if not CHECK_FIELDS.isdisjoint(selected):
            checks = await _rows_by_provider(session, Accreditation, ACCREDITATION_ORDER, ids)
            self.accreditations_by_provider_id.prime_many(checks)
        if "availability" in selected:
            slots = await _rows_by_provider(session, AvailabilitySlot, AVAILABILITY_ORDER, ids)
            self.availability_by_provider_id.prime_many(slots)

    @classmethod
    def create(cls, db: Database) -> Loaders:
        """Every loader, new for this request (each field's type is its loader class)."""
        return cls(**{name: loader(db) for name, loader in _LOADER_CLASSES.items()})


_HINTS = get_type_hints(Loaders)


_LOADER_CLASSES: dict[str, Any] = {f.name: _HINTS[f.name] for f in fields(Loaders)}
