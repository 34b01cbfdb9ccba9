"""What a provider keeps track of: their agreements (who pays for which hours, at what rate, from
when) and the payments made to them. Read-only: agreements are made and payments recorded by the
person or their broker; the provider sees what the API shows a provider (never the person's plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from broker.web.pages import ID_MAX, PAGE_SIZE, page_links, page_number, path_id, sign_in_first
from broker.web.provider_answers import own_query

if TYPE_CHECKING:
    from broker.web.app import WebClient

AGREEMENT_FILTERS = {"PROPOSED": "Proposed", "ACTIVE": "Active", "ENDED": "Ended", "CANCELLED": "Cancelled"}
PAYMENT_STATUSES = {
    "PENDING": "Pending",
    "PROCESSING": "Processing",
    "SUCCEEDED": "Paid",
    "FAILED": "Failed",
    "PARTIALLY_REFUNDED": "Partly refunded",
    "REFUNDED": "Refunded",
}
PAYMENT_METHODS = {
    "CARD": "Card",
    "BANK_TRANSFER": "Bank transfer",
    "PAYROLL": "Payroll",
    "PREPAID_CARD": "Pre-paid card",
}


class RecordPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def agreements(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        status = request.query_params.get("status", "")
        status = status if status in AGREEMENT_FILTERS else ""
        after = request.query_params.get("after", "")[:ID_MAX]
        listing, result = await own_query(
            self.client,
            request,
            "ProviderAgreements",
            {"first": PAGE_SIZE, "after": after or None, "filter": {"status": status} if status else None},
        )
        found = result.data["agreements"]
        page = page_number(request)
        return self.client.render(
            request,
            "provider_agreements.html",
            listing=listing,
            agreements=found["nodes"],
            total=found["totalCount"],
            chosen_status=status,
            status_options=[("", "Any status"), *AGREEMENT_FILTERS.items()],
            page=page,
            pages=page_links("/provider/agreements", {"status": status, "after": after}, found, page),
            active="/provider/agreements",
        )

    async def agreement(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        listing, result = await own_query(
            self.client, request, "ProviderAgreement", {"id": path_id(request, "agreement_id")}
        )
        found = result.data.get("agreement")
        if not found:
            raise HTTPException(404)
        return self.client.render(
            request,
            "provider_agreement.html",
            listing=listing,
            agreement=found,
            payment_statuses=PAYMENT_STATUSES,
            payment_methods=PAYMENT_METHODS,
            active="/provider/agreements",
        )

    async def payments(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        after = request.query_params.get("after", "")[:ID_MAX]
        listing, result = await own_query(
            self.client, request, "ProviderPayments", {"first": PAGE_SIZE, "after": after or None}
        )
        found = result.data["payments"]
        page = page_number(request)
        return self.client.render(
            request,
            "provider_payments.html",
            listing=listing,
            payments=found["nodes"],
            total=found["totalCount"],
            payment_statuses=PAYMENT_STATUSES,
            payment_methods=PAYMENT_METHODS,
            page=page,
            pages=page_links("/provider/payments", {"after": after}, found, page),
            active="/provider/payments",
        )


def provider_record_routes(client: WebClient) -> list[BaseRoute]:
    pages = RecordPages(client)
    return [
        Route("/provider/agreements", pages.agreements),
        Route("/provider/agreements/{agreement_id}", pages.agreement),
        Route("/provider/payments", pages.payments),
    ]
