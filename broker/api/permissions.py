"""Permission classes declared next to each operation (`permission_classes=[...]`).

Role checks live here; ownership ("your own listing", "your own council") is a rule of the
capability and lives in its service, which raises PermissionDenied.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from broker.accounts.models import Role


class IsAuthenticated(BasePermission):
    message = "Sign in to do this."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.actor is not None


def has_role(*roles: Role) -> type[BasePermission]:
    """A permission class admitting signed-in users with one of `roles`."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    class HasRole(BasePermission):
        message = f"Only these roles may do this: {names}."
        error_extensions = {"code": "FORBIDDEN"}

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            actor = info.context.actor
            return actor is not None and actor.role in allowed

    HasRole.__name__ = f"HasRole_{'_'.join(sorted(r.value for r in allowed))}"
    return HasRole


IsCouncilStaff = has_role(Role.BROKER, Role.ADMIN)
