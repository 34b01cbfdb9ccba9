"""Turns a payload's `userErrors` into a GOV.UK error summary and inline errors.

A `field` path names the input field (`input.postcode`, `input.slots.2.end`); the form fields are
named after the same GraphQL input fields, so the path without `input.` is the id the summary links
to and the inline error sits beside. Errors without a field go in the summary only.
"""

from __future__ import annotations

from typing import Any


def form_field(path: str | None) -> str | None:
    if not path:
        return None
    name = path.removeprefix("input.")
    return None if name == "input" else name.replace(".", "-")


def errors_from(user_errors: list[dict[str, Any]]) -> tuple[list[dict[str, str | None]], dict[str, str]]:
    summary: list[dict[str, str | None]] = []
    inline: dict[str, str] = {}
    for error in user_errors:
        field = form_field(error.get("field") or (error.get("extensions") or {}).get("field"))
        message = str(error.get("message") or "Check this answer")
        summary.append({"field": field, "message": message})
        if field and field not in inline:
            inline[field] = message
    return summary, inline
