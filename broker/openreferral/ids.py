"""Stable UUIDs for feed objects, because the UK profile requires every `id` to be a UUID.

Objects that a client asks for by id (services, organisations, service-at-locations) get a
reversible version-8 UUID (RFC 9562 custom layout): 64 bits naming the entity type, then the
provider's own id, so `/services/{id}` finds the listing without a lookup table. Everything else
(schedules, attributes, languages, districts, taxonomy terms) gets a uuid5 of its natural key.
"""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = uuid5(UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), "urn:dp-broker:openreferral-uk")
_KEY_BITS = 62  # what is left of the low half after the variant bits
_KEY_MASK = (1 << _KEY_BITS) - 1
_VERSION_MASK = 0xF << 76
_VARIANT_MASK = 0x3 << 62


def _prefix(entity: str) -> int:
    high = uuid5(NAMESPACE, entity).int >> 64 << 64
    return (high & ~_VERSION_MASK) | (0x8 << 76) | (0x2 << 62)


def keyed(entity: str, key: int) -> str:
    """The UUID of `entity` number `key`, e.g. `keyed("service", 12)`."""
    if not 0 <= key <= _KEY_MASK:
        raise ValueError(f"key {key} does not fit in a feed UUID")
    return str(UUID(int=_prefix(entity) | key))


def key_of(entity: str, text: str) -> int | None:
    """The inverse of `keyed`: the key inside a UUID of this entity type, or None for anything else."""
    try:
        parsed = UUID(text)
    except ValueError:
        return None
    if str(parsed) != text.lower():
        return None  # one spelling per resource: the canonical hyphenated form
    value = parsed.int
    if value & ~_KEY_MASK != _prefix(entity):
        return None
    return value & _KEY_MASK


def named(*parts: object) -> str:
    """A uuid5 of a natural key, e.g. `named("schedule", 12, "09:00", "17:00")`."""
    return str(uuid5(NAMESPACE, "/".join(str(part) for part in parts)))
