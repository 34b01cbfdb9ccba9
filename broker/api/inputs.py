"""Inputs decode their own IDs: `input.to_command()` turns GraphQL input into a service's command.

A refused ID is reported against the Python name of the attribute that held it; the mutation
helper (`broker.api.mutations`) maps that to the client's `input.camelCase` path.
"""

from __future__ import annotations

from strawberry import relay

from broker.api.relay import decode_id


class DecodesIds:
    """Mixed into `@strawberry.input` classes; adds no GraphQL fields."""

    def key(self, attribute: str, type_name: str) -> int:
        value = getattr(self, attribute)
        return decode_id(value, type_name, field=attribute)

    def optional_key(self, attribute: str, type_name: str) -> int | None:
        value: relay.GlobalID | None = getattr(self, attribute)
        return None if value is None else decode_id(value, type_name, field=attribute)

    def keys(self, attribute: str, type_name: str) -> list[int]:
        values: list[relay.GlobalID] = getattr(self, attribute)
        return [decode_id(v, type_name, field=f"{attribute}.{i}") for i, v in enumerate(values)]

    def optional_keys(self, attribute: str, type_name: str) -> list[int] | None:
        return None if getattr(self, attribute) is None else self.keys(attribute, type_name)
