"""Importing a DP account statement: read it whole, keep only lines never seen, reconcile, write in bulk.

The cost is a fixed handful of statements whatever the file's length: the holder, the lines already
imported over the statement's dates, the holder's agreements, their payments, the council's blocked
categories and each agreement's last line before the statement; then the lines, in bulk inserts.
Reading and reconciling run off the event loop (`asyncio.to_thread`), so a big file never holds the
server's other requests.

Re-importing a statement changes nothing (its lines' keys are all known: no statement row is
written, and the payload says how many were already imported); a statement that overlaps earlier
ones adds only its new lines. Two imports of one file at once: the second finds the first's lines by
their unique keys and is refused, with nothing written, as a Conflict to retry.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.agreements.cards import blocked_categories
from broker.agreements.models import STARTED, Agreement
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound
from broker.holders.models import DPHolder
from broker.payments.models import Payment, PaymentStatus
from broker.providers.models import Provider
from broker.statements import rules
from broker.statements.access import may_import_for
from broker.statements.balances import BalanceCheck, check_balances
from broker.statements.formats import ColumnMapping, ParsedLine, ParsedStatement, layout_for, parse_statement
from broker.statements.matching import AgreementTerms, Finding, Reconciler, RecordedPayment
from broker.statements.models import AccountStatement, LineStatus, StatementFormat, StatementLine

INSERT_BATCH = 5_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class StatementImport:
    """`file` is the statement's text, or a binary file to read it from (UTF-8, a byte-order mark
    allowed): an upload the API spooled, or a file the command line opened."""

    holder_id: int
    format: StatementFormat
    file: str | IO[bytes]
    column_mapping: ColumnMapping | None = None


def _decode(raw: bytes) -> str:
    if len(raw) > rules.MAX_FILE_BYTES:
        raise InvalidInput(
            f"A statement file is at most {rules.MAX_FILE_CHARACTERS:,} characters; split it by date.",
            field="file",
            code=ErrorCode.TOO_LONG,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            "The file is not UTF-8 text: save the statement as CSV (UTF-8) and send it again.", field="file"
        ) from error


async def statement_text(file: str | IO[bytes]) -> str:
    """The statement's text; a binary file is read off the event loop, no further than the limit."""
    if isinstance(file, str):
        return file
    raw = await asyncio.to_thread(file.read, rules.MAX_FILE_BYTES + 1)
    return await asyncio.to_thread(_decode, raw)


@dataclass
class ImportResult:
    """What an import did: the statement it wrote (or, for one already imported, found), its lines."""

    statement: AccountStatement | None
    lines_read: int
    lines_added: int
    balance: BalanceCheck | None
    added_by_status: dict[LineStatus, int] = field(default_factory=dict)

    @property
    def lines_already_imported(self) -> int:
        return self.lines_read - self.lines_added


async def import_statement(
    session: AsyncSession,
    *,
    actor: Actor,
    command: StatementImport,
    now: datetime,
    today: date,
    progress: Progress | None = None,
) -> ImportResult:
    """Imports and reconciles a DP account statement for one holder (see the module's docstring)."""
    holder = await session.get(DPHolder, command.holder_id)
    if holder is None or holder.id is None or not await may_import_for(session, actor, holder.id):
        raise NotFound("No DP holder with this ID.", field="holder_id")
    mapping, required = layout_for(command.format, command.column_mapping)
    text = await statement_text(command.file)
    parsed = await asyncio.to_thread(parse_statement, text, mapping, required, today=today)
    balance = check_balances(parsed.lines)
    total = len(parsed.lines)
    if progress is not None:
        progress(0, total)
    known = await _known_keys(session, holder.id, parsed)
    new = [line for line in parsed.lines if line.key not in known]
    same = await session.execute(
        select(AccountStatement).where(
            col(AccountStatement.holder_id) == holder.id,
            col(AccountStatement.content_key) == parsed.content_key,
        )
    )
    if not new:
        if progress is not None:
            progress(total, total)
        return ImportResult(same.scalar_one_or_none(), total, 0, balance)
    reconciler = await _reconciler(session, holder, new)
    findings = await asyncio.to_thread(reconciler.reconcile_all, new)
    statement = AccountStatement(
        council_id=holder.council_id,
        holder_id=holder.id,
        format=command.format,
        content_key=parsed.content_key,
        first_date=parsed.first_date,
        last_date=parsed.last_date,
        lines_read=total,
        lines_added=len(new),
        paid_out_pence=sum(line.paid_out_pence for line in parsed.lines),
        paid_in_pence=sum(line.paid_in_pence for line in parsed.lines),
        opening_balance_pence=balance.opening_pence if balance else None,
        closing_balance_pence=balance.closing_pence if balance else None,
        expected_closing_balance_pence=balance.expected_closing_pence if balance else None,
        balance_checked=balance.matches if balance else None,
        balance_mismatch_lines=balance.mismatch_lines if balance else [],
        imported_by_id=actor.user_id or None,
        imported_at=now,
    )
    try:
        session.add(statement)
        await session.flush()
        assert statement.id is not None
        await _insert_lines(session, statement, new, findings, progress, total - len(new), total)
    except IntegrityError as error:
        raise Conflict(
            "This statement is being imported by someone else just now; try again in a moment.",
            field="file",
        ) from error
    counts = Counter(findings[line.line_number].status for line in new)
    return ImportResult(statement, total, len(new), balance, dict(counts))


async def _known_keys(session: AsyncSession, holder_id: int, parsed: ParsedStatement) -> set[str]:
    """The keys of the holder's lines already imported over the statement's dates (one query)."""
    rows = await session.execute(
        select(col(StatementLine.line_key)).where(
            col(StatementLine.holder_id) == holder_id,
            col(StatementLine.posted_on) >= parsed.first_date,
            col(StatementLine.posted_on) <= parsed.last_date,
        )
    )
    return set(rows.scalars())


async def _reconciler(session: AsyncSession, holder: DPHolder, lines: list[ParsedLine]) -> Reconciler:
    """What reconciliation needs of the holder, in four queries whatever the number of lines."""
    first = min(line.posted_on for line in lines)
    last = max(line.posted_on for line in lines)
    agreement_rows = await session.execute(
        select(Agreement, col(Provider.name))
        .join(Provider, col(Provider.id) == col(Agreement.provider_id))
        .where(col(Agreement.holder_id) == holder.id)
    )
    agreements = [
        AgreementTerms(
            id=a.id,
            provider_name=name,
            started=a.status in STARTED,
            status=a.status.value,
            start_date=a.start_date,
            end_date=a.end_date,
            hours_per_week=a.hours_per_week,
            hourly_rate_pence=a.hourly_rate_pence,
        )
        for a, name in agreement_rows.all()
        if a.id is not None
    ]
    already_matched = select(col(StatementLine.payment_id)).where(
        col(StatementLine.holder_id) == holder.id, col(StatementLine.payment_id).is_not(None)
    )
    payment_rows = await session.execute(
        select(
            col(Payment.id),
            col(Payment.agreement_id),
            col(Provider.name),
            col(Payment.amount_pence),
            col(Payment.period_start),
            col(Payment.period_end),
            col(Payment.idempotency_key),
            col(Payment.gateway_reference),
        )
        .join(Provider, col(Provider.id) == col(Payment.provider_id))
        .where(
            col(Payment.holder_id) == holder.id,
            col(Payment.status) != PaymentStatus.FAILED,
            col(Payment.period_end) >= first - timedelta(days=rules.PAYMENT_LATE_DAYS),
            col(Payment.period_start) <= last + timedelta(days=rules.PAYMENT_EARLY_DAYS),
            col(Payment.id).not_in(already_matched),
        )
    )
    payments = [
        RecordedPayment(
            id=pid,
            agreement_id=agreement_id,
            provider_name=name,
            amount_pence=amount,
            period_start=start,
            period_end=end,
            references=tuple(r for r in (key, gateway) if r),
        )
        for pid, agreement_id, name, amount, start, end, key, gateway in payment_rows.all()
        if pid is not None
    ]
    blocked = {row.code: row.description for row in await blocked_categories(session, holder.council_id)}
    last_rows = await session.execute(
        select(col(StatementLine.agreement_id), func.max(col(StatementLine.posted_on)))
        .where(
            col(StatementLine.holder_id) == holder.id,
            col(StatementLine.agreement_id).is_not(None),
            col(StatementLine.paid_out_pence) > 0,
            col(StatementLine.posted_on) < first,
        )
        .group_by(col(StatementLine.agreement_id))
    )
    last_paid = {agreement_id: day for agreement_id, day in last_rows.all() if agreement_id is not None}
    return Reconciler(agreements=agreements, payments=payments, blocked=blocked, last_paid=last_paid)


async def _insert_lines(
    session: AsyncSession,
    statement: AccountStatement,
    lines: list[ParsedLine],
    findings: dict[int, Finding],
    progress: Progress | None,
    done: int,
    total: int,
) -> None:
    table = StatementLine.__table__  # type: ignore[attr-defined]
    for start in range(0, len(lines), INSERT_BATCH):
        rows = []
        for line in lines[start : start + INSERT_BATCH]:
            finding = findings[line.line_number]
            rows.append(
                {
                    "statement_id": statement.id,
                    "council_id": statement.council_id,
                    "holder_id": statement.holder_id,
                    "line_key": line.key,
                    "line_number": line.line_number,
                    "ordinal": line.ordinal,
                    "posted_on": line.posted_on,
                    "payee": line.payee,
                    "reference": line.reference,
                    "merchant_category_code": line.merchant_category_code,
                    "paid_out_pence": line.paid_out_pence,
                    "paid_in_pence": line.paid_in_pence,
                    "balance_pence": line.balance_pence,
                    "status": finding.status.value,
                    "status_message": finding.message[: rules.REASON_MAX],
                    "payment_id": finding.payment_id,
                    "agreement_id": finding.agreement_id,
                    "resolution": None,
                    "resolution_reason": "",
                    "resolved_by_id": None,
                    "resolved_at": None,
                }
            )
        await session.execute(insert(table), rows)
        done += len(rows)
        if progress is not None:
            progress(done, total)
