"""Inputs decode their own IDs: `input.to_command()` turns GraphQL input into a service's command.

A refused ID is reported against the Python name of the attribute that held it; the mutation
helper (`broker.api.mutations`) maps that to the client's `input.camelCase` path.
"""

from __future__ import annotations

from typing import ClassVar

from strawberry import relay

from broker.api.fields import graphql_path
from broker.api.relay import decode_id


class DecodesIds:
    """Mixed into `@strawberry.input` classes; adds no GraphQL fields.

    `argument` names the argument the input is passed as when its errors are reported at once (a
    query's `filter`); a mutation's input leaves it unset and its helper maps the paths."""

    argument: ClassVar[str | None] = None

    def _path(self, attribute: str) -> str:
        return graphql_path(attribute, self.argument) or attribute if self.argument else attribute

    def key(self, attribute: str, type_name: str) -> int:
        value = getattr(self, attribute)
        return decode_id(value, type_name, field=self._path(attribute))

    def optional_key(self, attribute: str, type_name: str) -> int | None:
        value: relay.GlobalID | None = getattr(self, attribute)
        return None if value is None else decode_id(value, type_name, field=self._path(attribute))

    def keys(self, attribute: str, type_name: str) -> list[int]:
        values: list[relay.GlobalID] = getattr(self, attribute)
        return [decode_id(v, type_name, field=self._path(f"{attribute}.{i}")) for i, v in enumerate(values)]

    def optional_keys(self, attribute: str, type_name: str) -> list[int] | None:
        return None if getattr(self, attribute) is None else self.keys(attribute, type_name)


class FilterInput(DecodesIds):
    """A query's `filter`: a wrong ID in it is an error at `filter.<field>`."""

    argument = "filter"
