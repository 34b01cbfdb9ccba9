"""Telling a damaged tantivy generation from a healthy one before tantivy touches it.

tantivy memory-maps segment files: one truncated under a live index kills the process with SIGBUS on
the next read (no Python exception exists for that), and overwritten bytes make it panic. So:

- `verify_in_child` opens a generation and reads every part of it in a child process before this
  process first uses it; a child that fails, dies of a signal or hangs marks the generation damaged.
- `FileWatch` remembers the inode, size and modification time of every committed file (tantivy never
  rewrites a segment file once a commit names it) and reports any that changed or vanished, checked
  before each search or write so a file changed under us is caught before tantivy maps it again.

Run as `python -m search.tantivy_integrity DIR` to probe DIR in the current process (what the child does).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import tantivy

META = "meta.json"
PROBE_TIMEOUT_SECONDS = 120.0
"""A probe that has not read a whole index in this time is treated as a hang (a damaged length field)."""
_SEGMENT_FILE = re.compile(r"^([0-9a-f]{32})\.[a-z]+$")
_NUMERIC = {
    "i64": tantivy.FieldType.Integer,
    "u64": tantivy.FieldType.Unsigned,
    "f64": tantivy.FieldType.Float,
}
_LOWEST = {"i64": -(2**63), "u64": 0, "f64": -1e308}

FileStamp = tuple[int, int, int]
"""(inode, size in bytes, modification time in ns) of one file: any rewrite changes one of them."""


def committed_files(directory: Path, known: Iterable[str] = ()) -> set[str]:
    """Names of the files the last commit's meta.json refers to (segment files and delete bitsets):
    those on disk now plus the `known` ones of segments it still names (a vanished file stays listed).

    Files of a segment still being written are not named yet and are left out: they still grow.
    Raises OSError when meta.json is missing, ValueError when it cannot be read.
    """
    meta = json.loads((directory / META).read_text())
    segments = {str(s["segment_id"]).replace("-", ""): s for s in meta["segments"]}
    names = set()
    for name in [*(entry.name for entry in os.scandir(directory)), *known]:
        match = _SEGMENT_FILE.match(name)
        if match and match.group(1) in segments:
            names.add(name)
    for segment_id, segment in segments.items():
        if not any(name.startswith(segment_id) for name in names):
            names.add(f"{segment_id}.*")  # a segment with no file at all: reported as missing
        if segment.get("deletes"):
            names.add(f"{segment_id}.{int(segment['deletes']['opstamp'])}.del")
    return names


class FileWatch:
    """The committed files of one generation as first seen; `check` reports any that changed since.

    Cheap enough to run before every search: one `stat` of meta.json, and a `stat` per committed file.
    A commit or merge by another writer between two reads can make a file vanish legitimately, so a
    problem is only reported when it is still there after looking at meta.json again.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._seen: dict[str, FileStamp] = {}
        self._meta_stamp: FileStamp | None = None
        self._files: set[str] = set()

    @property
    def meta_stamp(self) -> FileStamp | None:
        """meta.json as `check` last read it: the commit whose files it watches."""
        return self._meta_stamp

    def check(self) -> str | None:
        """None when every committed file is as first seen, else what is wrong (file names only)."""
        problem = self._check_once()
        if problem is not None:  # once more: meta.json may have moved on between the two stats
            problem = self._check_once()
        return problem

    def _check_once(self) -> str | None:
        try:
            info = (self.directory / META).stat()
        except OSError:
            return f"{META} is missing"
        meta_stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
        if meta_stamp != self._meta_stamp:
            try:
                self._files = committed_files(self.directory, self._seen)
            except (OSError, ValueError, KeyError, TypeError):
                return f"{META} cannot be read"
            self._meta_stamp = meta_stamp
        for name in sorted(self._files):
            try:
                info = (self.directory / name).stat()
            except OSError:
                return f"{name} is missing"
            stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
            if self._seen.setdefault(name, stamp) != stamp:
                return f"{name} changed after it was committed"
        return None


def probe(directory: Path) -> int:
    """Open the index in `directory` and read every part of it: term dictionaries, postings,
    positions, fast fields. Raises (or dies) on damage; returns the number of documents."""
    if not (directory / META).is_file():
        raise FileNotFoundError(f"{META} is missing")  # tantivy would silently create an empty index
    fields = json.loads((directory / META).read_text())["schema"]
    index = tantivy.Index.open(str(directory))
    schema = index.schema
    searcher = index.searcher()
    every = searcher.search(tantivy.Query.all_query(), limit=max(1, searcher.num_docs), count=True)
    addresses = [address for _, address in every.hits]
    for field in fields:
        name, kind, options = field["name"], field["type"], field.get("options", {})
        if kind == "text":
            if options.get("indexing"):
                terms = searcher.terms_with_prefix(name, "")
                searcher.search(tantivy.Query.regex_query(schema, name, ".*"), limit=1, count=True)
                if len(terms) >= 2 and options["indexing"].get("record") == "position":
                    words: list[str | tuple[int, str]] = [terms[0][0], terms[1][0]]
                    searcher.search(tantivy.Query.phrase_query(schema, name, words), limit=1, count=True)
            if options.get("fast"):
                searcher.aggregate(tantivy.Query.all_query(), {name: {"terms": {"field": name}}})
        elif kind in _NUMERIC:
            if options.get("fast"):
                searcher.fast_field_values(name, addresses)
            if options.get("indexed"):
                query = tantivy.Query.range_query(
                    schema, name, _NUMERIC[kind], lower_bound=_LOWEST[kind], use_inverted_index=True
                )
                searcher.search(query, limit=1, count=True)
        elif kind == "bool" and options.get("indexed"):
            searcher.search(tantivy.Query.term_query(schema, name, True), limit=1, count=True)
    return searcher.num_docs


def verify_in_child(directory: Path, *, timeout: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """Run `probe` on `directory` in a child process: None when it succeeds, else what went wrong.

    A crash there (SIGBUS, an abort) costs the child, not this process. When no child can be
    started at all, the generation is not condemned: None, and the in-process guards still apply.
    """
    package_root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    command = [sys.executable, "-m", "search.tantivy_integrity", str(directory)]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"reading the index did not finish within {timeout:.0f} s"
    except OSError:
        return None
    if done.returncode == 0:
        return None
    if done.returncode < 0:
        return f"reading the index killed the process (signal {-done.returncode})"
    lines = done.stderr.strip().splitlines()
    return lines[-1][:300] if lines else f"reading the index failed (exit {done.returncode})"


def main(argv: list[str]) -> int:
    """The child's side of `verify_in_child`: exit 0 when the index reads back, 1 with the reason."""
    try:
        probe(Path(argv[1]))
    except BaseException as error:  # a tantivy panic is a BaseException; report every kind the same way
        print(f"{type(error).__name__}: {error}".replace("\n", " "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
