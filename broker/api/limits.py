"""What one GraphQL request may ask of the server: depth, aliases, fragment spreads, tokens and cost.

Every measure is computed once per fragment and reused at each spread of it, so checking a document
costs time linear in its size: a "fragment bomb" (each fragment spreading the one before twice) is
measured, and refused, in microseconds instead of being expanded 2^N times on the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    ValidationRule,
    Visitor,
    get_named_type,
    get_operation_ast,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension

from broker.api.context import settings_of
from broker.api.relay import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_FRAGMENT_SPREADS = "TOO_MANY_FRAGMENT_SPREADS"
TOO_MANY_REPEATED_FIELDS = "TOO_MANY_REPEATED_FIELDS"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
QUERY_TOO_LONG = "QUERY_TOO_LONG"

DEFAULT_FIELD_WEIGHT = 1
DEFAULT_MUTATION_WEIGHT = 10
# The work behind one call of a field, in units of one ordinary field resolved (50 to 200 µs of the
# event loop here, with its share of SQL), for fields whose resolver does far more than read a row.
# A paged field (`first`, or `input.first`) also multiplies what is selected under it by its page
# size. Against the default limit of 10,000 (BROKER_MAX_QUERY_COST):
FIELD_WEIGHTS: Mapping[str, int] = {
    # HiGHS MILPs solved in the request (25 s and 10 s time limits): one per request.
    "Mutation.proposeAllocation": 6_000,
    "Query.teamForPlan": 6_000,
    # A council's whole DP year of payments, agreements and plans: one per request.
    "Query.annualAudit": 5_000,
    # Loads every candidate in the plan's area and scores each in Python: a few needs per request.
    "Query.matchesForPlan": 2_000,
    # An argon2 verification is slow on purpose: a batch of logins in one request is a brute-force tool.
    "Mutation.login": 2_000,
    # One provider scored against one plan; a search round trip and a database re-check of its hits;
    # a holder's agreements and payments over a period with a forecast; a council's referrals counted.
    "Query.matchExplanation": 500,
    "Query.searchProviders": 500,
    "Query.budgetStatement": 500,
    "Query.supportReferralCounts": 500,
}


def _spread_names(definition: ExecutableDefinitionNode) -> list[str]:
    names: list[str] = []

    class Spreads(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            names.append(node.name.value)

    visit(definition, Spreads())
    return names


def fragments_in_dependency_order(document: DocumentNode) -> list[FragmentDefinitionNode]:
    """Each fragment after every fragment it spreads, so one pass can measure each fragment once.

    Iterative (a chain of hundreds of fragments fits in the token limit, deeper than Python's
    recursion); a cycle is cut where it closes (NoFragmentCycles refuses such documents anyway).
    """
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    spreads = {name: _spread_names(definition) for name, definition in fragments.items()}
    order: list[FragmentDefinitionNode] = []
    seen: set[str] = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(spreads[root]))]
        while stack:
            name, children = stack[-1]
            for child in children:
                if child in fragments and child not in seen:
                    seen.add(child)
                    stack.append((child, iter(spreads[child])))
                    break
            else:
                stack.pop()
                order.append(fragments[name])
    return order


@dataclass
class Shape:
    """What a selection asks for once its fragments are expanded: how deep it goes, how many aliases
    and fragment spreads it holds, and how many fields it repeats.

    A field selected again under a name already selected in the same place is merged at execution,
    but graphql-core's OverlappingFieldsCanBeMerged compares every pair of such fields and their
    subselections: k copies of a subtree of s fields cost it about k² x s. `repeated` counts the
    fields in the copies beyond the first (each copy with everything it selects), so a cap on it
    bounds that work; `fields` is everything selected, and `level` the fields selected at the level
    the selection is spread into, by response name: [copies, fields in them].
    """

    depth: int = 0
    aliases: int = 0
    spreads: int = 0
    repeated: int = 0
    fields: int = 0
    level: dict[str, list[int]] = field(default_factory=dict)

    def add_to_level(self, name: str, copies: int, fields: int) -> None:
        entry = self.level.setdefault(name, [0, 0])
        entry[0] += copies
        entry[1] += fields

    def close_level(self) -> None:
        """Counts the repeats of this level (all but an average copy of each name), once it is complete."""
        self.repeated += sum(fields * (copies - 1) // copies for copies, fields in self.level.values())


class _ShapeVisitor(Visitor):
    """Measures one definition; spreads use the measures of fragments already taken."""

    def __init__(self, fragments: Mapping[str, Shape]) -> None:
        super().__init__()
        self.fragments = fragments
        self.stack = [Shape()]

    def enter_field(self, *_: Any) -> None:
        self.stack.append(Shape())

    def leave_field(self, node: FieldNode, *_: Any) -> None:
        inner = self.stack.pop()
        inner.close_level()
        outer = self.stack[-1]
        # Introspection (`__schema`, `__type`) is not counted for depth: its own types nest deeply.
        if node.selection_set and not node.name.value.startswith("__"):
            outer.depth = max(outer.depth, inner.depth + 1)
        outer.aliases += inner.aliases + (1 if node.alias else 0)
        outer.spreads += inner.spreads
        outer.repeated += inner.repeated
        outer.fields += 1 + inner.fields
        outer.add_to_level((node.alias or node.name).value, 1, 1 + inner.fields)

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        fragment = self.fragments.get(node.name.value, Shape())
        outer = self.stack[-1]
        outer.depth = max(outer.depth, fragment.depth)
        outer.aliases += fragment.aliases
        outer.spreads += 1 + fragment.spreads
        outer.repeated += fragment.repeated
        outer.fields += fragment.fields
        for name, (copies, fields) in fragment.level.items():
            outer.add_to_level(name, copies, fields)


def operation_shapes(document: DocumentNode) -> dict[OperationDefinitionNode, Shape]:
    """The shape of each operation in the document, in time linear in the document's size."""
    fragments: dict[str, Shape] = {}
    for fragment in fragments_in_dependency_order(document):
        visitor = _ShapeVisitor(fragments)
        visit(fragment, visitor)
        fragments[fragment.name.value] = visitor.stack[0]
    shapes = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            visitor = _ShapeVisitor(fragments)
            visit(definition, visitor)
            shape = visitor.stack[0]
            shape.close_level()
            shapes[definition] = shape
    return shapes


def _operation_label(operation: OperationDefinitionNode) -> str:
    return f"'{operation.name.value}'" if operation.name else "The operation"


@cache
def shape_rule(
    max_depth: int, max_aliases: int, max_fragment_spreads: int, max_repeated_fields: int
) -> type[ValidationRule]:
    """A validation rule refusing operations too deep, with too many aliases, expanded spreads or
    repeated fields. Run on its own before the specified rules, so that none of those (some take
    quadratic time) sees a document this rule refuses.

    One class per set of limits (cached), because the validation cache is keyed by the rule classes:
    a new class per request would never be served from it.
    """

    class QueryShapeLimit(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> Any:
            for operation, shape in operation_shapes(node).items():
                label = _operation_label(operation)
                # (measured, allowed, what the caller reads, code), in the order they are reported.
                limits = [
                    (
                        shape.spreads,
                        max_fragment_spreads,
                        f"{label} expands to {shape.spreads} fragment spreads; "
                        f"at most {max_fragment_spreads} are allowed.",
                        TOO_MANY_FRAGMENT_SPREADS,
                    ),
                    (
                        shape.repeated,
                        max_repeated_fields,
                        f"{label} repeats {shape.repeated} fields (selected again under a name "
                        f"already selected in the same place); at most {max_repeated_fields} are "
                        "allowed.",
                        TOO_MANY_REPEATED_FIELDS,
                    ),
                    (
                        shape.depth,
                        max_depth,
                        f"{label} is {shape.depth} fields deep: it exceeds maximum operation "
                        f"depth of {max_depth}.",
                        QUERY_TOO_DEEP,
                    ),
                    (
                        shape.aliases,
                        max_aliases,
                        f"{label} uses {shape.aliases} aliases; at most {max_aliases} aliases are allowed.",
                        TOO_MANY_ALIASES,
                    ),
                ]
                for measured, allowed, message, code in limits:
                    if measured > allowed:
                        self.report_error(GraphQLError(message, operation, extensions={"code": code}))
            return self.BREAK

    return QueryShapeLimit


def field_weight(schema: GraphQLSchema, parent: str, name: str) -> int:
    """The table's weight, else 10 for a mutation (it writes, in a transaction) and 1 for a field."""
    is_mutation = schema.mutation_type is not None and parent == schema.mutation_type.name
    return FIELD_WEIGHTS.get(
        f"{parent}.{name}", DEFAULT_MUTATION_WEIGHT if is_mutation else DEFAULT_FIELD_WEIGHT
    )


def page_size(definition: GraphQLField, node: FieldNode, variables: VariableValues) -> int:
    """How many items a paged field may return: its `first` (or `input.first`), as the resolver caps it.

    An omitted or null `first` is the default page; a field without `first` returns one object (the
    short lists of a parent, such as a listing's services, are counted once).
    """
    input_arg = definition.args.get("input")
    paged_input = input_arg is not None and (
        isinstance(named := get_named_type(input_arg.type), GraphQLInputObjectType)
        and "first" in named.fields
    )
    if "first" not in definition.args and not paged_input:
        return 1
    try:
        values = get_argument_values(definition, node, variables)
    except GraphQLError:
        return MAX_PAGE_SIZE  # execution refuses the argument anyway; assume the worst meanwhile
    if "first" in definition.args:
        first = values.get("first")
    else:
        given = values.get("input")
        first = given.get("first") if isinstance(given, Mapping) else getattr(given, "first", None)
    if first is None:
        return DEFAULT_PAGE_SIZE
    return max(0, min(int(first), MAX_PAGE_SIZE))


class _CostVisitor(Visitor):
    """Adds up one definition: each field's weight plus its page size times what it selects."""

    def __init__(
        self,
        schema: GraphQLSchema,
        type_info: TypeInfo,
        variables: VariableValues,
        fragments: Mapping[str, int],
    ) -> None:
        super().__init__()
        self.schema = schema
        self.type_info = type_info
        self.variables = variables
        self.fragments = fragments
        self.stack = [0]

    def enter_field(self, *_: Any) -> None:
        self.stack.append(0)

    def leave_field(self, node: FieldNode, *_: Any) -> None:
        inner = self.stack.pop()
        definition = self.type_info.get_field_def()
        parent = self.type_info.get_parent_type()
        weight = field_weight(self.schema, parent.name, node.name.value) if parent else DEFAULT_FIELD_WEIGHT
        multiplier = page_size(definition, node, self.variables) if definition else 1
        self.stack[-1] += weight + multiplier * inner

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.stack[-1] += self.fragments.get(node.name.value, 0)


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    raw_variables: dict[str, Any] | None,
) -> int | None:
    """The cost of the operation that will run, or None when it cannot run (unknown operation, bad
    variables: execution refuses those itself). An upper bound: fields that execution would merge
    are counted each time they are written. Linear in the document's size."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    variables = get_variable_values(schema, operation.variable_definitions or (), raw_variables or {})
    if not isinstance(variables, VariableValues):
        return None
    fragments: dict[str, int] = {}

    def measure(definition: ExecutableDefinitionNode) -> int:
        type_info = TypeInfo(schema)
        visitor = _CostVisitor(schema, type_info, variables, fragments)
        visit(definition, TypeInfoVisitor(type_info, visitor))
        return visitor.stack[0]

    for fragment in fragments_in_dependency_order(document):
        fragments[fragment.name.value] = measure(fragment)
    return measure(operation)


class TokenLimit(SchemaExtension):
    """Applies the length and token limits of the request's settings before and while parsing.

    The parser cache keeps whole query texts, and comments and whitespace are not tokens: a text
    padded to the body limit would pass the token limit and hold a megabyte of cache per entry, so
    the text's length is bounded before anything parses or caches it.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        settings = settings_of(context.context)
        if len(context.query or "") > settings.max_query_characters:
            raise GraphQLError(
                f"The query text is longer than {settings.max_query_characters:,} characters; "
                "send fewer fields or drop comments and padding.",
                extensions={"code": QUERY_TOO_LONG},
            )
        context.parse_options["max_tokens"] = settings.max_query_tokens
        yield


def request_shape_rule(context: object) -> type[ValidationRule]:
    """The shape rule with the limits of the request's settings."""
    settings = settings_of(context)
    return shape_rule(
        settings.max_query_depth,
        settings.max_query_aliases,
        settings.max_fragment_spreads,
        settings.max_repeated_fields,
    )


class QueryCostLimit(SchemaExtension):
    """Each request's cost (with its variables) is reported in the response's `extensions.cost`; a
    request costing more than `BROKER_MAX_QUERY_COST` is refused before any resolver runs."""

    cost: int | None = None
    max_cost: int = 0

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        self.max_cost = settings_of(context.context).max_query_cost
        self.cost = query_cost(
            context.schema._schema, context.graphql_document, context.operation_name, context.variables
        )
        if self.cost is not None and self.cost > self.max_cost:
            raise GraphQLError(
                f"This request would cost {self.cost:,}, more than the {self.max_cost:,} allowed: ask for "
                "fewer items (`first`) or fewer expensive fields, or split it into several requests.",
                extensions={"code": QUERY_TOO_COSTLY, "cost": self._report()},
            )
        yield

    def _report(self) -> dict[str, int]:
        return {"requestedQueryCost": self.cost or 0, "maximumAvailable": self.max_cost}

    def get_results(self) -> dict[str, Any]:
        return {"cost": self._report()} if self.cost is not None else {}
