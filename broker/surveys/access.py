"""Who defines surveys, who answers them and who reads the results: the one home of these rules.

- A council's brokers and admins define and close its surveys.
- A person answers for their own support referral: the DP holder or a representative.
- A survey's questions are read by the council's staff, commissioners and people.
- Results are aggregates for the council's staff and commissioners, with small counts withheld
  (`broker.market.privacy`): nobody, not even staff, reads one person's answers through them.
"""

from __future__ import annotations

from broker.access import HOLDER_SIDE, Parties, reaches
from broker.accounts.actor import Actor


def may_define(actor: Actor, council_id: int) -> bool:
    return actor.is_staff_of(council_id)


def sees_results(actor: Actor | None, council_id: int) -> bool:
    return reaches(actor, Parties(council_id=council_id), commissioners=True)


def sees_survey(actor: Actor | None, council_id: int) -> bool:
    """A survey's questions are read by those who see its results and by the council's own people."""
    if sees_results(actor, council_id):
        return True
    return actor is not None and actor.role in HOLDER_SIDE and actor.council_id == council_id
