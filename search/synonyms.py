"""Care vocabulary shared by both engines: synonym groups and conversational filler words.

People search the way they talk ("a carer who speaks Punjabi"), listings are written the way the
sector writes ("personal assistant", "respite and short breaks"). Each group lists phrases that mean
the same thing for search; Meilisearch gets them as its `synonyms` setting, tantivy expands queries.
"""

from __future__ import annotations

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("carer", "personal assistant", "pa", "care worker", "support worker", "care assistant"),
    ("respite", "short break", "short breaks"),
    ("home care", "domiciliary care", "homecare"),
    ("dementia", "alzheimers", "alzheimer"),
    ("autism", "autistic", "asd", "asperger"),
    ("learning disability", "learning disabilities", "ld"),
    ("peg", "tube feeding", "enteral feeding"),
    ("live in", "live-in", "residential carer"),
    ("night", "overnight", "nights"),
    ("hoist", "moving and handling", "manual handling"),
    ("medication", "medicine", "medicines", "meds"),
    ("bsl", "british sign language", "sign language"),
    ("end of life", "palliative"),
    ("companionship", "befriending", "company"),
    ("domestic", "housework", "cleaning"),
    ("mental health", "mental illness"),
)
"""Each tuple is one meaning; every phrase in it matches listings containing any other."""

STOP_WORDS: frozenset[str] = frozenset(
    {
        "a",
        "an",
        "the",
        "who",
        "whom",
        "which",
        "that",
        "speaks",
        "speak",
        "speaking",
        "near",
        "nearby",
        "around",
        "close",
        "me",
        "my",
        "i",
        "need",
        "needs",
        "want",
        "looking",
        "for",
        "someone",
        "somebody",
        "can",
        "could",
        "please",
        "with",
        "from",
    }
)
"""Words that say nothing about a listing; dropped from queries so they cannot empty the results."""

MAX_PHRASE_WORDS = 4


def synonym_table() -> dict[str, tuple[str, ...]]:
    """phrase -> every phrase of its group (itself included)."""
    table: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_GROUPS:
        for phrase in group:
            table[phrase] = tuple(dict.fromkeys((*table.get(phrase, ()), *group)))
    return table


def meilisearch_synonyms() -> dict[str, list[str]]:
    """The `synonyms` index setting: each phrase maps to the rest of its group (Meilisearch wants both
    directions spelled out)."""
    return {
        phrase: [other for other in group if other != phrase] for phrase, group in synonym_table().items()
    }
