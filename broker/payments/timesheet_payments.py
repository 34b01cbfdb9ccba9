"""Payments tied to an approved timesheet: together they pay no more than its amount due.

The timesheet's own rules (approved, of this agreement, a period within its week) are
`broker.timesheets.paying`'s; what has already been paid against it is the ledger's. A payment that came
to nothing (declined, or refunded in full) does not count, and a partly refunded one counts for what
stayed paid. The agreement's row lock (`recording._lock_agreement`) makes two payments for one
timesheet check this one after the other.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.errors import ErrorCode, InvalidInput
from broker.payments import rules
from broker.payments.models import Payment
from broker.payments.validation import PaymentFields
from broker.timesheets.paying import timesheet_to_pay


async def paid_against(session: AsyncSession, timesheet_id: int) -> int:
    """Pence paid (and not returned) against a timesheet so far."""
    total = await session.execute(
        select(func.coalesce(func.sum(col(Payment.amount_pence) - col(Payment.refunded_pence)), 0)).where(
            col(Payment.timesheet_id) == timesheet_id,
            col(Payment.status).not_in(rules.NOT_PAID_STATUSES),
        )
    )
    return int(total.scalar_one())


async def check_timesheet_payment(session: AsyncSession, fields: PaymentFields) -> None:
    """Refuses a payment against a timesheet that is not payable, or above what is left of it."""
    assert fields.timesheet_id is not None
    timesheet = await timesheet_to_pay(
        session,
        timesheet_id=fields.timesheet_id,
        agreement_id=fields.agreement_id,
        period_start=fields.period_start,
        period_end=fields.period_end,
    )
    assert timesheet.amount_due_pence is not None
    left = timesheet.amount_due_pence - await paid_against(session, fields.timesheet_id)
    if fields.amount_pence > left:
        raise InvalidInput(
            f"£{fields.amount_pence / 100:,.2f} is more than is left to pay of this timesheet: "
            f"£{left / 100:,.2f} of £{timesheet.amount_due_pence / 100:,.2f}.",
            field="amount_pence",
            code=ErrorCode.OUT_OF_RANGE,
        )
