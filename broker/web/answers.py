"""Reading the money pages' answers as a person types them (pounds, dates in three boxes, hours) and
naming the API's paths after the form's fields, so the error summary links to the box that was wrong.

Only the shape of an answer is checked here (is it an amount, a real date); whether it is allowed is
the API's answer, shown from its `userErrors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData, QueryParams

SHORT_MAX = 200
DATE_PARTS = ("day", "month", "year")


def text(form: FormData | QueryParams, name: str, limit: int = SHORT_MAX) -> str:
    return str(form.get(name) or "")[:limit].strip()


def pence(answer: str, *, most: int = 1_000_000) -> int | None:
    """Pounds as typed ("16.50", "£1,016.50") in whole pence; None unless it is an amount above £0
    and at most `most` pounds."""
    try:
        pounds = Decimal(answer.replace(",", "").removeprefix("£"))
    except InvalidOperation:
        return None
    if not pounds.is_finite() or pounds <= 0 or pounds > most or pounds != pounds.quantize(Decimal("0.01")):
        return None
    return int(pounds * 100)


def hours(answer: str) -> float | None:
    try:
        value = float(answer)
    except ValueError:
        return None
    return value if 0 < value <= 24 * 35 else None


def date_answer(
    form: FormData | QueryParams, name: str, label: str
) -> tuple[dict[str, str], str | None, str | None]:
    """The three boxes of a GOV.UK date input, the ISO date they make (None when left empty), and
    what is wrong with them in words naming `label`."""
    parts = {part: text(form, f"{name}-{part}", 4) for part in DATE_PARTS}
    if not any(parts.values()):
        return parts, None, None
    try:
        year, month, day = (int(parts[p]) for p in ("year", "month", "day"))
        made = date(year, month, day)
    except ValueError:
        return parts, None, f"{label} must be a real date, for example 1 4 2027"
    if year < 1900:
        return parts, None, f"Enter the 4-digit year of the {label.lower()}"
    return parts, made.isoformat(), None


def date_parts(value: str | date | None) -> dict[str, str]:
    if not value:
        return {part: "" for part in DATE_PARTS}
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def renamed(user_errors: list[dict[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """`userErrors` with the API's input names (`input.amountPence`) as the form's (`amount`), and
    without the argument's name (`input.`, `filter.`), which no form field has."""
    out = []
    for error in user_errors:
        path = error.get("field") or (error.get("extensions") or {}).get("field")
        if path:
            name = path.removeprefix("input.").removeprefix("filter.")
            head, _, rest = name.partition(".")
            path = names.get(head, head) + (f".{rest}" if rest else "")
        out.append({**error, "field": path})
    return out
