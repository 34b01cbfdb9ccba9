"""Tables of the market capability: each holder's direct payment, the council's monthly figures and
take-up target, the ledger of needs that went unmet and why, and the settings rates and time to care
are judged by (the council's DP rates and long-wait threshold, the Homecare Association price)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from broker.columns import part_of, stored_enum
from broker.db import UTCDateTime, utcnow
from broker.providers.models import ProviderKind


class AgeBand(StrEnum):
    """The ASCOF 3D2a age split."""

    AGED_18_TO_64 = "AGED_18_TO_64"
    AGED_65_PLUS = "AGED_65_PLUS"


class DirectPayment(SQLModel, table=True):
    """A holder's direct payment: in force from `start_date` to `end_date` (its last day), if ended."""

    __tablename__ = "direct_payment"
    __table_args__ = (Index("ix_direct_payment_council_start", "council_id", "start_date"),)

    id: int | None = Field(default=None, primary_key=True)
    holder_id: int = Field(
        sa_column=Column(Integer, ForeignKey("dp_holder.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    council_id: int = Field(foreign_key="council.id")
    start_date: date
    end_date: date | None = None
    end_reason: str = Field(default="", max_length=500)
    age_band: AgeBand = Field(sa_type=stored_enum(AgeBand, length=20))
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CouncilFigures(SQLModel, table=True):
    """A council's own count, from its case system, of people on long-term community support in a
    month (the ASCOF 3D2a denominator), and optionally its own count of people on DPs."""

    __tablename__ = "council_figures"
    __table_args__ = (UniqueConstraint("council_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id")
    month: date
    people_on_long_term_community_support: int
    people_on_long_term_community_support_18_to_64: int | None = None
    people_on_long_term_community_support_65_plus: int | None = None
    people_on_direct_payments: int | None = None
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TakeUpTarget(SQLModel, table=True):
    """The council's DP take-up target: a rate (in hundredths of a percent) by a date, and the new
    DPs a year it plans to reach it with."""

    __tablename__ = "take_up_target"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", unique=True)
    target_basis_points: int
    by_date: date
    planned_new_per_year: int
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FailedConstraint(StrEnum):
    RATE = "RATE"
    SCHEDULE = "SCHEDULE"
    CAPACITY = "CAPACITY"
    TRAVEL_RADIUS = "TRAVEL_RADIUS"
    LANGUAGE = "LANGUAGE"
    GENDER = "GENDER"
    ACCREDITATION = "ACCREDITATION"


class UnmetSource(StrEnum):
    NO_CANDIDATE = "NO_CANDIDATE"
    REQUEST_DECLINED = "REQUEST_DECLINED"
    REQUEST_EXPIRED = "REQUEST_EXPIRED"
    NOT_ALLOCATED = "NOT_ALLOCATED"


class UnmetNeed(SQLModel, table=True):
    """One time a need went unmet: where, which service, when in the week, how many hours, and the
    constraint that failed. Nothing personal: no holder, only the plan and need it came from."""

    __tablename__ = "unmet_need"
    __table_args__ = (Index("ix_unmet_need_council_recorded", "council_id", "recorded_at"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id")
    plan_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("support_plan.id", ondelete="SET NULL"))
    )
    need_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("plan_need.id", ondelete="SET NULL"))
    )
    postcode_district: str = Field(max_length=4)
    service_code: str = Field(max_length=40)
    time_band: str | None = Field(default=None, max_length=20)
    hours_per_week: float
    failed_constraint: FailedConstraint = Field(sa_type=stored_enum(FailedConstraint, length=20))
    source: UnmetSource = Field(sa_type=stored_enum(UnmetSource, length=20))
    # The request a declined or expired entry came from (so an expiry is entered once).
    request_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("care_request.id", ondelete="SET NULL"), index=True),
    )
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlanActivation(SQLModel, table=True):
    """When a plan first became ACTIVE: the start of its wait for care (time to care, market gaps)."""

    __tablename__ = "plan_activation"

    plan_id: int = Field(
        sa_column=Column(Integer, ForeignKey("support_plan.id", ondelete="CASCADE"), primary_key=True)
    )
    activated_at: datetime = Field(sa_type=UTCDateTime)


class CouncilMarketSettings(SQLModel, table=True):
    """A council's settings for market reports: how many days' wait for care counts as long."""

    __tablename__ = "council_market_settings"

    council_id: int = Field(
        sa_column=Column(Integer, ForeignKey("council.id", ondelete="CASCADE"), primary_key=True)
    )
    long_wait_days: int
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CouncilDirectPaymentRate(SQLModel, table=True):
    """The hourly rate a council's direct payments are set at for buying from one kind of provider."""

    __tablename__ = "council_dp_rate"
    __table_args__ = (UniqueConstraint("council_id", "provider_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(
        sa_column=Column(Integer, ForeignKey("council.id", ondelete="CASCADE"), nullable=False)
    )
    provider_kind: ProviderKind = Field(sa_type=stored_enum(ProviderKind))
    hourly_rate_pence: int = Field(sa_type=BigInteger)
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HomecareMinimumPrice(SQLModel, table=True):
    """The Homecare Association's minimum price for an hour of homecare in England, from the day each
    year's price applies (its financial year): what an agency needs to pay the National Living Wage
    and run lawfully. Dated, so a report judges each day by the price then."""

    __tablename__ = "homecare_minimum_price"

    in_force_from: date = Field(primary_key=True)
    hourly_rate_pence: int = Field(sa_type=BigInteger)
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ListingReach(SQLModel, table=True):
    """Prepared supply: a listed provider reaches this district's centroid within its own radius.

    This table and the two below are derived from the listings (`broker/market/prepared.py`), kept
    up to date from the listing events of the supply outbox and rebuilt whole by `broker
    prepare-market`; the listings stay the source of truth. Hence no foreign keys: a rebuild may
    write them in any order."""

    __tablename__ = "market_listing_reach"
    __table_args__ = (Index("ix_market_listing_reach_district", "district", "provider_id"),)

    provider_id: int = Field(primary_key=True, sa_type=Integer)
    district: str = Field(primary_key=True, max_length=8)


class ListingOffer(SQLModel, table=True):
    """Prepared supply: a listed provider's free weekly hours (in millionths of an hour, so sums are
    exact integers) and asking rate, for each service it offers in each band its availability touches."""

    __tablename__ = "market_listing_offer"
    __table_args__ = (Index("ix_market_listing_offer_cell", "service_code", "band"),)

    provider_id: int = Field(primary_key=True, sa_type=Integer)
    service_code: str = Field(primary_key=True, max_length=40)
    band: str = Field(primary_key=True, max_length=20)
    free_microhours: int = Field(sa_type=BigInteger)
    rate_pence: int | None = Field(default=None, sa_type=BigInteger)


class SupplyCell(SQLModel, table=True):
    """Prepared supply per (district, service, band): what `marketGaps` reads, one row a cell."""

    __tablename__ = "market_supply_cell"

    district: str = Field(primary_key=True, max_length=8)
    service_code: str = Field(primary_key=True, max_length=40)
    band: str = Field(primary_key=True, max_length=20)
    providers: int
    free_microhours: int = Field(sa_type=BigInteger)
    rate_lower_quartile: float | None = None
    rate_median: float | None = None
    rate_upper_quartile: float | None = None


class SupplyState(SQLModel, table=True):
    """The one row saying for which London date the prepared supply holds (None: never prepared).
    Every writer of the prepared tables locks it first, so refreshes never interleave."""

    __tablename__ = "market_supply_state"

    id: int = Field(default=1, primary_key=True)
    as_of: date | None = None
    prepared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DemandRow(SQLModel, table=True):
    """Prepared demand (`broker/market/demand.py`): one row per need of an ACTIVE or MATCHED plan and
    time band it falls in (a need without slots has one row, band None), with its share of the need's
    weekly hours, its budgeted rate, and the plan's whole days from becoming ACTIVE to its first
    agreement not cancelled (None until it has one). Rewritten for a plan whenever the plan, its
    needs, its status or its agreements change, in the same transaction."""

    __tablename__ = "market_demand"
    # Every column a report reads, in cell order: the council's rows are read from the index alone
    # (PostgreSQL: an index-only scan), already sorted for grouping by cell and rate.
    __table_args__ = (
        Index(
            "ix_market_demand_council_cell",
            "council_id",
            "postcode_district",
            "service_code",
            "band",
            "budgeted_rate_pence",
            "plan_id",
            "holder_id",
            "hours",
            "waited_days",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=part_of("support_plan.id"))
    council_id: int
    holder_id: int
    postcode_district: str = Field(max_length=4)
    service_code: str = Field(max_length=40)
    band: str | None = Field(default=None, max_length=20)
    hours: float
    budgeted_rate_pence: int = Field(sa_type=BigInteger)
    waited_days: int | None = None


class DemandCell(SQLModel, table=True):
    """The figures of a `marketGaps` cell that no period changes, kept from the prepared demand rows
    (`broker/market/demand.py`): quartiles of the budgeted rates of its needs and the median days its
    plans waited for a first agreement. Rewritten for a district whenever one of its plans' rows is."""

    __tablename__ = "market_demand_cell"
    __table_args__ = (Index("ix_market_demand_cell_place", "council_id", "postcode_district"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int
    postcode_district: str = Field(max_length=4)
    service_code: str = Field(max_length=40)
    band: str | None = Field(default=None, max_length=20)
    rate_lower_quartile: float | None = None
    rate_median: float | None = None
    rate_upper_quartile: float | None = None
    median_waited_days: float | None = None
    # The cell's figures with every started agreement of its plans counted, whatever its dates: a
    # period's figures differ from these only where agreements fall outside it (`gaps.py`).
    people: int = 0
    """DP holders with demand here."""
    people_waiting: int = 0
    demand_hours: float = 0.0
    agreed_hours: float = 0.0
    unmet_hours: float = 0.0
    sources: int = 0
    """The demand rows and started agreements' rows behind the cell: a cell none of them is in for a
    period is not shown for it."""


class DemandPlanCell(SQLModel, table=True):
    """One plan's demand and started agreements in one cell (its prepared rows and its ACTIVE or
    ENDED agreements' hours summed, `broker/market/demand.py`), so that `marketGaps` can take out
    the agreements a period does not count from the plan-cells they touch, without grouping every
    plan of the council. `holder_waiting` says whether the plan's holder waits in this cell with
    every started agreement counted. Rewritten with its district's cells."""

    __tablename__ = "market_demand_plan_cell"
    __table_args__ = (Index("ix_market_demand_plan_cell_place", "council_id", "postcode_district"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=part_of("support_plan.id"))
    council_id: int
    holder_id: int
    postcode_district: str = Field(max_length=4)
    service_code: str = Field(max_length=40)
    band_key: str = Field(default="", max_length=20)
    """The time band, '' for hours without one: a key that joins by equality (NULL never does)."""
    demand_hours: float
    agreed_hours: float
    sources: int
    holder_waiting: bool


class DemandAgreementCell(SQLModel, table=True):
    """One started agreement's hours in one cell of its plan, with its dates and a copy of its
    plan-cell's figures (`DemandPlanCell`), so that `marketGaps` finds the agreements a period
    leaves out, and what they change, by reading these rows alone. Rewritten with its district's
    cells, and whenever an agreement starts or ends."""

    __tablename__ = "market_demand_agreement_cell"
    __table_args__ = (
        Index("ix_market_demand_agreement_cell_place", "council_id", "postcode_district"),
        Index("ix_market_demand_agreement_cell_start", "council_id", "start_date"),
        Index("ix_market_demand_agreement_cell_end", "council_id", "end_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(sa_column=part_of("agreement.id"))
    plan_id: int
    council_id: int
    holder_id: int
    postcode_district: str = Field(max_length=4)
    service_code: str = Field(max_length=40)
    band_key: str = Field(default="", max_length=20)
    hours: float
    start_date: date
    end_date: date | None = None
    plan_demand_hours: float
    plan_agreed_hours: float
    holder_waiting: bool
