"""Types that show one database row: how a row becomes a node, and how `node(id:)` finds rows.

Most nodes show a row's columns under the same names. `from_model` copies those (a field the row
does not have, or one given as a keyword, is the type's own) and keeps the row as the private
`model` that resolvers read. `resolve_nodes` fetches rows through the capability's own visibility
rule, `visible(session, actor=, ids=)`, so `node(id:)` shows exactly what the capability's queries do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar, Self

from strawberry import relay

VisibleRows = Callable[..., Awaitable[Mapping[int, Any]]]


class RowNode(relay.Node):
    """The base of `@strawberry.type` node classes that show a row; adds no GraphQL fields."""

    visible: ClassVar[VisibleRows | None] = None

    @classmethod
    def _fields(cls) -> list[str]:
        names = cls.__dict__.get("_field_names")
        if names is None:
            names = [f.name for f in dataclasses.fields(cls) if f.init]
            cls._field_names = names  # type: ignore[attr-defined]
        return names

    @classmethod
    def from_model(cls, row: Any, **own: Any) -> Self:
        names = [name for name in cls._fields() if name not in own and hasattr(row, name)]
        values = {name: getattr(row, name) for name in names}
        if "model" in cls._fields():
            values["model"] = row
        return cls(**values, **own)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's is overloaded on `required`
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ids = [int(i) for i in node_ids]
        assert cls.visible is not None, f"{cls.__name__} names no visibility rule"
        async with info.context.db.session() as session:
            found = await cls.visible(session, actor=info.context.actor, ids=ids)
        return [cls.from_model(found[i]) if i in found else None for i in ids]
