"""The matching rules on their own: coverage, capacity, price headroom and the reason line."""

from __future__ import annotations

from datetime import date

from broker.matching.scoring import (
    Component,
    NeedSpec,
    PlanSpec,
    PreferenceSpec,
    ProviderFacts,
    evaluate,
    overlap_windows,
)
from broker.plans.models import PreferenceKind, Strength
from broker.providers.models import Gender, Provider, ProviderKind, ProviderStatus

TODAY = date(2026, 11, 26)
NEED = NeedSpec(
    id=1, service_code="PERSONAL_CARE", hours=10, rate_pence=1500, windows=((0, 540, 840), (2, 540, 840))
)


def _facts(**changes: object) -> ProviderFacts:
    values: dict[str, object] = {
        "id": 7,
        "council_id": 1,
        "kind": ProviderKind.PA,
        "status": ProviderStatus.PUBLISHED,
        "name": "Jo",
        "gender": Gender.FEMALE,
        "skills": ["Hoist trained"],
        "languages": ["en", "pa"],
        "latitude": 53.823,
        "longitude": -1.512,
        "travel_radius_km": 10.0,
        "hourly_rate_pence": 1271,
        "weekly_capacity_hours": 20.0,
    }
    values.update(changes)
    capacity = float(values.pop("capacity", 20.0))  # type: ignore[arg-type]
    availability = values.pop("availability", ((0, 480, 1020), (2, 480, 1020)))
    return ProviderFacts(
        provider=Provider(**values),
        services=frozenset({"PERSONAL_CARE"}),
        availability=availability,  # type: ignore[arg-type]
        checks=(),
        capacity_left_hours=capacity,
    )


def _plan(*preferences: PreferenceSpec) -> PlanSpec:
    return PlanSpec(id=1, latitude=53.823, longitude=-1.512, needs=(NEED,), preferences=preferences)


def _value(evaluation, component: Component) -> float:
    return next(c.value for c in evaluation.components if c.component is component)


def test_overlap_keeps_only_the_parts_of_the_slots_inside_availability():
    assert overlap_windows([(0, 540, 840), (1, 540, 600)], [(0, 600, 700), (0, 800, 1000)]) == [
        (0, 600, 700),
        (0, 800, 840),
    ]


def test_hours_covered_are_capped_by_the_capacity_left():
    evaluation = evaluate(_plan(), [NEED], _facts(capacity=6.0), TODAY)

    assert (evaluation.covered_hours, _value(evaluation, Component.SCHEDULE_COVERAGE)) == (6.0, 0.6)
    assert evaluation.reason.startswith("covers 6 of 10 hours; 0.0 km")


def test_a_rate_at_the_living_wage_has_all_the_price_headroom_and_one_at_budget_none():
    cheapest = evaluate(_plan(), [NEED], _facts(hourly_rate_pence=1271), TODAY)
    at_budget = evaluate(_plan(), [NEED], _facts(hourly_rate_pence=1500), TODAY)

    assert (_value(cheapest, Component.PRICE_HEADROOM), _value(at_budget, Component.PRICE_HEADROOM)) == (
        1.0,
        0.0,
    )


def test_price_headroom_is_measured_down_to_the_wage_in_force_on_the_day_of_the_match():
    """£12.21 was the floor until April 2026, £12.71 since: the same rate has headroom left before
    and none after (the floor is judged by date, not the latest wage)."""
    rate = _facts(hourly_rate_pence=1271)

    before = evaluate(_plan(), [NEED], rate, date(2026, 3, 31))
    after = evaluate(_plan(), [NEED], rate, date(2026, 4, 1))

    assert _value(after, Component.PRICE_HEADROOM) == 1.0
    assert _value(before, Component.PRICE_HEADROOM) == round((1500 - 1271) / (1500 - 1221), 4)


def test_preferred_skills_score_and_required_ones_exclude():
    wants_hoist = PreferenceSpec(PreferenceKind.SKILL, "hoist trained", Strength.PREFERRED)
    needs_bsl = PreferenceSpec(PreferenceKind.SKILL, "British Sign Language", Strength.REQUIRED)

    preferred = evaluate(_plan(wants_hoist), [NEED], _facts(), TODAY)
    required = evaluate(_plan(needs_bsl), [NEED], _facts(), TODAY)

    assert _value(preferred, Component.SKILLS) == 1.0
    assert "hoist trained" in preferred.reason
    failed = [c for c in required.constraints if not c.passed]
    assert [(c.constraint.value, c.detail) for c in failed] == [
        (
            "ACCREDITED",
            "Not accredited: council approval, enhanced DBS check, public liability insurance, "
            "training missing or expired.",
        ),
        ("REQUIRED_PREFERENCES", "Required but does not list British Sign Language."),
    ]
