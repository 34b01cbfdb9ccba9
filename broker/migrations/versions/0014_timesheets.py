"""timesheets: PAs' weeks of shifts, councils' timesheet deadlines, the holder's choice to have the
council approve them, and the timesheet a payment pays

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import broker.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "timesheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("SUBMITTED", "QUERIED", "APPROVED", name="timesheetstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("hourly_rate_pence", sa.BigInteger(), nullable=False),
        sa.Column("amount_due_pence", sa.BigInteger(), nullable=True),
        sa.Column("flagged_shifts", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("query_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", broker.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_council", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.ForeignKeyConstraint(["holder_id"], ["dp_holder.id"]),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"]),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "week_start", name="uq_timesheet_agreement_week"),
    )
    op.create_index("ix_timesheet_council_status", "timesheet", ["council_id", "status"], unique=False)
    op.create_index("ix_timesheet_provider_week", "timesheet", ["provider_id", "week_start"], unique=False)
    op.create_index("ix_timesheet_holder_week", "timesheet", ["holder_id", "week_start"], unique=False)
    op.create_table(
        "timesheet_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timesheet_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("worked_on", sa.Date(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("minutes_outside_slots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["timesheet_id"], ["timesheet.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_timesheet_shift_timesheet_id", "timesheet_shift", ["timesheet_id"], unique=False)
    op.create_index(
        "ix_timesheet_shift_provider_day", "timesheet_shift", ["provider_id", "worked_on"], unique=False
    )
    op.create_table(
        "council_timesheet_settings",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("submit_within_days", sa.Integer(), nullable=False),
        sa.Column("approve_within_days", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("council_id"),
    )
    with op.batch_alter_table("dp_holder", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("council_approves_timesheets", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timesheet_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_payment_timesheet_id", ["timesheet_id"], unique=False)
        batch_op.create_foreign_key("fk_payment_timesheet_id_timesheet", "timesheet", ["timesheet_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_payment_timesheet_id_timesheet", type_="foreignkey")
        batch_op.drop_index("ix_payment_timesheet_id")
        batch_op.drop_column("timesheet_id")
    with op.batch_alter_table("dp_holder", schema=None) as batch_op:
        batch_op.drop_column("council_approves_timesheets")
    op.drop_table("council_timesheet_settings")
    op.drop_index("ix_timesheet_shift_provider_day", table_name="timesheet_shift")
    op.drop_index("ix_timesheet_shift_timesheet_id", table_name="timesheet_shift")
    op.drop_table("timesheet_shift")
    op.drop_index("ix_timesheet_holder_week", table_name="timesheet")
    op.drop_index("ix_timesheet_provider_week", table_name="timesheet")
    op.drop_index("ix_timesheet_council_status", table_name="timesheet")
    op.drop_table("timesheet")
