"""A Workspace ties settings to a store, an embedder and the store's state files, lazily.

It is what the CLI, the REPL and library callers hand to the pipeline functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from briefer.core.schemas import IngestSummary, SearchResult
from briefer.core.settings import Settings
from briefer.corpus.doc_index import DocIndex
from briefer.corpus.forget import ForgetSummary, forget
from briefer.corpus.ingest import Counter, chunking, ensure_lexical, ingest
from briefer.corpus.lock import Notice, file_lock, lease_lock
from briefer.store.chroma import ChromaStore, ChunkStore
from briefer.store.embed import Embedder, MiniLMEmbedder
from briefer.store.lexical import LexicalIndex
from briefer.store.retrieve import Filters, search


def default_store_path(settings: Settings) -> Path:
    """The local store folder, or for a Chroma server the local cache of its BM25 index."""
    from platformdirs import user_cache_path

    if settings.store.url:
        import hashlib

        key = hashlib.sha256(f"{settings.store.url}|{settings.store.collection}".encode())
        return user_cache_path("briefer", appauthor=False) / "remote" / key.hexdigest()[:16]
    if settings.store.path is not None:
        return settings.store.path.expanduser()
    local = Path(".briefer")
    if local.is_dir():
        return local
    from platformdirs import user_data_path

    return user_data_path("briefer", appauthor=False) / "store"


@dataclass
class Workspace:
    settings: Settings
    state_dir: Path
    _store: ChunkStore | None = None
    _embedder: Embedder | None = None
    _lexical: LexicalIndex | None = field(default=None, repr=False)
    _manifest: DocIndex | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings, *, store: ChunkStore | None = None,
             embedder: Embedder | None = None, state_dir: Path | None = None) -> Workspace:
        return cls(settings, state_dir or default_store_path(settings), store, embedder)

    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            s = self.settings.store
            if s.url:
                headers = dict(s.headers)
                if s.token:
                    headers.setdefault("Authorization", f"Bearer {s.token}")
                self._store = ChromaStore(None, s.collection, url=s.url, headers=headers)
            else:
                self._store = ChromaStore(self.state_dir, s.collection)
        return self._store

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = MiniLMEmbedder(batch_size=self.settings.ingest.batch_size)
        return self._embedder

    @property
    def manifest(self) -> DocIndex:
        """The store's manifest, read once per workspace (and again after an ingest)."""
        if self._manifest is None:
            self._manifest = DocIndex.load(self.store)
        return self._manifest

    def is_empty(self) -> bool:
        return not self.manifest.docs

    def lexical(self) -> LexicalIndex:
        if self._lexical is None:
            self._lexical = ensure_lexical(self.store, self.manifest, self.state_dir)
        return self._lexical

    def fingerprint(self) -> str:
        return self.manifest.fingerprint()

    def writer_lock(self, *, wait: bool = False,
                    on_wait: Notice | None = None) -> AbstractContextManager[None]:
        """The store's writer lock: a lock file for a local store, a lease on a server."""
        if self.settings.store.url:
            return lease_lock(self.store, wait=wait, on_wait=on_wait,
                              ttl=self.settings.store.lease_seconds)
        return file_lock(self.state_dir, wait=wait, on_wait=on_wait)

    def cut_otherwise(self) -> int:
        """How many of the store's documents were cut into chunks another way (an older
        Briefer, other chunk sizes): the next ingest of their folders cuts them again."""
        s = self.settings.ingest
        now = chunking(s.chunk_tokens, s.overlap_tokens)
        return sum(d.get("chunking") != now for d in self.manifest.docs.values())

    def ingest(self, paths: Iterable[Path], *, prune: bool = False,
               progress: Counter | None = None, wait: bool = False,
               on_wait: Notice | None = None) -> IngestSummary:
        """Ingest under the writer lock (``wait``: queue behind another writer, else fail)."""
        s = self.settings.ingest
        try:
            with self.writer_lock(wait=wait, on_wait=on_wait):
                return ingest(paths, store=self.store, embedder=self.embedder,
                              state_dir=self.state_dir, chunk_tokens=s.chunk_tokens,
                              overlap_tokens=s.overlap_tokens, batch_size=s.batch_size,
                              prune=prune, progress=progress,
                              max_file_bytes=int(s.max_file_mb * 1_000_000),
                              max_chunks_per_doc=s.max_chunks_per_doc)
        finally:
            self._lexical = None
            self._manifest = None

    def forget(self, patterns: Iterable[str], *, wait: bool = False,
               on_wait: Notice | None = None) -> ForgetSummary:
        """Remove the documents ``patterns`` name (sources, globs, paths, folders) under the
        writer lock; see :func:`briefer.corpus.forget.forget`."""
        try:
            with self.writer_lock(wait=wait, on_wait=on_wait):
                return forget(patterns, store=self.store, state_dir=self.state_dir)
        finally:
            self._lexical = None
            self._manifest = None

    def search(self, query: str, *, k: int | None = None, filters: Filters | None = None,
               keep: int = 0) -> SearchResult:
        """The ``k`` best passages (hybrid, :func:`briefer.store.retrieve.search`); ``keep``:
        each ranking's best that many among them."""
        r = self.settings.retrieval
        return search(query, store=self.store, embedder=self.embedder, lexical=self.lexical(),
                      k=k or r.k, candidates=r.candidates, rrf_k=r.rrf_k, filters=filters,
                      keep=keep)

    def opening(self, source: str) -> str:
        """A document's opening: its first passage (title, dateline, first paragraph), where a
        report says once which event it covers; "" for a document the store does not hold."""
        first = min(self.store.of_sources([source]), key=lambda c: c.position, default=None)
        return first.text if first is not None else ""
