"""Imported DP account statements, their lines as reconciled, and every broker's resolution of a line.

A line is identified by its content and position (`StatementLine.line_key`), unique per DP holder, so
importing the same statement twice, or one that overlaps an earlier one, adds only lines never seen.
Nothing here is deleted: a resolution changed later is a new `StatementLineResolution` row.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import stored_enum
from broker.db import UTCDateTime, utcnow


class StatementFormat(StrEnum):
    """The exports we read (broker/statements/formats.py describes each one's columns)."""

    PREPAID_CARD = "PREPAID_CARD"
    BANK_CSV = "BANK_CSV"
    BANK_PAID_OUT_PAID_IN = "BANK_PAID_OUT_PAID_IN"
    CUSTOM = "CUSTOM"


class LineStatus(StrEnum):
    """What reconciliation found (broker/statements/matching.py says in which order it looks)."""

    MATCHED = "MATCHED"
    UNMATCHED = "UNMATCHED"
    AFTER_AGREEMENT_ENDED = "AFTER_AGREEMENT_ENDED"
    ABOVE_AGREED_RATE = "ABOVE_AGREED_RATE"
    BLOCKED_CATEGORY = "BLOCKED_CATEGORY"
    MONEY_IN = "MONEY_IN"


class Resolution(StrEnum):
    """What a broker decided about a line reconciliation could not accept on its own."""

    ATTACHED = "ATTACHED"
    ALLOWED = "ALLOWED"
    RECOVER = "RECOVER"


class AccountStatement(SQLModel, table=True):
    """One import of a DP account statement that added lines, with its balance check.

    `content_key` is a digest of every line's key: the same statement again is found by it and adds
    nothing. `balance_checked` is null when the format carries no balances, else whether every stated
    balance is the one before it plus money in less money out.
    """

    __tablename__ = "account_statement"
    __table_args__ = (
        UniqueConstraint("holder_id", "content_key", name="uq_account_statement_content"),
        Index("ix_account_statement_holder_last", "holder_id", "last_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    holder_id: int = Field(foreign_key="dp_holder.id")
    format: StatementFormat = Field(sa_type=stored_enum(StatementFormat))
    content_key: str = Field(max_length=64)
    first_date: date
    last_date: date
    lines_read: int
    lines_added: int
    paid_out_pence: int = Field(sa_type=BigInteger)
    paid_in_pence: int = Field(sa_type=BigInteger)
    opening_balance_pence: int | None = Field(default=None, sa_type=BigInteger)
    closing_balance_pence: int | None = Field(default=None, sa_type=BigInteger)
    expected_closing_balance_pence: int | None = Field(default=None, sa_type=BigInteger)
    balance_checked: bool | None = None
    # File line numbers whose stated balance is not the one the lines before it give (at most 100).
    balance_mismatch_lines: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    imported_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StatementLine(SQLModel, table=True):
    """One transaction of a DP account as the statement shows it, and what reconciliation made of it.

    Money out and money in are separate whole pence, never negative; exactly one is above zero.
    Text cells are stored exactly as given (a cell such as `=HYPERLINK(...)` stays text), and escaped
    by whatever writes them to a spreadsheet (`broker.hygiene.spreadsheet_cell`).
    """

    __tablename__ = "statement_line"
    __table_args__ = (
        UniqueConstraint("holder_id", "line_key", name="uq_statement_line_holder_key"),
        Index("ix_statement_line_holder_posted", "holder_id", "posted_on"),
        Index("ix_statement_line_council_status", "council_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    statement_id: int = Field(
        sa_column=Column(Integer, ForeignKey("account_statement.id"), nullable=False, index=True)
    )
    council_id: int = Field(foreign_key="council.id")
    holder_id: int = Field(foreign_key="dp_holder.id")
    line_key: str = Field(max_length=64)
    line_number: int
    ordinal: int
    posted_on: date
    payee: str = Field(max_length=200)
    reference: str = Field(default="", max_length=200)
    merchant_category_code: str | None = Field(default=None, max_length=4)
    paid_out_pence: int = Field(sa_type=BigInteger)
    paid_in_pence: int = Field(sa_type=BigInteger)
    balance_pence: int | None = Field(default=None, sa_type=BigInteger)
    status: LineStatus = Field(sa_type=stored_enum(LineStatus))
    status_message: str = Field(default="", max_length=500)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id", index=True)
    resolution: Resolution | None = Field(default=None, sa_type=stored_enum(Resolution))
    resolution_reason: str = Field(default="", max_length=500)
    resolved_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_money_out(self) -> bool:
        return self.paid_out_pence > 0


class StatementLineResolution(SQLModel, table=True):
    """One broker's decision on a line: who, when, what and why (the line keeps the latest)."""

    __tablename__ = "statement_line_resolution"

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(
        sa_column=Column(Integer, ForeignKey("statement_line.id"), nullable=False, index=True)
    )
    resolution: Resolution = Field(sa_type=stored_enum(Resolution))
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id")
    reason: str = Field(default="", max_length=500)
    by_id: int = Field(foreign_key="user_account.id")
    at: datetime = Field(sa_type=UTCDateTime)
