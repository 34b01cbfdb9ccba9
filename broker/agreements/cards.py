"""The card check: will this holder's pre-paid card pay this provider?

Pre-paid DP cards are commonly set to decline merchant categories such as "personal services", which
is where care is often booked (Hammersmith & Fulham scrutiny, 2016). A council keeps the list of
categories its cards decline; when a holder whose DP is on a PRE-PAID CARD agrees with a provider
whose category is on it, we say so and name the routes: a council exception, or paying that provider
by bank transfer. How the DP is held stays the person's own choice: nothing here changes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import Council
from broker.agreements.models import BlockedMerchantCategory
from broker.agreements.rules import WELL_KNOWN_CATEGORIES
from broker.errors import ErrorCode, InvalidInput, NotFound, PermissionDenied, Problems
from broker.holders.models import DPHolder, DPHolding
from broker.providers.models import Provider

_MCC = re.compile(r"^[0-9]{4}$")
# Care is booked under a handful of categories; a list longer than this is a mistake or an attack
# (every entry is a row written and checked on each agreement).
MAX_BLOCKED_CATEGORIES = 200


class CardRoute(StrEnum):
    COUNCIL_EXCEPTION = "COUNCIL_EXCEPTION"
    BANK_TRANSFER = "BANK_TRANSFER"


@dataclass(frozen=True)
class CardWarning:
    merchant_category_code: str
    message: str
    routes: tuple[CardRoute, ...] = (CardRoute.COUNCIL_EXCEPTION, CardRoute.BANK_TRANSFER)


async def blocked_categories(session: AsyncSession, council_id: int) -> list[BlockedMerchantCategory]:
    rows = await session.execute(
        select(BlockedMerchantCategory)
        .where(col(BlockedMerchantCategory.council_id) == council_id)
        .order_by(BlockedMerchantCategory.code)
    )
    return list(rows.scalars())


def category_to_check(holder: DPHolder, provider: Provider) -> str | None:
    """The provider's merchant category if the holder pays by card; else None, nothing to check."""
    code = provider.merchant_category_code
    if holder.held_as is not DPHolding.PREPAID_CARD or not code:
        return None
    return code


def card_warning(provider: Provider, blocked: BlockedMerchantCategory | None) -> CardWarning | None:
    """The warning for a provider whose category the holder's council has `blocked`, else None."""
    if blocked is None:
        return None
    code = blocked.code
    label = f" ({blocked.description})" if blocked.description else ""
    return CardWarning(
        merchant_category_code=code,
        message=(
            f"{provider.name} takes card payments under merchant category {code}{label}, which the "
            "council's pre-paid cards decline. Ask the council for an exception for this provider, or pay "
            "them by bank transfer. The person keeps their card: how the payment is held is their choice."
        ),
    )


async def card_check(session: AsyncSession, holder: DPHolder, provider: Provider) -> CardWarning | None:
    """A warning when the holder's pre-paid card is likely to decline this provider, else None."""
    code = category_to_check(holder, provider)
    if code is None:
        return None
    found = await session.execute(
        select(BlockedMerchantCategory).where(
            col(BlockedMerchantCategory.council_id) == holder.council_id,
            col(BlockedMerchantCategory.code) == code,
        )
    )
    return card_warning(provider, found.scalar_one_or_none())


async def set_blocked_categories(
    session: AsyncSession,
    *,
    actor: Actor,
    council_id: int | None,
    codes: Sequence[tuple[str, str]],
) -> list[BlockedMerchantCategory]:
    """Council staff replace the list of merchant categories their pre-paid cards decline.

    The list is at most MAX_BLOCKED_CATEGORIES four-digit codes, each once; anything else is refused
    whole and the council's list stays as it was.
    """
    council_id = council_id if council_id is not None else actor.council_id
    if council_id is None or await session.get(Council, council_id) is None:
        raise NotFound("No council with this ID.", field="council_id")
    if not actor.is_staff_of(council_id):
        raise PermissionDenied("Only the council's brokers and admins keep this list.", field="council_id")
    if len(codes) > MAX_BLOCKED_CATEGORIES:
        raise InvalidInput(
            f"At most {MAX_BLOCKED_CATEGORIES} merchant categories.",
            field="categories",
            code=ErrorCode.OUT_OF_RANGE,
        )
    problems = Problems()
    cleaned: dict[str, str] = {}
    for index, (code, description) in enumerate(codes):
        code = code.strip()
        if not _MCC.match(code):
            problems.add(f"categories.{index}.code", "A merchant category code is four digits.")
        elif code in cleaned:
            problems.add(
                f"categories.{index}.code", "This category is already in the list.", ErrorCode.DUPLICATE
            )
        elif len(description) > 120:
            problems.add(f"categories.{index}.description", "At most 120 characters.", ErrorCode.TOO_LONG)
        else:
            cleaned.setdefault(code, description.strip() or WELL_KNOWN_CATEGORIES.get(code, ""))
    problems.raise_if_any()
    await session.execute(
        delete(BlockedMerchantCategory).where(col(BlockedMerchantCategory.council_id) == council_id)
    )
    rows = [BlockedMerchantCategory(council_id=council_id, code=c, description=d) for c, d in cleaned.items()]
    session.add_all(rows)
    await session.flush()
    return sorted(rows, key=lambda r: r.code)
