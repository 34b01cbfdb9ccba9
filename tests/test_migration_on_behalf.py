"""Migration 0008 marks the requests answered before it as on the provider's behalf when anyone but the
listing's own sign-in answered them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from broker.db import migrate

SENT = "2026-11-20 10:00:00.000000"


def test_answers_given_before_the_column_existed_are_marked_by_who_gave_them(tmp_path: Path):
    path = tmp_path / "old.db"
    migrate(f"sqlite:///{path}", "0005")
    with sqlite3.connect(path) as connection:  # foreign keys are not enforced: only these rows matter
        listing = (
            "INSERT INTO provider (id, council_id, owner_id, kind, status, name, bio, skills, languages, "
            "created_at, updated_at) VALUES (?, 1, ?, 'PA', 'PUBLISHED', ?, '', '[]', '[]', ?, ?)"
        )
        connection.execute(listing, (1, 7, "Jo (own sign-in)", SENT, SENT))
        connection.execute(listing, (2, None, "Sam (kept by the council)", SENT, SENT))
        request = (
            "INSERT INTO care_request (id, council_id, holder_id, plan_id, provider_id, need_ids, message, "
            "status, sent_by_id, sent_at, expires_at, responded_by_id, reason) "
            "VALUES (?, 1, 1, 1, ?, '[]', '', ?, 5, ?, ?, ?, '')"
        )
        for row in [
            (1, 1, "ACCEPTED", 7),  # Jo answered herself
            (2, 1, "DECLINED", 9),  # a broker answered for Jo
            (3, 2, "ACCEPTED", 9),  # a broker answered for Sam
            (4, 1, "PENDING", None),  # nobody has answered
        ]:
            request_id, provider_id, status, responded_by = row
            connection.execute(request, (request_id, provider_id, status, SENT, SENT, responded_by))

    migrate(f"sqlite:///{path}")

    with sqlite3.connect(path) as connection:
        marked = connection.execute("SELECT id, responded_on_behalf FROM care_request ORDER BY id").fetchall()
    assert marked == [(1, 0), (2, 1), (3, 1), (4, 0)]
