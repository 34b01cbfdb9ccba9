"""Translating a `SearchQuery` into tantivy queries: filters (scored 0) and typo-tolerant text.

Geo is only a latitude/longitude box here; the backend applies the exact circle and the providers'
travel radii afterwards on the few documents the box lets through.
"""

from __future__ import annotations

from collections.abc import Sequence

import tantivy

from search import derived
from search.geo import bounding_box
from search.query import SearchQuery
from search.slots import required_blocks
from search.tantivy_schema import ALL_TEXT, CONCEPTS, TEXT_FIELD_BOOSTS
from search.text import TextClause, concept_token, plan_text, typo_budget

Q = tantivy.Query
MUST, SHOULD = tantivy.Occur.Must, tantivy.Occur.Should
FUZZY_BOOST = 0.5
"""A typo match scores below an exact match of the same word anywhere."""


def _all_of(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if not queries:
        return Q.all_query()
    if len(queries) == 1:
        return queries[0]
    return Q.boolean_query([(MUST, q) for q in queries])


def _any_of(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    return queries[0] if len(queries) == 1 else Q.boolean_query([(SHOULD, q) for q in queries])


def filter_queries(schema: tantivy.Schema, query: SearchQuery) -> list[tantivy.Query]:
    """One tantivy query per structured filter of `query` (geo as its bounding box)."""
    found: list[tantivy.Query] = []
    if query.statuses:
        found.append(Q.term_set_query(schema, "status", list(query.statuses)))
    if query.kinds:
        found.append(Q.term_set_query(schema, "kind", list(query.kinds)))
    if query.languages:
        found.append(Q.term_set_query(schema, "languages", list(query.languages)))
    found.extend(Q.term_query(schema, "services", code) for code in query.services)
    found.extend(Q.term_query(schema, "skills", skill) for skill in query.skills)
    found.extend(Q.term_query(schema, "available", block) for block in required_blocks(query.available))
    if query.gender is not None:
        found.append(Q.term_query(schema, "gender", query.gender))
    if query.council_id is not None:
        found.append(Q.term_query(schema, "council_id", query.council_id))
    if query.max_rate_pence is not None:
        found.append(
            Q.range_query(
                schema, "hourly_rate_pence", tantivy.FieldType.Integer, upper_bound=query.max_rate_pence
            )
        )
    if query.min_remaining_hours is not None:
        found.append(
            Q.range_query(
                schema,
                "remaining_capacity_hours",
                tantivy.FieldType.Float,
                lower_bound=float(query.min_remaining_hours),
            )
        )
    if query.accredited_only:
        found.append(Q.term_query(schema, "accredited", True))
        found.append(
            Q.range_query(
                schema,
                "accredited_until_day",
                tantivy.FieldType.Integer,
                lower_bound=derived.day_number(query.today) + 1,
            )
        )
    if query.geo is not None:
        min_lat, max_lat, min_lng, max_lng = bounding_box(
            query.geo.latitude, query.geo.longitude, query.geo.radius_km
        )
        found.append(Q.range_query(schema, "latitude", tantivy.FieldType.Float, min_lat, max_lat))
        found.append(Q.range_query(schema, "longitude", tantivy.FieldType.Float, min_lng, max_lng))
        found.append(Q.range_query(schema, "travel_reach_km", tantivy.FieldType.Integer, lower_bound=1))
    return found


def _word_query(schema: tantivy.Schema, word: str, prefix: bool) -> tantivy.Query:
    """Exact word in any text field (boosted by field), or within its typo budget / as a prefix."""
    parts = [
        Q.boost_query(Q.term_query(schema, name, word), boost) for name, boost in TEXT_FIELD_BOOSTS.items()
    ]
    parts.append(Q.term_query(schema, ALL_TEXT, word))
    distance = typo_budget(word)
    if distance or prefix:
        fuzzy = Q.fuzzy_term_query(schema, ALL_TEXT, word, distance=distance, prefix=prefix)
        parts.append(Q.boost_query(fuzzy, FUZZY_BOOST))
    return _any_of(parts)


def _clause_query(schema: tantivy.Schema, clause: TextClause) -> tantivy.Query:
    """The typed word (exact, typo or prefix) or any concept token of its synonym groups."""
    concepts = [Q.term_query(schema, CONCEPTS, concept_token(group)) for group in clause.groups]
    if len(clause.typed) == 1:
        return _any_of([_word_query(schema, clause.typed[0], clause.prefix), *concepts])
    return _any_of(concepts)


def text_query(schema: tantivy.Schema, analyzer: tantivy.TextAnalyzer, text: str) -> tantivy.Query | None:
    """All clauses of the text must match; None when the text has no searchable words."""
    tokens = analyzer.analyze(text)
    clauses = plan_text(tokens, last_is_prefix=bool(text) and not text[-1].isspace())
    if not clauses:
        return None
    return _all_of([_clause_query(schema, clause) for clause in clauses])


def build_query(
    schema: tantivy.Schema, analyzer: tantivy.TextAnalyzer, query: SearchQuery
) -> tuple[tantivy.Query, bool]:
    """(query, has_text): text clauses scored, filters wrapped to add nothing to the score."""
    filters = filter_queries(schema, query)
    text = text_query(schema, analyzer, query.text) if query.text.strip() else None
    if text is None:
        return _all_of(filters), False
    if not filters:
        return text, True
    return Q.boolean_query([(MUST, text), (MUST, Q.const_score_query(_all_of(filters), 0.0))]), True
