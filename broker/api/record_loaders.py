"""Per-request loaders of money and time records: payments, refunds, statements and their lines'
decisions, blocked card categories, timesheets, and what a holder spent over a period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlmodel import col
from strawberry.dataloader import DataLoader

from broker.accounts.actor import Actor
from broker.agreements.models import (
    BlockedMerchantCategory,
)
from broker.api.batching import load_by_id, load_grouped
from broker.db import Database
from broker.payments.budget import spent_pence_in_periods
from broker.payments.models import Payment, Refund
from broker.payments.reading import payments_by_agreement
from broker.statements.models import AccountStatement, StatementLineResolution
from broker.timesheets.models import Timesheet, TimesheetShift
from broker.timesheets.reading import shifts_by_timesheet


class RefundsByPaymentIdLoader(DataLoader[int, list[Refund]]):
    def __init__(self, db: Database) -> None:
        order = [Refund.created_at, Refund.id]
        super().__init__(load_fn=load_grouped(db, Refund, "payment_id", order))


class PaymentByIdLoader(DataLoader[int, Payment | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, Payment))


class TimesheetByIdLoader(DataLoader[int, Timesheet | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, Timesheet))


class ShiftsByTimesheetIdLoader(DataLoader[int, list[TimesheetShift]]):
    def __init__(self, db: Database) -> None:
        async def load(ids: Sequence[int]) -> list[list[TimesheetShift]]:
            async with db.session() as session:
                grouped = await shifts_by_timesheet(session, ids)
            return [grouped.get(i, []) for i in ids]

        super().__init__(load_fn=load)


class AccountStatementByIdLoader(DataLoader[int, AccountStatement | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=load_by_id(db, AccountStatement))


class ResolutionsByStatementLineIdLoader(DataLoader[int, list[StatementLineResolution]]):
    """Every decision on a statement line, the latest first (the lines are read through their own
    visibility rule: a line one may not see is never asked for)."""

    def __init__(self, db: Database) -> None:
        order = [col(StatementLineResolution.at).desc(), col(StatementLineResolution.id).desc()]
        super().__init__(load_fn=load_grouped(db, StatementLineResolution, "line_id", order))


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


class SpentPenceByPeriodLoader(DataLoader[tuple[int, date, date], tuple[int, int]]):
    """(spent, in flight) of a holder over a period (`budget.spent_pence`), keyed (holder, start, end)."""

    def __init__(self, db: Database) -> None:
        async def load(periods: Sequence[tuple[int, date, date]]) -> list[tuple[int, int]]:
            async with db.session() as session:
                totals = await spent_pence_in_periods(session, periods)
            return [totals[p] for p in periods]

        super().__init__(load_fn=load)
