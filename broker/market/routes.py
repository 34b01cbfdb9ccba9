"""HTTP twins of the market reports, mounted by `broker.app`:

- `GET /reports/<name>.csv` (`gaps`, `take-up`, `rates`, `time-to-care`, `workforce`) for signed-in
  council staff and commissioners (`Authorization: Bearer <token>`), their own council (platform
  admins add `?council=<id>`);
  `?from=YYYY-MM-DD&to=YYYY-MM-DD`, default the last 12 months.
- `GET /open-data/demand.csv` and `/open-data/demand.json`: no sign-in, every council's unmet hours a
  week today by district, service and time band, counts of 1 to 4 people withheld.
"""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from broker.accounts.actor import Actor
from broker.accounts.service import actor_for_token
from broker.accounts.tokens import InvalidToken, read_token
from broker.api.clock import Clock, london_date
from broker.db import Database
from broker.errors import BrokerError, ErrorCode, InvalidInput, NotFound, PermissionDenied
from broker.hygiene import whole_number
from broker.market import reports
from broker.market.feed import MAX_AGE_SECONDS, DemandFeed
from broker.settings import Settings

OPEN = {"Access-Control-Allow-Origin": "*", "Cache-Control": f"public, max-age={MAX_AGE_SECONDS}"}
CSV = "text/csv; charset=utf-8"


def _errors(status: int, error: BrokerError) -> JSONResponse:
    body = {"errors": [{"field": e.field, "message": e.message, "code": e.code.value} for e in error.errors]}
    return JSONResponse(body, status_code=status)


def _date(request: Request, name: str, default: date) -> date:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput("Give a date as YYYY-MM-DD.", field=name, code=ErrorCode.INVALID) from error


def market_routes(
    db: Database, settings: Settings, clock: Clock, feed: DemandFeed | None = None
) -> list[BaseRoute]:
    """The routes; `feed` is the open demand feed the app's background pass keeps fresh (one of the
    routes' own when not given: then callers find it stale and work it out, once at a time)."""
    open_feed = feed or DemandFeed(db, clock)

    async def signed_in(request: Request) -> Actor | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            claims = read_token(token.strip(), secret=settings.secret_key.get_secret_value(), now=clock.now())
        except InvalidToken:
            return None
        async with db.session() as session:
            found = await actor_for_token(session, claims)
        return found[0] if found else None

    async def report(request: Request) -> Response:
        actor = await signed_in(request)
        if actor is None:
            return JSONResponse(
                {
                    "errors": [
                        {
                            "field": None,
                            "message": "Sign in: Authorization: Bearer <token>.",
                            "code": "UNAUTHENTICATED",
                        }
                    ]
                },
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        name = request.path_params["name"]
        now = clock.now()
        today = london_date(now)
        try:
            if name not in reports.REPORTS:
                raise NotFound(f"Reports: {', '.join(reports.REPORTS)}.", field="name")
            council_text = request.query_params.get("council")
            council_id = actor.council_id if council_text is None else whole_number(council_text)
            if council_id is None:
                raise InvalidInput(
                    "Give `council` as a council's number.", field="council", code=ErrorCode.REQUIRED
                )
            start, end = reports.default_period(today)
            start, end = _date(request, "from", start), _date(request, "to", end)
            async with db.transaction() as session:
                body = await reports.report_csv(
                    session, name, actor=actor, council_id=council_id, start=start, end=end, now=now
                )
        except NotFound as error:
            return _errors(404, error)
        except PermissionDenied as error:
            return _errors(403, error)
        except BrokerError as error:
            return _errors(400, error)
        filename = f"{name}-{council_id}-{start.isoformat()}-{end.isoformat()}.csv"
        return PlainTextResponse(
            body, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    async def demand(request: Request) -> Response:
        today, rows = await open_feed.read()
        if request.url.path.endswith(".json"):
            return JSONResponse({"date": today.isoformat(), "rows": rows}, headers=OPEN)
        return PlainTextResponse(reports.demand_csv(rows), media_type=CSV, headers=OPEN)

    return [
        Route("/reports/{name}.csv", report, methods=["GET"]),
        Route("/open-data/demand.csv", demand, methods=["GET"]),
        Route("/open-data/demand.json", demand, methods=["GET"]),
    ]
