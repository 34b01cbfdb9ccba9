"""prepared market demand: each need of an ACTIVE or MATCHED plan per time band, with its hours,
budgeted rate and the plan's days to a first agreement (backfilled from plans, needs and agreements)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill() -> None:
    started = "COALESCE(a.activated_at, p.created_at)"
    if op.get_bind().dialect.name == "postgresql":
        days = f"CAST(FLOOR(EXTRACT(EPOCH FROM (f.at - {started})) / 86400) AS INTEGER)"
    else:
        days = f"CAST(julianday(f.at) - julianday({started}) AS INTEGER)"
    op.execute(
        f"""
        INSERT INTO market_demand (plan_id, council_id, holder_id, postcode_district, service_code, band,
                                   hours, budgeted_rate_pence, waited_days)
        SELECT p.id, p.council_id, p.holder_id, p.postcode_district, n.service_code, b.band,
               n.hours_per_week * (CASE WHEN b.minutes IS NULL THEN 1.0
                                   ELSE CAST(b.minutes AS FLOAT) / CAST(b.total_minutes AS FLOAT) END),
               n.budgeted_rate_pence,
               CASE WHEN f.at IS NULL THEN NULL WHEN {days} < 0 THEN 0 ELSE {days} END
        FROM support_plan p
        JOIN plan_need n ON n.plan_id = p.id
        LEFT JOIN need_band b ON b.need_id = n.id
        LEFT JOIN plan_activation a ON a.plan_id = p.id
        LEFT JOIN (
            SELECT plan_id, MIN(created_at) AS at FROM agreement WHERE status != 'CANCELLED' GROUP BY plan_id
        ) f ON f.plan_id = p.id
        WHERE p.status IN ('ACTIVE', 'MATCHED')
        """
    )


def upgrade() -> None:
    op.create_table(
        "market_demand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("postcode_district", sa.String(length=4), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=True),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("budgeted_rate_pence", sa.BigInteger(), nullable=False),
        sa.Column("waited_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["support_plan.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_market_demand_plan_id", "market_demand", ["plan_id"])
    op.create_index(
        "ix_market_demand_council_cell",
        "market_demand",
        [
            "council_id",
            "postcode_district",
            "service_code",
            "band",
            "budgeted_rate_pence",
            "plan_id",
            "holder_id",
            "hours",
            "waited_days",
        ],
    )
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE market_demand")


def downgrade() -> None:
    op.drop_index("ix_market_demand_council_cell", table_name="market_demand")
    op.drop_index("ix_market_demand_plan_id", table_name="market_demand")
    op.drop_table("market_demand")
