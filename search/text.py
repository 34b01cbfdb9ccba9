"""Turning typed words into match clauses: typo budgets, synonym phrases, filler words.

Meilisearch applies these rules itself (from its settings); the tantivy backend builds its queries
from `plan_text` so both engines match the same listings for the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from search.synonyms import MAX_PHRASE_WORDS, STOP_WORDS, synonym_table

ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9
"""Word lengths that earn one and two typos: Meilisearch's defaults, set explicitly in its settings."""


def typo_budget(word: str) -> int:
    """How many edits (Damerau-Levenshtein) a query word may be away from an indexed word."""
    if len(word) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(word) >= ONE_TYPO_FROM else 0


@dataclass(frozen=True, slots=True)
class TextClause:
    """One thing the listing must mention: the typed word or phrase, or any of its synonyms.

    `typed` is matched with `typo_budget` typos per word (and as a prefix when `prefix`); the
    `synonyms` are matched exactly, as phrases.
    """

    typed: tuple[str, ...]
    synonyms: tuple[tuple[str, ...], ...]
    prefix: bool


@cache
def _table() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    return {
        tuple(phrase.replace("-", " ").split()): tuple(tuple(p.replace("-", " ").split()) for p in group)
        for phrase, group in synonym_table().items()
    }


def plan_text(tokens: Sequence[str], *, last_is_prefix: bool) -> list[TextClause]:
    """Clauses every match must satisfy, from analysed (lowercased, folded) query tokens.

    Longest synonym phrase wins ("moving and handling" before "moving"); filler words are dropped
    unless part of a synonym phrase; only the final word of the query may match as a prefix.
    """
    table = _table()
    clauses: list[TextClause] = []
    i = 0
    while i < len(tokens):
        for size in range(min(MAX_PHRASE_WORDS, len(tokens) - i), 0, -1):
            phrase = tuple(tokens[i : i + size])
            if phrase in table:
                others = tuple(p for p in table[phrase] if p != phrase)
                is_last = i + size == len(tokens)
                clauses.append(TextClause(phrase, others, prefix=last_is_prefix and is_last and size == 1))
                i += size
                break
        else:
            word = tokens[i]
            if word not in STOP_WORDS:
                is_last = i + 1 == len(tokens)
                clauses.append(TextClause((word,), (), prefix=last_is_prefix and is_last))
            i += 1
    return clauses
