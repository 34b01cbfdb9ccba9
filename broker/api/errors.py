"""How failures reach clients: `userErrors` in payloads, and masking for everything unexpected."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import MaskErrors

from broker.errors import BrokerError, ErrorCode, FieldError

logger = logging.getLogger("broker.api")
T = TypeVar("T")

UserErrorCode = strawberry.enum(ErrorCode, name="UserErrorCode", description="Why input was refused.")


@strawberry.type(description="Something in the input that was refused; nothing was changed.")
class UserError:
    field: str | None = strawberry.field(
        description="Path to the offending input field, e.g. `input.slots.2.end`."
    )
    message: str = strawberry.field(description="What is wrong, in words a person can act on.")
    code: UserErrorCode  # type: ignore[valid-type]

    @classmethod
    def from_domain(cls, error: FieldError) -> UserError:
        return cls(field=error.field, message=error.message, code=error.code)


def user_errors(error: BrokerError) -> list[UserError]:
    return [UserError.from_domain(e) for e in error.errors]


async def in_transaction(
    info: Any, action: Callable[[AsyncSession], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Runs one use case in one transaction; a refusal rolls everything back and becomes userErrors."""
    try:
        async with info.context.db.transaction() as session:
            return await action(session), []
    except BrokerError as error:
        return None, user_errors(error)


def _should_mask(error: GraphQLError) -> bool:
    """Hide only what we did not mean to say: validation, permission and domain errors stay visible."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | BrokerError):
        return False
    logger.error("unexpected error in %s", error.path, exc_info=original)
    return True


class BrokerErrors(MaskErrors):
    """Masks unexpected errors and gives domain errors raised in queries their code and field."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_should_mask, error_message="Unexpected error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if isinstance(error.original_error, BrokerError):
                first = error.original_error.errors[0]
                error.extensions = {
                    **(error.extensions or {}),
                    "code": first.code.value,
                    "field": first.field,
                }
        return processed
