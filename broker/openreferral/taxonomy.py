"""Our one service taxonomy as an HSDS taxonomy: a group term per group, a child term per code.

Term ids are uuid5s of the stable codes, so they never change while the codes keep their meaning.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from broker.openreferral.ids import named
from broker.taxonomy.services import GROUPS, Service, all_services

TAXONOMY_ID = named("taxonomy", "services")
TAXONOMY_NAME = "Direct payments marketplace service taxonomy"
TAXONOMY_VERSION = "1"


def term_id(code: str) -> str:
    return named("taxonomy_term", code)


def group_term_id(group: str) -> str:
    return named("taxonomy_term", "group", group)


def taxonomy() -> dict[str, Any]:
    return {
        "id": TAXONOMY_ID,
        "name": TAXONOMY_NAME,
        "description": "The kinds of care and support a provider can list, each with a stable code.",
        "version": TAXONOMY_VERSION,
    }


def _group_term(group: str) -> dict[str, Any]:
    name, description = GROUPS.get(group, (group.title(), group.title()))
    return {
        "id": group_term_id(group),
        "name": name,
        "description": description,
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": TAXONOMY_ID,
        "term": group,
    }


def service_term(service: Service) -> dict[str, Any]:
    return {
        "id": term_id(service.code),
        "name": service.label,
        "description": service.description,
        "parent_id": group_term_id(service.group),
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": TAXONOMY_ID,
        "term": service.code,
    }


@cache
def _terms() -> tuple[dict[str, Any], ...]:
    services = list(all_services().values())
    groups = list(dict.fromkeys(s.group for s in services))
    return (*(_group_term(g) for g in groups), *(service_term(s) for s in services))


def taxonomy_terms() -> list[dict[str, Any]]:
    """Group terms first, then the service terms in the taxonomy's own order."""
    return [dict(term) for term in _terms()]


def codes_for_term(term: str) -> frozenset[str]:
    """The service codes a term id stands for (a group stands for all its codes); empty if unknown."""
    for service in all_services().values():
        if term_id(service.code) == term:
            return frozenset({service.code})
    return frozenset(s.code for s in all_services().values() if group_term_id(s.group) == term)
