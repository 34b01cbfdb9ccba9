"""The one shape of a mutation: input → one service call in one transaction → payload.

    return await mutate(info, EndAgreementPayload,
                        lambda session: service.end_agreement(session, ..., **input.to_command()),
                        lambda agreement: EndAgreementPayload(agreement=AgreementNode.from_model(agreement)))

A refusal (any BrokerError, including an ID the input could not decode) rolls the transaction back
and becomes the payload's `userErrors`, with the service's Python field paths mapped to the
client's `input.camelCase` paths. Anything else is a bug and is masked by `BrokerErrors`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import BasePermission
from strawberry.types import Info as StrawberryInfo
from strawberry.types import get_object_definition

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
    *,
    prefix: str | None = "input",
) -> P:
    """Runs `action` in one transaction and presents its result, or answers `payload` with the
    refusal's userErrors and nothing else."""
    try:
        async with info.context.db.transaction() as session:
            result = await action(session)
    except BrokerError as error:
        return payload(user_errors=refusal(error, prefix))
    return present(result)


# What a use case may ask of the request, by the name of its keyword parameter; anything else it
# needs comes in its command.
_FROM_CONTEXT: dict[str, Callable[[Any], Any]] = {
    "actor": lambda ctx: ctx.actor,
    "now": lambda ctx: ctx.now,
    "today": lambda ctx: ctx.today,
    "settings": lambda ctx: ctx.settings,
    "gateways": lambda ctx: ctx.gateways,
    "search": lambda ctx: ctx.search,
}


def _request_arguments(run: Callable[..., Any]) -> dict[str, Callable[[Any], Any]]:
    wanted = inspect.signature(run).parameters
    return {name: value for name, value in _FROM_CONTEXT.items() if name in wanted}


def _single_result(payload: type[MutationPayload]) -> Callable[[Any], MutationPayload]:
    """A payload with one result field beside `userErrors` is filled by that node's `from_model`;
    a payload with more says how with a `present` classmethod of its own."""
    present = getattr(payload, "present", None)
    if present is not None:
        return present
    fields = [f for f in get_object_definition(payload, strict=True).fields if f.python_name != "user_errors"]
    if len(fields) != 1:
        raise TypeError(
            f"{payload.__name__} has {len(fields)} result fields: give it a `present` classmethod"
        )
    name = fields[0].python_name

    def fill(result: Any) -> MutationPayload:
        node: Any = fields[0].type
        while not hasattr(node, "from_model"):  # Optional[...] and lazy types unwrap to the node
            node = node.of_type if hasattr(node, "of_type") else node.resolve_type()
        return payload(**{name: node.from_model(result)})

    return fill


def _command_arguments(command: Any) -> dict[str, Any]:
    """`to_command()` answers a command object (passed as `command=`) or, for a use case that takes
    a few plain values, its keyword arguments."""
    return dict(command) if isinstance(command, Mapping) else {"command": command}


def use_case(
    input_type: type,
    run: Callable[..., Awaitable[Any]],
    payload: type[P],
    permission: type[BasePermission] | None,
    description: str,
    *,
    prefix: str | None = "input",
) -> Any:
    """A mutation field: `input.to_command()` → `run(session, …)` in one transaction → `payload`.

    `run` names what it needs of the request (`actor`, `now`, `today`, `settings`, …) as keyword
    parameters; a refusal becomes the payload's userErrors, at `input.…` paths."""
    from_context = _request_arguments(run)
    present = _single_result(payload)

    async def resolve(root: Any, info: Any, input: Any) -> Any:
        ctx = info.context
        arguments = {name: value(ctx) for name, value in from_context.items()}

        def action(session: AsyncSession) -> Awaitable[Any]:
            return run(session, **_command_arguments(input.to_command()), **arguments)

        return await mutate(info, payload, action, present, prefix=prefix)

    resolve.__annotations__ = {"root": Any, "info": StrawberryInfo, "input": input_type, "return": payload}
    resolve.__name__ = run.__name__
    permissions = [permission] if permission else []
    return strawberry.mutation(resolver=resolve, permission_classes=permissions, description=description)
