"""Per-request dataloaders, one per relation, named `<Target>By<Key>Loader`.

Each batch opens its own short session: strawberry resolves sibling fields concurrently and an
AsyncSession must not be shared between concurrent awaits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from broker.accounts.models import Council, User
from broker.db import Database
from broker.providers.models import Accreditation, AvailabilitySlot, Provider, ProviderService

T = TypeVar("T")


def _load_by_id(db: Database, model: type[T]):
    async def load(ids: Sequence[int]) -> list[T | None]:
        async with db.session() as session:
            rows = await session.execute(select(model).where(model.id.in_(ids)))  # type: ignore[attr-defined]
            found = {row.id: row for row in rows.scalars()}  # type: ignore[attr-defined]
        return [found.get(i) for i in ids]

    return load


def _load_by_provider(db: Database, model: type[T], order: Sequence[object]):
    async def load(ids: Sequence[int]) -> list[list[T]]:
        async with db.session() as session:
            rows = await session.execute(
                select(model).where(model.provider_id.in_(ids)).order_by(*order)  # type: ignore[attr-defined]
            )
            grouped: dict[int, list[T]] = defaultdict(list)
            for row in rows.scalars():
                grouped[row.provider_id].append(row)  # type: ignore[attr-defined]
        return [grouped.get(i, []) for i in ids]

    return load


class ProviderByIdLoader(DataLoader[int, Provider | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, Provider))


class CouncilByIdLoader(DataLoader[int, Council | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, Council))


class UserByIdLoader(DataLoader[int, User | None]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_id(db, User))


class ServicesByProviderIdLoader(DataLoader[int, list[ProviderService]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_provider(db, ProviderService, [ProviderService.service_code]))


class AccreditationsByProviderIdLoader(DataLoader[int, list[Accreditation]]):
    def __init__(self, db: Database) -> None:
        super().__init__(load_fn=_load_by_provider(db, Accreditation, [Accreditation.check_type]))


class AvailabilityByProviderIdLoader(DataLoader[int, list[AvailabilitySlot]]):
    def __init__(self, db: Database) -> None:
        order = [AvailabilitySlot.day, AvailabilitySlot.start_minute]
        super().__init__(load_fn=_load_by_provider(db, AvailabilitySlot, order))


@dataclass(frozen=True)
class Loaders:
    provider_by_id: ProviderByIdLoader
    council_by_id: CouncilByIdLoader
    user_by_id: UserByIdLoader
    services_by_provider_id: ServicesByProviderIdLoader
    accreditations_by_provider_id: AccreditationsByProviderIdLoader
    availability_by_provider_id: AvailabilityByProviderIdLoader

    @classmethod
    def create(cls, db: Database) -> Loaders:
        return cls(
            provider_by_id=ProviderByIdLoader(db),
            council_by_id=CouncilByIdLoader(db),
            user_by_id=UserByIdLoader(db),
            services_by_provider_id=ServicesByProviderIdLoader(db),
            accreditations_by_provider_id=AccreditationsByProviderIdLoader(db),
            availability_by_provider_id=AvailabilityByProviderIdLoader(db),
        )
