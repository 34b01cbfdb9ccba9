"""Money in the API: the `Pence` scalar (integer pence, 64-bit) and the pair of fields each amount has.

GraphQL's `Int` is 32-bit, so it stops at £21,474,836.47 while a council's annual DP spend is larger.
Every amount is published twice: `xxx: Pence` (the field to use) and the older `xxxPence: Int`
(deprecated, kept for existing clients), both read by one getter so they can never disagree. Inputs
stay `Int`: the rules cap every amount a caller sends far below 2^31.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, NewType

import strawberry
from strawberry.types.field import StrawberryField
from strawberry.types.scalar import ScalarDefinition
from strawberry.utils.str_converters import to_camel_case

from broker.errors import BrokerError, ErrorCode

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def _serialize(value: object) -> int:
    """A whole number of pence as a JSON integer; anything beyond 64 bits is a clear field error."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Pence are whole numbers, not {type(value).__name__}")
    if not INT64[0] <= value <= INT64[1]:
        raise BrokerError("This amount is beyond 64-bit pence.", code=ErrorCode.OUT_OF_RANGE)
    return value


def _parse(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not INT64[0] <= value <= INT64[1]:
        raise ValueError("Pence are a whole number of pence that fits 64 bits.")
    return value


Pence = NewType("Pence", int)
# The schema maps `Pence` to this definition (`broker.api.schema`, StrawberryConfig.scalar_map).
SCALARS: dict[object, ScalarDefinition] = {
    Pence: strawberry.scalar(
        name="Pence",
        description="Integer pence, 64-bit signed; serialised as a JSON integer.",
        serialize=_serialize,
        parse_value=_parse,
    )
}


def fits_int(value: int | None, *, use: str) -> int | None:
    """`value` for a deprecated 32-bit `Int` money field, or a field error naming the field to use."""
    if value is not None and not INT32[0] <= value <= INT32[1]:
        raise BrokerError(
            f"This amount does not fit a 32-bit Int; read `{use}` (Pence, 64-bit) instead.",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return value


def pence_fields(
    name: str,
    description: str | None = None,
    *,
    source: Callable[[Any], int | None] | None = None,
    optional: bool = False,
) -> tuple[StrawberryField, StrawberryField]:
    """`name: Pence` and the deprecated `namePence: Int`, both read by `source` (by default the
    parent's `name_pence` attribute, kept `strawberry.Private` on the type).

        amount_pence: strawberry.Private[int]
        amount, amount_pence_int = pence_fields("amount", "What was paid.")
    """
    read = source or attrgetter(f"{name}_pence")
    camel = to_camel_case(name)

    def amount(root: Any) -> Any:
        return read(root)

    def legacy(root: Any) -> Any:
        return fits_int(read(root), use=camel)

    amount.__annotations__ = {"return": Pence | None if optional else Pence}
    legacy.__annotations__ = {"return": int | None if optional else int}
    return (
        strawberry.field(resolver=amount, name=camel, description=description),
        strawberry.field(
            resolver=legacy,
            name=f"{camel}Pence",
            description=description,
            deprecation_reason=f"Use `{camel}` (Pence, 64-bit).",
        ),
    )
