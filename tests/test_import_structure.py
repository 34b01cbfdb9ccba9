"""The shape of the code: search/ is infrastructure that knows no capability, and capability packages
do not import each other, directly or round a longer loop: this test fails on any cycle between them."""

from __future__ import annotations

import itertools

import grimp
import pytest

# Pairs of capability packages allowed to import each other: none. (An agreement's payments and a
# holder's plans, the last two, are resolved in broker/api/links.py.)
STILL_CYCLIC: set[frozenset[str]] = set()
# broker/api (the GraphQL layer) and broker/cli (the command line) are adapters above the
# capabilities: the schema and the commands import every capability, and capabilities' resolvers use
# the API's helpers. They are left out of the capability graph.
NOT_CAPABILITIES = {"broker.api", "broker.cli", "broker.migrations", "broker.web"}


# An import only a type checker follows (an annotation that names a higher capability's type, the
# field itself resolved in broker/api/links.py) is no dependency at run time: left out, as in the
# import-linter contract of pyproject.toml.
@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("broker", "search", "seed", exclude_type_checking_imports=True)


def _capabilities(graph: grimp.ImportGraph) -> list[str]:
    packages = {
        m for m in graph.modules if m.count(".") == 1 and m.startswith("broker.") and graph.find_children(m)
    }
    return sorted(packages - NOT_CAPABILITIES)


def test_search_imports_no_capability_of_the_service(graph):
    imported = {
        target
        for module in graph.find_descendants("search") | {"search"}
        for target in graph.find_modules_directly_imported_by(module)
        if target.startswith("broker")
    }

    assert imported <= {"broker.db"}, sorted(imported)


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        here = todo.pop()
        for there in edges[here] - seen:
            if there == goal:
                return True
            seen.add(there)
            todo.append(there)
    return False


def test_no_new_import_cycle_between_capability_packages(graph):
    """Cycles among the capability packages themselves (an import through broker/api, which sits
    above them all, does not count)."""
    packages = [*_capabilities(graph), "search"]
    edges = {
        a: {
            b
            for b in packages
            if b != a and graph.direct_import_exists(importer=a, imported=b, as_packages=True)
        }
        for a in packages
    }
    cyclic = {
        frozenset({a, b})
        for a, b in itertools.combinations(packages, 2)
        if _reaches(edges, a, b) and _reaches(edges, b, a)
    }

    assert cyclic - STILL_CYCLIC == set(), sorted(tuple(sorted(p)) for p in cyclic - STILL_CYCLIC)


def test_the_web_client_and_the_services_do_not_meet(graph):
    for package in _capabilities(graph):
        assert not graph.chain_exists(importer=package, imported="broker.web", as_packages=True), package
