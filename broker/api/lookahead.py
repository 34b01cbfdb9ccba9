"""What a resolver's selection asks for below it, so a page can load its rows' relations in its own
session instead of one more session per relation (`Loaders.prefetch_providers`).

Each fragment is read once, after the fragments it spreads (as `broker.api.limits` measures them),
so any document is walked in time linear in its size and without recursion.
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from broker.api.limits import fragments_in_dependency_order


def _names(selection_set: SelectionSetNode | None, fragments: dict[str, frozenset[str]]) -> set[str]:
    """Field names in `selection_set` and below; spreads read from `fragments` (already taken)."""
    names: set[str] = set()
    pending = [selection_set] if selection_set else []
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
                if selection.selection_set:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                names |= fragments.get(selection.name.value, frozenset())
    return names


def names_below(info: Any) -> frozenset[str]:
    """Every field name selected anywhere under the current field, through fragments."""
    raw = getattr(info, "_raw_info", info)
    fragments: dict[str, frozenset[str]] = {}
    if raw.fragments:
        document = DocumentNode(definitions=tuple(raw.fragments.values()))
        for definition in fragments_in_dependency_order(document):
            fragments[definition.name.value] = frozenset(_names(definition.selection_set, fragments))
    found: set[str] = set()
    for node in raw.field_nodes:
        found |= _names(node.selection_set, fragments)
    return frozenset(found)
