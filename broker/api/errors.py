"""How failures reach clients: `userErrors` in payloads, 503 for a database outage, and masking for
everything unexpected (logged by type and place, never by message)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from broker.api.fields import graphql_path
from broker.db import is_database_unavailable
from broker.errors import BrokerError, ErrorCode, FieldError
from broker.logs import current_request, describe_exception, note_error_codes

logger = logging.getLogger("broker.api")

# A database outage is the service's state, not the caller's doing: HTTP 503, this code in the
# error's `extensions`, and a Retry-After, whether it happens in a resolver or anywhere else.
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; try again shortly."
RETRY_AFTER_SECONDS = 5
# Codes the request log uses for errors that carry none: a bug (masked) and a refused document.
UNEXPECTED = "UNEXPECTED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"

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


def _should_mask(error: GraphQLError) -> bool:
    """Hide only what we did not mean to say: validation, permission and domain errors stay visible."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | BrokerError):
        return False
    # Described, not attached: the exception's message may quote a row or the caller's input.
    logger.error(
        "unexpected error",
        extra={
            "graphql_path": [p for p in error.path or [] if isinstance(p, str)],
            "error": describe_exception(original),
        },
    )
    return True


class BrokerErrors(MaskErrors):
    """Masks unexpected errors, gives domain errors raised in queries their code and field, answers a
    database outage with 503, and tells the request log the operation and the codes it answered."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_should_mask, error_message="Unexpected error.")

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        record = current_request()
        if record is not None:
            record.note_operation(self.execution_context.operation_name)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed: list[GraphQLError] = []
        codes: list[str] = []
        for error in errors:
            original = error.original_error
            if original is not None and is_database_unavailable(original):
                processed.append(self._unavailable(error, original))
            elif self.should_mask_error(error):
                processed.append(self.anonymise_error(error))
                codes.append(UNEXPECTED)
                continue
            else:
                if isinstance(original, BrokerError):
                    first = original.errors[0]
                    error.extensions = {
                        **(error.extensions or {}),
                        "code": first.code.value,
                        "field": graphql_path(first.field),
                    }
                processed.append(error)
            code = (processed[-1].extensions or {}).get("code")
            if isinstance(code, str):
                codes.append(code)
            elif error.path is None:
                codes.append(GRAPHQL_VALIDATION_FAILED)
        note_error_codes(codes)
        return processed

    def _unavailable(self, error: GraphQLError, original: Exception) -> GraphQLError:
        logger.warning("database unavailable", extra={"error": describe_exception(original)})
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return GraphQLError(
            message=UNAVAILABLE_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": DATABASE_UNAVAILABLE},
        )
