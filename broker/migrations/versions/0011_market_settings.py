"""market settings: council DP rates per provider kind, the long-wait threshold, the homecare price

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:40:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

import broker.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "council_market_settings",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("long_wait_days", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("council_id"),
    )
    op.create_table(
        "council_dp_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column(
            "provider_kind",
            sa.Enum("PA", "AGENCY", "SUPPORT_ORG", name="providerkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("hourly_rate_pence", sa.BigInteger(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "provider_kind"),
    )
    price = op.create_table(
        "homecare_minimum_price",
        sa.Column("in_force_from", sa.Date(), nullable=False),
        sa.Column("hourly_rate_pence", sa.BigInteger(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["set_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("in_force_from"),
    )
    # Homecare Association, "Minimum Price for Homecare 2025-26": £32.14 an hour in England.
    op.bulk_insert(
        price,
        [
            {
                "in_force_from": date(2025, 4, 1),
                "hourly_rate_pence": 3214,
                "set_by_id": None,
                "set_at": broker.db.utcnow(),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("homecare_minimum_price")
    op.drop_table("council_dp_rate")
    op.drop_table("council_market_settings")
