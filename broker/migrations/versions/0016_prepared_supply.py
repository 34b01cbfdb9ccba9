"""prepared market figures: listing reach and offers, supply cells, their state and outbox; each
need's and agreement's minutes per time band (backfilled from their slots)

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import broker.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The time bands as they were defined when this migration was written (broker/timebands.py).
_PARTS = (
    ("NIGHT", 0, 4, 0, 360),
    ("EARLY_MORNING", 0, 4, 360, 540),
    ("DAYTIME", 0, 4, 540, 1020),
    ("EVENING", 0, 4, 1020, 1320),
    ("NIGHT", 0, 4, 1320, 1440),
    ("WEEKEND", 5, 6, 0, 1440),
)


def _backfill_bands(table: str, owner: str, slots: str) -> None:
    parts = " UNION ALL ".join(
        f"SELECT '{band}' AS band, {first} AS first_day, {last} AS last_day, {start} AS start_minute, "
        f"{end} AS end_minute"
        for band, first, last, start, end in _PARTS
    )
    op.execute(
        f"""
        INSERT INTO {table} ({owner}, band, minutes, total_minutes)
        SELECT b.{owner}, b.band, b.minutes, t.minutes
        FROM (
            SELECT s.{owner}, p.band, SUM(
                (CASE WHEN s.end_minute < p.end_minute THEN s.end_minute ELSE p.end_minute END)
                - (CASE WHEN s.start_minute > p.start_minute THEN s.start_minute ELSE p.start_minute END)
            ) AS minutes
            FROM {slots} s JOIN ({parts}) p
              ON s.day BETWEEN p.first_day AND p.last_day
             AND s.start_minute < p.end_minute AND s.end_minute > p.start_minute
            GROUP BY s.{owner}, p.band
        ) b
        JOIN (
            SELECT {owner}, SUM(end_minute - start_minute) AS minutes FROM {slots} GROUP BY {owner}
        ) t ON t.{owner} = b.{owner}
        """
    )


def upgrade() -> None:
    op.create_table(
        "need_band",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("total_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["need_id"], ["plan_need.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("need_id", "band"),
    )
    _backfill_bands("need_band", "need_id", "need_slot")
    op.create_table(
        "agreement_band",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("total_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agreement_id", "band"),
    )
    _backfill_bands("agreement_band", "agreement_id", "agreement_slot")
    op.create_table(
        "market_listing_reach",
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "district"),
    )
    op.create_index("ix_market_listing_reach_district", "market_listing_reach", ["district", "provider_id"])
    op.create_table(
        "market_listing_offer",
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
        sa.Column("free_microhours", sa.BigInteger(), nullable=False),
        sa.Column("rate_pence", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("provider_id", "service_code", "band"),
    )
    op.create_index("ix_market_listing_offer_cell", "market_listing_offer", ["service_code", "band"])
    op.create_table(
        "market_supply_cell",
        sa.Column("district", sa.String(length=8), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
        sa.Column("providers", sa.Integer(), nullable=False),
        sa.Column("free_microhours", sa.BigInteger(), nullable=False),
        sa.Column("rate_lower_quartile", sa.Float(), nullable=True),
        sa.Column("rate_median", sa.Float(), nullable=True),
        sa.Column("rate_upper_quartile", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("district", "service_code", "band"),
    )
    op.create_table(
        "market_supply_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("prepared_at", broker.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "supply_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("agreement_band")
    op.drop_table("need_band")
    op.drop_table("supply_outbox")
    op.drop_table("market_supply_state")
    op.drop_table("market_supply_cell")
    op.drop_index("ix_market_listing_offer_cell", table_name="market_listing_offer")
    op.drop_table("market_listing_offer")
    op.drop_index("ix_market_listing_reach_district", table_name="market_listing_reach")
    op.drop_table("market_listing_reach")
