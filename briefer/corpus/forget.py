"""What the store holds, document by document (`brief sources`), and taking documents out of it
(`brief forget`).

Forgetting a source follows ingest's crash-safety protocol (:mod:`briefer.corpus.ingest`): its
name goes to the manifest's ``pending`` before its chunks are deleted and leaves with its entry,
so a run killed mid-way is undone by :func:`briefer.corpus.doc_index.recover` on the next write.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from briefer.core.errors import ConfigError, StoreError
from briefer.corpus.doc_index import DocIndex, recover
from briefer.corpus.ingest import drop_source, ensure_lexical
from briefer.store.chroma import ChunkStore


class SourceInfo(BaseModel):
    """One ingested document, as `brief sources` lists it."""

    source: str = Field(description="Path relative to the ingest root, with forward slashes.")
    path: str = Field(description="The file's absolute path when it was ingested.")
    title: str = ""
    date: str | None = Field(None, description="ISO date (YYYY-MM-DD) when the document has one.")
    chunks: int = Field(description="Chunks of the document in the store.")
    flagged: int = Field(description="Chunks holding at least one instruction-like span.")
    ingested_at: datetime | None = Field(None, description="When it was ingested (UTC).")


class ForgetSummary(BaseModel):
    removed: list[str] = Field(default_factory=list, description="Sources taken out, sorted.")
    chunks_removed: int = 0
    chunks_total: int = Field(0, description="Chunks left in the store.")


class _Opened(Protocol):
    """What :func:`sources` reads of a :class:`briefer.corpus.workspace.Workspace`."""

    @property
    def store(self) -> ChunkStore: ...

    @property
    def manifest(self) -> DocIndex: ...


def sources(workspace: _Opened) -> list[SourceInfo]:
    """Every ingested document, sorted by source; flagged chunks counted in one pass."""
    docs = workspace.manifest.docs
    if not docs:
        return []
    flagged: dict[str, int] = {}
    for chunk in workspace.store.iter_chunks():
        if chunk.flags:
            flagged[chunk.source] = flagged.get(chunk.source, 0) + 1
    return [_info(source, entry, flagged.get(source, 0)) for source, entry in sorted(docs.items())]


def _info(source: str, entry: dict[str, Any], flagged: int) -> SourceInfo:
    stamp = entry.get("ingested_at")
    return SourceInfo(
        source=source, path=str(entry.get("path", "")), title=str(entry.get("title") or ""),
        date=entry.get("date"), chunks=int(entry.get("chunks", 0)), flagged=flagged,
        ingested_at=(datetime.fromtimestamp(float(stamp), tz=timezone.utc)
                     if isinstance(stamp, int | float) else None))


def matches(pattern: str, source: str, path: str) -> bool:
    """``pattern`` names the document: its source, a glob over sources, its absolute path, or
    a folder above that path (compared as paths: the folder need not exist any more)."""
    if pattern == source or fnmatch.fnmatch(source, pattern):
        return True
    if not path or not pattern:
        return False
    given = Path(pattern).expanduser().resolve()
    return Path(path).is_relative_to(given)


def forget(patterns: Iterable[str], *, store: ChunkStore, state_dir: Path) -> ForgetSummary:
    """Remove every document a pattern matches, then rebuild the BM25 index once. The caller
    holds the store's writer lock (:meth:`Workspace.forget` does). A pattern that matches no
    document is a StoreError, and then nothing is removed."""
    patterns = list(patterns)
    if not patterns:
        raise ConfigError("nothing to forget: name a source, a glob or a path")
    manifest = DocIndex.load(store)
    recover(store, manifest)  # a killed run's pending source first: pending holds one at a time
    chosen: set[str] = set()
    unmatched = []
    for pattern in patterns:
        hits = {s for s, d in manifest.docs.items() if matches(pattern, s, str(d.get("path", "")))}
        if not hits:
            unmatched.append(f"'{pattern}'")
        chosen |= hits
    if unmatched:
        raise StoreError(f"no ingested document matches {' or '.join(unmatched)}; "
                         "`brief sources` lists them")
    summary = ForgetSummary(removed=sorted(chosen))
    for source in summary.removed:
        summary.chunks_removed += drop_source(store, manifest, source)
    ensure_lexical(store, manifest, state_dir, force=True)
    summary.chunks_total = store.count()
    return summary
