"""How the schema executes: graphql-core's executor with a short path for plain leaf fields.

Most fields of a page are a scalar or enum read straight off a node (`name`, `kind`, a service's
`code`). graphql-core gives each of those a resolve-info object, a resolver call through strawberry
and a recursive completion; here such a field is read and serialised in one step. Anything unusual
(null where the type forbids it, a value the scalar refuses, an exception) takes graphql-core's own
path again, which reports it exactly as before.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from graphql.pyutils.undefined import UndefinedType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from broker.api.validation import ExecutionWithoutSuggestions

# Values no scalar's reader could be waiting on: no need to ask whether they are awaitable.
_PLAIN_VALUES = (str, int, float, bool)


@dataclass(frozen=True, slots=True)
class _Leaf:
    """How to read one plain leaf field: the attribute and the type that serialises it."""

    read: Any
    type: GraphQLLeafType
    non_null: bool


# By id() of the field definition, holding the definition itself so that an id is never reused.
_plans: dict[int, tuple[GraphQLField, _Leaf | None]] = {}


def _plan(field_def: GraphQLField) -> _Leaf | None:
    """The short path for a field strawberry resolves as a plain attribute of a leaf type, if it is one."""
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        field_def.args
        or not getattr(resolve, "_is_default", False)
        or not isinstance(definition, StrawberryField)
    ):
        return None
    if definition.base_resolver is not None or definition.extensions or not definition.python_name:
        return None
    type_ = field_def.type
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not is_leaf_type(inner):
        return None
    name = definition.python_name
    default = definition.default_resolver
    read = attrgetter(name) if default is builtins.getattr else (lambda source: default(source, name))
    return _Leaf(read=read, type=inner, non_null=non_null)


def leaf_plan(field_def: GraphQLField) -> _Leaf | None:
    known = _plans.get(id(field_def))
    if known is None:
        known = (field_def, _plan(field_def))
        _plans[id(field_def)] = known
    return known[1]


class LeanExecution(ExecutionWithoutSuggestions):
    """graphql-core's execution (without suggestions in production), plain leaf fields read directly."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any] | UndefinedType:
        node = field_details_list[0].node
        if not node.arguments and self.middleware_manager is None:
            field_def = self.schema.get_field(parent_type, node.name.value)
            leaf = leaf_plan(field_def) if field_def is not None else None
            if leaf is not None:
                value = self._read_leaf(leaf, source)
                if value is not Undefined:
                    return value
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _read_leaf(self, leaf: _Leaf, source: Any) -> Any:
        """The serialised value, or Undefined to send the field down graphql-core's own path."""
        try:
            value = leaf.read(source)
            if value is None:
                return Undefined if leaf.non_null else None
            if not isinstance(value, _PLAIN_VALUES) and (
                isinstance(value, Exception) or self.is_awaitable(value)
            ):
                return Undefined
            coerced = leaf.type.coerce_output_value(value)
        except Exception:  # graphql-core's path raises it again and reports it in place
            return Undefined
        return Undefined if coerced is None or coerced is Undefined else coerced
