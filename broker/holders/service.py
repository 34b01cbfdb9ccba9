"""Use cases for DP holder profiles: council staff set them up; the person may change how the DP is held.

Who sees a profile and who acts for the holder is `broker.holders.access`; `visible_clause`,
`may_read` and `acts_for` are re-exported here for the capabilities that import them from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker import queries
from broker.access import HOLDER_SIDE
from broker.accounts.actor import Actor
from broker.accounts.models import Role, User
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.geography.service import place_of
from broker.holders import rules
from broker.holders.access import acts_for, manages, may_read, may_see, visible_clause
from broker.holders.models import DPHolder, DPHolding, HolderRepresentative


@dataclass
class HolderFields:
    """What a profile says; None leaves a field as it is."""

    weekly_budget_pence: int | None = None
    held_as: DPHolding | None = None
    home_postcode: str | None = None
    representative_ids: list[int] | None = None


class HolderSort(StrEnum):
    """Orders of a caseload: a broker looks a person up by name, or works from the newest referrals."""

    OLDEST = "OLDEST"
    NEWEST = "NEWEST"
    NAME = "NAME"
    WEEKLY_BUDGET = "WEEKLY_BUDGET"


@dataclass(frozen=True)
class HolderFilter:
    """Which profiles a caseload lists; `text` is part of the name, email or postcode, any case."""

    text: str | None = None
    held_as: DPHolding | None = None
    sort: HolderSort = HolderSort.OLDEST


@dataclass(frozen=True)
class CreateDpHolder:
    """Set up the profile of the DP_HOLDER user `user_id`."""

    user_id: int
    fields: HolderFields


@dataclass(frozen=True)
class UpdateDpHolder:
    """Change the profile `holder_id`; fields left None stay as they are."""

    holder_id: int
    fields: HolderFields


# --- reading --------------------------------------------------------------------------------


async def get_dp_holder(session: AsyncSession, *, actor: Actor | None, holder_id: int) -> DPHolder | None:
    query = select(DPHolder).where(col(DPHolder.id) == holder_id, visible_clause(actor))
    return (await session.execute(query)).scalar_one_or_none()


async def own_dp_holder(session: AsyncSession, *, actor: Actor | None) -> DPHolder | None:
    """The signed-in holder's profile, or the one profile a representative acts for."""
    if actor is None or actor.role not in HOLDER_SIDE:
        return None
    query = select(DPHolder).where(visible_clause(actor))
    rows = list((await session.execute(query.order_by(col(DPHolder.id)).limit(2))).scalars())
    return rows[0] if len(rows) == 1 else None


async def visible_holders(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, DPHolder]:
    return await queries.by_id(session, DPHolder, visible_clause(actor), ids)


_SORT_ORDERS: dict[HolderSort, list[Any]] = {
    HolderSort.OLDEST: [col(DPHolder.id)],
    HolderSort.NEWEST: [col(DPHolder.id).desc()],
    HolderSort.NAME: [func.lower(col(User.full_name)), col(DPHolder.id)],
    HolderSort.WEEKLY_BUDGET: [col(DPHolder.weekly_budget_pence).desc(), col(DPHolder.id)],
}


async def list_dp_holders(
    session: AsyncSession,
    *,
    actor: Actor | None,
    limit: int,
    offset: int,
    filters: HolderFilter | None = None,
) -> tuple[list[DPHolder], int]:
    """One page of the profiles the actor may see, in the filter's order, and how many there are."""
    filters = filters or HolderFilter()
    query = select(DPHolder).join(User, col(User.id) == col(DPHolder.user_id)).where(visible_clause(actor))
    if filters.text and filters.text.strip():
        # Lower-cased on both sides: LIKE ignores case on SQLite but not on PostgreSQL.
        text = filters.text.strip().lower()
        query = query.where(
            or_(
                func.lower(col(User.full_name)).contains(text, autoescape=True),
                func.lower(col(User.email)).contains(text, autoescape=True),
                func.lower(col(DPHolder.home_postcode)).contains(text, autoescape=True),
            )
        )
    query = queries.where_given(query, (col(DPHolder.held_as), filters.held_as))
    return await queries.page(session, query, _SORT_ORDERS[filters.sort], limit, offset)


async def representative_ids(session: AsyncSession, holder_id: int) -> list[int]:
    rows = await session.execute(
        select(col(HolderRepresentative.user_id))
        .where(col(HolderRepresentative.holder_id) == holder_id)
        .order_by(col(HolderRepresentative.user_id))
    )
    return list(rows.scalars())


# --- validation -------------------------------------------------------------------------------


async def _apply_fields(
    session: AsyncSession, holder: DPHolder, fields: HolderFields, problems: Problems
) -> list[int] | None:
    """Validates every given field onto `holder`; returns the representatives' user IDs if given."""
    if fields.weekly_budget_pence is not None:
        budget = fields.weekly_budget_pence
        if not 0 < budget <= rules.MAX_WEEKLY_BUDGET_PENCE:
            problems.add(
                "weekly_budget_pence",
                f"A weekly budget is more than £0 and at most £{rules.MAX_WEEKLY_BUDGET_PENCE // 100:,}; "
                "amounts are in pence.",
                ErrorCode.OUT_OF_RANGE,
            )
        holder.weekly_budget_pence = budget
    if fields.held_as is not None:
        holder.held_as = fields.held_as
    if fields.home_postcode is not None:
        place = await place_of(session, fields.home_postcode, field="home_postcode", problems=problems)
        if place is not None:
            holder.home_postcode, holder.postcode_district = place.postcode, place.district
            holder.latitude, holder.longitude = place.latitude, place.longitude
    if fields.representative_ids is None:
        return None
    wanted = list(dict.fromkeys(fields.representative_ids))
    if len(wanted) > rules.MAX_REPRESENTATIVES:
        problems.add(
            "representative_ids",
            f"At most {rules.MAX_REPRESENTATIVES} representatives.",
            ErrorCode.OUT_OF_RANGE,
        )
    users = {u.id: u for u in (await session.execute(select(User).where(col(User.id).in_(wanted)))).scalars()}
    for index, user_id in enumerate(wanted):
        user = users.get(user_id)
        if user is None or user.council_id != holder.council_id:
            problems.add(f"representative_ids.{index}", "No user with this ID.", ErrorCode.NOT_FOUND)
        elif user.role is not Role.REPRESENTATIVE:
            problems.add(
                f"representative_ids.{index}",
                "A representative signs in with the REPRESENTATIVE role.",
            )
    return wanted


async def _replace_representatives(session: AsyncSession, holder_id: int, user_ids: list[int]) -> None:
    await session.execute(
        delete(HolderRepresentative).where(col(HolderRepresentative.holder_id) == holder_id)
    )
    session.add_all(HolderRepresentative(holder_id=holder_id, user_id=u) for u in user_ids)


# --- use cases --------------------------------------------------------------------------------


async def create_dp_holder(
    session: AsyncSession, *, actor: Actor, command: CreateDpHolder, now: datetime
) -> DPHolder:
    """Council staff set up the profile of a DP_HOLDER user of their council (one profile per person).

    The weekly budget is the personal budget the council's assessment allocated (Care Act 2014 s.26);
    how the payment is held is the person's own choice.
    """
    user_id, fields = command.user_id, command.fields
    user = await session.get(User, user_id)
    if user is None or not manages(actor, user.council_id):
        raise NotFound("No user with this ID.", field="user_id")
    if user.role is not Role.DP_HOLDER:
        raise InvalidInput("A profile is for a user with the DP_HOLDER role.", field="user_id")
    existing = await session.execute(select(col(DPHolder.id)).where(col(DPHolder.user_id) == user_id))
    if existing.first() is not None:
        raise Conflict(
            "This person already has a profile; update it instead.",
            field="user_id",
            code=ErrorCode.DUPLICATE,
        )
    assert user.council_id is not None
    problems = Problems()
    for name, value in (
        ("weekly_budget_pence", fields.weekly_budget_pence),
        ("held_as", fields.held_as),
        ("home_postcode", fields.home_postcode),
    ):
        if value is None:
            problems.add(name, "This is needed for a profile.", ErrorCode.REQUIRED)
    holder = DPHolder(
        user_id=user_id,
        council_id=user.council_id,
        weekly_budget_pence=0,
        held_as=DPHolding.BANK_ACCOUNT,
        home_postcode="",
        postcode_district="",
        latitude=0.0,
        longitude=0.0,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    representatives = await _apply_fields(session, holder, fields, problems)
    problems.raise_if_any()
    session.add(holder)
    await session.flush()
    assert holder.id is not None
    if representatives is not None:
        await _replace_representatives(session, holder.id, representatives)
    await session.flush()
    return holder


async def update_dp_holder(
    session: AsyncSession, *, actor: Actor, command: UpdateDpHolder, now: datetime
) -> DPHolder:
    """Staff change anything; the holder and their representatives change only how the DP is held."""
    holder_id, fields = command.holder_id, command.fields
    holder = await session.get(DPHolder, holder_id, with_for_update=True)
    if holder is None or await get_dp_holder(session, actor=actor, holder_id=holder_id) is None:
        raise NotFound("No DP holder with this ID.", field="id")
    if not manages(actor, holder.council_id):
        if not await acts_for(session, actor, holder):
            raise PermissionDenied("Only the council's brokers change this profile.", field="id")
        for name, value in (
            ("weekly_budget_pence", fields.weekly_budget_pence),
            ("home_postcode", fields.home_postcode),
            ("representative_ids", fields.representative_ids),
        ):
            if value is not None:
                raise PermissionDenied(
                    "You can change how the payment is held; the council changes the rest.", field=name
                )
    problems = Problems()
    representatives = await _apply_fields(session, holder, fields, problems)
    problems.raise_if_any()
    if representatives is not None:
        await _replace_representatives(session, holder_id, representatives)
    holder.updated_at = now
    await session.flush()
    return holder


__all__ = [
    "CreateDpHolder",
    "HolderFields",
    "HolderFilter",
    "HolderSort",
    "UpdateDpHolder",
    "acts_for",
    "create_dp_holder",
    "get_dp_holder",
    "list_dp_holders",
    "may_read",
    "may_see",
    "own_dp_holder",
    "representative_ids",
    "update_dp_holder",
    "visible_clause",
    "visible_holders",
]
