"""Who may see a user, and who may create or administer whose sign-in: the one home of both rules.

- Everyone sees themselves; council staff (brokers, admins) see the users of their council (who
  answered a request, who changed what); platform admins see everyone.
- A council's admins create, invite and administer (role, deactivate, unlock, reset) the users of
  their council, of any role but platform admin; platform admins do so for any council.
- Brokers create and invite the sign-ins of the DP holders, representatives and providers they set
  up, and nothing more: they cannot change, deactivate or reset anyone.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlmodel import col

from broker.access import scoped
from broker.accounts.actor import Actor
from broker.accounts.models import Role, User

BROKER_MAY_CREATE = frozenset({Role.DP_HOLDER, Role.REPRESENTATIVE, Role.PROVIDER})


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    return or_(col(User.id) == actor.user_id, scoped(actor, council=col(User.council_id)))


def is_self(actor: Actor | None, user_id: int | None) -> bool:
    """Fields only a user reads about themselves (their requests, their listing)."""
    return actor is not None and user_id is not None and actor.user_id == user_id


def may_see(actor: Actor | None, user: User) -> bool:
    if actor is None:
        return False
    return user.id == actor.user_id or actor.is_staff_of(user.council_id)


def may_create(actor: Actor, role: Role, council_id: int | None) -> bool:
    """May `actor` give a new person the `role` in `council_id` (None: a platform admin)?"""
    if actor.is_platform_admin:
        return True
    if council_id is None or council_id != actor.council_id:
        return False
    if actor.role is Role.ADMIN:
        return True
    return actor.role is Role.BROKER and role in BROKER_MAY_CREATE


def may_administer(actor: Actor, user: User) -> bool:
    """Change the role of, deactivate, reactivate, unlock or issue a reset for `user`."""
    if actor.is_platform_admin:
        return True
    return actor.role is Role.ADMIN and user.council_id is not None and user.council_id == actor.council_id
