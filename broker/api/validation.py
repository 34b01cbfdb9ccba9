"""Validation of each document (cached), and what production hides: introspection and "Did you mean".

In production the schema is not a map handed to strangers: introspection is refused and error
messages carry no suggestions of field, argument, type or enum names (graphql-core's
`hide_suggestions`, in validation and in the coercion of variables at execution).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from cachetools import LRUCache
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from broker.api.context import settings_of
from broker.api.limits import request_shape_rule

VALIDATION_CACHE_SIZE = 256
_validated: LRUCache[tuple[object, ...], list[GraphQLError]] = LRUCache(maxsize=VALIDATION_CACHE_SIZE)


def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    # Strawberry's own rules (for `Maybe` and `@oneOf` inputs), as its `validate_document` adds them.
    rules = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
    return validate(schema, document, rules, hide_suggestions=hide_suggestions)


class CachedValidation(SchemaExtension):
    """Validates each document once per configuration, in two stages: first our linear shape rule
    (depth, aliases, fragment spreads, repeated fields), on the event loop; only a document that
    passes it meets graphql-core's rules, in a worker thread, since some of those are not linear.
    In production, without introspection or suggestions. Replaces strawberry's ValidationCache,
    which can neither hide suggestions nor stage the rules.

    The cache is keyed by the query text (the parser cache maps one text to one document; hashing a
    document instead walks all of it) and only touched on the event loop, so it needs no lock.
    """

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None and context.query is not None
        production = settings_of(context.context).is_production
        shape = request_shape_rule(context.context)
        rules = context.validation_rules
        if production:
            rules = (*rules, NoSchemaIntrospectionCustomRule)
        key = (context.query, shape, rules, production)
        errors = _validated.get(key)
        if errors is None:
            schema, document = context.schema._schema, context.graphql_document
            errors = validate(schema, document, (shape,), hide_suggestions=production)
            if not errors:
                errors = await asyncio.to_thread(_validate, schema, document, rules, production)
            _validated[key] = errors
        context.pre_execution_errors = errors
        yield


class ExecutionWithoutSuggestions(StrawberryGraphQLCoreExecutionContext):
    """Execution whose errors (bad variables, unknown enum values) suggest no names in production."""

    @classmethod
    def build(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        kwargs["hide_suggestions"] = settings_of(context_value).is_production
        return super().build(schema, document, root_value, context_value, *args, **kwargs)
