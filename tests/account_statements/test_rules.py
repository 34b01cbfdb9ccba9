"""The dense rules on their own: amounts to exact pence, payee names, and the balance walk."""

from __future__ import annotations

from datetime import date

import pytest

from broker.statements.balances import check_balances
from broker.statements.cells import CellProblem, parse_pence
from broker.statements.formats import ParsedLine
from broker.statements.payees import similarity
from broker.statements.rules import PAYEE_MATCH


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("12.50", 1_250),
        ("12.5", 1_250),
        ("-0.99", -99),
        ("+3", 300),
        ("£1,234.56", 123_456),
        (" -£ 10.01 ", -1_001),
        ("0.1", 10),
        ("1000000.00", 100_000_000),
        ("0.07", 7),  # 0.07 * 100 is 7.000000000000001 in binary floating point
        ("4.35", 435),  # and 4.35 * 100 is 434.99999999999994
    ],
)
def test_amounts_become_exact_pence(text, pence):
    assert parse_pence(text, signed=True) == pence


@pytest.mark.parametrize(
    "text", ["1e3", "NaN", "Infinity", "1,23.00", "12.345", "£", "", "--1", "1.2.3", "١٢"]
)
def test_what_is_not_money_is_refused(text):
    with pytest.raises(CellProblem):
        parse_pence(text, signed=True)


@pytest.mark.parametrize(
    ("payee", "provider", "names"),
    [
        ("JO BLOGGS", "Jo Bloggs", True),
        ("SQ *JO BLOGGS", "Jo Bloggs", True),
        ("JO BLOGGS INV 114", "Jo Bloggs", True),
        ("BRIGHTER HOMECA", "Brighter Homecare Ltd", True),
        ("Brighter Homecare Limited", "Brighter Homecare Ltd", True),
        ("Jo Blogs", "Jo Bloggs", True),
        ("JO", "Jo Bloggs", False),
        ("Sunny Holidays", "Jo Bloggs", False),
        ("Kim Care", "Jim Care Ltd", False),
        ("", "Jo Bloggs", False),
    ],
)
def test_a_payee_names_a_provider_fuzzily_and_always_the_same_way(payee, provider, names):
    assert (similarity(payee, provider) >= PAYEE_MATCH) is names
    assert similarity(payee, provider) == similarity(payee, provider)


def _line(n: int, day: int, out: int, into: int, balance: int | None) -> ParsedLine:
    return ParsedLine(n, date(2026, 11, day), "x", "", None, out, into, balance)


def test_balances_are_walked_oldest_first_whichever_way_the_file_lists_them():
    oldest_first = [_line(2, 1, 0, 1_000, 1_500), _line(3, 2, 200, 0, 1_300), _line(4, 3, 300, 0, 1_000)]
    newest_first = [_line(2, 3, 300, 0, 1_000), _line(3, 2, 200, 0, 1_300), _line(4, 1, 0, 1_000, 1_500)]

    for lines in (oldest_first, newest_first):
        check = check_balances(lines)
        assert check is not None
        assert (check.opening_pence, check.closing_pence, check.expected_closing_pence) == (500, 1_000, 1_000)
        assert check.matches


def test_one_day_of_lines_newest_first_is_walked_the_way_its_balances_agree():
    newest_first = [_line(2, 5, 300, 0, 1_000), _line(3, 5, 200, 0, 1_300), _line(4, 5, 0, 1_000, 1_500)]

    check = check_balances(newest_first)

    assert check is not None and check.matches
    assert check.opening_pence == 500


def test_a_statement_without_balances_has_no_check():
    assert check_balances([_line(2, 1, 100, 0, None)]) is None
