"""Validation of each document (cached), and what production hides: introspection and "Did you mean".

In production the schema is not a map handed to strangers: introspection is refused and error
messages carry no suggestions of field, argument, type or enum names (graphql-core's
`hide_suggestions`, in validation and in the coercion of variables at execution).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

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

VALIDATION_CACHE_SIZE = 256


@lru_cache(maxsize=VALIDATION_CACHE_SIZE)
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
    """Validates each document once per set of rules (the parser cache hands back the same document
    for the same text), in production without introspection or suggestions. Replaces strawberry's
    ValidationCache, which cannot hide suggestions."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        production = settings_of(context.context).is_production
        rules = context.validation_rules
        if production:
            rules = (*rules, NoSchemaIntrospectionCustomRule)
        context.pre_execution_errors = _validate(
            context.schema._schema, context.graphql_document, rules, production
        )
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
