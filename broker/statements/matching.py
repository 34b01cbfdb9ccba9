"""The reconciliation rule: what one statement line is, against the DP holder's payments and agreements.

Lines are taken oldest first (by date, then file line). For each, in this order, the first check
that applies decides:

1. Money in (a council payment into the account, a refund): MONEY_IN, nothing to reconcile.
2. A merchant category code the holder's council blocks (`broker.agreements.cards.blocked_categories`,
   the one list the card check also reads): BLOCKED_CATEGORY, whatever it paid for; a broker may
   allow it (a council exception).
3. A recorded payment of this holder, not yet matched to another line, for exactly this amount, left
   the account in its window (PAYMENT_EARLY_DAYS before its period to PAYMENT_LATE_DAYS after), and
   either the line's reference or payee carries the payment's own key or gateway reference, or the
   payee names the payment's provider (`broker.statements.payees`): MATCHED to that payment. Among
   several, a reference match first, then the nearest period end, then the earliest recorded.
4. No agreement of this holder with a provider the payee names: UNMATCHED (the audit's
   OUTSIDE_AGREEMENT). Among several that it names, the one running on the day first, then the
   closest name, the latest start, the lowest ID.
5. That agreement never started (PROPOSED, CANCELLED), or started after the line's date: UNMATCHED.
6. The line is dated more than FINAL_INVOICE_DAYS after the agreement's end: AFTER_AGREEMENT_ENDED.
7. The amount is more than the agreed hours at the agreed rate for the days it pays for (those since
   the agreement's previous line, or its start; SHORTEST_PAY_DAYS to five weeks), plus the 10% for
   shifts that ran over and the rounding tolerance recorded payments have (broker.payments.rules):
   ABOVE_AGREED_RATE.
8. Otherwise MATCHED to the agreement (no payment was recorded for it).

Pure: given the same lines, payments, agreements and list, the same answer, with no query per line.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from broker.payments import rules as payment_rules
from broker.statements import rules
from broker.statements.formats import ParsedLine
from broker.statements.models import LineStatus
from broker.statements.payees import similarity


@dataclass(frozen=True)
class AgreementTerms:
    id: int
    provider_name: str
    started: bool
    status: str
    start_date: date
    end_date: date | None
    hours_per_week: float
    hourly_rate_pence: int


@dataclass(frozen=True)
class RecordedPayment:
    id: int
    agreement_id: int
    provider_name: str
    amount_pence: int
    period_start: date
    period_end: date
    references: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    status: LineStatus
    message: str
    payment_id: int | None = None
    agreement_id: int | None = None


def _money(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def _day(day: date) -> str:
    return f"{day:%-d %b %Y}"


def _exact(value: float) -> Fraction:
    return Fraction(str(value))


def _allowed_pence(agreement: AgreementTerms, days: int) -> int:
    """The most `days` of the agreement may cost, exactly (hours are decimals, never binary floats):
    hours x rate x days / 7, plus the overrun share, plus the payments' rounding tolerance."""
    agreed = _exact(agreement.hours_per_week) * agreement.hourly_rate_pence * days / 7
    tolerance = max(Fraction(payment_rules.TOLERANCE_PENCE), _exact(payment_rules.TOLERANCE_SHARE) * agreed)
    return math.ceil(agreed * _exact(payment_rules.AGREED_HOURS_SHARE) + tolerance)


class Reconciler:
    """Reconciles one holder's lines; remembers which payments it has matched and when each agreement
    was last paid, so lines must be given oldest first (`reconcile_all` sorts them)."""

    def __init__(
        self,
        *,
        agreements: Iterable[AgreementTerms],
        payments: Iterable[RecordedPayment],
        blocked: Mapping[str, str],
        last_paid: Mapping[int, date] | None = None,
    ) -> None:
        self.agreements = sorted(agreements, key=lambda a: a.id)
        self.blocked = dict(blocked)
        self.last_paid: dict[int, date] = dict(last_paid or {})
        self.by_amount: dict[int, list[RecordedPayment]] = defaultdict(list)
        for payment in sorted(payments, key=lambda p: (p.period_start, p.id)):
            self.by_amount[payment.amount_pence].append(payment)
        self.used: set[int] = set()
        self.terms = {a.id: a for a in self.agreements}

    def reconcile_all(self, lines: Iterable[ParsedLine]) -> dict[int, Finding]:
        """Findings by file line number."""
        ordered = sorted(lines, key=lambda line: (line.posted_on, line.line_number))
        return {line.line_number: self.reconcile(line) for line in ordered}

    def reconcile(self, line: ParsedLine) -> Finding:
        if line.paid_out_pence == 0:
            return Finding(LineStatus.MONEY_IN, "Money paid in: nothing to reconcile.")
        code = line.merchant_category_code
        if code is not None and code in self.blocked:
            label = f" ({self.blocked[code]})" if self.blocked[code] else ""
            return Finding(
                LineStatus.BLOCKED_CATEGORY,
                f"Paid under merchant category {code}{label}, which the council's DP rules block.",
            )
        payment = self._payment_for(line)
        if payment is not None:
            self.used.add(payment.id)
            self._paid(payment.agreement_id, line.posted_on)
            return Finding(
                LineStatus.MATCHED,
                f"The payment of {_money(payment.amount_pence)} to {payment.provider_name} for "
                f"{_day(payment.period_start)} to {_day(payment.period_end)}.",
                payment_id=payment.id,
                agreement_id=payment.agreement_id,
            )
        agreement = self._agreement_for(line)
        if agreement is None:
            return Finding(
                LineStatus.UNMATCHED, "No agreement of this person's is with a provider of this name."
            )
        return self._against(line, agreement)

    def _against(self, line: ParsedLine, agreement: AgreementTerms) -> Finding:
        name = agreement.provider_name
        if not agreement.started:
            return Finding(
                LineStatus.UNMATCHED,
                f"The agreement with {name} is {agreement.status}: nothing was agreed to be paid.",
                agreement_id=agreement.id,
            )
        if line.posted_on < agreement.start_date:
            return Finding(
                LineStatus.UNMATCHED,
                f"Paid on {_day(line.posted_on)}, before the agreement with {name} began on "
                f"{_day(agreement.start_date)}.",
                agreement_id=agreement.id,
            )
        end = agreement.end_date
        if end is not None and line.posted_on > end + timedelta(days=rules.FINAL_INVOICE_DAYS):
            return Finding(
                LineStatus.AFTER_AGREEMENT_ENDED,
                f"Paid on {_day(line.posted_on)}, after the agreement with {name} ended on {_day(end)}.",
                agreement_id=agreement.id,
            )
        since = self.last_paid.get(agreement.id, agreement.start_date)
        self._paid(agreement.id, line.posted_on)
        days = min(max((line.posted_on - since).days, rules.SHORTEST_PAY_DAYS), payment_rules.MAX_PERIOD_DAYS)
        allowed = _allowed_pence(agreement, days)
        if line.paid_out_pence > allowed:
            return Finding(
                LineStatus.ABOVE_AGREED_RATE,
                f"{_money(line.paid_out_pence)} for {days} days is more than {agreement.hours_per_week:g} "
                f"hours a week at the agreed {_money(agreement.hourly_rate_pence)} an hour allow "
                f"({_money(allowed)}).",
                agreement_id=agreement.id,
            )
        return Finding(
            LineStatus.MATCHED,
            f"Paid to {name} under the agreement; no payment was recorded for it.",
            agreement_id=agreement.id,
        )

    def _paid(self, agreement_id: int, day: date) -> None:
        if day > self.last_paid.get(agreement_id, date.min):
            self.last_paid[agreement_id] = day

    def _payment_for(self, line: ParsedLine) -> RecordedPayment | None:
        best: tuple[tuple[int, int, int], RecordedPayment] | None = None
        text = f"{line.reference} {line.payee}".casefold()
        for payment in self.by_amount.get(line.paid_out_pence, ()):
            if payment.id in self.used:
                continue
            earliest = payment.period_start - timedelta(days=rules.PAYMENT_EARLY_DAYS)
            latest = payment.period_end + timedelta(days=rules.PAYMENT_LATE_DAYS)
            if not earliest <= line.posted_on <= latest:
                continue
            by_reference = any(
                len(ref) >= rules.REFERENCE_MIN and ref.casefold() in text for ref in payment.references
            )
            if not by_reference and similarity(line.payee, payment.provider_name) < rules.PAYEE_MATCH:
                continue
            rank = (0 if by_reference else 1, abs((line.posted_on - payment.period_end).days), payment.id)
            if best is None or rank < best[0]:
                best = (rank, payment)
        return best[1] if best else None

    def _agreement_for(self, line: ParsedLine) -> AgreementTerms | None:
        best: tuple[tuple[int, float, int, int], AgreementTerms] | None = None
        for agreement in self.agreements:
            score = similarity(line.payee, agreement.provider_name)
            if score < rules.PAYEE_MATCH:
                continue
            end = agreement.end_date
            running = (
                agreement.started
                and agreement.start_date <= line.posted_on
                and (end is None or line.posted_on <= end + timedelta(days=rules.FINAL_INVOICE_DAYS))
            )
            rank = (0 if running else 1, -score, -agreement.start_date.toordinal(), agreement.id)
            if best is None or rank < best[0]:
                best = (rank, agreement)
        return best[1] if best else None
