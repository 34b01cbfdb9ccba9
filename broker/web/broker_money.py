"""The broker's holder and money pages in one list of routes, so the app registers them with one line:
adding a person, agreements and payments, budget statements and the annual audit, accreditation
checks, and reconciling account statements.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from broker.web.accreditation_pages import accreditation_routes
from broker.web.agreement_pages import agreement_routes
from broker.web.holder_setup import holder_setup_routes
from broker.web.money_pages import money_routes
from broker.web.statement_pages import statement_routes

if TYPE_CHECKING:
    from broker.web.app import WebClient


def broker_money_routes(client: WebClient) -> list[Route]:
    return [
        *holder_setup_routes(client),
        *agreement_routes(client),
        *money_routes(client),
        *accreditation_routes(client),
        *statement_routes(client),
    ]
