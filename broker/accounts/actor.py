"""Who is asking: the signed-in user as the rest of the code sees them."""

from __future__ import annotations

from dataclasses import dataclass

from broker.accounts.models import COUNCIL_STAFF, Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    council_id: int | None

    @property
    def is_platform_admin(self) -> bool:
        """An ADMIN without a council runs the platform and sees every council."""
        return self.role is Role.ADMIN and self.council_id is None

    def is_staff_of(self, council_id: int | None) -> bool:
        """Brokers and admins act for their own council only."""
        if self.is_platform_admin:
            return True
        return self.role in COUNCIL_STAFF and council_id is not None and self.council_id == council_id
