"""What a long-running process does with its heap once it has started.

Everything built at start-up (the GraphQL schema, SQLAlchemy's mappers and compiled caches, settings,
templates: about 260,000 objects once `create_app` has run) lives as long as the process. CPython's
collector still walks all of it in every full collection, and a request that allocates a few
thousand rows sets one off: on the 2-core benchmark machine a full collection over the start-up heap
took 178 ms, and such pauses added about 220 ms to the median `marketGaps` service call (656 ms,
434 ms with the heap frozen: `benchmarks/README.md`, 2026-12-08). `gc.freeze` moves what exists now
into a generation the collector ignores (the standard library's answer for servers), so a full
collection walks only what requests made since.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collects what start-up left behind, then freezes the rest out of later collections. Called
    once the app has started (its lifespan), and by benchmarks after their set-up, as the server does."""
    gc.collect()
    gc.freeze()
