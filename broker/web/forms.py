"""Turns a payload's `userErrors` into a GOV.UK error summary and inline errors.

A `field` path names the input field (`input.postcode`, `input.slots.2.end`); the form fields are
named after the same GraphQL input fields, so the path without `input.` is the id the summary links
to and the inline error sits beside. Errors without a field go in the summary only, and so do
errors about a field the form does not have (when the page names its `fields`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def form_field(path: str | None) -> str | None:
    if not path:
        return None
    name = path.removeprefix("input.")
    return None if name == "input" else name.replace(".", "-")


def errors_from(
    user_errors: list[dict[str, Any]], fields: Collection[str] | None = None
) -> tuple[list[dict[str, str | None]], dict[str, str]]:
    """The summary's entries and the inline errors by field. With `fields`, a path inside one of them
    (`input.needIds.1`) belongs to it (`needIds`) and a path to none of them has no link."""
    summary: list[dict[str, str | None]] = []
    inline: dict[str, str] = {}
    for error in user_errors:
        field = form_field(error.get("field") or (error.get("extensions") or {}).get("field"))
        if fields is not None and field is not None:
            field = field.split("-", 1)[0] if field.split("-", 1)[0] in fields else None
        message = str(error.get("message") or "Check this answer")
        summary.append({"field": field, "message": message})
        if field and field not in inline:
            inline[field] = message
    return summary, inline
