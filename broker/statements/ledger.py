"""A statement against the ledger: what the service's own record of payments says the account should
hold, beside what the bank or card provider says it holds.

The statement's own balance check (`balances.py`) asks whether its balances add up; this asks whether
they agree with us. Money that left the account and was never recorded as a payment (or a payment
recorded that never left) shows as the difference. The service's side is the budget statement's
"spent" (`broker.payments.budget.spent_pence`: succeeded payments less refunds, by the start of the
period they pay for) over the statement's dates, so the two never count money differently.
"""

from __future__ import annotations

from dataclasses import dataclass

from broker.statements.models import AccountStatement


@dataclass(frozen=True)
class LedgerComparison:
    recorded_spent_pence: int
    paid_out_pence: int
    paid_in_pence: int
    opening_balance_pence: int | None
    closing_balance_pence: int | None

    @property
    def not_recorded_pence(self) -> int:
        """Money out on the statement beyond what the service recorded as spent (negative: recorded
        payments the statement does not show)."""
        return self.paid_out_pence - self.recorded_spent_pence

    @property
    def ledger_closing_balance_pence(self) -> int | None:
        """The closing balance the ledger expects: opening balance + money in - recorded spend."""
        if self.opening_balance_pence is None:
            return None
        return self.opening_balance_pence + self.paid_in_pence - self.recorded_spent_pence

    @property
    def closing_difference_pence(self) -> int | None:
        """The statement's closing balance less the ledger's (0: they agree)."""
        expected = self.ledger_closing_balance_pence
        if expected is None or self.closing_balance_pence is None:
            return None
        return self.closing_balance_pence - expected


def compare_with_ledger(statement: AccountStatement, recorded_spent_pence: int) -> LedgerComparison:
    """`recorded_spent_pence` is `spent_pence` over the statement's dates (read in batches for a
    page of statements: `spent_pence_in_periods`)."""
    return LedgerComparison(
        recorded_spent_pence=recorded_spent_pence,
        paid_out_pence=statement.paid_out_pence,
        paid_in_pence=statement.paid_in_pence,
        opening_balance_pence=statement.opening_balance_pence,
        closing_balance_pence=statement.closing_balance_pence,
    )
