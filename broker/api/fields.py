"""How a service's field path becomes the path a GraphQL client sees.

Services name what was wrong in Python (`hourly_rate_pence`, `slots.2.end`) so the CLI, the Open
Referral routes and the GraphQL layer can all report it; only here does it become
`input.hourlyRatePence` or `input.slots.2.end`.
"""

from __future__ import annotations

from broker.errors import BrokerError, FieldError


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def graphql_path(path: str | None, prefix: str | None = None) -> str | None:
    """`slots.2.end` → `input.slots.2.end` (with prefix "input"); `plan_id` → `planId`.

    A path already under `prefix` is left as it is, so an error that already names a GraphQL field
    (an argument checked by the API layer itself) passes through unchanged.
    """
    if path is None:
        return None
    if prefix and (path == prefix or path.startswith(f"{prefix}.")):
        return path
    converted = ".".join(camel(part) for part in path.split("."))
    return f"{prefix}.{converted}" if prefix else converted


def with_graphql_paths(error: BrokerError, prefix: str | None) -> list[FieldError]:
    return [FieldError(graphql_path(e.field, prefix), e.message, e.code) for e in error.errors]
