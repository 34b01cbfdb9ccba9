"""The matching rules as pure functions: hard constraints decide who is in, named components the order.

No database here: `evaluate` takes a plan (or some of its needs) and what we know of one provider,
and says constraint by constraint whether they are a match, how well, and why in one line. The
same function ranks `matchesForPlan`, answers `matchExplanation`, and feeds teams and allocation, so
the three can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from broker.geography.postcodes import distance_km
from broker.matching import rules
from broker.plans.models import PreferenceKind, Strength
from broker.providers.accreditation import accredited_until, is_accredited, missing_checks
from broker.providers.models import Accreditation, CheckType, Provider, ProviderKind, ProviderStatus
from broker.providers.rules import national_living_wage_pence
from broker.reviews.rules import UNSCORED_MATCH_VALUE
from broker.schedule import Window
from broker.schedule import hours as window_hours
from broker.schedule import intersect as overlap_windows
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import all_services

"""(day 0=Monday, start minute, end minute), Europe/London local time."""


class Constraint(StrEnum):
    PUBLISHED = "PUBLISHED"
    ACCREDITED = "ACCREDITED"
    SERVICES = "SERVICES"
    TRAVEL_RADIUS = "TRAVEL_RADIUS"
    RATE = "RATE"
    REQUIRED_PREFERENCES = "REQUIRED_PREFERENCES"
    SCHEDULE = "SCHEDULE"
    CAPACITY = "CAPACITY"


class Component(StrEnum):
    SCHEDULE_COVERAGE = "SCHEDULE_COVERAGE"
    DISTANCE = "DISTANCE"
    PREFERENCES = "PREFERENCES"
    SKILLS = "SKILLS"
    PRICE_HEADROOM = "PRICE_HEADROOM"
    CAPACITY = "CAPACITY"
    ACCREDITATION_FRESHNESS = "ACCREDITATION_FRESHNESS"
    REVIEWS = "REVIEWS"


WEIGHTS: dict[Component, float] = {
    Component.SCHEDULE_COVERAGE: 0.35,
    Component.DISTANCE: 0.15,
    Component.PREFERENCES: 0.15,
    Component.SKILLS: 0.10,
    Component.PRICE_HEADROOM: 0.10,
    Component.CAPACITY: 0.05,
    Component.ACCREDITATION_FRESHNESS: 0.05,
    # The listing's review score out of 10 (`broker.reviews.scores`), as a share of 10; a listing
    # with too few reviews for a score takes the middle of the scale (`UNSCORED_MATCH_VALUE`).
    Component.REVIEWS: 0.05,
}

# The components in their order, with their weights (iterating the enum itself costs more per call).
_WEIGHTED: tuple[tuple[Component, float], ...] = tuple((c, WEIGHTS[c]) for c in Component)

CHECK_NAMES: dict[CheckType, str] = {
    CheckType.DBS_ENHANCED: "enhanced DBS check",
    CheckType.CQC_REGISTRATION: "CQC registration",
    CheckType.COUNCIL_APPROVAL: "council approval",
    CheckType.PUBLIC_LIABILITY_INSURANCE: "public liability insurance",
    CheckType.EMPLOYERS_LIABILITY_INSURANCE: "employer's liability insurance",
    CheckType.TRAINING: "training",
}


@dataclass(frozen=True)
class NeedSpec:
    id: int
    service_code: str
    hours: float
    rate_pence: int
    windows: tuple[Window, ...]


@dataclass(frozen=True)
class PreferenceSpec:
    kind: PreferenceKind
    value: str
    strength: Strength


@dataclass(frozen=True)
class PlanSpec:
    id: int
    latitude: float
    longitude: float
    needs: tuple[NeedSpec, ...]
    preferences: tuple[PreferenceSpec, ...]


@dataclass(frozen=True)
class ProviderFacts:
    """What matching knows of one provider: the listing, its services, availability, checks, capacity."""

    provider: Provider
    services: frozenset[str]
    availability: tuple[Window, ...]
    checks: tuple[Accreditation, ...]
    capacity_left_hours: float
    # Out of 10, from published reviews (None below three of them), and how many reviews it is from.
    review_score: float | None = None
    reviews: int = 0
    # Whether accredited, and until when, worked out once from `checks` for `accredited_on` (by
    # `retrieval.load_facts`): `evaluate` on that day reads them instead of walking the checks for
    # every need and plan it is asked about. Any other day is worked out afresh.
    accredited_on: date | None = None
    accredited: bool = False
    accredited_until: date | None = None


@dataclass(frozen=True)
class ConstraintResult:
    constraint: Constraint
    passed: bool
    detail: str


@dataclass(frozen=True)
class ComponentScore:
    component: Component
    weight: float
    value: float

    @property
    def points(self) -> float:
        """This component's share of the 0-100 score."""
        return round(100 * self.weight * self.value, 2)


@dataclass(frozen=True)
class Evaluation:
    facts: ProviderFacts
    constraints: tuple[ConstraintResult, ...]
    components: tuple[ComponentScore, ...]
    covered_hours: float
    needed_hours: float
    distance_km: float | None
    reason: str

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.constraints)

    @property
    def score(self) -> float:
        """0 to 100: the weighted sum of the components."""
        return round(100 * sum(c.weight * c.value for c in self.components), 1)

    @property
    def provider_id(self) -> int:
        assert self.facts.provider.id is not None
        return self.facts.provider.id


# --- small pure helpers -----------------------------------------------------------------------


def hours_text(hours: float) -> str:
    return f"{round(hours, 2):g}"


def money(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def coverable_hours(need: NeedSpec, availability: Iterable[Window]) -> float:
    """Hours of `need` the provider's availability could deliver: at most what is needed."""
    return min(need.hours, window_hours(overlap_windows(need.windows, availability)))


def preference_met(preference: PreferenceSpec, provider: Provider) -> bool:
    """Gender is met by a PA of that gender (agencies list none); language and skills by the listing."""
    value = preference.value
    if preference.kind is PreferenceKind.GENDER:
        return provider.gender is not None and provider.gender.value == value
    if preference.kind is PreferenceKind.LANGUAGE:
        return value in provider.languages
    if preference.kind is PreferenceKind.PROVIDER_KIND:
        return provider.kind.value == value
    wanted = value.lower()
    return any(skill.lower() == wanted for skill in provider.skills)


def preference_text(preference: PreferenceSpec) -> str:
    """How a met preference reads in a reason line: "speaks Punjabi", "female", "a PA"."""
    if preference.kind is PreferenceKind.LANGUAGE:
        return f"speaks {LANGUAGES.get(preference.value, preference.value)}"
    if preference.kind is PreferenceKind.GENDER:
        return preference.value.lower().replace("_", "-")
    if preference.kind is PreferenceKind.PROVIDER_KIND:
        return "a PA" if preference.value == ProviderKind.PA else "an agency"
    return preference.value


def _unmet_text(preference: PreferenceSpec) -> str:
    if preference.kind is PreferenceKind.LANGUAGE:
        return f"does not speak {LANGUAGES.get(preference.value, preference.value)}"
    if preference.kind is PreferenceKind.GENDER:
        return f"is not listed as {preference.value.lower().replace('_', '-')}"
    if preference.kind is PreferenceKind.PROVIDER_KIND:
        return f"is not {preference_text(preference)}"
    return f"does not list {preference.value}"


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


# --- the rules --------------------------------------------------------------------------------


def evaluate(
    plan: PlanSpec, needs: Sequence[NeedSpec], facts: ProviderFacts, today: date, *, explain: bool = True
) -> Evaluation:
    """Every hard constraint, every score component and the reason line, for `needs` of `plan`.

    For several needs the provider must meet each: offer every service and charge within every
    budgeted rate. Hours covered are capped by the hours needed and by the provider's capacity left.
    With `explain=False` the words are left out (details and reason are empty): ranking hundreds of
    candidates needs only the verdicts and scores, and the words are written for the few shown.
    """
    provider = facts.provider
    results: list[ConstraintResult] = []

    def check(constraint: Constraint, passed: bool, detail: Callable[[], str]) -> None:
        results.append(ConstraintResult(constraint, passed, detail() if explain else ""))

    published = provider.status is ProviderStatus.PUBLISHED
    check(
        Constraint.PUBLISHED,
        published,
        lambda: (
            "The listing is published."
            if published
            else f"The listing is {provider.status.value}, not published."
        ),
    )

    if facts.accredited_on == today:
        accredited, until = facts.accredited, facts.accredited_until
    else:
        accredited = is_accredited(provider.kind, facts.checks, today)
        until = accredited_until(provider.kind, facts.checks, today)

    def accreditation_detail() -> str:
        if accredited:
            return f"Accredited until {until:%-d %B %Y}." if until else "Accredited."
        missing = ", ".join(CHECK_NAMES[c] for c in missing_checks(provider.kind, facts.checks, today))
        return f"Not accredited: {missing} missing or expired."

    check(Constraint.ACCREDITED, accredited, accreditation_detail)

    labels = all_services()
    wanted = list(dict.fromkeys(n.service_code for n in needs))
    lacking = [code for code in wanted if code not in facts.services]

    def services_detail() -> str:
        names = [labels[c].label.lower() if c in labels else c for c in (lacking or wanted)]
        return f"Does not offer {', '.join(names)}." if lacking else f"Offers {', '.join(names)}."

    check(Constraint.SERVICES, not lacking, services_detail)

    distance: float | None = None
    radius = provider.travel_radius_km
    if provider.latitude is None or provider.longitude is None or radius is None:
        check(Constraint.TRAVEL_RADIUS, False, lambda: "The listing has no base location or travel radius.")
    else:
        distance = distance_km(plan.latitude, plan.longitude, provider.latitude, provider.longitude)
        within = distance <= radius
        check(
            Constraint.TRAVEL_RADIUS,
            within,
            lambda: (
                f"{distance:.1f} km from the person's home, {'within' if within else 'beyond'} "
                f"a {radius:g} km travel radius."
            ),
        )

    budgeted = min(n.rate_pence for n in needs)
    rate = provider.hourly_rate_pence
    if rate is None:
        check(Constraint.RATE, False, lambda: "The listing has no hourly rate.")
    else:
        affordable = rate <= budgeted
        check(
            Constraint.RATE,
            affordable,
            lambda: (
                f"{money(rate)} an hour, {'within' if affordable else 'above'} "
                f"the {money(budgeted)} budgeted."
            ),
        )

    required = [p for p in plan.preferences if p.strength is Strength.REQUIRED]
    unmet = [p for p in required if not preference_met(p, provider)]

    def preferences_detail() -> str:
        if not required:
            return "No required preferences."
        if unmet:
            return "Required but " + "; ".join(_unmet_text(p) for p in unmet) + "."
        return "Meets every required preference: " + ", ".join(preference_text(p) for p in required) + "."

    check(Constraint.REQUIRED_PREFERENCES, not unmet, preferences_detail)

    needed = sum(n.hours for n in needs)
    available = sum(coverable_hours(n, facts.availability) for n in needs)
    check(
        Constraint.SCHEDULE,
        available > 0,
        lambda: (
            f"Available for {hours_text(available)} of the {hours_text(needed)} scheduled hours."
            if available > 0
            else "Available for none of the scheduled hours."
        ),
    )

    capacity = facts.capacity_left_hours
    check(
        Constraint.CAPACITY,
        capacity > 0,
        lambda: (
            f"{hours_text(capacity)} hours a week free." if capacity > 0 else "No capacity left this week."
        ),
    )

    covered = max(0.0, min(available, capacity))
    preferred = [
        p for p in plan.preferences if p.strength is Strength.PREFERRED and p.kind is not PreferenceKind.SKILL
    ]
    preferred_skills = [
        p for p in plan.preferences if p.strength is Strength.PREFERRED and p.kind is PreferenceKind.SKILL
    ]
    floor = national_living_wage_pence(today)
    values = {
        Component.SCHEDULE_COVERAGE: covered / needed if needed else 0.0,
        Component.DISTANCE: 0.0 if distance is None else _clamp(1 - distance / rules.DISTANCE_SCALE_KM),
        Component.PREFERENCES: sum(preference_met(p, provider) for p in preferred) / len(preferred)
        if preferred
        else 1.0,
        Component.SKILLS: sum(preference_met(p, provider) for p in preferred_skills) / len(preferred_skills)
        if preferred_skills
        else 1.0,
        Component.PRICE_HEADROOM: 0.0
        if rate is None or budgeted <= floor
        else _clamp((budgeted - rate) / (budgeted - floor)),
        Component.CAPACITY: _clamp(1 - covered / capacity) if capacity > 0 else 0.0,
        Component.ACCREDITATION_FRESHNESS: 0.0
        if not accredited
        else 1.0
        if until is None
        else _clamp((until - today).days / rules.FRESHNESS_HORIZON_DAYS),
        Component.REVIEWS: UNSCORED_MATCH_VALUE if facts.review_score is None else facts.review_score / 10,
    }
    components = tuple(ComponentScore(c, weight, round(values[c], 4)) for c, weight in _WEIGHTED)

    parts: list[str] = []
    if explain:
        parts = [f"covers {hours_text(covered)} of {hours_text(needed)} hours"]
        if distance is not None:
            parts.append(f"{distance:.1f} km")
        parts += [preference_text(p) for p in plan.preferences if preference_met(p, provider)]
        if rate is not None:
            parts.append(f"{money(rate)} {'within' if rate <= budgeted else 'above'} {money(budgeted)}")
        if facts.review_score is not None:
            parts.append(f"reviews {facts.review_score:.1f}/10 from {facts.reviews}")
    return Evaluation(
        facts=facts,
        constraints=tuple(results),
        components=components,
        covered_hours=round(covered, 4),
        needed_hours=needed,
        distance_km=None if distance is None else round(distance, 3),
        reason="; ".join(parts),
    )


def rank(evaluations: Iterable[Evaluation]) -> list[Evaluation]:
    """Eligible only, best first; ties go to the nearer provider, then the older listing."""
    eligible = [e for e in evaluations if e.eligible]
    return sorted(eligible, key=lambda e: (-e.score, e.distance_km or 0.0, e.provider_id))
