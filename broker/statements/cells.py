"""Reading one cell of a statement: an amount as exact whole pence, a date, a name, a category.

Each reader raises `CellProblem` with words for the person who made the file; `broker.statements
.formats` adds the line and column.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from broker.statements import rules


class DateFormat(StrEnum):
    ISO = "ISO"
    DAY_MONTH_YEAR = "DAY_MONTH_YEAR"
    MONTH_DAY_YEAR = "MONTH_DAY_YEAR"


class MoneyOut(StrEnum):
    """How a single signed amount column shows money leaving the account."""

    NEGATIVE = "NEGATIVE"
    POSITIVE = "POSITIVE"


_AMOUNT = re.compile(
    r"(?P<sign>[-+])?£?(?P<pounds>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,12})(?:\.(?P<pence>[0-9]{1,2}))?"
)
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.]+Z?)?")
_SLASHED = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_MCC = re.compile(r"[0-9]{4}")


# What each field is called in a problem's message.
LABELS = {
    "date": "date",
    "payee": "payee",
    "amount": "amount",
    "paid_out": "paid out",
    "paid_in": "paid in",
    "reference": "reference",
    "merchant_category_code": "merchant category code",
    "balance": "balance",
}


class CellProblem(ValueError):
    """What is wrong with one cell, in words for the person who made the file."""


def parse_pence(text: str, *, signed: bool) -> int:
    """Whole pence from `12.50`, `-3`, `£1,234.5` (a leading sign only when `signed`); exact, no float."""
    compact = text.strip().replace(" ", "")
    match = _AMOUNT.fullmatch(compact)
    if match is None:
        raise CellProblem(f"'{shown(text)}' is not an amount of money: write pounds and pence, e.g. 12.50.")
    if match["sign"] and not signed:
        raise CellProblem("Write this amount without a sign: the column says which way the money went.")
    pence = int(match["pounds"].replace(",", "")) * 100 + int((match["pence"] or "0").ljust(2, "0"))
    if pence > rules.MAX_LINE_PENCE:
        raise CellProblem(
            f"More than £{rules.MAX_LINE_PENCE // 100:,} on one line: is this the right column?"
        )
    return -pence if match["sign"] == "-" else pence


def parse_day(text: str, style: DateFormat, today: date) -> date:
    value = text.strip()
    try:
        if style is DateFormat.ISO:
            match = _ISO.fullmatch(value)
            if match is None:
                raise CellProblem(f"'{shown(text)}' is not a date written 2026-11-02.")
            year, month, day = (int(g) for g in match.groups())
        else:
            match = _SLASHED.fullmatch(value)
            if match is None:
                written = "02/11/2026" if style is DateFormat.DAY_MONTH_YEAR else "11/02/2026"
                raise CellProblem(f"'{shown(text)}' is not a date written {written}.")
            first, second, year = (int(g) for g in match.groups())
            day, month = (first, second) if style is DateFormat.DAY_MONTH_YEAR else (second, first)
        posted = date(year, month, day)
    except ValueError as error:
        if isinstance(error, CellProblem):
            raise
        raise CellProblem(f"'{shown(text)}' is not a day of the calendar.") from error
    if posted.year < rules.EARLIEST_LINE_YEAR:
        raise CellProblem(f"Statement lines are dated from {rules.EARLIEST_LINE_YEAR}.")
    if posted > today:
        raise CellProblem("This date is after today: a statement shows only what has happened.")
    return posted


def shown(text: str) -> str:
    """A cell quoted back in a message: short, so a message never carries a whole file."""
    return text if len(text) <= 30 else f"{text[:27]}..."


def signed_amount(text: str, money_out: MoneyOut) -> int:
    """Money out as a positive number of pence, money in negative."""
    if not text.strip():
        raise CellProblem("The amount is missing.")
    pence = parse_pence(text, signed=True)
    if pence == 0:
        raise CellProblem("An amount of 0.00 moves no money.")
    return -pence if money_out is MoneyOut.NEGATIVE else pence


def text_cell(text: str, name: str, *, required: bool) -> str:
    value = " ".join(text.split())
    if required and not value:
        raise CellProblem(f"The {LABELS.get(name, name)} is missing.")
    if len(value) > rules.TEXT_MAX:
        raise CellProblem(f"At most {rules.TEXT_MAX} characters.")
    return value


def category_cell(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if not _MCC.fullmatch(value):
        raise CellProblem("A merchant category code is four digits.")
    return value
