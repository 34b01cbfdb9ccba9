"""`workforce`: accredited PAs and agencies by district month by month, joiners, leavers and turnover.

Following Skills for Care's definitions (turnover: leavers ÷ workers in post; a joiner is new to the
role, a leaver has left it), a provider is in post on a month's last day when it has ever been
published by then and is accredited that day: every check its kind requires (`REQUIRED_CHECKS`)
passed, checked by then, not yet expired, not rated inadequate. Checks are dated, so past months are
judged by the checks of the day. A joiner is in post at the month's end and was not at the previous
month's end; a leaver the other way round. Turnover is leavers ÷ those in post at the month's end
(and over the whole period, its leavers ÷ those in post at its end). A PA is a person, so counts of
1 to 4 PAs are withheld with the turnover derived from them. Aggregated in SQL over a table of months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    Date,
    Integer,
    Subquery,
    and_,
    case,
    distinct,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.api.clock import LONDON
from broker.db import UTCDateTime
from broker.errors import ErrorCode, InvalidInput, PermissionDenied
from broker.market import access, council_settings, rules
from broker.market.gaps import check_period
from broker.market.privacy import is_small, shown
from broker.market.takeup import month_end, months_between, percent
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import Accreditation, CheckStatus, CqcRating, Provider, ProviderKind


@dataclass
class WorkforceRow:
    """One district's PAs or agencies in one month (or, with `month` None, over the whole period)."""

    month: date | None
    district: str
    provider_kind: ProviderKind
    listed: int | None
    joiners: int | None
    leavers: int | None
    turnover_percent: float | None
    suppressed: bool


@dataclass(frozen=True)
class Workforce:
    council_id: int
    months: list[WorkforceRow]
    period: list[WorkforceRow]


def _months_table(months: list[date]) -> Subquery:
    """month, its last day and the day before it began, and the instant after its last day (London)."""
    rows = []
    for m in months:
        end = month_end(m)
        rows.append(
            select(
                literal(m, Date).label("month"),
                literal(end, Date).label("last_day"),
                literal(m - timedelta(days=1), Date).label("previous_last_day"),
                literal(datetime.combine(end + timedelta(days=1), time.min, LONDON), UTCDateTime).label(
                    "after"
                ),
                literal(datetime.combine(m, time.min, LONDON), UTCDateTime).label("began"),
            )
        )
    return union_all(*rows).subquery("month_row")


def _in_post(day, before):
    """SQL: the provider was published before `before` and is accredited on `day` (both columns)."""
    per_kind = []
    for kind in rules.CARE_KINDS:
        required = REQUIRED_CHECKS[kind]
        held = (
            select(func.count(distinct(col(Accreditation.check_type))))
            .where(
                col(Accreditation.provider_id) == col(Provider.id),
                col(Accreditation.check_type).in_(sorted(required)),
                col(Accreditation.status) == CheckStatus.PASSED,
                Accreditation.checked_on <= day,
                or_(col(Accreditation.expires_on).is_(None), Accreditation.expires_on > day),
                or_(
                    col(Accreditation.cqc_rating).is_(None),
                    col(Accreditation.cqc_rating) != CqcRating.INADEQUATE,
                ),
            )
            .correlate_except(Accreditation)
            .scalar_subquery()
        )
        per_kind.append(and_(col(Provider.kind) == kind, held == len(required)))
    published = and_(col(Provider.published_at).is_not(None), Provider.published_at < before)
    return case((and_(published, or_(false(), *per_kind)), 1), else_=0)


async def workforce(
    session: AsyncSession, *, actor: Actor | None, council_id: int, start: date, end: date
) -> Workforce:
    """The council's PAs and agencies in post, joiners and leavers, each month from `start`'s to `end`'s."""
    await council_settings.council_exists(session, council_id)
    if not access.sees_figures(actor, council_id):
        raise PermissionDenied("You can only see your own council's figures.", field="council_id")
    check_period(start, end)
    months = months_between(start, end)
    if len(months) > rules.MAX_MONTHS:
        raise InvalidInput(
            f"At most {rules.MAX_MONTHS} months at a time.", field="from", code=ErrorCode.OUT_OF_RANGE
        )
    m = _months_table(months)
    per_provider = (
        select(
            m.c.month,
            col(Provider.postcode_district).label("district"),
            col(Provider.kind).label("kind"),
            _in_post(m.c.last_day, m.c.after).label("now_in"),
            _in_post(m.c.previous_last_day, m.c.began).label("was_in"),
        )
        .select_from(Provider)
        .join(m, true())
        .where(
            col(Provider.council_id) == council_id,
            col(Provider.kind).in_(rules.CARE_KINDS),
            col(Provider.postcode_district).is_not(None),
            col(Provider.published_at).is_not(None),
        )
        .subquery("per_provider")
    )
    p = per_provider.c
    joined = case((and_(p.now_in == 1, p.was_in == 0), 1), else_=0)
    left = case((and_(p.now_in == 0, p.was_in == 1), 1), else_=0)
    found = await session.execute(
        select(
            p.month,
            p.district,
            p.kind,
            func.sum(p.now_in).cast(Integer),
            func.sum(joined).cast(Integer),
            func.sum(left).cast(Integer),
        )
        .group_by(p.month, p.district, p.kind)
        .having(or_(func.sum(p.now_in) > 0, func.sum(p.was_in) > 0))
        .order_by(p.month, p.district, p.kind)
    )
    months_rows: list[WorkforceRow] = []
    totals: dict[tuple[str, ProviderKind], list[int]] = defaultdict(lambda: [0, 0, 0])
    last_month = months[-1]
    for month, district, kind, listed, joiners, leavers in found:
        month = month if isinstance(month, date) else date.fromisoformat(str(month))
        kind = ProviderKind(kind)
        months_rows.append(_row(month, district, kind, listed, joiners, leavers))
        total = totals[(district, kind)]
        total[0] = listed if month == last_month else total[0]
        total[1] += joiners
        total[2] += leavers
    period = [_row(None, d, k, *totals[(d, k)]) for d, k in sorted(totals)]
    return Workforce(council_id=council_id, months=months_rows, period=period)


def _row(
    month: date | None, district: str, kind: ProviderKind, listed: int, joiners: int, leavers: int
) -> WorkforceRow:
    row = WorkforceRow(
        month=month,
        district=district,
        provider_kind=kind,
        listed=listed,
        joiners=joiners,
        leavers=leavers,
        turnover_percent=percent(leavers, listed),
        suppressed=False,
    )
    if kind is ProviderKind.PA and any(is_small(n) for n in (listed, joiners, leavers)):
        row.listed, row.joiners, row.leavers = shown(listed), shown(joiners), shown(leavers)
        if is_small(listed) or is_small(leavers):
            row.turnover_percent = None
        row.suppressed = True
    return row
