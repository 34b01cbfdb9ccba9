"""Reviews in the web client: the holder's side reviews the provider of an agreement, the council's
staff publish or reject what waits (the queue is `reviewsAwaitingModeration`, which the API refuses to
anyone else: the 403 page), the provider answers a published review once, and the public
listing shows the score and the published reviews.

Whether an agreement may be reviewed yet (four weeks active, once in six months), who moderates and
who replies is the API's answer: the pages send what was typed and show its `userErrors`. The only
checks made here are those the API cannot receive at all (a rating that is not 1 to 5 cannot be sent
as an Int), so a missing rating is reported beside its question and nothing is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from broker.web.forms import errors_from
from broker.web.pages import (
    PAGE_ERRORS,
    Forbidden,
    checked,
    page_links,
    page_number,
    path_id,
    payload_of,
    posted_form,
    sign_in_first,
)

if TYPE_CHECKING:
    from broker.web.app import WebClient

RATINGS = (
    ("overall", "Overall"),
    ("careAndSupport", "Care and support"),
    ("dignity", "Treated with dignity and respect"),
    ("staff", "Staff"),
    ("management", "Management"),
    ("value", "Value for money"),
)
RATING_WORDS = {1: "Very poor", 2: "Poor", 3: "Fair", 4: "Good", 5: "Excellent"}
REVIEW_STATUSES = {
    "PENDING": "Waiting for the council",
    "PUBLISHED": "Published",
    "REJECTED": "Not published",
}
REVIEWABLE = ("ACTIVE", "ENDED")
TEXT_FORM_MAX = 10_000  # the API refuses over 2,000 (or 500) characters in its words; this bounds a form
MODERATION = "/reviews/moderation"


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "")[:TEXT_FORM_MAX]


class ReviewPages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _query(self, request: Request, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        return checked(await self.client.run(request, name, variables, allow_errors=PAGE_ERRORS)).data

    # --- the holder's review of an agreement's provider -----------------------------------------

    async def review_form(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        agreement_id = path_id(request, "agreement_id")
        data = await self._query(request, "ReviewForm", {"id": agreement_id})
        agreement = data.get("agreementToReview")
        if not agreement:
            raise HTTPException(404)
        answers: dict[str, str] = {name: "" for name, _ in RATINGS} | {"comment": ""}
        if request.method == "GET":
            return self._form_page(request, agreement, data, answers)
        form = await posted_form(request)
        answers = {name: _text(form, name) for name in answers}
        missing = [
            {"field": name, "message": f"Select a rating for {label.lower()}"}
            for name, label in RATINGS
            if answers[name] not in {str(n) for n in RATING_WORDS}
        ]
        if missing:
            return self._form_page(request, agreement, data, answers, missing)
        review_input: dict[str, Any] = {"agreementId": agreement["id"], "comment": answers["comment"]}
        review_input |= {name: int(answers[name]) for name, _ in RATINGS}
        result = await self.client.run(
            request, "ReviewSubmit", {"input": review_input}, allow_errors=("INVALID",)
        )
        _, errors = payload_of(result, "submitReview")
        if errors:
            return self._form_page(request, agreement, data, answers, errors)
        return RedirectResponse(f"/your-care/agreements/{agreement['id']}/review?sent=1", status_code=303)

    def _form_page(
        self,
        request: Request,
        agreement: dict[str, Any],
        data: dict[str, Any],
        answers: dict[str, str],
        user_errors: list[dict[str, Any]] | None = None,
    ) -> Response:
        errors, field_errors = errors_from(user_errors or [], fields=[*dict(RATINGS), "comment"])
        return self.client.render(
            request,
            "review_form.html",
            status=400 if errors else 200,
            agreement=agreement,
            reviews=(data.get("reviews") or {}).get("nodes", []),
            answers=answers,
            ratings=RATINGS,
            rating_words=RATING_WORDS,
            review_statuses=REVIEW_STATUSES,
            reviewable=agreement["status"] in REVIEWABLE,
            sent=request.query_params.get("sent") == "1",
            errors=errors,
            field_errors=field_errors,
            active="/your-care",
        )

    # --- the council's moderation queue ---------------------------------------------------------

    async def moderation(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        after = request.query_params.get("after", "")[:200] or None
        data = await self._query(request, "ReviewModeration", {"after": after})
        waiting = data.get("reviewsAwaitingModeration") or {}
        page = page_number(request)
        return self.client.render(
            request,
            "review_moderation.html",
            reviews=waiting.get("nodes", []),
            total=waiting.get("totalCount", 0),
            page=page,
            pages=page_links(MODERATION, {"after": after or ""}, waiting, page),
            decided=request.query_params.get("decided", "") in ("published", "rejected"),
            decision=request.query_params.get("decided", ""),
            active=MODERATION,
        )

    async def moderate(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        review = await self._review(request, operation="ReviewToModerate")
        answers = {"decision": "", "reason": ""}
        if request.method == "GET":
            return self._moderate_page(request, review, answers)
        form = await posted_form(request)
        answers = {"decision": _text(form, "decision"), "reason": _text(form, "reason")}
        if answers["decision"] not in ("publish", "reject"):
            missing = [{"field": "publish", "message": "Select whether to publish the review"}]
            return self._moderate_page(request, review, answers, missing)
        moderation: dict[str, Any] = {"reviewId": review["id"], "publish": answers["decision"] == "publish"}
        if answers["decision"] == "reject":
            moderation["reason"] = answers["reason"]
        result = await self.client.run(
            request, "ReviewModerate", {"input": moderation}, allow_errors=("INVALID",)
        )
        _, errors = payload_of(result, "moderateReview")
        if errors:
            return self._moderate_page(request, review, answers, errors)
        decided = "published" if moderation["publish"] else "rejected"
        return RedirectResponse(f"{MODERATION}?decided={decided}", status_code=303)

    def _moderate_page(
        self,
        request: Request,
        review: dict[str, Any],
        answers: dict[str, str],
        user_errors: list[dict[str, Any]] | None = None,
    ) -> Response:
        errors, field_errors = errors_from(user_errors or [], fields=["publish", "reason"])
        return self.client.render(
            request,
            "review_moderate.html",
            status=400 if errors else 200,
            review=review,
            answers=answers,
            ratings=RATINGS,
            rating_words=RATING_WORDS,
            errors=errors,
            field_errors=field_errors,
            active=MODERATION,
        )

    async def _review(self, request: Request, operation: str, status: str = "PENDING") -> dict[str, Any]:
        """The review in the URL as this user may see it; one they may not, or already decided, is 404."""
        data = await self._query(request, operation, {"id": path_id(request, "review_id")})
        review = data.get("node")
        if not review or review.get("status") != status:
            raise HTTPException(404)
        return review | {"viewer": data.get("viewer") or {}}

    # --- the provider's answers -----------------------------------------------------------------

    async def provider_reviews(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        viewer = (await self._query(request, "ReviewViewerListing", {})).get("viewer") or {}
        listing = viewer.get("provider")
        if not listing:
            raise Forbidden()
        data = await self._query(request, "ReviewsOfProvider", {"providerId": listing["id"]})
        return self.client.render(
            request,
            "review_provider_list.html",
            listing=listing,
            score=(data.get("provider") or {}).get("reviewScore"),
            reviews=(data.get("reviews") or {}).get("nodes", []),
            ratings=RATINGS,
            replied=request.query_params.get("replied") == "1",
            active="/provider/reviews",
        )

    async def reply(self, request: Request) -> Response:
        if redirect := sign_in_first(request):
            return redirect
        review = await self._review(request, "ReviewOne", status="PUBLISHED")
        listing = review["viewer"].get("provider")
        if not listing:
            raise Forbidden()
        if (review.get("provider") or {}).get("id") != listing["id"]:
            raise HTTPException(404)
        answers = {"reply": ""}
        if request.method == "POST":
            form = await posted_form(request)
            answers = {"reply": _text(form, "reply")}
            result = await self.client.run(
                request,
                "ReviewReply",
                {"input": {"reviewId": review["id"], "reply": answers["reply"]}},
                allow_errors=("INVALID",),
            )
            _, user_errors = payload_of(result, "replyToReview")
            if not user_errors:
                return RedirectResponse("/provider/reviews?replied=1", status_code=303)
        else:
            user_errors = []
        errors, field_errors = errors_from(user_errors, fields=["reply"])
        return self.client.render(
            request,
            "review_reply.html",
            status=400 if errors else 200,
            review=review,
            answers=answers,
            ratings=RATINGS,
            rating_words=RATING_WORDS,
            errors=errors,
            field_errors=field_errors,
            active="/provider/reviews",
        )


async def public_reviews(client: WebClient, request: Request, provider_id: str) -> dict[str, Any]:
    """The listing page's score and published reviews (anyone may read them, signed in or not)."""
    result = await client.run(
        request, "ReviewsOfProvider", {"providerId": provider_id}, allow_errors=("NOT_FOUND", "INVALID")
    )
    provider = result.data.get("provider") or {}
    return {
        "score": provider.get("reviewScore"),
        "reviews": (result.data.get("reviews") or {}).get("nodes", []),
        "ratings": RATINGS,
    }


def review_routes(client: WebClient) -> list[Route]:
    pages = ReviewPages(client)
    either = ["GET", "POST"]
    return [
        Route("/your-care/agreements/{agreement_id}/review", pages.review_form, methods=either),
        Route(MODERATION, pages.moderation),
        Route(f"{MODERATION}/{{review_id}}", pages.moderate, methods=either),
        Route("/provider/reviews", pages.provider_reviews),
        Route("/provider/reviews/{review_id}/reply", pages.reply, methods=either),
    ]
