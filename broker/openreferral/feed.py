"""Pure mapping from one published listing to HSDS 3.0 UK profile objects; no database, no HTTP.

Only what a published listing already shows the public goes out: name, description, services,
languages, rate, weekly availability and the postcode *district*. The provider's contact email and
phone, full base postcode and check references are private and never read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from broker.geography.models import PostcodeDistrict
from broker.openreferral.ids import keyed, named
from broker.openreferral.taxonomy import service_term, term_id
from broker.providers.accreditation import REQUIRED_CHECKS
from broker.providers.models import AvailabilitySlot, CheckType, Provider, ProviderKind, Weekday
from broker.schedule import MINUTES_PER_DAY, clock
from broker.taxonomy.languages import language_name
from broker.taxonomy.services import all_services

MINIMUM_AGE = 18  # adult social care: the Care Act 2014 duties this marketplace serves are for adults
KIND_LABELS: dict[ProviderKind, str] = {
    ProviderKind.PA: "Personal assistant",
    ProviderKind.AGENCY: "Home care agency",
    ProviderKind.SUPPORT_ORG: "Direct payment support organisation",
}
CHECK_LABELS: dict[CheckType, str] = {
    CheckType.DBS_ENHANCED: "enhanced DBS check",
    CheckType.CQC_REGISTRATION: "CQC registration",
    CheckType.COUNCIL_APPROVAL: "council approval",
    CheckType.PUBLIC_LIABILITY_INSURANCE: "public liability insurance",
    CheckType.EMPLOYERS_LIABILITY_INSURANCE: "employer's liability insurance",
    CheckType.TRAINING: "training",
}
ICAL_DAYS: dict[Weekday, str] = dict(zip(Weekday, ("MO", "TU", "WE", "TH", "FR", "SA", "SU"), strict=True))


@dataclass(frozen=True)
class Listing:
    """A published, accredited provider with what hangs off it, as the feed needs it."""

    provider: Provider
    district: PostcodeDistrict | None
    service_codes: tuple[str, ...]
    slots: tuple[AvailabilitySlot, ...]
    accredited_until: date | None

    @property
    def key(self) -> int:
        assert self.provider.id is not None
        return self.provider.id

    @property
    def service_id(self) -> str:
        return keyed("service", self.key)


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _clock(minute: int) -> str:
    # Open Referral has no "24:00": a slot to midnight closes at 23:59.
    return clock(min(minute, MINUTES_PER_DAY - 1))


def _service_labels(listing: Listing) -> list[str]:
    services = all_services()
    return [services[c].label for c in listing.service_codes if c in services]


def organization(listing: Listing) -> dict[str, Any]:
    provider = listing.provider
    return {
        "id": keyed("organization", listing.key),
        "name": provider.name,
        "description": provider.bio or KIND_LABELS[provider.kind],
    }


def accreditations(listing: Listing) -> str:
    checks = sorted(CHECK_LABELS[c] for c in REQUIRED_CHECKS[listing.provider.kind])
    text = f"Checked by the council: current {_joined(checks)}."
    if listing.accredited_until is not None:
        text += f" Accredited until {_long_date(listing.accredited_until)}."
    return text


def _service_fields(listing: Listing) -> dict[str, Any]:
    provider = listing.provider
    fields: dict[str, Any] = {
        "id": listing.service_id,
        "organization_id": keyed("organization", listing.key),
        "name": provider.name,
        "description": f"{KIND_LABELS[provider.kind]}. Services: {', '.join(_service_labels(listing))}.",
        "status": "active",
        "accreditations": accreditations(listing),
        "minimum_age": MINIMUM_AGE,
        "last_modified": provider.updated_at.isoformat(),
    }
    if provider.bio:
        fields["description"] += f" {provider.bio}"
    if provider.hourly_rate_pence is not None:
        fields["fees"] = f"£{provider.hourly_rate_pence / 100:.2f} an hour"
    return fields


def service_summary(listing: Listing) -> dict[str, Any]:
    """The `service_list` shape: one-to-one fields and the organization."""
    return {**_service_fields(listing), "organization": organization(listing)}


def location(district: PostcodeDistrict) -> dict[str, Any]:
    """A postcode district centroid: providers work in people's homes, so no address is published."""
    place = f"{district.code} ({district.town})" if district.town else district.code
    return {
        "id": named("location", district.code),
        "location_type": "physical",
        "name": place,
        "description": f"Based in postcode district {place}; the provider's address is not published.",
        "latitude": district.latitude,
        "longitude": district.longitude,
        "external_identifier": district.code,
        "external_identifier_type": "UK postcode district",
    }


def _service_at_location(listing: Listing, district: PostcodeDistrict) -> dict[str, Any]:
    place = location(district)
    return {
        "id": keyed("service_at_location", listing.key),
        "service_id": listing.service_id,
        "location_id": place["id"],
        "location": place,
    }


def service_at_location_summary(listing: Listing) -> dict[str, Any] | None:
    """The `service_at_location_list` shape, or None for a listing with no district."""
    if listing.district is None:
        return None
    return {**_service_at_location(listing, listing.district), "service": service_summary(listing)}


def schedules(listing: Listing) -> list[dict[str, Any]]:
    """Weekly slots with the same hours become one iCal-style WEEKLY schedule over several days."""
    days_by_hours: dict[tuple[int, int], list[Weekday]] = defaultdict(list)
    for slot in sorted(listing.slots, key=lambda s: (s.start_minute, s.end_minute, s.day)):
        days_by_hours[(slot.start_minute, slot.end_minute)].append(Weekday(slot.day))
    result = []
    for (start, end), days in days_by_hours.items():
        names = _joined([f"{d.name.title()}s" for d in days])
        result.append(
            {
                "id": named("schedule", listing.key, start, end),
                "service_id": listing.service_id,
                "freq": "WEEKLY",
                "interval": 1,
                "byday": ",".join(ICAL_DAYS[d] for d in days),
                "opens_at": _clock(start),
                "closes_at": _clock(end),
                "description": f"Usually available {names}, {_clock(start)} to {_clock(end)} (UK time).",
            }
        )
    return result


def _service_areas(listing: Listing) -> list[dict[str, Any]]:
    radius = listing.provider.travel_radius_km
    if radius is None or listing.district is None:
        return []
    area = f"Within {radius:g} km of postcode district {listing.district.code}"
    return [
        {
            "id": named("service_area", listing.key),
            "service_id": listing.service_id,
            "name": area,
            "service_area": f"{area}, at the person's home.",
        }
    ]


def _languages(listing: Listing) -> list[dict[str, Any]]:
    return [
        {
            "id": named("language", listing.key, code),
            "service_id": listing.service_id,
            "name": language_name(code) or code,
            "code": code,
        }
        for code in listing.provider.languages
    ]


def _cost_options(listing: Listing) -> list[dict[str, Any]]:
    pence = listing.provider.hourly_rate_pence
    if pence is None:
        return []
    return [
        {
            "id": named("cost_option", listing.key, "hourly"),
            "service_id": listing.service_id,
            "option": "Hourly rate",
            "amount": pence / 100,
            "amount_description": "Pounds sterling per hour",
        }
    ]


def _contacts(listing: Listing) -> list[dict[str, Any]]:
    """Public name and role only: requests go through the marketplace, never to private details."""
    return [
        {
            "id": named("contact", listing.key),
            "service_id": listing.service_id,
            "name": listing.provider.name,
            "title": KIND_LABELS[listing.provider.kind],
        }
    ]


def _attributes(listing: Listing) -> list[dict[str, Any]]:
    services = all_services()
    return [
        {
            "id": named("attribute", listing.key, code),
            "link_id": listing.service_id,
            "link_entity": "service",
            "taxonomy_term_id": term_id(code),
            "taxonomy_term": service_term(services[code]),
        }
        for code in listing.service_codes
        if code in services
    ]


def service_full(listing: Listing) -> dict[str, Any]:
    """The fully nested `service` shape served at `/services/{id}`."""
    located = [] if listing.district is None else [_service_at_location(listing, listing.district)]
    return {
        **service_summary(listing),
        "schedules": schedules(listing),
        "service_areas": _service_areas(listing),
        "service_at_locations": located,
        "languages": _languages(listing),
        "cost_options": _cost_options(listing),
        "contacts": _contacts(listing),
        "attributes": _attributes(listing),
    }


def ordered_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Service codes in the taxonomy's own order, so output never depends on insertion order."""
    wanted = set(codes)
    return tuple(code for code in all_services() if code in wanted)
