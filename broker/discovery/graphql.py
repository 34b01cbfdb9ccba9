"""`searchProviders`: free text, filters, distance and facets over accredited listings."""

from __future__ import annotations

from enum import Enum

import strawberry

from broker.api.context import Info
from broker.api.errors import UserError
from broker.api.mutations import refusal
from broker.api.relay import decode_cursor, encode_cursor
from broker.discovery import service
from broker.errors import BrokerError
from broker.providers.graphql.mutations import SlotInput
from broker.providers.graphql.types import GenderEnum, ProviderKindEnum, ProviderNode
from broker.schedule import SlotFields
from broker.taxonomy.languages import LANGUAGES
from broker.taxonomy.services import all_services
from search.query import RATE_BANDS

MAX_PAGE = 100


@strawberry.enum(
    description="How hits are ordered. REVIEWS: the best review score out of 10 first (listings with "
    "fewer than three published reviews of the last 24 months after every scored one), then nearest."
)
class SearchSort(Enum):
    RELEVANCE = "relevance"
    DISTANCE = "distance"
    RATE = "rate"
    REVIEWS = "reviews"


@strawberry.input(description="What a person is looking for; every filter given must hold.")
class SearchProvidersInput:
    text: str = strawberry.field(
        default="", description='Free text, typo tolerant: "demensia carer Punjabi".'
    )
    kinds: list[ProviderKindEnum] = strawberry.field(default_factory=list)  # type: ignore[valid-type]
    services: list[str] = strawberry.field(
        default_factory=list, description="Service codes; all must be offered."
    )
    skills: list[str] = strawberry.field(default_factory=list, description="All must be listed.")
    languages: list[str] = strawberry.field(default_factory=list, description="ISO 639 codes; any one.")
    gender: GenderEnum | None = None  # type: ignore[valid-type]
    max_rate_pence: int | None = None
    available: list[SlotInput] = strawberry.field(
        default_factory=list, description="Weekly windows the provider must be available for."
    )
    accredited_only: bool | None = strawberry.field(
        default=None, description="Defaults to true; only council staff may turn it off."
    )
    postcode: str | None = strawberry.field(default=None, description="Full postcode or district, e.g. LS8.")
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = strawberry.field(default=None, description="Default 10 km, at most 100 km.")
    sort: SearchSort = SearchSort.RELEVANCE
    first: int = 20
    after: str | None = None


@strawberry.type
class SearchHit:
    provider: ProviderNode
    distance_km: float | None = strawberry.field(description="From the search point, when one was given.")
    score: float = strawberry.field(description="Engine relevance; compare only within one result.")


@strawberry.type
class FacetValue:
    value: str
    label: str
    count: int


@strawberry.type(description="Counts over every match, not just this page.")
class Facet:
    name: str
    values: list[FacetValue]


@strawberry.type
class SearchProvidersResult:
    hits: list[SearchHit]
    total_hits: int
    facets: list[Facet]
    processing_time_ms: float = strawberry.field(description="Time the search engine took.")
    next_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    user_errors: list[UserError]


def _band_label(name: str) -> str:
    lower = 0
    for band, upper in RATE_BANDS:
        if band == name:
            return (
                f"£{lower / 100:.0f}+ an hour"
                if upper is None
                else f"£{lower / 100:.0f} to £{upper / 100:.0f}"
            )
        lower = upper or lower
    return name


def _label(facet: str, value: str) -> str:
    if facet == "services" and value in all_services():
        return all_services()[value].label
    if facet == "languages":
        return LANGUAGES.get(value, value)
    if facet == "rate_band":
        return _band_label(value)
    return value.replace("_", " ").title() if facet in ("kind", "gender") else value


def _empty(errors: list[UserError]) -> SearchProvidersResult:
    return SearchProvidersResult(
        hits=[], total_hits=0, facets=[], processing_time_ms=0.0, next_cursor=None, user_errors=errors
    )


def _selects(info: Info, name: str) -> bool:
    """Whether the client asked for a field of the result; facets cost the engine real work."""
    return any(
        getattr(selection, "name", None) == name
        for field in info.selected_fields
        for selection in field.selections
    )


@strawberry.type
class DiscoveryQueries:
    @strawberry.field(description="Search accredited listings by text, need, place and time.")
    async def search_providers(self, info: Info, input: SearchProvidersInput) -> SearchProvidersResult:
        ctx = info.context
        try:
            offset = decode_cursor(input.after) + 1 if input.after else 0
            request = service.SearchRequest(
                text=input.text,
                kinds=[str(k) for k in input.kinds],
                services=input.services,
                skills=input.skills,
                languages=input.languages,
                gender=input.gender.value if input.gender else None,
                max_rate_pence=input.max_rate_pence,
                available=[SlotFields(day=s.day, start=s.start, end=s.end) for s in input.available],
                accredited_only=input.accredited_only,
                postcode=input.postcode,
                latitude=input.latitude,
                longitude=input.longitude,
                radius_km=input.radius_km,
                sort=input.sort.value,
                limit=min(input.first, MAX_PAGE),
                offset=offset,
            )
            async with ctx.db.session() as session:
                outcome = await service.search_providers(
                    session, ctx.search, actor=ctx.actor, request=request, today=ctx.today
                )
        except BrokerError as error:
            return _empty(refusal(error))
        result = outcome.result
        hits = [
            SearchHit(
                provider=ProviderNode.from_model(outcome.providers[h.id]),
                distance_km=h.distance_km,
                score=h.score,
            )
            for h in result.hits
            if h.id in outcome.providers
        ]
        facets = [
            Facet(
                name=name,
                values=[
                    FacetValue(value=v, label=_label(name, v), count=c)
                    for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
            )
            for name, counts in result.facets.items()
        ]
        last = offset + len(result.hits)
        return SearchProvidersResult(
            hits=hits,
            total_hits=result.total,
            facets=facets,
            processing_time_ms=result.processing_time_ms,
            next_cursor=encode_cursor(last - 1) if last < result.total and result.hits else None,
            user_errors=[],
        )
