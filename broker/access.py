"""The one role ladder: which rows of a capability an actor's role reaches, in SQL and in Python.

Every capability that owns personal or restricted data says in its own `access.py` which columns
tie a row to a council, a DP holder and a provider, and asks `scoped` (SQL) or `reaches` (Python)
for the answer; nothing else restates "platform admins see all, staff their council's, holders and
representatives their own, providers theirs". The ladder reads only models, so every capability
may use it without importing another capability's services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, false, or_, select, true
from sqlmodel import col

from broker.accounts.actor import Actor
from broker.accounts.models import COUNCIL_STAFF, Role
from broker.holders.models import DPHolder, HolderRepresentative
from broker.providers.models import Provider

HOLDER_SIDE = frozenset({Role.DP_HOLDER, Role.REPRESENTATIVE})


def holder_ids(actor: Actor) -> Select[int | None]:
    """SQL: the DP holders `actor` is, or represents."""
    if actor.role is Role.REPRESENTATIVE:
        return select(col(HolderRepresentative.holder_id)).where(
            col(HolderRepresentative.user_id) == actor.user_id
        )
    return select(col(DPHolder.id)).where(col(DPHolder.user_id) == actor.user_id)


def provider_ids(actor: Actor) -> Select[int | None]:
    """SQL: the listings `actor` signs in for."""
    return select(col(Provider.id)).where(col(Provider.owner_id) == actor.user_id)


def scoped(
    actor: Actor | None,
    *,
    council: SQLColumnExpression[int | None] | None = None,
    holder: SQLColumnExpression[int | None] | None = None,
    provider: SQLColumnExpression[int | None] | None = None,
    public: ColumnElement[bool] | None = None,
    commissioners: bool = False,
) -> ColumnElement[bool]:
    """SQL: the rows `actor` reaches, given the columns that tie a row to its parties.

    `council` admits the council's staff (and its commissioners when `commissioners`), `holder` the
    holder and their representatives, `provider` the listing's own sign-in; `public` is what anyone,
    signed in or not, may see. A party a capability does not name is not admitted.
    """
    base = public if public is not None else false()
    if actor is None:
        return base
    if actor.is_platform_admin:
        return true()
    staff = actor.role in COUNCIL_STAFF or (commissioners and actor.role is Role.COMMISSIONER)
    if staff and council is not None:
        return or_(base, council == actor.council_id)
    if actor.role in HOLDER_SIDE and holder is not None:
        return or_(base, holder.in_(holder_ids(actor)))
    if actor.role is Role.PROVIDER and provider is not None:
        return or_(base, provider.in_(provider_ids(actor)))
    return base


@dataclass(frozen=True)
class Parties:
    """Python twin of the columns `scoped` is given, for a row already loaded: its council, the holder's
    own sign-in and representatives, and the sign-ins of the providers it concerns."""

    council_id: int | None = None
    holder_user_id: int | None = None
    representative_ids: Iterable[int] = field(default_factory=tuple)
    provider_owner_ids: Iterable[int | None] = field(default_factory=tuple)


def reaches(actor: Actor | None, parties: Parties, *, commissioners: bool = False) -> bool:
    """Python twin of `scoped` (without `public`, which each capability adds itself)."""
    if actor is None:
        return False
    if actor.is_platform_admin:
        return True
    staff = actor.role in COUNCIL_STAFF or (commissioners and actor.role is Role.COMMISSIONER)
    if staff:
        return parties.council_id is not None and actor.council_id == parties.council_id
    if actor.role is Role.DP_HOLDER:
        return parties.holder_user_id is not None and actor.user_id == parties.holder_user_id
    if actor.role is Role.REPRESENTATIVE:
        return actor.user_id in set(parties.representative_ids)
    if actor.role is Role.PROVIDER:
        return actor.user_id in {o for o in parties.provider_owner_ids if o is not None}
    return False
