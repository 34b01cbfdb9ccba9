"""The import structure: `search` is infrastructure, and capability modules of `broker` form no cycle.

`lint-imports` (contracts in pyproject.toml) checks the first; this test checks the second at module
level with grimp, which import-linter installs. Function-level imports count: an import hidden in a
function body is still a dependency. Imports under `if TYPE_CHECKING:` do not.
"""

from __future__ import annotations

import grimp

# Cycles that exist today in modules other slices of issue 10 are refactoring; each entry is the
# sorted set of modules of one cycle. Remove an entry when its cycle is broken; never add one.
KNOWN_CYCLES: set[frozenset[str]] = {
    frozenset({"broker.payments.gateway", "broker.payments.stripe_gateway"}),
    frozenset(
        {
            "broker.accounts.graphql",
            "broker.agreements.graphql.queries",
            "broker.agreements.graphql.types",
            "broker.holders.graphql",
            "broker.payments.graphql.types",
            "broker.plans.graphql",
            "broker.plans.graphql.mutations",
            "broker.plans.graphql.queries",
            "broker.plans.graphql.types",
            "broker.providers.graphql.mutations",
            "broker.providers.graphql.types",
        }
    ),
}


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(
        "broker", "search", include_external_packages=False, exclude_type_checking_imports=True
    )


def _cycles(graph: grimp.ImportGraph) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def test_no_new_import_cycle_between_modules() -> None:
    cycles = _cycles(_graph())

    assert [sorted(c) for c in cycles - KNOWN_CYCLES] == []


def test_a_broken_cycle_is_struck_off_the_known_list() -> None:
    cycles = _cycles(_graph())

    assert [sorted(c) for c in KNOWN_CYCLES - cycles] == []


def test_search_imports_no_capability_package() -> None:
    graph = _graph()
    allowed = {"broker", "broker.db"}  # the database session and column types are infrastructure

    reached = {
        imported
        for module in graph.find_children("search") | {"search"}
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("broker")
    }

    assert reached - allowed == set()
