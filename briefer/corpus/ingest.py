"""Incremental, crash-safe ingestion: files → chunks → vectors → store.

The document index (:class:`briefer.corpus.doc_index.DocIndex`, ``manifest.json``, kept by the
store: a
file beside a local store, a record in a ``<collection>_state`` collection on a Chroma server)
records each ingested file's sha256 and chunk
count. Before a file's chunks are touched its source is written to ``pending``; the entry is
committed only after every chunk is in the store. A run that finds a pending source (a crash)
deletes whatever that source left behind and ingests it again, so a killed ingest never leaves
duplicate or orphan chunks, nor a document counted as ingested that is not fully there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefer.core.errors import CorpusError
from briefer.core.schemas import Chunk, IngestSummary, SkippedFile
from briefer.corpus.chunking import CHUNKING_VERSION, split_document
from briefer.corpus.doc_index import DocIndex, reconcile, recover
from briefer.corpus.injection import flag_warnings
from briefer.corpus.loaders import Document, SkipFile, load
from briefer.store.chroma import ChunkStore
from briefer.store.embed import Embedder, sha256_file
from briefer.store.lexical import LexicalIndex

Counter = Callable[[int, int, str], None]  # ingest progress: done, total, what
_IGNORED_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".briefer"}


@dataclass
class _Planned:
    path: Path
    source: str
    sha256: str
    chunks: list[Chunk]
    title: str
    date: str | None
    chunking: str
    update: bool


@dataclass(frozen=True)
class _Reading:
    """How a file becomes chunks: the tokenizer, the chunk sizes and the per-file limits."""

    embedder: Embedder
    chunk_tokens: int
    overlap_tokens: int
    max_file_bytes: int | None
    max_chunks_per_doc: int | None

    @property
    def chunking(self) -> str:
        """How its chunks were cut: a file cut another way is cut again, though unchanged."""
        return chunking(self.chunk_tokens, self.overlap_tokens)


def chunking(chunk_tokens: int, overlap_tokens: int) -> str:
    """How a store entry's file was cut into chunks (recorded as its ``chunking``)."""
    return f"{CHUNKING_VERSION} {chunk_tokens}/{overlap_tokens}"


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[SkippedFile]]:
    """Every file under ``paths`` as (path, source relative to its ingest root)."""
    found: list[tuple[Path, str]] = []
    skipped: list[SkippedFile] = []
    for given in paths:
        root = given.expanduser()
        if not root.exists():
            raise CorpusError(f"no such file or folder: {given}")
        if root.is_file():
            found.append((root.resolve(), root.name))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_DIRS)
            for name in sorted(filenames):
                path = Path(dirpath) / name
                rel = path.relative_to(root).as_posix()
                if name.startswith(".") or path.is_symlink() and not path.exists():
                    skipped.append(SkippedFile(path=rel, reason="hidden file or broken link"))
                    continue
                found.append((path.resolve(), rel))
    return _each_source_once(found, skipped), skipped


def _each_source_once(found: list[tuple[Path, str]],
                      skipped: list[SkippedFile]) -> list[tuple[Path, str]]:
    """A file given twice is read once; a second, different file with the same relative name
    (from another ingest root) is skipped: one source, one file, or their chunks would mix."""
    first: dict[str, Path] = {}
    out: list[tuple[Path, str]] = []
    for path, source in found:
        if source not in first:
            first[source] = path
            out.append((path, source))
        elif first[source] != path:
            skipped.append(SkippedFile(path=source, reason=f"same name as {first[source]}, "
                                       f"given earlier: {path} was not ingested (ingest "
                                       "their common folder instead)"))
    return out


def same_content(plans: list[_Planned], manifest: DocIndex) -> list[str]:
    """A warning for each new document whose bytes equal another's (both are kept)."""
    owners = {str(d["sha256"]): s for s, d in manifest.docs.items()}
    out = []
    for plan in plans:
        other = owners.setdefault(plan.sha256, plan.source)
        if other != plan.source:
            out.append(f"{plan.source}: same content as {other}; both are kept, so a search "
                       "may return both")
    return out


def ingest(
    paths: Iterable[Path],
    *,
    store: ChunkStore,
    embedder: Embedder,
    state_dir: Path,
    chunk_tokens: int = 200,
    overlap_tokens: int = 32,
    batch_size: int = 64,
    prune: bool = False,
    progress: Counter | None = None,
    max_file_bytes: int | None = None,
    max_chunks_per_doc: int | None = None,
) -> IngestSummary:
    """Ingest ``paths`` into ``store``. The caller holds the store's writer lock
    (:meth:`Workspace.ingest` does); files over ``max_file_bytes`` are skipped unread."""
    started = time.perf_counter()
    paths = list(paths)
    manifest = DocIndex.load(store)
    summary = IngestSummary(store=store.location)
    _repair(store, manifest, summary)

    files, summary.skipped = discover(paths)
    if not files and not summary.skipped:
        raise CorpusError("no files to ingest in " + ", ".join(str(p) for p in paths))

    reading = _Reading(embedder, chunk_tokens, overlap_tokens, max_file_bytes,
                       max_chunks_per_doc)
    plans: list[_Planned] = []
    for number, (path, source) in enumerate(files, start=1):
        if progress:
            progress(number, len(files), f"reading {source}")
        plan = _plan(path, source, reading, manifest, summary)
        if plan is not None:
            plans.append(plan)
    summary.warnings.extend(same_content(plans, manifest))
    _embed_and_commit(plans, embedder, 8 * batch_size, store, manifest, summary, progress)
    if prune:
        _prune(store, manifest, {source for _, source in files}, summary)

    ensure_lexical(store, manifest, state_dir, force=bool(plans or summary.removed))
    summary.chunks_total = store.count()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _repair(store: ChunkStore, manifest: DocIndex, summary: IngestSummary) -> None:
    """Undo a killed run and re-sync the manifest with the store, with a warning per source."""
    for source in recover(store, manifest):
        summary.warnings.append(f"{source}: an earlier ingest was interrupted; its chunks were "
                                "removed and it is ingested again if it still exists")
    for source in reconcile(store, manifest):
        summary.warnings.append(f"{source}: its chunks in the store did not match the manifest "
                                "(was the store folder changed?); ingesting it again")


def _plan(path: Path, source: str, reading: _Reading, manifest: DocIndex,
          summary: IngestSummary) -> _Planned | None:
    """One file's chunks to write, or None (unchanged or skipped: recorded in ``summary``)."""
    digest = _digest(path, source, reading.max_file_bytes, summary)
    if digest is None:
        return None
    entry = manifest.docs.get(source)
    if entry and entry["sha256"] == digest and entry.get("chunking") == reading.chunking:
        summary.unchanged.append(source)
        return None
    doc = _load(path, source, summary)
    if doc is None:
        return None
    chunks = split_document(doc, source=source, doc_hash=digest,
                            length=reading.embedder.count_tokens, size=reading.chunk_tokens,
                            overlap=reading.overlap_tokens)
    summary.warnings.extend(doc.warnings)
    summary.warnings.extend(flag_warnings(source, chunks))
    limit = reading.max_chunks_per_doc
    if limit is not None and len(chunks) > limit:
        summary.warnings.append(
            f"{source}: {len(chunks)} chunks, more than {limit} "
            "(setting ingest.max_chunks_per_doc); ingested anyway")
    if not chunks:
        summary.skipped.append(SkippedFile(path=source, reason="no text to index"))
        return None
    return _Planned(path, source, digest, chunks, doc.title, doc.date, reading.chunking,
                    update=entry is not None)


def _digest(path: Path, source: str, max_file_bytes: int | None,
            summary: IngestSummary) -> str | None:
    """The file's sha256, or None when it is too large or unreadable (skipped)."""
    try:
        size = path.stat().st_size
        if max_file_bytes is not None and size > max_file_bytes:
            summary.skipped.append(SkippedFile(
                path=source, reason=f"too large: {size / 1e6:.3g} MB, over the "
                f"{max_file_bytes / 1e6:g} MB limit (setting ingest.max_file_mb)"))
            return None
        return sha256_file(path)
    except OSError as exc:
        summary.skipped.append(SkippedFile(path=source, reason=f"unreadable: {exc}"))
        return None


def _load(path: Path, source: str, summary: IngestSummary) -> Document | None:
    """The parsed file, or None when it cannot be read (skipped, with a warning if broken)."""
    try:
        return load(path)
    except SkipFile as why:
        summary.skipped.append(SkippedFile(path=source, reason=str(why)))
    except CorpusError as exc:
        summary.skipped.append(SkippedFile(path=source, reason=str(exc)))
        summary.warnings.append(f"{source}: {exc}")
    except Exception as exc:  # a parser library's own error: one bad file never stops a run
        summary.skipped.append(SkippedFile(path=source, reason=f"unreadable: {exc}"))
        summary.warnings.append(f"{source}: {type(exc).__name__}: {exc}")
    return None


def _embed_and_commit(plans: list[_Planned], embedder: Embedder, group_chunks: int,
                      store: ChunkStore, manifest: DocIndex, summary: IngestSummary,
                      progress: Counter | None) -> None:
    """Embed several documents' chunks together (about ``group_chunks`` at a time: the embedder
    sorts them by length, so batches stay tight), then write and commit each document in turn."""
    total = sum(len(p.chunks) for p in plans)
    done = 0
    group: list[_Planned] = []
    for i, plan in enumerate(plans):
        group.append(plan)
        if sum(len(p.chunks) for p in group) < group_chunks and i + 1 < len(plans):
            continue
        vectors = embedder.embed([c.text for p in group for c in p.chunks])
        offset = 0
        for member in group:
            n = len(member.chunks)
            _commit(member, vectors[offset: offset + n], store, manifest, summary)
            offset += n
            done += n
            if progress:
                progress(done, total, f"embedded {member.source}")
        group = []


def _prune(store: ChunkStore, manifest: DocIndex, seen: set[str],
           summary: IngestSummary) -> None:
    """Remove the chunks of every source not seen in this run whose file is gone."""
    for source, entry in sorted(manifest.docs.items()):
        if source not in seen and not Path(entry.get("path", "")).exists():
            summary.chunks_removed += drop_source(store, manifest, source)
            summary.removed.append(source)


def drop_source(store: ChunkStore, manifest: DocIndex, source: str) -> int:
    """Remove one document, crash-safely: pending → delete its chunks → drop its entry (a run
    killed in between is undone by ``recover``). The number of chunks deleted."""
    manifest.pending = [source]
    manifest.save()
    removed = store.delete_source(source)
    del manifest.docs[source]
    manifest.pending = []
    manifest.save()
    return removed


def _commit(plan: _Planned, vectors: Any, store: ChunkStore, manifest: DocIndex,
            summary: IngestSummary) -> None:
    """Replace one document's chunks: pending → delete old → add new → commit the entry."""
    manifest.pending = [plan.source]
    manifest.save()
    if plan.update:
        summary.chunks_removed += store.delete_source(plan.source)
    for b in range(0, len(plan.chunks), 1000):
        store.add(plan.chunks[b: b + 1000], vectors[b: b + 1000])
    manifest.docs[plan.source] = {
        "sha256": plan.sha256, "chunks": len(plan.chunks), "path": str(plan.path),
        "title": plan.title, "date": plan.date, "ingested_at": time.time(),
        "chunking": plan.chunking,
    }
    manifest.pending = []
    manifest.save()
    (summary.updated if plan.update else summary.added).append(plan.source)
    summary.chunks_added += len(plan.chunks)


def ensure_lexical(store: ChunkStore, manifest: DocIndex, state_dir: Path,
                   force: bool = False) -> LexicalIndex:
    """The BM25 index for the store's current content, rebuilt when missing or stale."""
    folder = state_dir / "bm25"
    fingerprint = manifest.fingerprint()
    if not force:
        index = LexicalIndex.load(folder)
        if index is not None and index.fingerprint == fingerprint:
            return index
    index = LexicalIndex.build(store.iter_chunks(), fingerprint)
    try:
        index.save(folder)
    except OSError:  # a cache (e.g. the disk is full): this run uses it from memory, the next
        pass         # run that finds it missing builds it again
    return index
