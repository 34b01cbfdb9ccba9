"""The one shape of a mutation: input → one service call in one transaction → payload.

    return await mutate(info, EndAgreementPayload,
                        lambda session: service.end_agreement(session, ..., **input.to_command()),
                        lambda agreement: EndAgreementPayload(agreement=AgreementNode.from_model(agreement)))

A refusal (any BrokerError, including an ID the input could not decode) rolls the transaction back
and becomes the payload's `userErrors`, with the service's Python field paths mapped to the
client's `input.camelCase` paths. Anything else is a bug and is masked by `BrokerErrors`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from broker.api.errors import UserError
from broker.api.fields import with_graphql_paths
from broker.errors import BrokerError
from broker.logs import note_error_codes

T = TypeVar("T")


@strawberry.type(description="What every mutation answers: its result, or why nothing was changed.")
class MutationPayload:
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the input was refused; empty when it was saved."
    )


P = TypeVar("P", bound=MutationPayload)


def refusal(error: BrokerError, prefix: str | None = "input") -> list[UserError]:
    """The `userErrors` a refusal becomes, noted for the request log by code (never by message)."""
    errors = with_graphql_paths(error, prefix)
    note_error_codes([e.code.value for e in errors])
    return [UserError.from_domain(e) for e in errors]


async def in_transaction(
    info: Any, action: Callable[[AsyncSession], Awaitable[T]], *, prefix: str | None = "input"
) -> tuple[T | None, list[UserError]]:
    """Runs one use case in one transaction; a refusal rolls everything back and becomes userErrors."""
    try:
        async with info.context.db.transaction() as session:
            return await action(session), []
    except BrokerError as error:
        return None, refusal(error, prefix)


async def mutate(
    info: Any,
    payload: type[P],
    action: Callable[[AsyncSession], Awaitable[T]],
    present: Callable[[T], P],
) -> P:
    """Runs `action` in one transaction and presents its result, or answers `payload` with the
    refusal's userErrors and nothing else."""
    try:
        async with info.context.db.transaction() as session:
            result = await action(session)
    except BrokerError as error:
        return payload(user_errors=refusal(error))
    return present(result)
