"""conversations and notifications: threads, messages and reports; notifications, their email
outbox and people's preferences

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-03 10:08:01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import broker.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "REQUEST_SENT",
                "REQUEST_ACCEPTED",
                "REQUEST_DECLINED",
                "REQUEST_EXPIRING",
                "AGREEMENT_ACTIVATED",
                "AGREEMENT_ENDING",
                "CHECK_EXPIRING",
                "CHECK_LAPSED",
                "PAYMENT_FAILED",
                "TIMESHEET_WAITING",
                "SUBCONTRACT_PROPOSED",
                "REFERRAL_ROUTED",
                "NEW_MESSAGE",
                "MESSAGE_REPORTED",
                name="notificationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("created_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", broker.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "dedupe_key"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "REQUEST_SENT",
                "REQUEST_ACCEPTED",
                "REQUEST_DECLINED",
                "REQUEST_EXPIRING",
                "AGREEMENT_ACTIVATED",
                "AGREEMENT_ENDING",
                "CHECK_EXPIRING",
                "CHECK_LAPSED",
                "PAYMENT_FAILED",
                "TIMESHEET_WAITING",
                "SUBCONTRACT_PROPOSED",
                "REFERRAL_ROUTED",
                "NEW_MESSAGE",
                "MESSAGE_REPORTED",
                name="notificationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind"),
    )
    with op.batch_alter_table("notification_preference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_preference_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_email_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification_email_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_email_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_email_outbox_notification_id"), ["notification_id"], unique=False
        )

    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("created_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", broker.db.UTCDateTime(timezone=True), nullable=False),
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
            ["provider_id"],
            ["provider.id"],
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["care_request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "conversation_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("from_provider", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", broker.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sender_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversation_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_message_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(
            "ix_conversation_message_thread_sent", ["conversation_id", "sent_at"], unique=False
        )

    op.create_table(
        "message_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reported_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
        ),
        sa.ForeignKeyConstraint(["message_id"], ["conversation_message.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "reported_by_id"),
    )
    with op.batch_alter_table("message_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_report_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_report_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_report_message_id"))
        batch_op.drop_index(batch_op.f("ix_message_report_council_id"))

    op.drop_table("message_report")
    with op.batch_alter_table("conversation_message", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_message_thread_sent")
        batch_op.drop_index(batch_op.f("ix_conversation_message_sent_at"))

    op.drop_table("conversation_message")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_provider_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_holder_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_council_id"))

    op.drop_table("conversation")
    with op.batch_alter_table("notification_email_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_email_outbox_notification_id"))
        batch_op.drop_index(batch_op.f("ix_notification_email_outbox_next_attempt_at"))

    op.drop_table("notification_email_outbox")
    with op.batch_alter_table("notification_preference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preference_user_id"))

    op.drop_table("notification_preference")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_created")

    op.drop_table("notification")
