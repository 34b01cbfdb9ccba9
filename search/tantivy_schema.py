"""The tantivy index layout and how a `ProviderDocument` is written into it.

Keyword fields use the raw tokenizer and are fast fields so facets come from tantivy's aggregations;
numbers needed after the query (id, position, travel reach, rate) are fast fields, read in bulk.
Nothing is stored: the database holds the listing, the index only answers which ids match.
"""

from __future__ import annotations

import tantivy

from search import derived
from search.documents import ProviderDocument
from search.text import concept_token, concepts_in

SCHEMA_VERSION = 3
"""Bump when the layout changes; an index written with another version is rebuilt empty."""

TEXT_TOKENIZER = "care_text"
RATE_ID_SHIFT = 1 << 32
"""`rate_id` = rate * 2**32 + id: one fast field that orders by rate then id (`review_rank_id` likewise)."""

KEYWORD_FIELDS = ("kind", "status", "gender", "rate_band", "services", "skills", "languages")
TEXT_FIELD_BOOSTS: dict[str, float] = {"name": 4.0, "labels": 3.0, "skills_text": 2.0, "language_text": 2.0}
"""Exact-word boosts per field; `all_text` (everything including bio) scores 1 and carries typos."""
ALL_TEXT = "all_text"
CONCEPTS = "concepts"
"""Synonym-group tokens found in the listing's text (see `search.text`)."""


def text_analyzer() -> tantivy.TextAnalyzer:
    """Split on non-alphanumerics, lowercase, fold accents: "Café-based" -> ["cafe", "based"]."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def build_schema() -> tantivy.Schema:
    """The provider index schema (see module docstring)."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_integer_field("council_id", indexed=True)
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("available", tokenizer_name="raw", index_option="basic")
    builder.add_text_field(CONCEPTS, tokenizer_name="raw", index_option="basic")
    builder.add_boolean_field("accredited", indexed=True)
    builder.add_integer_field("accredited_until_day", indexed=True, fast=True)
    builder.add_integer_field("hourly_rate_pence", indexed=True, fast=True)
    builder.add_integer_field("rate_id", fast=True)
    builder.add_integer_field("review_rank", fast=True)
    builder.add_integer_field("review_rank_id", fast=True)
    builder.add_float_field("latitude", indexed=True, fast=True)
    builder.add_float_field("longitude", indexed=True, fast=True)
    builder.add_integer_field("travel_reach_km", indexed=True, fast=True)
    builder.add_float_field("remaining_capacity_hours", indexed=True, fast=True)
    for name in (*TEXT_FIELD_BOOSTS, ALL_TEXT):
        builder.add_text_field(name, tokenizer_name=TEXT_TOKENIZER)
    return builder.build()


def to_tantivy(
    doc: ProviderDocument, schema: tantivy.Schema, analyzer: tantivy.TextAnalyzer
) -> tantivy.Document:
    """The tantivy document for one listing."""
    labels = [*doc.service_labels, derived.kind_label(doc)]
    texts = [doc.name, *labels, *doc.skills, *doc.language_names, doc.bio]
    concepts = concepts_in(analyzer.analyze(text) for text in texts if text)
    values: dict[str, object] = {
        "id": doc.id,
        "council_id": doc.council_id,
        "kind": doc.kind,
        "status": doc.status,
        "rate_band": derived.doc_rate_band(doc),
        "services": list(doc.services),
        "skills": list(doc.skills),
        "languages": list(doc.languages),
        "available": list(derived.available_blocks(doc)),
        "accredited": doc.accredited,
        "accredited_until_day": derived.accredited_until_day(doc),
        "hourly_rate_pence": doc.hourly_rate_pence,
        "rate_id": doc.hourly_rate_pence * RATE_ID_SHIFT + doc.id,
        "review_rank": derived.review_rank(doc),
        "review_rank_id": derived.review_rank(doc) * RATE_ID_SHIFT + doc.id,
        "latitude": doc.latitude,
        "longitude": doc.longitude,
        "travel_reach_km": derived.travel_reach_km(doc),
        "remaining_capacity_hours": doc.remaining_capacity_hours,
        "name": doc.name,
        "labels": labels,
        "skills_text": list(doc.skills),
        "language_text": list(doc.language_names),
        ALL_TEXT: texts,
        CONCEPTS: [concept_token(group) for group in sorted(concepts)],
    }
    if doc.gender is not None:
        values["gender"] = doc.gender
    return tantivy.Document.from_dict({k: v for k, v in values.items() if v != []}, schema)
