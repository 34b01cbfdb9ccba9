"""Reading a DP account statement export: the named formats, a column mapping, and the parser.

Every format is a CSV file with a header row; columns are found by their header (case and spaces
around it do not matter), so extra columns and any column order are fine.

- PREPAID_CARD (a pre-paid card's transaction export): Date, Merchant, MCC, Amount, Reference.
  Dates 2026-11-02 (a time after the date is ignored); Amount is what the card paid: spending
  positive, loads and refunds negative.
- BANK_CSV: Date, Payee, Amount, Reference, and Balance if the bank gives it. Dates 2026-11-02;
  Amount signed: money out negative, money in positive.
- BANK_PAID_OUT_PAID_IN (the UK high-street bank export): Date, Description, Paid out, Paid in,
  and Balance and Reference if given. Dates 02/11/2026; amounts unsigned in their two columns,
  `£` and thousands commas allowed.
- CUSTOM: your own headers, named in a column mapping; ISO, DD/MM/YYYY or MM/DD/YYYY dates; one
  signed amount column (saying which sign is money out) or unsigned paid out / paid in columns.

Amounts become exact whole pence from their digits (never through a float): `12.5`, `£1,234.56` and
`-0.99` are amounts, `1e309`, `NaN`, `12.345` and `£` are not. A statement with any bad line imports
nothing: every problem is reported with its line number and column (the first MAX_REPORTED_PROBLEMS,
and how many more).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from broker.errors import ErrorCode, FieldError, InvalidInput
from broker.hygiene import text_problem
from broker.statements import rules
from broker.statements.cells import (
    LABELS,
    CellProblem,
    DateFormat,
    MoneyOut,
    category_cell,
    parse_day,
    parse_pence,
    shown,
    signed_amount,
    text_cell,
)
from broker.statements.models import StatementFormat


@dataclass(frozen=True)
class ColumnMapping:
    """Which header holds each field. Give `amount` (one signed column) or `paid_out` and/or
    `paid_in` (unsigned columns); `reference`, `merchant_category_code` and `balance` are optional."""

    date: str
    payee: str
    amount: str | None = None
    paid_out: str | None = None
    paid_in: str | None = None
    reference: str | None = None
    merchant_category_code: str | None = None
    balance: str | None = None
    date_format: DateFormat = DateFormat.ISO
    money_out: MoneyOut = MoneyOut.NEGATIVE

    def headers(self) -> dict[str, str]:
        """Field name → header, for the fields given."""
        names = ("date", "payee", "amount", "paid_out", "paid_in", "reference", "merchant_category_code")
        found = {name: getattr(self, name) for name in (*names, "balance")}
        return {name: header for name, header in found.items() if header is not None}


# Which fields a layout must find in the header; the others may be absent.
REQUIRED: dict[StatementFormat, frozenset[str]] = {
    StatementFormat.PREPAID_CARD: frozenset(
        {"date", "payee", "merchant_category_code", "amount", "reference"}
    ),
    StatementFormat.BANK_CSV: frozenset({"date", "payee", "amount", "reference"}),
    StatementFormat.BANK_PAID_OUT_PAID_IN: frozenset({"date", "payee", "paid_out", "paid_in"}),
}

NAMED: dict[StatementFormat, ColumnMapping] = {
    StatementFormat.PREPAID_CARD: ColumnMapping(
        date="Date",
        payee="Merchant",
        merchant_category_code="MCC",
        amount="Amount",
        reference="Reference",
        money_out=MoneyOut.POSITIVE,
    ),
    StatementFormat.BANK_CSV: ColumnMapping(
        date="Date", payee="Payee", amount="Amount", reference="Reference", balance="Balance"
    ),
    StatementFormat.BANK_PAID_OUT_PAID_IN: ColumnMapping(
        date="Date",
        payee="Description",
        paid_out="Paid out",
        paid_in="Paid in",
        balance="Balance",
        reference="Reference",
        date_format=DateFormat.DAY_MONTH_YEAR,
    ),
}


def layout_for(
    format: StatementFormat, mapping: ColumnMapping | None
) -> tuple[ColumnMapping, frozenset[str]]:
    """The columns to read and which of them must be present, for a named format or a CUSTOM mapping."""
    if format is not StatementFormat.CUSTOM:
        if mapping is not None:
            raise InvalidInput(
                f"{format.value} has its own columns; a column mapping goes with the CUSTOM format.",
                field="column_mapping",
            )
        return NAMED[format], REQUIRED[format]
    if mapping is None:
        raise InvalidInput(
            "A CUSTOM statement needs a column mapping.", field="column_mapping", code=ErrorCode.REQUIRED
        )
    problems: list[FieldError] = []
    headers = mapping.headers()
    for name, header in headers.items():
        if not header.strip():
            column = name.replace("_", " ")
            problems.append(
                FieldError(
                    f"column_mapping.{name}",
                    f"Enter the header of the {column} column, as the file's first row has it.",
                    ErrorCode.REQUIRED,
                )
            )
        elif len(header) > rules.HEADER_MAX:
            problems.append(
                FieldError(
                    f"column_mapping.{name}", f"At most {rules.HEADER_MAX} characters.", ErrorCode.TOO_LONG
                )
            )
    if mapping.amount is not None and (mapping.paid_out is not None or mapping.paid_in is not None):
        problems.append(
            FieldError(
                "column_mapping.amount",
                "Give one signed amount column, or paid out and paid in columns, not both.",
                ErrorCode.INVALID,
            )
        )
    if mapping.amount is None and mapping.paid_out is None and mapping.paid_in is None:
        problems.append(
            FieldError(
                "column_mapping.amount",
                "Name the amount column, or the paid out and paid in columns.",
                ErrorCode.REQUIRED,
            )
        )
    seen: dict[str, str] = {}
    for name, header in headers.items():
        key = _header_key(header)
        if key and key in seen:
            problems.append(
                FieldError(
                    f"column_mapping.{name}",
                    f"This column is already mapped to the {LABELS[seen[key]]}.",
                    ErrorCode.DUPLICATE,
                )
            )
        seen.setdefault(key, name)
    if problems:
        raise InvalidInput(errors=problems)
    return mapping, frozenset(headers)


@dataclass
class ParsedLine:
    """One transaction as read, with the identity that makes re-importing it change nothing."""

    line_number: int
    posted_on: date
    payee: str
    reference: str
    merchant_category_code: str | None
    paid_out_pence: int
    paid_in_pence: int
    balance_pence: int | None
    ordinal: int = 0
    key: str = ""

    def identity(self) -> str:
        """The line's content, normalised: date, payee, reference, category and money (not the
        running balance, so the same account exported another way finds the same lines)."""
        return "|".join(
            (
                self.posted_on.isoformat(),
                _normalise(self.payee),
                _normalise(self.reference),
                self.merchant_category_code or "",
                str(self.paid_out_pence),
                str(self.paid_in_pence),
            )
        )


@dataclass
class ParsedStatement:
    lines: list[ParsedLine]
    has_balances: bool
    content_key: str = ""
    problems: list[FieldError] = field(default_factory=list)

    @property
    def first_date(self) -> date:
        return min(line.posted_on for line in self.lines)

    @property
    def last_date(self) -> date:
        return max(line.posted_on for line in self.lines)


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _header_key(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").casefold().split())


def check_size(text: str) -> None:
    """Refuses a file too big to read before any of it is read."""
    if len(text) > rules.MAX_FILE_CHARACTERS:
        raise InvalidInput(
            f"A statement file is at most {rules.MAX_FILE_CHARACTERS:,} characters; split it by date.",
            field="file",
            code=ErrorCode.TOO_LONG,
        )
    if text.count("\n") > rules.MAX_LINES + 1:
        raise InvalidInput(
            f"A statement file is at most {rules.MAX_LINES:,} lines; split it by date.",
            field="file",
            code=ErrorCode.TOO_LONG,
        )


def _text_problems(text: str) -> Iterator[FieldError]:
    """NUL characters and lone surrogates, by line (PostgreSQL and UTF-8 cannot hold them)."""
    if text_problem(text) is None:
        return
    for number, physical in enumerate(text.split("\n"), start=1):
        if (message := text_problem(physical)) is not None:
            yield FieldError(f"file.{number}", f"Line {number}: {message}", ErrorCode.INVALID)


class _Problems:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.more = 0

    def add(self, number: int, name: str | None, header: str | None, message: str) -> None:
        if len(self.errors) >= rules.MAX_REPORTED_PROBLEMS:
            self.more += 1
            return
        where = f"Line {number}, column '{shown(header)}'" if header else f"Line {number}"
        path = f"file.{number}.{name}" if name else f"file.{number}"
        self.errors.append(FieldError(path, f"{where}: {message}", ErrorCode.INVALID))

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        errors = list(self.errors)
        if self.more:
            errors.append(
                FieldError(
                    "file", f"... and {self.more:,} more problems; nothing was imported.", ErrorCode.INVALID
                )
            )
        raise InvalidInput(errors=errors)


def parse_statement(
    text: str,
    mapping: ColumnMapping,
    required: frozenset[str],
    *,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> ParsedStatement:
    """Every line of the file, or InvalidInput naming each bad line and column (nothing is partly read)."""
    check_size(text)
    problems = list(_text_problems(text))
    if problems:
        raise InvalidInput(errors=problems[: rules.MAX_REPORTED_PROBLEMS])
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    found = _Problems()
    header: list[str] | None = None
    columns: dict[str, int] = {}
    lines: list[ParsedLine] = []
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                columns = _find_columns(header, mapping, required, number)
                continue
            line = _read_row(row, number, columns, mapping, header, today, found)
            if line is not None:
                lines.append(line)
            if progress is not None and len(lines) % 5_000 == 0:
                progress(len(lines))
    except csv.Error as error:
        found.add(reader.line_num, None, None, f"this is not CSV a spreadsheet can read ({error}).")
    found.raise_if_any()
    if not lines:
        raise InvalidInput("The statement has no transactions under its header.", field="file")
    has_balances = any(line.balance_pence is not None for line in lines)
    statement = ParsedStatement(lines=lines, has_balances=has_balances)
    _identify(statement)
    return statement


def _find_columns(
    header: Sequence[str], mapping: ColumnMapping, required: frozenset[str], number: int
) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        positions.setdefault(_header_key(cell), index)
    columns: dict[str, int] = {}
    missing: list[str] = []
    for name, wanted in mapping.headers().items():
        position = positions.get(_header_key(wanted))
        if position is not None:
            columns[name] = position
        elif name in required:
            missing.append(wanted)
    if missing:
        names = ", ".join(f"'{shown(m)}'" for m in missing)
        raise InvalidInput(
            f"Line {number}: the header has no {names} column; is this the right format?",
            field=f"file.{number}",
        )
    return columns


def _read_row(
    row: Sequence[str],
    number: int,
    columns: dict[str, int],
    mapping: ColumnMapping,
    header: Sequence[str],
    today: date,
    found: _Problems,
) -> ParsedLine | None:
    values: dict[str, object] = {}
    bad = False

    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else ""

    def read(name: str, convert: Callable[[str], object]) -> None:
        nonlocal bad
        try:
            values[name] = convert(cell(name))
        except CellProblem as problem:
            bad = True
            found.add(number, name, header[columns[name]] if name in columns else None, str(problem))

    if len(row) < len(header) and max(columns.values()) >= len(row):
        found.add(number, None, None, f"it has {len(row)} cells where the header has {len(header)}.")
        return None
    read("date", lambda text: parse_day(text, mapping.date_format, today))
    read("payee", lambda text: text_cell(text, "payee", required=True))
    read("reference", lambda text: text_cell(text, "reference", required=False))
    read("merchant_category_code", category_cell)
    read("balance", lambda text: parse_pence(text, signed=True) if text.strip() else None)
    if "amount" in columns:
        read("amount", lambda text: signed_amount(text, mapping.money_out))
    else:
        read("paid_out", lambda text: parse_pence(text, signed=False) if text.strip() else 0)
        read("paid_in", lambda text: parse_pence(text, signed=False) if text.strip() else 0)
    if bad:
        return None
    if "amount" in columns:
        amount = values["amount"]
        assert isinstance(amount, int)
        paid_out, paid_in = (amount, 0) if amount > 0 else (0, -amount)
    else:
        out, into = values.get("paid_out", 0), values.get("paid_in", 0)
        assert isinstance(out, int) and isinstance(into, int)
        paid_out, paid_in = out, into
        if paid_out and paid_in:
            found.add(number, "paid_in", None, "money went both out and in on one line; give each its own.")
            return None
        if not paid_out and not paid_in:
            found.add(number, "paid_out", None, "no money went out or in on this line.")
            return None
    posted_on, payee, reference = values["date"], values["payee"], values["reference"]
    balance, category = values["balance"], values["merchant_category_code"]
    assert isinstance(posted_on, date) and isinstance(payee, str) and isinstance(reference, str)
    assert balance is None or isinstance(balance, int)
    assert category is None or isinstance(category, str)
    return ParsedLine(
        line_number=number,
        posted_on=posted_on,
        payee=payee,
        reference=reference,
        merchant_category_code=category,
        paid_out_pence=paid_out,
        paid_in_pence=paid_in,
        balance_pence=balance,
    )


def _identify(statement: ParsedStatement) -> None:
    """Each line's key: a digest of its normalised content and its ordinal among identical lines of
    the file (two £4.50 coffees on one day are two lines, the same two in an overlapping export are
    the same two). The statement's own key is a digest of its lines' keys."""
    seen: dict[str, int] = {}
    whole = hashlib.sha256()
    for line in statement.lines:
        identity = line.identity()
        line.ordinal = seen.get(identity, 0)
        seen[identity] = line.ordinal + 1
        line.key = hashlib.sha256(f"{identity}|{line.ordinal}".encode()).hexdigest()
        whole.update(line.key.encode())
    statement.content_key = whole.hexdigest()
