"""What text, keys and dates the service accepts from anyone, whichever door they come in by
(GraphQL, the Open Referral feed, Stripe's webhooks).

PostgreSQL cannot store NUL in text, and a lone surrogate is not Unicode at all (it cannot be encoded
as UTF-8 for either database, a log line or a JSON response), so both are refused before they reach
a service: one rule, so SQLite and PostgreSQL answer alike.
"""

from __future__ import annotations

import re
from datetime import date

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,9}")

# Our tables' keys are INTEGER on PostgreSQL (32-bit, as GraphQL's Int): no key, offset or count a
# caller names can be larger, and anything larger would overflow a query instead of matching nothing.
MAX_INTEGER = 2**31 - 1


def text_problem(value: str) -> str | None:
    """Why `value` cannot be accepted as text, or None when it can."""
    if "\x00" in value:
        return "Text cannot contain NUL (\\u0000) characters."
    if _LONE_SURROGATE.search(value):
        return "Text must be valid Unicode: it contains a lone surrogate."
    return None


def whole_number(text: str) -> int | None:
    """`text` as a key or count written the one way we write them (ASCII digits, no sign, no leading
    zeros) and within MAX_INTEGER; None for anything else, e.g. `+5`, `007`, `1_000` or 30 digits."""
    if not _WHOLE_NUMBER.fullmatch(text) or int(text) > MAX_INTEGER:
        return None
    return int(text)


# Every date this service deals in (plans, checks, payments, reports) falls well inside these, and
# keeping to them means date arithmetic (a day after `until`, a year before `since`) never overflows.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def date_problem(value: date) -> str | None:
    """Why `value` is outside the dates the service handles, or None."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return f"Dates run from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}."
    return None


# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)`, `@SUM`,
# `+cmd|...`): OWASP's "CSV injection". Text we did not write ourselves is stored as given and
# escaped only where it leaves as CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_cell(value: str) -> str:
    """`value` as a CSV cell a spreadsheet shows as text: a leading formula character is escaped with
    an apostrophe (which spreadsheets hide), everything else is left alone."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


# Free text people write for others to read (review comments, replies, messages) is shown as typed,
# never as markup: a tag or a character reference in it is refused rather than silently stripped, so
# what is stored is exactly what the person meant to say. "5 < 6" and "fish & chips" are fine.
_MARKUP = re.compile(r"<\s*[/!?a-zA-Z]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def markup_problem(value: str) -> str | None:
    """Why `value` cannot be accepted as plain text (it contains HTML), or None."""
    if _MARKUP.search(value):
        return "Write plain text: HTML tags and character references such as &amp; are not accepted."
    return text_problem(value)
