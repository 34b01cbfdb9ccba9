"""The balance check: does each balance a statement states follow from the one before it?

A ledger's rule: the balance after a line is the balance before it plus money in less money out, so
the closing balance is the opening balance + credits - debits. Exports list lines oldest first or
newest first; lines are walked oldest first (by date, then as listed; for a file whose dates are all
one day, whichever order agrees with more of its balances). A stated balance that disagrees is a
mismatch, reported by line number and kept on the statement; the walk then carries on from the
stated balance, so one wrong line is one mismatch, not every line after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from broker.statements import rules
from broker.statements.formats import ParsedLine


@dataclass(frozen=True)
class BalanceCheck:
    opening_pence: int
    closing_pence: int
    expected_closing_pence: int
    mismatch_lines: list[int] = field(default_factory=list)
    mismatches: int = 0

    @property
    def matches(self) -> bool:
        return self.mismatches == 0 and self.closing_pence == self.expected_closing_pence


def _walk(lines: Sequence[ParsedLine]) -> BalanceCheck | None:
    first = next((i for i, line in enumerate(lines) if line.balance_pence is not None), None)
    if first is None:
        return None
    stated = lines[first].balance_pence
    assert stated is not None
    opening = stated - sum(line.paid_in_pence - line.paid_out_pence for line in lines[: first + 1])
    running = opening
    mismatch_lines: list[int] = []
    mismatches = 0
    closing = opening
    for line in lines:
        running += line.paid_in_pence - line.paid_out_pence
        if line.balance_pence is not None:
            if line.balance_pence != running:
                mismatches += 1
                if len(mismatch_lines) < rules.MAX_MISMATCH_LINES:
                    mismatch_lines.append(line.line_number)
            running = line.balance_pence
        closing = running
    expected = opening + sum(line.paid_in_pence - line.paid_out_pence for line in lines)
    return BalanceCheck(opening, closing, expected, mismatch_lines, mismatches)


def check_balances(lines: Sequence[ParsedLine]) -> BalanceCheck | None:
    """The check of a statement's stated balances, or None when it states none."""
    if not any(line.balance_pence is not None for line in lines):
        return None
    if lines[0].posted_on > lines[-1].posted_on:
        ordered = sorted(reversed(lines), key=lambda line: line.posted_on)
    elif lines[0].posted_on == lines[-1].posted_on:
        forward, backward = _walk(lines), _walk(list(reversed(lines)))
        assert forward is not None and backward is not None
        return backward if backward.mismatches < forward.mismatches else forward
    else:
        ordered = sorted(lines, key=lambda line: line.posted_on)
    return _walk(ordered)
