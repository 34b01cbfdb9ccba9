"""What a plan says, as entered, and the checks on its needs and preferences.

Problems are collected under Python field paths (`needs.2.hours_per_week`, `preferences.0.value`);
the GraphQL layer shows them as `input.needs.2.hoursPerWeek`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from broker.errors import ErrorCode, InvalidInput, Problems
from broker.plans import rules
from broker.plans.models import PlanStatus, PreferenceKind, Strength
from broker.providers import rules as provider_rules
from broker.providers.models import Gender, ProviderKind
from broker.schedule import SlotFields, validate_slots
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import check_service


@dataclass(frozen=True)
class NeedFields:
    """One need as entered; `id` keeps an existing need (and its identity) when a plan is updated."""

    service_code: str
    hours_per_week: float
    budgeted_rate_pence: int
    slots: Sequence[SlotFields]
    id: int | None = None


@dataclass(frozen=True)
class PreferenceFields:
    kind: PreferenceKind
    value: str
    strength: Strength


@dataclass
class PlanFields:
    """What a plan says; None leaves a field as it is. Needs and preferences are replaced whole."""

    outcomes: str | None = None
    postcode: str | None = None
    start_date: date | None = None
    status: PlanStatus | None = None
    needs: Sequence[NeedFields] | None = None
    preferences: Sequence[PreferenceFields] | None = None


Slots = list[tuple[int, int, int]]


def validate_needs(needs: Sequence[NeedFields], problems: Problems, *, starts_on: date) -> list[Slots]:
    """Each need's valid slots as (day, start, end); problems collected under `needs.N`.
    Budgeted rates are held to the National Living Wage in force when support starts."""
    floor = provider_rules.national_living_wage_pence(starts_on)
    if len(needs) > rules.MAX_NEEDS:
        problems.add("needs", f"At most {rules.MAX_NEEDS} needs.", ErrorCode.OUT_OF_RANGE)
    parsed: list[Slots] = []
    for index, need in enumerate(needs):
        path = f"needs.{index}"
        check_service(problems, f"{path}.service_code", need.service_code)
        rate = need.budgeted_rate_pence
        if rate < floor:
            problems.add(
                f"{path}.budgeted_rate_pence",
                "A budgeted rate cannot be below the National Living Wage "
                f"(£{floor / 100:.2f}); no care can be bought for less.",
                ErrorCode.OUT_OF_RANGE,
            )
        elif rate > provider_rules.MAX_HOURLY_RATE_PENCE:
            problems.add(
                f"{path}.budgeted_rate_pence",
                f"A budgeted rate above £{provider_rules.MAX_HOURLY_RATE_PENCE / 100:.0f} is not accepted; "
                "rates are in pence.",
                ErrorCode.OUT_OF_RANGE,
            )
        slots: list[tuple[int, int, int]] = []
        if not need.slots:
            problems.add(f"{path}.slots", "Give the times of the week this need is met.", ErrorCode.REQUIRED)
        else:
            try:
                slots = [(int(d), s, e) for d, s, e in validate_slots(need.slots, field=f"{path}.slots")]
            except InvalidInput as error:
                problems.errors.extend(error.errors)
        hours = need.hours_per_week
        if not 0 < hours <= rules.HOURS_IN_A_WEEK:
            problems.add(
                f"{path}.hours_per_week",
                "Hours a week must be more than 0 and at most 168.",
                ErrorCode.OUT_OF_RANGE,
            )
        elif slots:
            slot_hours = sum(end - start for _, start, end in slots) / 60
            if hours > slot_hours + 1e-9:
                problems.add(
                    f"{path}.hours_per_week",
                    f"{hours:g} hours a week do not fit the {slot_hours:g} hours of its slots.",
                    ErrorCode.OUT_OF_RANGE,
                )
        parsed.append(slots)
    return parsed


def check_need_ids(needs: Sequence[NeedFields], existing: set[int], problems: Problems) -> None:
    """A need sent with an `id` must be one of this plan's, and sent once."""
    seen: set[int] = set()
    for index, need in enumerate(needs):
        if need.id is None:
            continue
        if need.id not in existing or need.id in seen:
            problems.add(f"needs.{index}.id", "No need with this ID in this plan.", ErrorCode.NOT_FOUND)
        seen.add(need.id)


def _clean_value(preference: PreferenceFields, path: str, problems: Problems) -> str:
    value = " ".join(preference.value.split())
    if preference.kind is PreferenceKind.GENDER:
        value = value.upper()
        if value not in Gender.__members__:
            problems.add(path, "A gender is FEMALE, MALE or NON_BINARY.", ErrorCode.UNKNOWN_CODE)
    elif preference.kind is PreferenceKind.LANGUAGE:
        value = value.lower()
        if value not in LANGUAGES:
            problems.add(path, f"Unknown language code '{value[:12]}'.", ErrorCode.UNKNOWN_CODE)
    elif preference.kind is PreferenceKind.PROVIDER_KIND:
        value = value.upper()
        if value not in (ProviderKind.PA, ProviderKind.AGENCY):
            problems.add(
                path,
                "A provider kind is PA or AGENCY; leave it out when either will do.",
                ErrorCode.UNKNOWN_CODE,
            )
    elif not value or len(value) > rules.PREFERENCE_VALUE_MAX:
        problems.add(
            path, f"A skill is 1 to {rules.PREFERENCE_VALUE_MAX} characters.", ErrorCode.OUT_OF_RANGE
        )
    return value


def validate_preferences(
    preferences: Sequence[PreferenceFields], problems: Problems
) -> list[PreferenceFields]:
    """The preferences cleaned (codes upper- or lower-cased, spaces collapsed) and without repeats;
    at most one gender and one provider kind can be REQUIRED."""
    if len(preferences) > rules.MAX_PREFERENCES:
        problems.add("preferences", f"At most {rules.MAX_PREFERENCES} preferences.", ErrorCode.OUT_OF_RANGE)
    cleaned: dict[tuple[PreferenceKind, str], PreferenceFields] = {}
    for index, preference in enumerate(preferences):
        value = _clean_value(preference, f"preferences.{index}.value", problems)
        key = (preference.kind, value.lower())
        if key not in cleaned:
            cleaned[key] = PreferenceFields(kind=preference.kind, value=value, strength=preference.strength)
    by_kind: dict[PreferenceKind, list[PreferenceFields]] = defaultdict(list)
    for preference in cleaned.values():
        by_kind[preference.kind].append(preference)
    for kind in (PreferenceKind.GENDER, PreferenceKind.PROVIDER_KIND):
        if len([p for p in by_kind[kind] if p.strength is Strength.REQUIRED]) > 1:
            problems.add(
                "preferences",
                f"Only one {kind.value.replace('_', ' ').lower()} can be required.",
                ErrorCode.INVALID,
            )
    return list(cleaned.values())
