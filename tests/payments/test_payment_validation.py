"""`validate_payment` on its own (no database): hours, period, method, amount and supplementary
payments, each problem named by the command's Python field."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from broker.agreements.models import Agreement, AgreementStatus
from broker.errors import ErrorCode, InvalidInput
from broker.payments import rules
from broker.payments.models import PaymentMethod
from broker.payments.validation import PaymentFields, check_key, validate_payment, validate_refund

TODAY = date(2026, 12, 1)
AGREEMENT = Agreement(
    id=1,
    council_id=1,
    holder_id=1,
    plan_id=1,
    provider_id=1,
    status=AgreementStatus.ACTIVE,
    hours_per_week=10,
    hourly_rate_pence=1450,
    start_date=date(2026, 4, 6),
    end_date=date(2027, 4, 4),
    created_by_id=1,
)
WEEK = PaymentFields(
    agreement_id=1,
    period_start=date(2026, 11, 2),
    period_end=date(2026, 11, 8),
    hours=10,
    amount_pence=14_500,
    method="bank_transfer",
    idempotency_key="k-1",
)


def problems(fields: PaymentFields, agreement: Agreement = AGREEMENT) -> list[tuple[str | None, ErrorCode]]:
    _, found = validate_payment(fields, agreement, TODAY)
    return [(e.field, e.code) for e in found.errors]


def test_a_week_as_agreed_has_no_problem_and_its_method_is_parsed():
    method, found = validate_payment(WEEK, AGREEMENT, TODAY)
    assert method is PaymentMethod.BANK_TRANSFER
    assert not found


def test_an_unknown_method_is_named():
    assert problems(replace(WEEK, method="CHEQUE")) == [("method", ErrorCode.UNKNOWN_CODE)]


def test_a_card_payment_needs_the_card():
    assert problems(replace(WEEK, method="CARD")) == [("card_payment_method_id", ErrorCode.REQUIRED)]
    assert problems(replace(WEEK, method="CARD", card_payment_method_id="pm_card_visa")) == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 8), date(2026, 11, 2), [("period_end", ErrorCode.OUT_OF_RANGE)]),
        (date(2026, 10, 1), date(2026, 11, 5), [("period_end", ErrorCode.OUT_OF_RANGE)]),
        (date(2026, 4, 1), date(2026, 4, 7), [("period_start", ErrorCode.OUT_OF_RANGE)]),
        (date(2026, 12, 2), date(2026, 12, 8), [("period_start", ErrorCode.OUT_OF_RANGE)]),
    ],
    ids=["backwards", "over-35-days", "before-the-agreement", "not-begun"],
)
def test_a_period_runs_forwards_for_at_most_35_days_inside_the_agreement_and_has_begun(start, end, expected):
    hours = 1 if end < start else 10
    fields = replace(WEEK, period_start=start, period_end=end, hours=hours, amount_pence=hours * 1450)
    assert problems(fields) == expected


def test_a_period_running_past_the_agreements_end_is_refused():
    ended = replace_agreement(end_date=date(2026, 11, 5))
    assert problems(WEEK, ended) == [("period_end", ErrorCode.OUT_OF_RANGE)]


def test_35_days_is_the_longest_period():
    start = date(2026, 10, 1)
    end = date(2026, 11, 4)
    assert (end - start).days + 1 == rules.MAX_PERIOD_DAYS
    fields = replace(WEEK, period_start=start, period_end=end, hours=40, amount_pence=40 * 1450)
    assert problems(fields) == []


@pytest.mark.parametrize("hours", [0, -1, 0.2, float("nan"), float("inf"), 24 * 7 + 1, 11.5], ids=str)
def test_hours_are_at_least_a_quarter_and_at_most_what_the_period_and_agreement_hold(hours):
    assert problems(replace(WEEK, hours=hours, amount_pence=14_500)) == [("hours", ErrorCode.OUT_OF_RANGE)]


def test_ten_percent_over_the_agreed_hours_is_allowed():
    assert problems(replace(WEEK, hours=11, amount_pence=11 * 1450)) == []
    assert problems(replace(WEEK, hours=0.25, amount_pence=363)) == []


def test_the_amount_must_match_hours_at_the_agreed_rate_within_a_pound_or_one_percent():
    # £145 expected: 1% (£1.45) is more than £1, so £1.45 either way is rounding.
    assert problems(replace(WEEK, amount_pence=14_645)) == []
    assert problems(replace(WEEK, amount_pence=14_355)) == []
    assert problems(replace(WEEK, amount_pence=14_646)) == [("amount_pence", ErrorCode.OUT_OF_RANGE)]
    # £3.625 expected for a quarter of an hour: £1 either way.
    assert problems(replace(WEEK, hours=0.25, amount_pence=462)) == []
    assert problems(replace(WEEK, hours=0.25, amount_pence=463)) == [("amount_pence", ErrorCode.OUT_OF_RANGE)]
    assert problems(replace(WEEK, amount_pence=0)) == [("amount_pence", ErrorCode.OUT_OF_RANGE)]
    # Hours already refused: the amount is not compared with them as well.
    assert problems(replace(WEEK, hours=0, amount_pence=1)) == [("hours", ErrorCode.OUT_OF_RANGE)]


def test_a_supplementary_payment_says_why_and_only_it_has_a_reason():
    assert problems(replace(WEEK, supplementary=True)) == [("supplementary_reason", ErrorCode.REQUIRED)]
    assert problems(replace(WEEK, supplementary=True, supplementary_reason="Extra night")) == []
    assert problems(replace(WEEK, supplementary_reason="Extra night")) == [
        ("supplementary_reason", ErrorCode.INVALID)
    ]
    long = "x" * (rules.REASON_MAX + 1)
    assert problems(replace(WEEK, supplementary=True, supplementary_reason=long)) == [
        ("supplementary_reason", ErrorCode.TOO_LONG)
    ]


def test_every_problem_is_reported_at_once():
    bad = replace(
        WEEK,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 4, 7),
        hours=0,
        amount_pence=-5,
        method="CHEQUE",
    )
    assert {field for field, _ in problems(bad)} == {"method", "period_start", "hours", "amount_pence"}


def test_an_idempotency_key_is_trimmed_and_1_to_100_characters():
    assert check_key("  k-1 ") == "k-1"
    for key in ("", "   ", "k" * (rules.IDEMPOTENCY_KEY_MAX + 1)):
        with pytest.raises(InvalidInput) as refused:
            check_key(key)
        assert [(e.field, e.code) for e in refused.value.errors] == [
            ("idempotency_key", ErrorCode.OUT_OF_RANGE)
        ]


def test_a_refund_is_more_than_nothing_at_most_what_is_left_and_says_why():
    reason, found = validate_refund(500, 1000, "  Visit cancelled ")
    assert (reason, found.errors) == ("Visit cancelled", [])
    _, found = validate_refund(1001, 1000, "")
    assert [(e.field, e.code) for e in found.errors] == [
        ("amount_pence", ErrorCode.OUT_OF_RANGE),
        ("reason", ErrorCode.REQUIRED),
    ]
    _, found = validate_refund(0, 1000, "x" * (rules.REASON_MAX + 1))
    assert [(e.field, e.code) for e in found.errors] == [
        ("amount_pence", ErrorCode.OUT_OF_RANGE),
        ("reason", ErrorCode.TOO_LONG),
    ]


def replace_agreement(**changes: object) -> Agreement:
    values = AGREEMENT.model_dump()
    values.update(changes)
    return Agreement(**values)
