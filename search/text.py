"""Turning words into match clauses: typo budgets, care synonyms as concepts, filler words.

Meilisearch applies these rules itself (from its settings). The tantivy backend uses this module on
both sides: at indexing, every synonym phrase found in a listing adds its group's concept token
("g0" for carer / personal assistant / PA ...); at query time a typed word matches its own spelling
(with typos) or any concept it belongs to. One term lookup replaces a union of phrase queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from search.synonyms import MAX_PHRASE_WORDS, STOP_WORDS, SYNONYM_GROUPS

ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9
"""Word lengths that earn one and two typos: Meilisearch's defaults, set explicitly in its settings."""


def typo_budget(word: str) -> int:
    """How many edits (Damerau-Levenshtein) a query word may be away from an indexed word."""
    if len(word) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(word) >= ONE_TYPO_FROM else 0


def concept_token(group: int) -> str:
    """Indexed token standing for synonym group `group` of `SYNONYM_GROUPS`."""
    return f"g{group}"


@cache
def _phrase_groups() -> dict[tuple[str, ...], tuple[int, ...]]:
    """Analysed phrase -> the synonym groups it belongs to."""
    table: dict[tuple[str, ...], tuple[int, ...]] = {}
    for group, phrases in enumerate(SYNONYM_GROUPS):
        for phrase in phrases:
            words = tuple(phrase.replace("-", " ").split())
            table[words] = tuple(dict.fromkeys((*table.get(words, ()), group)))
    return table


@cache
def _first_words() -> frozenset[str]:
    return frozenset(words[0] for words in _phrase_groups())


def concepts_in(token_lists: Iterable[Sequence[str]]) -> set[int]:
    """Synonym groups mentioned anywhere in these analysed texts (each text scanned on its own, so a
    phrase never spans two fields)."""
    table = _phrase_groups()
    first_words = _first_words()
    found: set[int] = set()
    for tokens in token_lists:
        for start, word in enumerate(tokens):
            if word not in first_words:
                continue
            for size in range(1, min(MAX_PHRASE_WORDS, len(tokens) - start) + 1):
                found.update(table.get(tuple(tokens[start : start + size]), ()))
    return found


@dataclass(frozen=True, slots=True)
class TextClause:
    """One thing the listing must mention: the typed word (within `typo_budget`, and as a prefix when
    `prefix`), or any synonym group in `groups`. A typed synonym phrase is matched by its group alone."""

    typed: tuple[str, ...]
    groups: tuple[int, ...]
    prefix: bool


def plan_text(tokens: Sequence[str], *, last_is_prefix: bool) -> list[TextClause]:
    """Clauses every match must satisfy, from analysed (lowercased, folded) query tokens.

    Longest synonym phrase wins ("moving and handling" before "moving"); filler words are dropped
    unless part of a synonym phrase; only the final word of the query may match as a prefix.
    """
    table = _phrase_groups()
    clauses: list[TextClause] = []
    i = 0
    while i < len(tokens):
        for size in range(min(MAX_PHRASE_WORDS, len(tokens) - i), 0, -1):
            phrase = tuple(tokens[i : i + size])
            if phrase in table:
                is_last = i + size == len(tokens)
                clauses.append(
                    TextClause(phrase, table[phrase], prefix=last_is_prefix and is_last and size == 1)
                )
                i += size
                break
        else:
            word = tokens[i]
            if word not in STOP_WORDS:
                is_last = i + 1 == len(tokens)
                clauses.append(TextClause((word,), (), prefix=last_is_prefix and is_last))
            i += 1
    return clauses
