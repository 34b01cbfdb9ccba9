"""`POST /webhooks/stripe`: verifies Stripe's signature and age, then hands the event to `webhooks.py`.

Forged, altered or stale deliveries (signed more than five minutes before or after now) get 400 and
change nothing, and so does a correctly signed body that is not an event of the shape we read; a
replay gets 200 and changes nothing; without a configured signing secret the endpoint answers 503.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import stripe
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from broker.api.clock import Clock
from broker.db import Database
from broker.payments.webhooks import handle_event, parse_event
from broker.settings import Settings

logger = logging.getLogger("broker.payments")
TOLERANCE_SECONDS = 300


def signed_in_time(signature: str | None, *, now: float, tolerance: float = TOLERANCE_SECONDS) -> bool:
    """Whether the signature's timestamp (`t=`) is within `tolerance` seconds of `now`, either way.

    The stripe SDK refuses only old timestamps; one dated in the future would stay replayable until
    that date (a year ahead: a year). Wall-clock time, as Stripe signs with: this is about transport,
    not the service's business clock.
    """
    for part in (signature or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                return abs(now - int(value)) <= tolerance
            except ValueError:
                return False
    return False


def stripe_webhook(
    db: Database, settings: Settings, clock: Clock
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if settings.stripe_webhook_secret is None:
            return JSONResponse({"error": "Stripe webhooks are not configured here."}, status_code=503)
        payload = await request.body()
        signature = request.headers.get("stripe-signature") or ""
        try:
            # The signature is checked over the exact bytes first; only then is the body read.
            # The age is checked both ways by signed_in_time; the SDK would check only one.
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"),
                signature,
                settings.stripe_webhook_secret.get_secret_value(),
                tolerance=None,
            )
            if not signed_in_time(signature, now=time.time()):
                raise stripe.SignatureVerificationError("timestamp outside the tolerance", signature)
        except (stripe.SignatureVerificationError, UnicodeDecodeError):
            logger.warning("refused a Stripe webhook with a bad or stale signature")
            return JSONResponse({"error": "Bad or stale signature."}, status_code=400)
        try:
            event = parse_event(payload)
        except ValueError:
            return JSONResponse({"error": "The body is not a Stripe event."}, status_code=400)
        async with db.transaction() as session:
            outcome = await handle_event(session, event, now=clock.now())
        return JSONResponse({"received": True, "outcome": outcome})

    return endpoint
