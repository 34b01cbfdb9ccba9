"""Timesheets, their shifts, and each council's deadlines for submitting and approving them.

A timesheet is one agreement's week (`week_start` is a day the agreement's weeks start on, counted
from its start date). Submitting again for a week that was queried, or not yet decided, replaces its
shifts; an approved week is final (a correction is a supplementary payment that says why).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import part_of, stored_enum
from broker.db import UTCDateTime, utcnow


class TimesheetStatus(StrEnum):
    """SUBMITTED waits for the holder's side (or the council, when asked to); QUERIED goes back to the
    provider with a reason and is submitted again; APPROVED is final and payable."""

    SUBMITTED = "SUBMITTED"
    QUERIED = "QUERIED"
    APPROVED = "APPROVED"


class Timesheet(SQLModel, table=True):
    """One agreement's week of shifts as the provider submitted it, and the employer's decision.

    `hourly_rate_pence` is the agreement's rate when submitted; `amount_due_pence` is set when the week
    is approved (`broker.timesheets.rules.amount_due_pence`) and is what payments for it may add up to.
    """

    __table_args__ = (
        UniqueConstraint("agreement_id", "week_start", name="uq_timesheet_agreement_week"),
        Index("ix_timesheet_council_status", "council_id", "status"),
        Index("ix_timesheet_provider_week", "provider_id", "week_start"),
        Index("ix_timesheet_holder_week", "holder_id", "week_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id")
    council_id: int = Field(foreign_key="council.id")
    holder_id: int = Field(foreign_key="dp_holder.id")
    provider_id: int = Field(foreign_key="provider.id")
    week_start: date
    status: TimesheetStatus = Field(default=TimesheetStatus.SUBMITTED, sa_type=stored_enum(TimesheetStatus))
    minutes: int
    hourly_rate_pence: int = Field(sa_type=BigInteger)
    amount_due_pence: int | None = Field(default=None, sa_type=BigInteger)
    flagged_shifts: int = 0
    revision: int = 1
    query_reason: str = Field(default="", max_length=500)
    submitted_by_id: int = Field(foreign_key="user_account.id")
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # True when council staff approved for a holder who asked the council to manage timesheets.
    approved_by_council: bool = False

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


class TimesheetShift(SQLModel, table=True):
    """A shift worked: a day and local (Europe/London) start and end minutes, "24:00" as 1440.

    `minutes_outside_slots` is how much of it lies outside the agreement's weekly slots: accepted and
    paid at the agreed rate, but flagged for the employer to see, never silently.
    """

    __tablename__ = "timesheet_shift"
    __table_args__ = (Index("ix_timesheet_shift_provider_day", "provider_id", "worked_on"),)

    id: int | None = Field(default=None, primary_key=True)
    timesheet_id: int = Field(sa_column=part_of("timesheet.id"))
    provider_id: int = Field(foreign_key="provider.id")
    position: int
    worked_on: date
    start_minute: int
    end_minute: int
    note: str = Field(default="", max_length=500)
    minutes_outside_slots: int = 0

    @property
    def minutes(self) -> int:
        return self.end_minute - self.start_minute


class CouncilTimesheetSettings(SQLModel, table=True):
    """How many days a council allows for a week's timesheet to be submitted (after the week ends) and
    approved (after it is submitted); later ones are listed for its brokers."""

    __tablename__ = "council_timesheet_settings"

    council_id: int = Field(
        sa_column=Column(Integer, ForeignKey("council.id", ondelete="CASCADE"), primary_key=True)
    )
    submit_within_days: int
    approve_within_days: int
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
