"""A broker's decision on a statement line: attach it to an agreement, allow it, or mark it for recovery.

The decision is the council's (the staff who audit the account: `access.may_resolve`). Each one is
kept, who and when, in `StatementLineResolution`; the line carries the latest, which is what the
annual audit reads: an ALLOWED or ATTACHED line raises no flag, a RECOVER line is added to what
the council reclaims. Money paid in has nothing to resolve.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.agreements.models import Agreement
from broker.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied
from broker.statements import rules
from broker.statements.access import line_visible_clause, may_resolve
from broker.statements.models import Resolution, StatementLine, StatementLineResolution


class LineAction(StrEnum):
    ATTACH_TO_AGREEMENT = "ATTACH_TO_AGREEMENT"
    ALLOW = "ALLOW"
    RECOVER = "RECOVER"


RESOLUTION = {
    LineAction.ATTACH_TO_AGREEMENT: Resolution.ATTACHED,
    LineAction.ALLOW: Resolution.ALLOWED,
    LineAction.RECOVER: Resolution.RECOVER,
}


async def resolve_statement_line(
    session: AsyncSession,
    *,
    actor: Actor,
    line_id: int,
    action: LineAction,
    agreement_id: int | None,
    reason: str | None,
    now: datetime,
) -> StatementLine:
    """Records a broker's decision on one line (see the module docstring); the line as it now is.

    ATTACH_TO_AGREEMENT needs an agreement of the same DP holder; ALLOW and RECOVER need a reason
    (the audit shows it), and take no agreement.
    """
    found = await session.execute(
        select(StatementLine).where(col(StatementLine.id) == line_id, line_visible_clause(actor))
    )
    line = found.scalar_one_or_none()
    if line is None or line.id is None:
        raise NotFound("No statement line with this ID.", field="line_id")
    if not may_resolve(actor, line.council_id):
        raise PermissionDenied(
            "Only the council's brokers and admins resolve statement lines.", field="line_id"
        )
    if not line.is_money_out:
        raise Conflict("Money paid in has nothing to resolve.", field="line_id")
    text = (reason or "").strip()
    if len(text) > rules.REASON_MAX:
        raise InvalidInput(f"At most {rules.REASON_MAX} characters.", field="reason", code=ErrorCode.TOO_LONG)
    if action is LineAction.ATTACH_TO_AGREEMENT:
        if agreement_id is None:
            raise InvalidInput(
                "Choose the agreement to attach this line to.", field="agreement_id", code=ErrorCode.REQUIRED
            )
        agreement = await session.get(Agreement, agreement_id)
        if agreement is None or agreement.holder_id != line.holder_id:
            raise NotFound("No agreement of this person's with this ID.", field="agreement_id")
        line.agreement_id = agreement_id
    else:
        if agreement_id is not None:
            raise InvalidInput("Only attaching a line takes an agreement.", field="agreement_id")
        if not text:
            raise InvalidInput("Say why: the audit shows it.", field="reason", code=ErrorCode.REQUIRED)
    resolution = RESOLUTION[action]
    line.resolution = resolution
    line.resolution_reason = text
    line.resolved_by_id = actor.user_id
    line.resolved_at = now
    session.add(line)
    session.add(
        StatementLineResolution(
            line_id=line.id,
            resolution=resolution,
            agreement_id=agreement_id,
            reason=text,
            by_id=actor.user_id,
            at=now,
        )
    )
    await session.flush()
    return line
