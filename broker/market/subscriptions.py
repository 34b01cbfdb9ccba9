"""The market listens to what other capabilities announce (`broker.events`)."""

from __future__ import annotations

from broker.events import Event, subscribe
from broker.market import activations, demand, ledger


def subscribe_all() -> None:
    subscribe(Event.REQUEST_ANSWERED, ledger.record_request_answered)
    subscribe(Event.PLAN_STATUS_SET, activations.record_plan_status)
    subscribe(Event.NO_CANDIDATE, ledger.record_no_candidate)
    subscribe(Event.NOT_ALLOCATED, ledger.record_not_allocated)
    subscribe(Event.PLAN_SAVED, demand.on_plan_saved)
    subscribe(Event.AGREEMENT_PROPOSED, demand.on_agreement)
    subscribe(Event.AGREEMENT_CANCELLED, demand.on_agreement)
    subscribe(Event.AGREEMENT_ACTIVATED, demand.on_agreement)
    subscribe(Event.AGREEMENT_ENDED, demand.on_agreement)
