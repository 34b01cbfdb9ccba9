"""Who may see a user: the one home of that rule.

A user (who answered, who changed what) is visible to themselves and to staff of their council;
to anyone else a user is null. Their own requests (`User.careRequests`) are theirs alone.
"""

from __future__ import annotations

from broker.accounts.actor import Actor
from broker.accounts.models import User


def is_self(actor: Actor | None, user_id: int | None) -> bool:
    """The caller is this user: only they see what is theirs alone (their own requests)."""
    return actor is not None and user_id is not None and actor.user_id == user_id


def may_see(actor: Actor | None, user: User) -> bool:
    """Users are visible to themselves, and to staff of their council."""
    return actor is not None and (is_self(actor, user.id) or actor.is_staff_of(user.council_id))
