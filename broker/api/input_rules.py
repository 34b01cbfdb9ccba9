"""Refuses hostile argument values before anything executes, as request errors (no `data`).

GraphQL's own types cannot say that text must be storable, that an `ID` must be one this API issued
(a known type and a key that fits our keys) or that a cursor must be ours, and strawberry only finds
a bad global ID inside the resolver, as a field error. So after validation, and before execution, every
argument of the chosen operation (literals, variables and variable defaults alike) is walked along
its GraphQL input type and checked here, once, for every field of the schema:

- any text (String, ID, custom scalars, enum names): `broker.hygiene.text_problem`;
- any `ID`: `relay.check_global_id` against the types that have an `id: ID` field (for the arguments of
  a field returning `Node`, against the types that implement it: only those can be fetched so);
- any String argument or input field named `after` or `before`: `relay.decode_cursor`;
- any `Date`: `broker.hygiene.date_problem` (a malformed date strawberry's own scalar refuses).

A refusal is a GraphQL request error whose `extensions` carry the `code` and the `field` (a path such as
`input.needs.0.serviceCode`), answered 400 under `application/graphql-response+json`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    value_from_ast_untyped,
    visit,
)
from graphql.pyutils import Undefined
from strawberry.extensions import SchemaExtension

from broker.api.relay import check_global_id, decode_cursor
from broker.errors import BrokerError, ErrorCode
from broker.hygiene import date_problem, text_problem

CURSOR_NAMES = frozenset({"after", "before"})
DATE_SCALAR = "Date"


@lru_cache(maxsize=8)
def node_type_names(schema: GraphQLSchema) -> frozenset[str]:
    """The types implementing `Node`, the only ones `node(id:)` can resolve."""
    node = schema.get_type("Node")
    if not isinstance(node, GraphQLInterfaceType):
        return frozenset()
    return frozenset(type_.name for type_ in schema.get_possible_types(node))


@lru_cache(maxsize=8)
def id_type_names(schema: GraphQLSchema) -> frozenset[str]:
    """Every type whose objects carry an `id: ID`: the only type names a global ID can hold."""
    return frozenset(
        name
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType)
        and "id" in type_.fields
        and get_named_type(type_.fields["id"].type) is GraphQLID
    )


def _problems(
    value: Any, type_: GraphQLInputType, *, name: str, path: str, id_types: frozenset[str]
) -> Iterator[tuple[str, str, ErrorCode]]:
    """(field path, message, code) for each unacceptable leaf of `value`, read as `type_`.

    Values of the wrong shape are passed over: graphql-core's own coercion refuses those next.
    """
    if value is None or value is Undefined:
        return
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            yield from _problems(item, type_.of_type, name=name, path=f"{path}.{index}", id_types=id_types)
        return
    if isinstance(type_, GraphQLInputObjectType):
        if isinstance(value, Mapping):
            for field_name, field in type_.fields.items():
                if field_name in value:
                    yield from _problems(
                        value[field_name],
                        field.type,
                        name=field_name,
                        path=f"{path}.{field_name}",
                        id_types=id_types,
                    )
        return
    if not isinstance(value, str):
        if type_ is GraphQLID and isinstance(value, int) and not isinstance(value, bool):
            yield path, "Not an ID from this API.", ErrorCode.INVALID
        return
    if (message := text_problem(value)) is not None:
        yield path, message, ErrorCode.INVALID
        return
    if type_.name == DATE_SCALAR:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return  # not a date at all: the Date scalar's own coercion says so
        if (message := date_problem(day)) is not None:
            yield path, message, ErrorCode.OUT_OF_RANGE
        return
    try:
        if type_ is GraphQLID:
            check_global_id(value, id_types, field=path)
        elif type_ is GraphQLString and name in CURSOR_NAMES:
            decode_cursor(value, field=path)
    except BrokerError as error:
        for problem in error.errors:
            yield path, problem.message, problem.code


class _Arguments(Visitor):
    """Collects each argument with its declared type, as TypeInfo sees it."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: list[tuple[ArgumentNode, GraphQLInputType, bool]] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        argument = self.type_info.get_argument()
        field = self.type_info.get_field_def()
        if argument is not None:
            fetches_nodes = field is not None and get_named_type(field.type).name == "Node"
            self.found.append((node, argument.type, fetches_nodes))


def _variables(operation: OperationDefinitionNode, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The operation's variables as execution will see them: what was sent, else the default."""
    values = dict(given or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    return values


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


def input_errors(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> list[GraphQLError]:
    """Request errors for every unacceptable argument value of the operation that will run."""
    operation = _operation(document, operation_name)
    if operation is None:
        return []  # graphql-core reports the missing or ambiguous operation itself
    values = _variables(operation, variables)
    errors: list[GraphQLError] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            continue
        if isinstance(definition, OperationDefinitionNode) and definition is not operation:
            continue
        type_info = TypeInfo(schema)
        collector = _Arguments(type_info)
        visit(definition, TypeInfoVisitor(type_info, collector))
        for node, type_, fetches_nodes in collector.found:
            name = node.name.value
            id_types = node_type_names(schema) if fetches_nodes else id_type_names(schema)
            value = value_from_ast_untyped(node.value, values)
            for field, message, code in _problems(value, type_, name=name, path=name, id_types=id_types):
                errors.append(
                    GraphQLError(
                        message,
                        nodes=[node],
                        extensions={"code": code.value, "field": field},
                    )
                )
    return errors


class InputRules(SchemaExtension):
    """Runs `input_errors` after validation; any error stops the operation before execution."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            errors = input_errors(
                context.schema._schema, context.graphql_document, context.operation_name, context.variables
            )
            if errors:
                context.result = ExecutionResult(data=None, errors=errors)
        yield
