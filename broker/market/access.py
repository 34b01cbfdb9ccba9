"""Who sees and records the market's figures: the one home of these rules.

Commissioners, brokers and admins of a council see its aggregates; platform admins see every
council's; nobody else sees any. Every aggregate withholds counts of 1 to 4 people whoever asks
(`privacy.py`); a council's brokers and admins may also drill down to their own people. Council
figures and the take-up target are the commissioners' and council admins' to record; a holder's
direct payment is council staff's.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlmodel import col

from broker.access import Parties, reaches, scoped
from broker.accounts.actor import Actor
from broker.accounts.models import Role
from broker.market.models import DirectPayment

# Whoever runs `broker import-figures` or `broker report` at the server's command line: the platform's
# operator, with a platform admin's reach, recorded as nobody (user 0 is never a row).
OPERATOR = Actor(user_id=0, role=Role.ADMIN, council_id=None)


def sees_figures(actor: Actor | None, council_id: int) -> bool:
    """The council's commissioners, brokers and admins, and platform admins."""
    return reaches(actor, Parties(council_id=council_id), commissioners=True)


def may_record_figures(actor: Actor | None, council_id: int) -> bool:
    """Monthly figures and the take-up target: the council's commissioners and admins (not brokers)."""
    if actor is None or not sees_figures(actor, council_id):
        return False
    return actor.is_platform_admin or actor.role in (Role.COMMISSIONER, Role.ADMIN)


def may_drill_down(actor: Actor | None, council_id: int) -> bool:
    """From an aggregate to the people behind it: the council's brokers and admins only."""
    return reaches(actor, Parties(council_id=council_id))


def may_record_direct_payment(actor: Actor | None, council_id: int) -> bool:
    """A holder's DP dates and age band are set by their council's staff."""
    return reaches(actor, Parties(council_id=council_id))


def visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the direct-payment rows `actor` may read one by one (council staff, platform admins)."""
    return scoped(actor, council=col(DirectPayment.council_id))
