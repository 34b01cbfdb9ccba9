"""Migration 0006 on a database that already has payments: each refund takes its payment's holder, and
keys become unique per holder (SQLite here; the PostgreSQL leg of every test runs it on an empty one)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from broker.db import migrate

PAYMENT = (
    "INSERT INTO payment (id, idempotency_key, agreement_id, council_id, holder_id, provider_id,"
    " period_start, period_end, hours, amount_pence, refunded_pence, method, status, recorded_by_id,"
    " created_at, updated_at)"
    " VALUES (?, ?, 1, 1, ?, 1, '2026-11-16', '2026-11-22', 10, 14500, 0, 'BANK_TRANSFER', 'SUCCEEDED', 1,"
    " '2026-11-26 09:00:00', '2026-11-26 09:00:00')"
)


def test_refunds_take_their_payments_holder_and_keys_become_the_holders(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0005")
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute(PAYMENT, (1, "week-47", 7))
        connection.execute(
            "INSERT INTO refund (id, idempotency_key, payment_id, amount_pence, reason, recorded_by_id,"
            " created_at) VALUES (1, 'r1', 1, 1450, 'Visit missed', 1, '2026-11-26 09:00:00')"
        )

    migrate(url)

    with sqlite3.connect(tmp_path / "old.db") as connection:
        assert connection.execute("SELECT holder_id FROM refund").fetchall() == [(7,)]
        connection.execute(PAYMENT, (2, "week-47", 8))  # another holder, the same key
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(PAYMENT, (3, "week-47", 7))  # the same holder again
        rows = connection.execute("SELECT id, holder_id FROM payment ORDER BY id").fetchall()
    assert rows == [(1, 7), (2, 8)]
