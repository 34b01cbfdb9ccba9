"""The /graphql endpoint: builds the request context and speaks both GraphQL-over-HTTP media types.

With `Accept: application/graphql-response+json` (GraphQL over HTTP spec) the response carries that
type, and a request that never reached execution (no `data`) gets a 4xx status instead of 200.
A body that is not a JSON object (or batch array), not UTF-8, or nested past what the JSON parser can
follow is a plain 400, never a server error.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL

from broker.accounts.service import actor_for_token
from broker.accounts.throttle import LoginThrottle
from broker.accounts.tokens import InvalidToken, read_token
from broker.api.clock import Clock
from broker.api.context import Context
from broker.api.graphiql import MISSING_PAGE, assets_missing, default_assets_dir, graphiql_page
from broker.api.loaders import Loaders
from broker.db import Database
from broker.settings import Settings
from search.backend import SearchBackend

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def prefers_graphql_response(accept: str) -> bool:
    """True when the client lists graphql-response+json before (or instead of) plain JSON."""
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE not in kinds:
        return False
    return JSON not in kinds or kinds.index(GRAPHQL_RESPONSE) < kinds.index(JSON)


def _is_request_error(body: object) -> bool:
    """Errors without a `path` come from parsing or validation, before any resolver ran."""
    if not isinstance(body, dict) or body.get("data") is not None:
        return False
    errors = body.get("errors") or []
    return bool(errors) and all("path" not in error for error in errors)


def decode_request_json(data: str | bytes) -> dict[str, Any] | list[Any]:
    """A request body (or GET `variables`/`extensions`) as JSON, refusing with 400 what cannot be one.

    The GraphQL-over-HTTP spec asks for a JSON object; strawberry reads fields off whatever it gets,
    so a string, number or null would otherwise fail inside it. Arrays pass: they are batches, which
    strawberry refuses itself while batching is off.
    """
    try:
        value = json.loads(data)
    except RecursionError as error:
        raise HTTPException(400, "The JSON body is nested too deeply.") from error
    except UnicodeDecodeError as error:
        raise HTTPException(400, "The body is not UTF-8 JSON.") from error
    except ValueError as error:
        raise HTTPException(400, "Unable to parse request body as JSON") from error
    if not isinstance(value, dict | list):
        raise HTTPException(400, "The JSON body must be an object with a `query`.")
    return value


class GraphQLView(GraphQL):
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        search: SearchBackend,
        clock: Clock,
        login_throttle: LoginThrottle,
        **kwargs: Any,
    ) -> None:
        # Multipart requests (the GraphQL multipart request spec) carry `importStatement`'s `upload`.
        # Strawberry keeps them off by default against cross-site form posts; here they carry no
        # ambient credentials (the token is an Authorization header, never a cookie), so a forged one
        # is anonymous, and the body guard bounds their size (BROKER_MAX_UPLOAD_BYTES).
        super().__init__(
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            multipart_uploads_enabled=True,
            **kwargs,
        )
        self.settings = settings
        self.db = db
        self.search = search
        self.clock = clock
        self.login_throttle = login_throttle
        self.assets_dir = settings.assets_dir or default_assets_dir()

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our own GraphiQL page on assets this app serves (`broker.api.graphiql`), never a CDN's."""
        if assets_missing(self.assets_dir):
            return HTMLResponse(MISSING_PAGE, status_code=503)
        return HTMLResponse(graphiql_page())

    def decode_json(self, data: str | bytes) -> object:
        return decode_request_json(data)

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        actor = None
        loaders = Loaders.create(self.db)
        header = request.headers.get("authorization")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise HTTPException(401, "Use 'Authorization: Bearer <token>'.")
            try:
                claims = read_token(
                    token.strip(),
                    secret=self.settings.secret_key.get_secret_value(),
                    now=self.clock.now(),
                )
            except InvalidToken as error:
                raise HTTPException(401, "The token is invalid or has expired; sign in again.") from error
            async with self.db.session() as session:
                signed_in = await actor_for_token(session, claims)
            if signed_in is None:
                # Deleted, deactivated or signed out everywhere: the same answer as a bad token.
                raise HTTPException(401, "The token is invalid or has expired; sign in again.")
            actor, user = signed_in
            loaders.user_by_id.prime(user.id, user)  # type: ignore[arg-type]
        return Context(
            request=request,
            response=response,
            settings=self.settings,
            db=self.db,
            search=self.search,
            clock=self.clock,
            actor=actor,
            loaders=loaders,
            login_throttle=self.login_throttle,
        )

    async def run(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        response = await super().run(request, *args, **kwargs)
        accept = request.headers.get("accept", "")
        if request.method == "POST" and prefers_graphql_response(accept) and response.media_type == JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if response.status_code == 200:
                body = json.loads(bytes(response.body))
                if _is_request_error(body):
                    # Parse and validation failures never started execution: no `data` at all.
                    body.pop("data", None)
                    response.body = json.dumps(body).encode()
                    response.headers["content-length"] = str(len(response.body))
                    response.status_code = 400
        return response
