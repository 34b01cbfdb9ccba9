"""Ways a tantivy generation gets damaged on disk, as a full disk, a bad restore or a stray script does it."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path


def current_generation(root: Path) -> Path:
    """The generation directory CURRENT names."""
    return root / json.loads((root / "CURRENT").read_text())["generation"]


def segment_files(generation: Path) -> list[Path]:
    """The files holding the documents (everything but meta.json, tantivy's own list and locks)."""
    return sorted(p for p in generation.iterdir() if not p.name.startswith(".") and p.name != "meta.json")


def _truncate(generation: Path) -> None:
    for path in segment_files(generation):
        os.truncate(path, 0)


def _truncate_half(generation: Path) -> None:
    for path in segment_files(generation):
        os.truncate(path, path.stat().st_size // 2)


def _overwrite(generation: Path) -> None:
    """Random bytes of the same length, written in place (the size does not change)."""
    noise = random.Random(9)
    for path in segment_files(generation):
        size = path.stat().st_size
        with path.open("r+b") as file:
            file.write(noise.randbytes(size))


def _delete_meta(generation: Path) -> None:
    (generation / "meta.json").unlink()


def _garble_meta(generation: Path) -> None:
    (generation / "meta.json").write_text('{"segments": [ garbage')


def _delete_segments(generation: Path) -> None:
    for path in segment_files(generation):
        path.unlink()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated to 0 bytes": _truncate,
    "truncated to half": _truncate_half,
    "overwritten with random bytes": _overwrite,
    "meta.json deleted": _delete_meta,
    "meta.json garbage": _garble_meta,
    "segment files deleted": _delete_segments,
}


def damage(root: Path, kind: str) -> None:
    """Damage the current generation of the index at `root` in one of the `DAMAGE` ways."""
    DAMAGE[kind](current_generation(root))
