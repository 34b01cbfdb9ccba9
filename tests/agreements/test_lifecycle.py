"""An agreement moves only as `rules.NEXT_STATUSES` allows, and every move is written to its history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.agreements.lifecycle import move
from broker.agreements.models import Agreement, AgreementStatus, AgreementTransition
from broker.agreements.rules import NEXT_STATUSES
from broker.errors import Conflict

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
BROKER = Actor(user_id=7, role=Role.BROKER, council_id=1)


class Recorder:
    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, row: object) -> None:
        self.added.append(row)


def _agreement(status: AgreementStatus) -> Agreement:
    return Agreement(
        id=1,
        council_id=1,
        holder_id=1,
        plan_id=1,
        provider_id=1,
        status=status,
        hours_per_week=5,
        hourly_rate_pence=1500,
        start_date=date(2026, 12, 7),
        created_by_id=7,
    )


@pytest.mark.parametrize("start", list(AgreementStatus))
@pytest.mark.parametrize("to", list(AgreementStatus))
def test_every_move_the_table_allows_is_recorded_and_every_other_is_refused(start, to):
    agreement, session = _agreement(start), Recorder()

    if to in NEXT_STATUSES[start]:
        move(session, agreement, to, BROKER, NOW, "because")  # type: ignore[arg-type]
        (row,) = session.added
        assert isinstance(row, AgreementTransition)
        assert (row.from_status, row.to_status, row.by_id, row.reason) == (start, to, 7, "because")
        assert agreement.status is to and agreement.updated_at == NOW
    else:
        with pytest.raises(Conflict):
            move(session, agreement, to, BROKER, NOW)  # type: ignore[arg-type]
        assert session.added == [] and agreement.status is start
