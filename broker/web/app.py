"""The web client: server-rendered GOV.UK Design System pages, mounted at `/` beside `/graphql`.

It is a GraphQL client and nothing else: every page's data comes from a named operation in
`operations/` run through `broker.web.api.Api` with the signed-in user's token; it holds no
database session and imports no service (tests/web/test_web_is_a_client.py checks both).
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from broker.settings import Settings
from broker.web import session
from broker.web.api import Api, ApiFailure, Result, SessionExpired
from broker.web.broker_money import broker_money_routes
from broker.web.brokering import broker_routes
from broker.web.conversation_pages import conversation_routes
from broker.web.forms import errors_from
from broker.web.holding import holding_routes
from broker.web.market import market_routes
from broker.web.matching_pages import matching_routes
from broker.web.notification_pages import notification_routes
from broker.web.pages import FORM_EXPIRED, Forbidden
from broker.web.plan_writing import plan_writing_routes
from broker.web.providing import PROVIDER_NAVIGATION, providing_routes
from broker.web.review_pages import public_reviews, review_routes
from broker.web.support_pages import support_routes
from broker.web.templating import templates
from broker.web.timesheet_pages import timesheet_routes

logger = logging.getLogger("broker.web")
HERE = Path(__file__).parent
SERVICE_NAME = "Find and arrange care"
KINDS = {"PA": "Personal assistant", "AGENCY": "Care agency"}
GENDERS = {"FEMALE": "Female", "MALE": "Male", "NON_BINARY": "Non-binary"}
FACET_NAMES = {
    "services": "Services",
    "languages": "Languages",
    "kind": "Type",
    "gender": "Gender",
    "skills": "Skills",
    "rate_band": "Hourly rate",
}
FACET_VALUES = {"kind": KINDS, "gender": GENDERS}
RADII = ("5", "10", "25", "50")
SORTS = (("RELEVANCE", "Best match"), ("DISTANCE", "Distance"), ("RATE", "Hourly rate, lowest first"))
MAX_TEXT = 200
# Where each role lands after signing in when no page was asked for; navigation for staff who broker.
HOMES = {
    "BROKER": "/caseload",
    "ADMIN": "/caseload",
    "COMMISSIONER": "/market",
    "DP_HOLDER": "/your-care",
    "REPRESENTATIVE": "/your-care",
    "PROVIDER": "/provider",
}
BROKER_NAVIGATION = [
    ("/caseload", "Caseload"),
    ("/care-requests", "Care requests"),
    ("/audit", "Annual audit"),
    ("/reviews/moderation", "Reviews"),
]
MARKET_NAVIGATION = [("/market", "Market")]
# Every role with threads (the holder's side, providers, council staff) reads them and its notifications.
MESSAGE_NAVIGATION = [("/conversations", "Messages"), ("/notifications", "Notifications")]
HAS_THREADS = ("BROKER", "ADMIN", "DP_HOLDER", "REPRESENTATIVE", "PROVIDER")


class WebClient:
    def __init__(self, settings: Settings, graphql: ASGIApp) -> None:
        self.settings = settings
        self.api = Api(graphql)
        self.templates = templates()

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        viewer = session.viewer(request)
        page = self.templates.get_template(template).render(
            council_name=self.settings.service_council_name,
            service_name=SERVICE_NAME,
            viewer=viewer,
            navigation=self._navigation(viewer),
            active=values.pop("active", request.url.path),
            csrf_token=session.csrf_token(request),
            errors=values.pop("errors", []),
            field_errors=values.pop("field_errors", {}),
            kinds=KINDS,
            genders=GENDERS,
            **values,
        )
        return HTMLResponse(page, status_code=status)

    def _navigation(self, viewer: session.Viewer | None) -> list[tuple[str, str]]:
        role = viewer.role if viewer else None
        staff = BROKER_NAVIGATION if role in ("BROKER", "ADMIN") else []
        market = MARKET_NAVIGATION if role in ("BROKER", "ADMIN", "COMMISSIONER") else []
        holding = [("/your-care", "Your care")] if role in ("DP_HOLDER", "REPRESENTATIVE") else []
        providing = PROVIDER_NAVIGATION if role == "PROVIDER" else []
        messages = MESSAGE_NAVIGATION if role in HAS_THREADS else []
        return [*staff, *market, *holding, *providing, *messages, ("/", "Search")]

    async def run(
        self, request: Request, name: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> Result:
        return await self.api.run(
            name, variables, token=session.token(request), client=session.client_of(request), **kwargs
        )

    # --- pages ---------------------------------------------------------------------------------

    async def search(self, request: Request) -> Response:
        params = request.query_params
        form: dict[str, Any] = {
            "text": params.get("text", "")[:MAX_TEXT],
            "postcode": params.get("postcode", "")[:12],
            "radiusKm": params.get("radiusKm", "10") if params.get("radiusKm") in RADII else "10",
            "kind": params.get("kind", "") if params.get("kind") in KINDS else "",
            "sort": params.get("sort", "RELEVANCE") if params.get("sort") in dict(SORTS) else "RELEVANCE",
            "maxRate": params.get("maxRate", "")[:10],
            "gender": params.get("gender", "") if params.get("gender") in GENDERS else "",
            "services": [s[:40] for s in params.getlist("services")[:20]],
            "languages": [code[:8] for code in params.getlist("languages")[:20]],
            "after": params.get("after", "")[:200],
        }
        searched = any(
            form[k] for k in ("text", "postcode", "kind", "maxRate", "gender", "services", "languages")
        )
        field_errors: dict[str, str] = {}
        max_rate = None
        if form["maxRate"]:
            try:
                pounds = Decimal(form["maxRate"].lstrip("£"))
                if not pounds.is_finite() or pounds <= 0 or pounds > 1000:
                    raise InvalidOperation
                max_rate = int(pounds * 100)
            except InvalidOperation:
                field_errors["maxRatePence"] = "Enter the highest hourly rate in pounds, for example 16.50"
        search_input: dict[str, Any] = {
            "text": form["text"],
            "kinds": [form["kind"]] if form["kind"] else [],
            "services": form["services"],
            "languages": form["languages"],
            "sort": form["sort"],
            "first": 10,
        }
        if form["postcode"]:
            search_input |= {"postcode": form["postcode"], "radiusKm": float(form["radiusKm"])}
        if max_rate is not None:
            search_input["maxRatePence"] = max_rate
        if form["gender"]:
            search_input["gender"] = form["gender"]
        if form["after"]:
            search_input["after"] = form["after"]
        result = await self.run(
            request, "SearchProviders", {"input": search_input}, allow_errors=("INVALID",)
        )
        answer = result.data.get("searchProviders") or {}
        errors, mapped = errors_from(answer.get("userErrors", []) if not result.errors else result.errors)
        field_errors |= mapped
        summary = [*errors, *({"field": f, "message": m} for f, m in field_errors.items() if f not in mapped)]
        services = result.data.get("services") or []
        facets = answer.get("facets") or []
        languages: list[dict[str, Any]] = next((f["values"] for f in facets if f["name"] == "languages"), [])
        next_page = None
        if searched and answer.get("nextCursor") and not summary:
            query = [(k, v) for k, v in form.items() if k not in ("services", "languages", "after") and v]
            query += [("services", s) for s in form["services"]] + [
                ("languages", code) for code in form["languages"]
            ]
            next_page = "/?" + urlencode([*query, ("after", answer["nextCursor"])])
        return self.render(
            request,
            "search.html",
            form=form,
            searched=searched,
            hits=answer.get("hits") or [] if searched else [],
            total=answer.get("totalHits", 0),
            facets=facets if searched else [],
            facet_names=FACET_NAMES,
            facet_values=FACET_VALUES,
            next_page=next_page,
            errors=summary,
            field_errors=field_errors,
            radius_options=[(r, f"Within {r} km") for r in RADII],
            kind_options=[("", "Any"), *KINDS.items()],
            sort_options=list(SORTS),
            gender_options=[("", "No preference"), *GENDERS.items()],
            service_options=[(s["code"], s["label"]) for s in services],
            language_options=[(v["value"], v["label"]) for v in languages]
            + [(code, code) for code in form["languages"] if code not in {v["value"] for v in languages}],
            status=200,
        )

    async def provider(self, request: Request) -> Response:
        provider_id = request.path_params["provider_id"][:64]
        result = await self.run(
            request, "ProviderPage", {"id": provider_id}, allow_errors=("NOT_FOUND", "INVALID")
        )
        found = result.data.get("provider")
        if not found:
            raise HTTPException(404)
        referer = request.headers.get("referer", "")
        back = session.safe_next("/" + referer.split("/", 3)[3]) if referer.count("/") >= 3 else "/"
        reviews = await public_reviews(self, request, found["id"])
        return self.render(request, "provider.html", provider=found, back=back, active="/", **reviews)

    async def sign_in_page(self, request: Request) -> Response:
        if request.method == "GET":
            return self.render(
                request,
                "sign_in.html",
                email="",
                next=session.safe_next(request.query_params.get("next"))
                if request.query_params.get("next")
                else "",
                expired=request.query_params.get("expired") == "1",
            )
        form = await request.form()
        asked = str(form.get("next") or "")
        next_path = session.safe_next(asked) if asked else ""
        if not session.csrf_ok(request, form.get(session.CSRF_FIELD)):
            raise HTTPException(400, FORM_EXPIRED)
        email = str(form.get("email") or "")[:254]
        password = str(form.get("password") or "")[:256]
        missing = [
            {"field": name, "message": message}
            for name, value, message in (
                ("email", email, "Enter your email address"),
                ("password", password, "Enter your password"),
            )
            if not value.strip()
        ]
        if missing:
            return self.render(
                request,
                "sign_in.html",
                status=400,
                email=email,
                next=next_path,
                expired=False,
                errors=missing,
                field_errors={e["field"]: e["message"] for e in missing},
            )
        result = await self.api.run(
            "SignIn", {"email": email, "password": password}, client=session.client_of(request)
        )
        answer = result.data["login"]
        if answer["token"]:
            session.sign_in(request, answer["token"], answer["viewer"])
            home = HOMES.get(answer["viewer"]["role"], "/")
            return RedirectResponse(next_path or home, status_code=303)
        message = answer["userErrors"][0]["message"] if answer["userErrors"] else "Sign-in failed"
        if answer["userErrors"] and answer["userErrors"][0]["code"] == "INVALID_CREDENTIALS":
            message = "Enter a correct email address and password"
        error = [{"field": "email", "message": message}]
        return self.render(
            request,
            "sign_in.html",
            status=400,
            email=email,
            next=next_path,
            expired=False,
            errors=error,
            field_errors={"email": message},
        )

    async def sign_out(self, request: Request) -> Response:
        form = await request.form()
        if not session.csrf_ok(request, form.get(session.CSRF_FIELD)):
            raise HTTPException(400, FORM_EXPIRED)
        session.sign_out(request)
        return self.render(
            request,
            "message.html",
            heading="You have signed out",
            paragraphs=["Close this window if you are on a shared computer."],
            link=("/sign-in", "Sign in again"),
        )

    async def accessibility(self, request: Request) -> Response:
        return self.render(request, "accessibility.html")

    async def privacy(self, request: Request) -> Response:
        return self.render(request, "privacy.html")

    # --- failures ------------------------------------------------------------------------------

    async def not_found(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status == 400:
            return self.render(
                request,
                "message.html",
                status=400,
                heading="Something went wrong",
                paragraphs=[getattr(exc, "detail", "")],
                link=("/", "Go to the start"),
            )
        return self.render(
            request,
            "message.html",
            status=status,
            heading="Page not found",
            paragraphs=[
                "If you typed the web address, check it is correct.",
                "If you pasted the web address, check you copied the entire address.",
            ],
            link=("/", "Search for care"),
        )

    async def forbidden(self, request: Request, exc: Exception) -> Response:
        return self.render(
            request,
            "message.html",
            status=403,
            heading="You cannot see this page",
            paragraphs=[
                "Your sign-in does not give you access to this page. "
                "If you think it should, ask your council's administrator."
            ],
            link=("/", "Go to the start"),
        )

    async def expired(self, request: Request, exc: Exception) -> Response:
        session.sign_out(request)
        return RedirectResponse(session.sign_in_url(request.url.path, expired=True), status_code=303)

    async def failed(self, request: Request, exc: Exception) -> Response:
        unavailable = isinstance(exc, ApiFailure) and exc.status == 503
        logger.error(
            "web page failed", extra={"error": type(exc).__name__, "codes": getattr(exc, "codes", [])}
        )
        return self.render(
            request,
            "message.html",
            status=503 if unavailable else 500,
            heading="Sorry, the service is unavailable"
            if unavailable
            else "Sorry, there is a problem with the service",
            paragraphs=[
                "Try again later." if unavailable else "Try again later. Nothing you entered has been saved."
            ],
        )


def _compressed(assets: ASGIApp) -> ASGIApp:
    """The stylesheet and scripts (most of a page's bytes) gzipped for browsers that accept it. Pages
    themselves are not compressed: they carry the CSRF token beside what the user typed (BREACH)."""
    return GZipMiddleware(assets, minimum_size=1024)


def web_app(settings: Settings, graphql: ASGIApp, assets: Path) -> Starlette:
    client = WebClient(settings, graphql)
    routes = [
        Route("/", client.search),
        Route("/providers/{provider_id}", client.provider),
        Route("/sign-in", client.sign_in_page, methods=["GET", "POST"]),
        Route("/sign-out", client.sign_out, methods=["POST"]),
        Route("/accessibility", client.accessibility),
        Route("/privacy", client.privacy),
        *broker_money_routes(client),
        *review_routes(client),
        *conversation_routes(client),
        *notification_routes(client),
        *broker_routes(client),
        *plan_writing_routes(client),
        *market_routes(client),
        *holding_routes(client),
        *providing_routes(client),
        *matching_routes(client),
        *support_routes(client),
        *timesheet_routes(client),
        Mount("/static", _compressed(StaticFiles(directory=HERE / "static", check_dir=False)), name="static"),
    ]
    frontend = assets / "govuk-frontend" / "dist" / "govuk"
    if frontend.is_dir():
        routes.append(Mount("/web-assets", _compressed(StaticFiles(directory=frontend)), name="web-assets"))
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key.get_secret_value(),
                session_cookie="broker_session",
                max_age=settings.token_ttl_minutes * 60,
                same_site="lax",
                https_only=settings.is_production,
            )
        ],
        exception_handlers={
            404: client.not_found,
            405: client.not_found,
            400: client.not_found,
            SessionExpired: client.expired,
            Forbidden: client.forbidden,
            ApiFailure: client.failed,
            500: client.failed,
        },
    )
