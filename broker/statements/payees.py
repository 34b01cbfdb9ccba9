"""Does a statement's payee name a provider? Fuzzy, but the same answer for the same two names.

Banks truncate payees (18 characters is common), card acquirers prefix them (`SQ *`, `SUMUP *`) and
nobody agrees on `Ltd`. Both names are reduced to their words (lower case, letters and digits, no
company suffixes or acquirer prefixes); then a payee names a provider when the words are the same, when
all the provider's words are in the payee ("JO SMITH CARE INV 114"), when the payee is the start of
the provider's name cut short (at least 8 characters), or else by difflib's ratio of the two, which is
deterministic. `PAYEE_MATCH` (broker/statements/rules.py) is the bar.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

_PREFIX = re.compile(r"^\s*(?:sq|sumup|sp|pp|paypal|zettle|izettle|stripe|crv|sagepay)\s*\*\s*")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_SUFFIXES = frozenset({"ltd", "limited", "plc", "llp", "cic", "the", "co", "uk", "inc"})
TRUNCATED_MIN = 8


@lru_cache(maxsize=65_536)
def words(name: str) -> tuple[str, ...]:
    text = _PREFIX.sub("", name.casefold())
    return tuple(w for w in _NOT_WORD.split(text.replace("&", " and ")) if w and w not in _SUFFIXES)


@lru_cache(maxsize=65_536)
def similarity(payee: str, provider_name: str) -> float:
    """1.0 for the same name, down to 0.0 for nothing alike."""
    mine, theirs = words(payee), words(provider_name)
    if not mine or not theirs:
        return 0.0
    if mine == theirs:
        return 1.0
    if set(theirs) <= set(mine):
        return 0.95
    joined, full = " ".join(mine), " ".join(theirs)
    if len(joined) >= TRUNCATED_MIN and full.startswith(joined):
        return 0.9
    return SequenceMatcher(None, joined, full, autojunk=False).ratio()
