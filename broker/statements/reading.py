"""Reading statement lines and statements: a page, or several by ID; only those the actor may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.accounts.actor import Actor
from broker.statements.access import line_visible_clause, statement_visible_clause
from broker.statements.models import AccountStatement, LineStatus, StatementLine


@dataclass
class LineFilter:
    holder_id: int | None = None
    statement_id: int | None = None
    status: LineStatus | None = None
    resolved: bool | None = None
    posted_from: date | None = None
    posted_to: date | None = None


async def list_lines(
    session: AsyncSession, *, actor: Actor | None, filters: LineFilter, limit: int, offset: int
) -> tuple[list[StatementLine], int]:
    """One page of the lines the actor may see, latest first, and how many there are."""
    query = queries.where_given(
        select(StatementLine).where(line_visible_clause(actor)),
        (StatementLine.holder_id, filters.holder_id),
        (StatementLine.statement_id, filters.statement_id),
        (StatementLine.status, filters.status),
    )
    if filters.resolved is not None:
        resolution = col(StatementLine.resolution)
        query = query.where(resolution.is_not(None) if filters.resolved else resolution.is_(None))
    if filters.posted_from is not None:
        query = query.where(col(StatementLine.posted_on) >= filters.posted_from)
    if filters.posted_to is not None:
        query = query.where(col(StatementLine.posted_on) <= filters.posted_to)
    order = [col(StatementLine.posted_on).desc(), col(StatementLine.id).desc()]
    return await queries.page(session, query, order, limit, offset)


async def visible_lines(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, StatementLine]:
    return await queries.by_id(session, StatementLine, line_visible_clause(actor), ids)


async def visible_statements(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, AccountStatement]:
    return await queries.by_id(session, AccountStatement, statement_visible_clause(actor), ids)
