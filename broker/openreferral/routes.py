"""HTTP endpoints of the Open Referral UK feed, mounted at /openreferral by `broker.app`.

Open data: no authentication, `Access-Control-Allow-Origin: *` on every response so browser tools
(e.g. the Open Referral UK validator and council directories) can read it directly. Bad query
parameters answer 400 and unknown or unpublished ids 404, both as JSON, never a 500.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from broker.api.clock import Clock, london_date
from broker.db import Database
from broker.errors import BrokerError, ErrorCode, InvalidInput, NotFound
from broker.hygiene import text_problem
from broker.openreferral import feed
from broker.openreferral.ids import key_of
from broker.openreferral.paging import envelope, page_request
from broker.openreferral.service import (
    FeedFilter,
    near_filter,
    published_listing,
    published_listings,
    search_text,
)
from broker.openreferral.taxonomy import TAXONOMY_ID, codes_for_term, taxonomy, taxonomy_terms

HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"
READ_METHODS = ("GET", "HEAD")
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
OPEN = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {
    **OPEN,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Max-Age": "86400",
}

Handler = Callable[[Request], Awaitable[Any]]


def _error(status: int, error: BrokerError) -> JSONResponse:
    errors = [{"field": e.field, "message": e.message, "code": e.code.value} for e in error.errors]
    return JSONResponse({"errors": errors}, status_code=status, headers=OPEN)


def _open(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Adds CORS, answers preflight, and turns domain errors into 400/404 JSON."""

    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            asked = request.headers.get("access-control-request-headers")
            headers = {**PREFLIGHT, "Access-Control-Allow-Headers": asked} if asked else PREFLIGHT
            return Response(status_code=204, headers=headers)
        if request.method not in READ_METHODS:
            headers = {**OPEN, "Allow": "GET, HEAD, OPTIONS"}
            body = {"errors": [{"field": None, "message": "This feed is read-only.", "code": "INVALID"}]}
            return JSONResponse(body, status_code=405, headers=headers)
        try:
            _check_text(request)
            return JSONResponse(await handler(request), headers=OPEN)
        except NotFound as error:
            return _error(404, error)
        except BrokerError as error:
            return _error(400, error)

    return endpoint


def _check_text(request: Request) -> None:
    """Every query parameter (name and value) and path segment must be text the databases can hold."""
    for name, value in [*request.query_params.multi_items(), *request.path_params.items()]:
        for text in (name, value):
            if (problem := text_problem(text)) is not None:
                raise InvalidInput(problem, field=name if text_problem(name) is None else None)


def _service_codes(params: Mapping[str, str]) -> frozenset[str] | None:
    """`taxonomy_term_id` and `taxonomy_id` as service codes; None when neither narrows the feed."""
    codes = None
    if term := params.get("taxonomy_term_id", "").strip().lower():
        codes = codes_for_term(term)
    if (taxonomy_id := params.get("taxonomy_id", "").strip().lower()) and taxonomy_id != TAXONOMY_ID:
        codes = frozenset()
    return codes


def openreferral_routes(db: Database, clock: Clock) -> list[BaseRoute]:
    """The feed's routes; `broker.app` mounts them at /openreferral."""

    def today() -> date:
        return london_date(clock.now())

    async def listings_page(request: Request, *, located_only: bool, shape: Callable[..., Any]) -> Any:
        params = request.query_params
        page = page_request(params)
        async with db.session() as session:
            filters = FeedFilter(
                search=search_text(params),
                service_codes=_service_codes(params),
                near=await near_filter(session, params),
                located_only=located_only,
            )
            listings, total = await published_listings(session, today=today(), filters=filters, page=page)
        return envelope([shape(listing) for listing in listings], total=total, page=page)

    async def about(_: Request) -> Any:
        return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}

    async def services(request: Request) -> Any:
        return await listings_page(request, located_only=False, shape=feed.service_summary)

    async def service(request: Request) -> Any:
        provider_id = key_of("service", request.path_params["id"])
        listing = None
        if provider_id is not None:
            async with db.session() as session:
                listing = await published_listing(session, today=today(), provider_id=provider_id)
        if listing is None:
            raise NotFound("No published, accredited service with this id.", field="id")
        return feed.service_full(listing)

    async def service_at_locations(request: Request) -> Any:
        return await listings_page(request, located_only=True, shape=feed.service_at_location_summary)

    async def taxonomies(request: Request) -> Any:
        page = page_request(request.query_params)
        everything = [taxonomy()]
        return envelope(everything[page.offset : page.offset + page.per_page], total=1, page=page)

    async def one_taxonomy(request: Request) -> Any:
        if request.path_params["id"].lower() != TAXONOMY_ID:
            raise NotFound("No taxonomy with this id.", field="id")
        return {**taxonomy(), "taxonomy_terms": taxonomy_terms()}

    async def terms(request: Request) -> Any:
        page = page_request(request.query_params)
        everything = taxonomy_terms()
        chosen = everything[page.offset : page.offset + page.per_page]
        return envelope(chosen, total=len(everything), page=page)

    async def one_term(request: Request) -> Any:
        wanted = request.path_params["id"].lower()
        for term in taxonomy_terms():
            if term["id"] == wanted:
                return term
        raise NotFound("No taxonomy term with this id.", field="id")

    async def unknown(_: Request) -> Any:
        raise NotFound("The Open Referral feed has no such endpoint.", code=ErrorCode.NOT_FOUND)

    endpoints: list[tuple[str, Handler]] = [
        ("/", about),
        ("/services", services),
        ("/services/{id}", service),
        ("/service_at_locations", service_at_locations),
        ("/taxonomies", taxonomies),
        ("/taxonomies/{id}", one_taxonomy),
        ("/taxonomy_terms", terms),
        ("/taxonomy_terms/{id}", one_term),
        ("/{path:path}", unknown),
    ]
    return [Route(path, _open(handler), methods=ALL_METHODS) for path, handler in endpoints]
