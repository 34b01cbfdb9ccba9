"""The tantivy index directory on disk: which generation is current, and where damaged ones go.

Layout under the index directory::

    CURRENT                  {"generation": "gen-…", "schema_version": N}, replaced atomically;
                             {"generation": null, "rebuild_needed": true, …} after damage was found
    gen-<hex>/               one complete tantivy index; a rebuild writes a new one, then flips CURRENT
    gen-<hex>.corrupt-<utc>/ a generation found damaged, set aside for inspection (the newest few kept)

Several processes share the directory (`broker serve`, `broker search-sync`, `broker reindex`), so
everything they agree on is in these files, never only in one process's memory.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.tantivy_schema import SCHEMA_VERSION

logger = logging.getLogger("search.tantivy")
POINTER = "CURRENT"
SET_ASIDE_KEPT = 3
"""Damaged generations kept for inspection; older ones are deleted by the next rebuild."""
_GENERATION_NAME = re.compile(r"^gen-[0-9a-f]{32}$")


class Generations:
    """The generations directory at `root` (created if missing)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def new_name() -> str:
        return f"gen-{uuid.uuid4().hex}"

    def is_new(self) -> bool:
        """Nothing here yet: a first run, where an empty index is the whole truth."""
        return not (self.root / POINTER).exists() and not self.generation_dirs()

    def generation_dirs(self) -> list[Path]:
        """Generation directories, set-aside ones excluded."""
        return [child for child in self.root.glob("gen-*") if _GENERATION_NAME.match(child.name)]

    def read_pointer(self) -> dict[str, Any] | None:
        """CURRENT's content; None when it is missing or unreadable (both mean: no usable generation)."""
        try:
            pointer = json.loads((self.root / POINTER).read_text())
        except (OSError, ValueError):
            return None
        return pointer if isinstance(pointer, dict) else None

    @staticmethod
    def named(pointer: dict[str, Any]) -> str | None:
        """The generation a pointer names, if it is a well-formed name (never a path elsewhere)."""
        name = pointer.get("generation")
        return name if isinstance(name, str) and _GENERATION_NAME.match(name) else None

    def write_pointer(self, generation: str | None) -> tuple[int, int]:
        """Point CURRENT at `generation`, or (None) at nothing until a rebuild; returns its stamp."""
        content: dict[str, Any] = {"generation": generation, "schema_version": SCHEMA_VERSION}
        if generation is None:
            content["rebuild_needed"] = True
        tmp = self.root / f".{POINTER}.{uuid.uuid4().hex}"
        tmp.write_text(json.dumps(content))
        os.replace(tmp, self.root / POINTER)
        return self.stamp()

    def stamp(self) -> tuple[int, int]:
        """Identity of the CURRENT file: `os.replace` gives a new inode, so a flip always changes it."""
        info = (self.root / POINTER).stat()
        return info.st_ino, info.st_mtime_ns

    def set_aside(self, name: str | None, problem: str) -> tuple[int, int]:
        """Rename a damaged generation out of the way and point CURRENT at nothing until a rebuild.

        The log names files and tantivy's complaint, never document content (which is personal).
        """
        aside = None
        if name is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            aside = self.root / f"{name}.corrupt-{stamp}"
            try:
                os.rename(self.root / name, aside)
            except OSError:
                aside = None
        pointer_stamp = self.write_pointer(None)
        logger.error(
            "search index generation %s at %s is damaged (%s); %s; searches are unavailable until "
            "it is rebuilt from the database",
            name or "(none)",
            self.root,
            problem,
            f"set aside as {aside.name}" if aside else "nothing to set aside",
        )
        return pointer_stamp

    def remove_all_but(self, current: str) -> None:
        """Drop superseded generations; keep the newest few set-aside ones for whoever investigates."""
        for child in self.generation_dirs():
            if child.name != current:
                shutil.rmtree(child, ignore_errors=True)
        aside = sorted(self.root.glob("gen-*.corrupt-*"), key=lambda p: p.name.rsplit("-", 1)[-1])
        for child in aside[:-SET_ASIDE_KEPT]:
            shutil.rmtree(child, ignore_errors=True)
