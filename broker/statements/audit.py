"""What imported statements tell the annual DP audit (`broker.payments.audit`), holder by holder.

Read for a batch of holders in two queries: their money-out lines of the DP year, and the latest
statement of the year whose balances add up. A line flags as its reconciliation found it unless a
broker allowed it or attached it to an agreement; one marked for recovery flags as such and counts
towards what is reclaimable. Money out that no recorded payment accounts for is spend the payments
alone do not show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.payments.audit import AuditFlagCode, HolderStatements, StatementFlag, read_statements_with
from broker.statements.models import AccountStatement, LineStatus, Resolution, StatementLine

FLAG_FOR = {
    LineStatus.UNMATCHED: AuditFlagCode.OUTSIDE_AGREEMENT,
    LineStatus.AFTER_AGREEMENT_ENDED: AuditFlagCode.AFTER_AGREEMENT_ENDED,
    LineStatus.ABOVE_AGREED_RATE: AuditFlagCode.ABOVE_AGREED_RATE,
    LineStatus.BLOCKED_CATEGORY: AuditFlagCode.BLOCKED_CATEGORY,
}
ACCEPTED = frozenset({Resolution.ALLOWED, Resolution.ATTACHED})


def _flag(
    line_id: int,
    posted_on: date,
    payee: str,
    paid_out: int,
    status: LineStatus,
    message: str,
    resolution: Resolution | None,
    reason: str,
) -> StatementFlag | None:
    said = f"£{paid_out / 100:,.2f} to {payee} on {posted_on:%-d %b %Y}"
    if resolution is Resolution.RECOVER:
        return StatementFlag(
            line_id, AuditFlagCode.MARKED_FOR_RECOVERY, f"{said}: marked for recovery ({reason}).", paid_out
        )
    code = FLAG_FOR.get(status)
    if code is None or resolution in ACCEPTED:
        return None
    return StatementFlag(line_id, code, f"{said}: {message}", paid_out)


async def holder_statements(
    session: AsyncSession, holder_ids: Sequence[int], start: date, end: date
) -> dict[int, HolderStatements]:
    found: dict[int, HolderStatements] = {}
    lines = await session.execute(
        select(
            col(StatementLine.id),
            col(StatementLine.holder_id),
            col(StatementLine.posted_on),
            col(StatementLine.payee),
            col(StatementLine.paid_out_pence),
            col(StatementLine.payment_id),
            col(StatementLine.status),
            col(StatementLine.status_message),
            col(StatementLine.resolution),
            col(StatementLine.resolution_reason),
        )
        .where(
            col(StatementLine.holder_id).in_(holder_ids),
            col(StatementLine.posted_on) >= start,
            col(StatementLine.posted_on) <= end,
            col(StatementLine.paid_out_pence) > 0,
        )
        .order_by(col(StatementLine.posted_on), col(StatementLine.id))
    )
    for (
        line_id,
        holder_id,
        posted_on,
        payee,
        paid_out,
        payment_id,
        status,
        message,
        resolution,
        reason,
    ) in lines:
        assert line_id is not None
        audit = found.setdefault(holder_id, HolderStatements())
        if payment_id is None:
            audit.spend_pence += paid_out
        flag = _flag(line_id, posted_on, payee, paid_out, status, message, resolution, reason)
        if flag is not None:
            audit.flags.append(flag)
        if resolution is Resolution.RECOVER:
            audit.recovery_pence += paid_out
    statements = await session.execute(
        select(AccountStatement)
        .where(
            col(AccountStatement.holder_id).in_(holder_ids),
            col(AccountStatement.last_date) >= start,
            col(AccountStatement.last_date) <= end,
            col(AccountStatement.balance_checked).is_(True),
            col(AccountStatement.closing_balance_pence).is_not(None),
        )
        .order_by(col(AccountStatement.holder_id), col(AccountStatement.last_date), col(AccountStatement.id))
    )
    for statement in statements.scalars():
        audit = found.setdefault(statement.holder_id, HolderStatements())
        audit.closing_balance_pence = statement.closing_balance_pence
        audit.closing_balance_on = statement.last_date
    return found


def register() -> None:
    """Has the annual audit read statements (called when the app and the command line are built)."""
    read_statements_with(holder_statements)
