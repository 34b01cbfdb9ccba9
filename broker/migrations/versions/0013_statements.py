"""statements: imported DP account statements, their reconciled lines and brokers' resolutions

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import broker.db

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "PREPAID_CARD",
                "BANK_CSV",
                "BANK_PAID_OUT_PAID_IN",
                "CUSTOM",
                name="statementformat",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("lines_read", sa.Integer(), nullable=False),
        sa.Column("lines_added", sa.Integer(), nullable=False),
        sa.Column("paid_out_pence", sa.BigInteger(), nullable=False),
        sa.Column("paid_in_pence", sa.BigInteger(), nullable=False),
        sa.Column("opening_balance_pence", sa.BigInteger(), nullable=True),
        sa.Column("closing_balance_pence", sa.BigInteger(), nullable=True),
        sa.Column("expected_closing_balance_pence", sa.BigInteger(), nullable=True),
        sa.Column("balance_checked", sa.Boolean(), nullable=True),
        sa.Column("balance_mismatch_lines", sa.JSON(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["dp_holder.id"],
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("holder_id", "content_key", name="uq_account_statement_content"),
    )
    op.create_index(
        op.f("ix_account_statement_council_id"), "account_statement", ["council_id"], unique=False
    )
    op.create_index(
        "ix_account_statement_holder_last", "account_statement", ["holder_id", "last_date"], unique=False
    )
    op.create_table(
        "statement_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("line_key", sa.String(length=64), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("merchant_category_code", sa.String(length=4), nullable=True),
        sa.Column("paid_out_pence", sa.BigInteger(), nullable=False),
        sa.Column("paid_in_pence", sa.BigInteger(), nullable=False),
        sa.Column("balance_pence", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "MATCHED",
                "UNMATCHED",
                "AFTER_AGREEMENT_ENDED",
                "ABOVE_AGREED_RATE",
                "BLOCKED_CATEGORY",
                "MONEY_IN",
                name="linestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_message", sa.String(length=500), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column(
            "resolution",
            sa.Enum("ATTACHED", "ALLOWED", "RECOVER", name="resolution", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("resolution_reason", sa.String(length=500), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", broker.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreement.id"],
        ),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["dp_holder.id"],
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["account_statement.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("holder_id", "line_key", name="uq_statement_line_holder_key"),
    )
    op.create_index(op.f("ix_statement_line_agreement_id"), "statement_line", ["agreement_id"], unique=False)
    op.create_index(
        "ix_statement_line_council_status", "statement_line", ["council_id", "status"], unique=False
    )
    op.create_index(
        "ix_statement_line_holder_posted", "statement_line", ["holder_id", "posted_on"], unique=False
    )
    op.create_index(op.f("ix_statement_line_payment_id"), "statement_line", ["payment_id"], unique=False)
    op.create_index(op.f("ix_statement_line_statement_id"), "statement_line", ["statement_id"], unique=False)
    op.create_table(
        "statement_line_resolution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column(
            "resolution",
            sa.Enum("ATTACHED", "ALLOWED", "RECOVER", name="resolution", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreement.id"],
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["statement_line.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_statement_line_resolution_line_id"), "statement_line_resolution", ["line_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_statement_line_resolution_line_id"), table_name="statement_line_resolution")
    op.drop_table("statement_line_resolution")
    op.drop_index(op.f("ix_statement_line_statement_id"), table_name="statement_line")
    op.drop_index(op.f("ix_statement_line_payment_id"), table_name="statement_line")
    op.drop_index("ix_statement_line_holder_posted", table_name="statement_line")
    op.drop_index("ix_statement_line_council_status", table_name="statement_line")
    op.drop_index(op.f("ix_statement_line_agreement_id"), table_name="statement_line")
    op.drop_table("statement_line")
    op.drop_index("ix_account_statement_holder_last", table_name="account_statement")
    op.drop_index(op.f("ix_account_statement_council_id"), table_name="account_statement")
    op.drop_table("account_statement")
