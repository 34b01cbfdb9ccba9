"""Reviews over HTTP, as a browser without JavaScript would: the holder reviews the provider of their
own agreement, the council's broker publishes or rejects it, the provider replies once, and the public
listing shows only what is published, never who wrote it. Who may do what is the API's answer; these
tests check the pages pass it on and that a refused or forged form saves nothing."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from strawberry.relay import to_base64

from broker.db import Database
from broker.reviews.models import Review, ReviewStatus
from tests.factories import PASSWORD
from tests.reviews.world import World, given_review, world
from tests.web.reading import csrf_of, links_in, page_text, page_title, sign_in

GOOD_RATINGS = {
    "overall": "5",
    "careAndSupport": "4",
    "dignity": "5",
    "staff": "4",
    "management": "3",
    "value": "4",
}


async def _reviews(db: Database) -> list[Review]:
    async with db.session() as session:
        return list((await session.execute(select(Review))).scalars())


async def _count(db: Database) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(Review))).scalar_one()


def _review_path(w: World, agreement=None) -> str:
    return f"/your-care/agreements/{to_base64('Agreement', (agreement or w.agreement).id)}/review"


async def _send(browser: httpx.AsyncClient, path: str, **answers: str) -> httpx.Response:
    form = await browser.get(path)
    assert form.status_code == 200, form.text
    return await browser.post(path, data={"csrf_token": csrf_of(form.text), **answers})


# --- the holder's review ---------------------------------------------------------------------------


async def test_a_holder_reviews_the_provider_of_their_own_agreement(browser, db):
    w = await world(db)
    await sign_in(browser, w.holder_user.email, PASSWORD)
    home = (await browser.get("/your-care")).text
    assert _review_path(w) in links_in(home, "/your-care/agreements/")
    form = await browser.get(_review_path(w))
    assert page_title(form.text) == "Review Amrit"
    sent = await _send(browser, _review_path(w), **GOOD_RATINGS, comment="Kind and always on time.")
    assert sent.status_code == 303
    after = await browser.get(sent.headers["location"])
    assert "Your review is sent" in page_text(after.text)
    assert "Waiting for the council" in page_text(after.text)
    (review,) = await _reviews(db)
    assert (review.overall, review.management, review.comment) == (5, 3, "Kind and always on time.")
    assert review.status is ReviewStatus.PENDING


async def test_a_representative_reviews_for_the_person_they_act_for(browser, db):
    w = await world(db)
    await sign_in(browser, w.representative.email, PASSWORD)
    sent = await _send(browser, _review_path(w), **GOOD_RATINGS, comment="")
    assert sent.status_code == 303
    assert await _count(db) == 1


async def test_a_missing_rating_is_shown_beside_its_question_with_the_answers_kept(browser, db):
    w = await world(db)
    await sign_in(browser, w.holder_user.email, PASSWORD)
    answers = {**GOOD_RATINGS, "dignity": "", "value": "9"}
    refused = await _send(browser, _review_path(w), **answers, comment="Mostly good.")
    assert refused.status_code == 400
    assert page_title(refused.text) == "Error: Review Amrit"
    text = page_text(refused.text)
    assert "Select a rating for treated with dignity and respect" in text
    assert "Select a rating for value for money" in text
    assert 'href="#dignity"' in refused.text and 'href="#value"' in refused.text
    assert 'id="overall-5" name="overall" type="radio" value="5" checked' in refused.text
    assert "Mostly good.</textarea>" in refused.text
    assert await _count(db) == 0


async def test_the_apis_refusal_is_in_the_error_summary_with_the_answers_kept(browser, db):
    w = await world(db)
    await sign_in(browser, w.holder_user.email, PASSWORD)
    refused = await _send(browser, _review_path(w), **GOOD_RATINGS, comment="<b>Shouting</b>")
    assert refused.status_code == 400
    assert 'href="#comment"' in refused.text
    assert "&lt;b&gt;Shouting&lt;/b&gt;</textarea>" in refused.text
    assert await _count(db) == 0


async def test_reviewing_twice_is_refused_in_the_apis_words(browser, db):
    w = await world(db)
    await given_review(db, w, status=ReviewStatus.PENDING)
    await sign_in(browser, w.holder_user.email, PASSWORD)
    refused = await _send(browser, _review_path(w), **GOOD_RATINGS, comment="Again.")
    assert refused.status_code == 400
    assert "There is a problem" in page_text(refused.text)
    assert 'id="overall-5" name="overall" type="radio" value="5" checked' in refused.text
    assert await _count(db) == 1


async def test_another_holder_and_the_provider_cannot_review_this_agreement(browser, db):
    w = await world(db)
    await sign_in(browser, w.other_holder_user.email, PASSWORD)
    assert (await browser.get(_review_path(w))).status_code == 404
    browser.cookies.clear()
    await sign_in(browser, w.provider_user.email, PASSWORD)
    assert (await browser.get(_review_path(w))).status_code == 404
    form = await browser.get("/provider")
    posted = await browser.post(_review_path(w), data={"csrf_token": csrf_of(form.text), **GOOD_RATINGS})
    assert posted.status_code == 404
    assert await _count(db) == 0


async def test_a_forged_review_form_saves_nothing(browser, db):
    w = await world(db)
    await sign_in(browser, w.holder_user.email, PASSWORD)
    forged = await browser.post(_review_path(w), data={"csrf_token": "forged", **GOOD_RATINGS})
    assert forged.status_code == 400
    assert await _count(db) == 0


async def test_hostile_agreement_ids_are_not_found(browser, db):
    w = await world(db)
    await sign_in(browser, w.holder_user.email, PASSWORD)
    for hostile in ("nonsense", "x" * 5000, "%00", to_base64("Agreement", 10**12)):
        assert (await browser.get(f"/your-care/agreements/{hostile}/review")).status_code == 404


async def test_signed_out_every_review_form_asks_to_sign_in_first(browser, db):
    w = await world(db)
    review = await given_review(db, w, status=ReviewStatus.PENDING)
    review_id = to_base64("Review", review.id)
    for path in (
        _review_path(w),
        "/reviews/moderation",
        f"/reviews/moderation/{review_id}",
        "/provider/reviews",
        f"/provider/reviews/{review_id}/reply",
    ):
        answer = await browser.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/sign-in?next="), path


# --- moderation --------------------------------------------------------------------------------------


async def test_the_broker_publishes_a_review_from_the_queue(browser, db):
    w = await world(db)
    review = await given_review(db, w, status=ReviewStatus.PENDING)
    await sign_in(browser, w.broker.email, PASSWORD)
    queue = await browser.get("/reviews/moderation")
    assert page_title(queue.text) == "Reviews waiting for moderation"
    assert 'href="/reviews/moderation"' in queue.text  # in the navigation
    (decide,) = links_in(queue.text, "/reviews/moderation/")
    published = await _send(browser, decide, decision="publish", reason="")
    assert published.status_code == 303
    assert "The review is published" in page_text((await browser.get(published.headers["location"])).text)
    (saved,) = await _reviews(db)
    assert saved.id == review.id and saved.status is ReviewStatus.PUBLISHED
    assert (await browser.get(decide)).status_code == 404  # decided: no longer waiting


async def test_rejecting_needs_a_reason_and_the_answers_are_kept(browser, db):
    w = await world(db)
    review = await given_review(db, w, status=ReviewStatus.PENDING)
    await sign_in(browser, w.broker.email, PASSWORD)
    path = f"/reviews/moderation/{to_base64('Review', review.id)}"
    nothing = await _send(browser, path, reason="")
    assert nothing.status_code == 400 and 'href="#publish"' in nothing.text
    refused = await _send(browser, path, decision="reject", reason="")
    assert refused.status_code == 400
    assert 'href="#reason"' in refused.text
    assert 'value="reject" checked' in refused.text
    assert (await _reviews(db))[0].status is ReviewStatus.PENDING
    rejected = await _send(browser, path, decision="reject", reason="Names a member of staff.")
    assert rejected.status_code == 303
    (saved,) = await _reviews(db)
    assert saved.status is ReviewStatus.REJECTED and saved.rejection_reason == "Names a member of staff."


async def test_a_broker_of_another_council_cannot_moderate(browser, db):
    w = await world(db)
    review = await given_review(db, w, status=ReviewStatus.PENDING)
    await sign_in(browser, w.york_broker.email, PASSWORD)
    queue = await browser.get("/reviews/moderation")
    assert links_in(queue.text, "/reviews/moderation/") == []
    path = f"/reviews/moderation/{to_base64('Review', review.id)}"
    assert (await browser.get(path)).status_code == 404
    posted = await browser.post(path, data={"csrf_token": csrf_of(queue.text), "decision": "publish"})
    assert posted.status_code == 404
    assert (await _reviews(db))[0].status is ReviewStatus.PENDING


async def test_holders_and_providers_have_no_moderation_queue(browser, db):
    w = await world(db)
    review = await given_review(db, w, status=ReviewStatus.PENDING)
    for user in (w.holder_user, w.provider_user):
        browser.cookies.clear()
        await sign_in(browser, user.email, PASSWORD)
        assert (await browser.get("/reviews/moderation")).status_code == 403
        path = f"/reviews/moderation/{to_base64('Review', review.id)}"
        assert (await browser.get(path)).status_code in (403, 404)
        form = await browser.get("/")
        posted = await browser.post(path, data={"csrf_token": csrf_of(form.text), "decision": "publish"})
        assert posted.status_code in (403, 404)
    assert (await _reviews(db))[0].status is ReviewStatus.PENDING


# --- the provider's reply ----------------------------------------------------------------------------


async def test_the_provider_replies_once_to_a_published_review(browser, db):
    w = await world(db)
    await given_review(db, w)
    await sign_in(browser, w.provider_user.email, PASSWORD)
    mine = await browser.get("/provider/reviews")
    assert page_title(mine.text) == "Reviews of Amrit"
    assert w.holder_user.email not in mine.text and w.holder_user.full_name not in page_text(mine.text)
    (reply,) = links_in(mine.text, "/provider/reviews/")
    empty = await _send(browser, reply, reply="")
    assert empty.status_code == 400 and 'href="#reply"' in empty.text
    sent = await _send(browser, reply, reply="Thank you, we will pass this on.")
    assert sent.status_code == 303
    after = (await browser.get(sent.headers["location"])).text
    assert "Your reply is published" in page_text(after)
    assert links_in(after, "/provider/reviews/") == []  # once only
    assert (await _reviews(db))[0].reply == "Thank you, we will pass this on."


async def test_another_provider_cannot_reply(browser, db):
    w = await world(db)
    review = await given_review(db, w)
    await sign_in(browser, w.other_provider_user.email, PASSWORD)
    path = f"/provider/reviews/{to_base64('Review', review.id)}/reply"
    assert (await browser.get(path)).status_code == 404
    assert links_in((await browser.get("/provider/reviews")).text, "/provider/reviews/") == []
    assert (await _reviews(db))[0].reply is None


async def test_a_forged_reply_saves_nothing(browser, db):
    w = await world(db)
    review = await given_review(db, w)
    await sign_in(browser, w.provider_user.email, PASSWORD)
    path = f"/provider/reviews/{to_base64('Review', review.id)}/reply"
    forged = await browser.post(path, data={"csrf_token": "forged", "reply": "Hello"})
    assert forged.status_code == 400
    assert (await _reviews(db))[0].reply is None


# --- the public listing -------------------------------------------------------------------------------


async def test_the_public_listing_shows_the_score_and_only_published_reviews(browser, db):
    w = await world(db)
    for ratings in ((5, 5, 5, 5, 5, 5), (4, 4, 4, 4, 4, 4), (3, 3, 3, 3, 3, 3)):
        await given_review(db, w, ratings=ratings)
    pending = await given_review(db, w, status=ReviewStatus.PENDING)
    async with db.transaction() as session:
        row = await session.get(Review, pending.id)
        assert row is not None
        row.comment = "Still waiting to be read."
    listing = await browser.get(f"/providers/{w.provider_id}")
    assert listing.status_code == 200
    text = page_text(listing.text)
    assert "8.0 out of 10 from 3 reviews in the last 24 months" in text
    assert text.count("Given.") == 3
    assert "Still waiting to be read." not in text
    assert w.holder_user.full_name not in text and w.holder_user.email not in listing.text


async def test_a_listing_with_too_few_reviews_shows_no_score(browser, db):
    w = await world(db)
    await given_review(db, w)
    text = page_text((await browser.get(f"/providers/{w.provider_id}")).text)
    assert "out of 10" not in text
    assert "1 review in the last 24 months: a score is shown from 3." in text
