"""What a payment or a refund must say to be recorded, checked without looking anything up.

Problems name the command's Python fields (`period_end`, `idempotency_key`); the GraphQL layer maps
them to `input.periodEnd`, the CLI would print them as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from broker.agreements.models import Agreement
from broker.errors import ErrorCode, InvalidInput, Problems
from broker.payments import rules
from broker.payments.models import PaymentMethod


@dataclass(frozen=True)
class PaymentFields:
    """The command to record one payment under an agreement, for one period."""

    agreement_id: int
    period_start: date
    period_end: date
    hours: float
    amount_pence: int
    method: str
    idempotency_key: str
    card_payment_method_id: str | None = None
    supplementary: bool = False
    supplementary_reason: str | None = None
    timesheet_id: int | None = None


@dataclass(frozen=True)
class RefundFields:
    """The command to return some (`amount_pence`) or, without it, all that is left of a payment."""

    payment_id: int
    reason: str
    idempotency_key: str
    amount_pence: int | None = None


def check_key(key: str, field: str = "idempotency_key") -> str:
    """The idempotency key without surrounding spaces, if it has 1 to IDEMPOTENCY_KEY_MAX characters."""
    key = key.strip()
    if not 1 <= len(key) <= rules.IDEMPOTENCY_KEY_MAX:
        raise InvalidInput(
            f"An idempotency key is 1 to {rules.IDEMPOTENCY_KEY_MAX} characters.",
            field=field,
            code=ErrorCode.OUT_OF_RANGE,
        )
    return key


def parse_method(text: str, problems: Problems) -> PaymentMethod | None:
    try:
        return PaymentMethod(text.strip().upper())
    except ValueError:
        names = ", ".join(m.value for m in PaymentMethod)
        problems.add("method", f"A payment method is one of {names}.", ErrorCode.UNKNOWN_CODE)
        return None


def validate_payment(
    fields: PaymentFields, agreement: Agreement, today: date
) -> tuple[PaymentMethod | None, Problems]:
    """Every problem with a payment for `agreement`, collected (nothing is looked up here)."""
    problems = Problems()
    method = parse_method(fields.method, problems)
    _check_period(fields.period_start, fields.period_end, agreement, today, problems)
    start, end = fields.period_start, fields.period_end
    days = (end - start).days + 1 if end >= start else None
    hours_ok = check_hours(fields.hours, days, agreement, problems)
    if fields.amount_pence <= 0:
        problems.add(
            "amount_pence",
            "An amount must be more than £0; amounts are in pence.",
            ErrorCode.OUT_OF_RANGE,
        )
    elif hours_ok:
        expected = fields.hours * agreement.hourly_rate_pence
        if abs(fields.amount_pence - expected) > rules.tolerance_pence(expected):
            problems.add(
                "amount_pence",
                f"£{fields.amount_pence / 100:,.2f} does not match {fields.hours:g} hours at the agreed "
                f"£{agreement.hourly_rate_pence / 100:.2f} an hour (£{expected / 100:,.2f}).",
                ErrorCode.OUT_OF_RANGE,
            )
    if method is PaymentMethod.CARD and not (fields.card_payment_method_id or "").strip():
        problems.add(
            "card_payment_method_id",
            "A card payment needs the card (a Stripe payment method).",
            ErrorCode.REQUIRED,
        )
    _check_supplementary(fields.supplementary, fields.supplementary_reason, problems)
    return method, problems


def _check_period(start: date, end: date, agreement: Agreement, today: date, problems: Problems) -> None:
    """A period runs forwards, for at most MAX_PERIOD_DAYS, inside the agreement, and has begun."""
    if end < start:
        problems.add("period_end", "A period cannot end before it starts.", ErrorCode.OUT_OF_RANGE)
        return
    if (end - start).days + 1 > rules.MAX_PERIOD_DAYS:
        problems.add(
            "period_end",
            f"A payment covers at most {rules.MAX_PERIOD_DAYS} days; record one payment a pay period.",
            ErrorCode.OUT_OF_RANGE,
        )
    if start < agreement.start_date:
        problems.add(
            "period_start",
            f"The agreement starts on {agreement.start_date:%-d %B %Y}; this period is before it.",
            ErrorCode.OUT_OF_RANGE,
        )
    if agreement.end_date is not None and end > agreement.end_date:
        problems.add(
            "period_end",
            f"The agreement ends on {agreement.end_date:%-d %B %Y}; this period runs past it.",
            ErrorCode.OUT_OF_RANGE,
        )
    if start > today:
        problems.add("period_start", "Care in this period has not started yet.", ErrorCode.OUT_OF_RANGE)


def _check_supplementary(supplementary: bool, reason_text: str | None, problems: Problems) -> None:
    reason = (reason_text or "").strip()
    if supplementary and not reason:
        problems.add("supplementary_reason", "Say why these days are paid again.", ErrorCode.REQUIRED)
    elif reason and not supplementary:
        problems.add(
            "supplementary_reason",
            "Only a supplementary payment has a reason; set `supplementary` to pay days again.",
            ErrorCode.INVALID,
        )
    elif len(reason) > rules.REASON_MAX:
        problems.add("supplementary_reason", f"At most {rules.REASON_MAX} characters.", ErrorCode.TOO_LONG)


def check_hours(hours: float, days: int | None, agreement: Agreement, problems: Problems) -> bool:
    """Hours are finite, at least `rules.MIN_HOURS`, and no more than the period (every hour of every
    day) and the agreement (`rules.agreed_hours`) can hold; says whether they are."""
    if not math.isfinite(hours) or hours <= 0:
        problems.add("hours", "Hours must be more than 0.", ErrorCode.OUT_OF_RANGE)
        return False
    if hours < rules.MIN_HOURS:
        problems.add(
            "hours",
            f"A payment is for at least {rules.MIN_HOURS:g} hours (a quarter of an hour).",
            ErrorCode.OUT_OF_RANGE,
        )
        return False
    if days is None:
        return True
    most = rules.period_hours(days)
    if hours > most:
        problems.add(
            "hours",
            f"{days} {'days hold' if days > 1 else 'day holds'} at most {most:g} hours; "
            f"{hours:g} cannot be right.",
            ErrorCode.OUT_OF_RANGE,
        )
        return False
    agreed = rules.agreed_hours(agreement.hours_per_week, days)
    if hours > agreed:
        problems.add(
            "hours",
            f"The agreement is for {agreement.hours_per_week:g} hours a week: at most {agreed:g} hours "
            f"for these {days} days ({rules.AGREED_HOURS_SHARE - 1:.0%} over included).",
            ErrorCode.OUT_OF_RANGE,
        )
        return False
    return True


def left_to_refund(remaining: int) -> str:
    return f"At most £{remaining / 100:,.2f} of this payment is left to refund."


def validate_refund(amount: int, remaining: int, reason: str) -> tuple[str, Problems]:
    """The reason as recorded, and every problem with refunding `amount` of the `remaining` pence."""
    problems = Problems()
    if amount <= 0:
        problems.add(
            "amount_pence", "A refund must be more than £0; amounts are in pence.", ErrorCode.OUT_OF_RANGE
        )
    elif amount > remaining:
        problems.add("amount_pence", left_to_refund(remaining), ErrorCode.OUT_OF_RANGE)
    text = reason.strip()
    if not text:
        problems.add("reason", "Say why the money is returned.", ErrorCode.REQUIRED)
    elif len(text) > rules.REASON_MAX:
        problems.add("reason", f"At most {rules.REASON_MAX} characters.", ErrorCode.TOO_LONG)
    return text, problems
