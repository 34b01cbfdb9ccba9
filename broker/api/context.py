"""The typed per-request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from broker.accounts.actor import Actor
from broker.accounts.throttle import LoginThrottle
from broker.api.clock import Clock, london_date
from broker.api.loaders import Loaders
from broker.db import Database
from broker.errors import PermissionDenied
from broker.payments.gateway import Gateways, gateways_from_settings
from broker.settings import Settings
from search.backend import SearchBackend


@dataclass
class Context:
    request: Request
    response: Response
    settings: Settings
    db: Database
    search: SearchBackend
    clock: Clock
    actor: Actor | None
    loaders: Loaders
    login_throttle: LoginThrottle
    _now: datetime | None = field(default=None, repr=False)
    _gateways: Gateways | None = field(default=None, repr=False)

    @property
    def now(self) -> datetime:
        """One instant per request, so every rule in it agrees on what day it is."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    @property
    def gateways(self) -> Gateways:
        """Payment gateways by method (Stripe for cards when configured, the offline ledger otherwise)."""
        if self._gateways is None:
            self._gateways = gateways_from_settings(self.settings)
        return self._gateways

    @property
    def client_address(self) -> str:
        """The caller's address as the server sees it; behind a proxy, uvicorn rewrites it from
        X-Forwarded-For when the proxy is in BROKER_FORWARDED_ALLOW_IPS."""
        client = self.request.client
        return client.host if client else "unknown"

    @property
    def signed_in(self) -> Actor:
        """The actor of an operation whose permission class admits only signed-in callers."""
        if self.actor is None:
            raise PermissionDenied("Sign in to do this.")
        return self.actor

    @property
    def today(self) -> date:
        return london_date(self.now)


_DEFAULT_SETTINGS = Settings.model_construct()


def settings_of(context: object) -> Settings:
    """The settings a request runs under: its Context's, or the defaults (no environment read) when
    the schema is executed outside the app."""
    return context.settings if isinstance(context, Context) else _DEFAULT_SETTINGS


Info = StrawberryInfo[Context, None]
