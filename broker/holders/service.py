"""Use cases for DP holder profiles: council staff set them up; the person may change how the DP is held.

Who sees a profile: the holder, their representatives, and staff of the holder's council. A
representative (family member, "suitable person") acts with the holder, so reads what they read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role, User
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.geography.service import resolve_postcode
from broker.holders import rules
from broker.holders.models import DPHolder, DPHolding, HolderRepresentative


@dataclass
class HolderFields:
    """What a profile says; None leaves a field as it is."""

    weekly_budget_pence: int | None = None
    held_as: DPHolding | None = None
    home_postcode: str | None = None
    representative_ids: list[int] | None = None


# --- who sees and who acts --------------------------------------------------------------------


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """The profiles `actor` may read, as SQL: their own, those they represent, their council's."""
    if actor is None:
        return false()
    if actor.is_platform_admin:
        return true()
    if actor.role in COUNCIL_STAFF:
        return DPHolder.council_id == actor.council_id
    if actor.role is Role.DP_HOLDER:
        return DPHolder.user_id == actor.user_id
    if actor.role is Role.REPRESENTATIVE:
        represented = select(HolderRepresentative.holder_id).where(
            HolderRepresentative.user_id == actor.user_id
        )
        return DPHolder.id.in_(represented)  # type: ignore[union-attr]
    return false()


def may_read(actor: Actor | None, holder: DPHolder, representative_ids: Iterable[int]) -> bool:
    """Python twin of `visible_clause`, for a holder already loaded with their representatives."""
    if actor is None:
        return False
    if actor.is_staff_of(holder.council_id) or actor.user_id == holder.user_id:
        return True
    return actor.role is Role.REPRESENTATIVE and actor.user_id in set(representative_ids)


async def acts_for(session: AsyncSession, actor: Actor, holder: DPHolder) -> bool:
    """True when `actor` is the holder or one of their representatives."""
    if actor.user_id == holder.user_id:
        return True
    if actor.role is not Role.REPRESENTATIVE:
        return False
    found = await session.execute(
        select(HolderRepresentative.user_id).where(
            HolderRepresentative.holder_id == holder.id, HolderRepresentative.user_id == actor.user_id
        )
    )
    return found.first() is not None


async def get_dp_holder(session: AsyncSession, *, actor: Actor | None, holder_id: int) -> DPHolder | None:
    query = select(DPHolder).where(DPHolder.id == holder_id, visible_clause(actor))
    return (await session.execute(query)).scalar_one_or_none()


async def own_dp_holder(session: AsyncSession, *, actor: Actor) -> DPHolder | None:
    """The signed-in holder's profile, or the one profile a representative acts for."""
    query = select(DPHolder).where(visible_clause(actor))
    if actor.role is Role.DP_HOLDER:
        query = query.where(DPHolder.user_id == actor.user_id)
    elif actor.role is not Role.REPRESENTATIVE:
        return None
    rows = list((await session.execute(query.order_by(DPHolder.id).limit(2))).scalars())
    return rows[0] if len(rows) == 1 else None


async def visible_holders(
    session: AsyncSession, *, actor: Actor | None, ids: Sequence[int]
) -> dict[int, DPHolder]:
    rows = await session.execute(select(DPHolder).where(DPHolder.id.in_(ids), visible_clause(actor)))  # type: ignore[union-attr]
    return {h.id: h for h in rows.scalars() if h.id is not None}


async def list_dp_holders(
    session: AsyncSession, *, actor: Actor, limit: int, offset: int
) -> tuple[list[DPHolder], int]:
    """One page of the profiles the actor may see, oldest first, and how many there are."""
    query = select(DPHolder).where(visible_clause(actor))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(DPHolder.id).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def representative_ids(session: AsyncSession, holder_id: int) -> list[int]:
    rows = await session.execute(
        select(HolderRepresentative.user_id)
        .where(HolderRepresentative.holder_id == holder_id)
        .order_by(HolderRepresentative.user_id)
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
                "input.weeklyBudgetPence",
                f"A weekly budget is more than £0 and at most £{rules.MAX_WEEKLY_BUDGET_PENCE // 100:,}; "
                "amounts are in pence.",
                ErrorCode.OUT_OF_RANGE,
            )
        holder.weekly_budget_pence = budget
    if fields.held_as is not None:
        holder.held_as = fields.held_as
    if fields.home_postcode is not None:
        try:
            postcode, district = await resolve_postcode(
                session, fields.home_postcode, field="input.homePostcode"
            )
        except InvalidInput as error:
            problems.errors.extend(error.errors)
        else:
            holder.home_postcode = str(postcode)
            holder.postcode_district = district.code
            holder.latitude = district.latitude
            holder.longitude = district.longitude
    if fields.representative_ids is None:
        return None
    wanted = list(dict.fromkeys(fields.representative_ids))
    if len(wanted) > rules.MAX_REPRESENTATIVES:
        problems.add(
            "input.representativeIds",
            f"At most {rules.MAX_REPRESENTATIVES} representatives.",
            ErrorCode.OUT_OF_RANGE,
        )
    users = {
        u.id: u
        for u in (await session.execute(select(User).where(User.id.in_(wanted)))).scalars()  # type: ignore[union-attr]
    }
    for index, user_id in enumerate(wanted):
        user = users.get(user_id)
        if user is None or user.council_id != holder.council_id:
            problems.add(f"input.representativeIds.{index}", "No user with this ID.", ErrorCode.NOT_FOUND)
        elif user.role is not Role.REPRESENTATIVE:
            problems.add(
                f"input.representativeIds.{index}",
                "A representative signs in with the REPRESENTATIVE role.",
            )
    return wanted


async def _replace_representatives(session: AsyncSession, holder_id: int, user_ids: list[int]) -> None:
    await session.execute(delete(HolderRepresentative).where(HolderRepresentative.holder_id == holder_id))
    session.add_all(HolderRepresentative(holder_id=holder_id, user_id=u) for u in user_ids)


# --- use cases --------------------------------------------------------------------------------


async def create_dp_holder(
    session: AsyncSession, *, actor: Actor, user_id: int, fields: HolderFields, now: datetime
) -> DPHolder:
    """Council staff set up the profile of a DP_HOLDER user of their council (one profile per person).

    The weekly budget is the personal budget the council's assessment allocated (Care Act 2014 s.26);
    how the payment is held is the person's own choice.
    """
    user = await session.get(User, user_id)
    if user is None or not actor.is_staff_of(user.council_id):
        raise NotFound("No user with this ID.", field="input.userId")
    if user.role is not Role.DP_HOLDER:
        raise InvalidInput("A profile is for a user with the DP_HOLDER role.", field="input.userId")
    existing = await session.execute(select(DPHolder.id).where(DPHolder.user_id == user_id))
    if existing.first() is not None:
        raise Conflict(
            "This person already has a profile; update it instead.",
            field="input.userId",
            code=ErrorCode.DUPLICATE,
        )
    assert user.council_id is not None
    problems = Problems()
    for name, value in (
        ("weeklyBudgetPence", fields.weekly_budget_pence),
        ("heldAs", fields.held_as),
        ("homePostcode", fields.home_postcode),
    ):
        if value is None:
            problems.add(f"input.{name}", "This is needed for a profile.", ErrorCode.REQUIRED)
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
    session: AsyncSession, *, actor: Actor, holder_id: int, fields: HolderFields, now: datetime
) -> DPHolder:
    """Staff change anything; the holder and their representatives change only how the DP is held."""
    holder = await session.get(DPHolder, holder_id, with_for_update=True)
    if holder is None or await get_dp_holder(session, actor=actor, holder_id=holder_id) is None:
        raise NotFound("No DP holder with this ID.", field="input.id")
    if not actor.is_staff_of(holder.council_id):
        if not await acts_for(session, actor, holder):
            raise PermissionDenied("Only the council's brokers change this profile.", field="input.id")
        for name, value in (
            ("weeklyBudgetPence", fields.weekly_budget_pence),
            ("homePostcode", fields.home_postcode),
            ("representativeIds", fields.representative_ids),
        ):
            if value is not None:
                raise PermissionDenied(
                    "You can change how the payment is held; the council changes the rest.",
                    field=f"input.{name}",
                )
    problems = Problems()
    representatives = await _apply_fields(session, holder, fields, problems)
    problems.raise_if_any()
    if representatives is not None:
        await _replace_representatives(session, holder_id, representatives)
    holder.updated_at = now
    await session.flush()
    return holder
