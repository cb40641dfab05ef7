"""The document index of a store, and its repair after a crash or a partly deleted store.

See :mod:`briefer.corpus.ingest` for how ingestion keeps it consistent with the chunks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from briefer.core.errors import StoreError
from briefer.store.chroma import ChunkStore

MANIFEST = "manifest.json"


@dataclass
class DocIndex:
    """What is ingested: each source's sha256 and chunk count, and the sources mid-write.

    Stored as ``manifest.json`` by the store (its on-disk name; not the run :class:`Manifest`
    of :mod:`briefer.core.schemas`, which records how a brief was made).
    """

    store: ChunkStore
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)
    _fingerprint: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, store: ChunkStore) -> DocIndex:
        text = store.read_state(MANIFEST)
        if text is None:
            return cls(store)
        try:
            data = json.loads(text)
            return cls(store, dict(data.get("docs", {})), list(data.get("pending", [])))
        except ValueError as exc:
            raise StoreError(f"the manifest of the store at {store.location} is unreadable "
                             f"({exc}); delete the store and ingest again") from None

    def save(self) -> None:
        self._fingerprint = None
        self.store.write_state(MANIFEST, json.dumps(
            {"version": 1, "docs": self.docs, "pending": self.pending}, indent=1,
            sort_keys=True))

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            items = sorted((s, d["sha256"], d["chunks"], d.get("chunking", ""))
                           for s, d in self.docs.items())
            self._fingerprint = hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]
        return self._fingerprint


def recover(store: ChunkStore, manifest: DocIndex) -> list[str]:
    """Undo a run that was killed: drop every chunk of a source that was mid-write."""
    recovered = list(manifest.pending)
    for source in recovered:
        store.delete_source(source)
        manifest.docs.pop(source, None)
    if recovered:
        manifest.pending = []
        manifest.save()
    return recovered


def reconcile(store: ChunkStore, manifest: DocIndex) -> list[str]:
    """Make the manifest agree with the chunks really in the store (a store folder partly
    deleted or restored between runs): sources whose chunks are missing or extra lose their
    entry and their chunks, so this run ingests them again. One count when all is well."""
    expected = sum(int(d.get("chunks", 0)) for d in manifest.docs.values())
    if store.count() == expected:
        return []
    found: dict[str, int] = {}
    for chunk in store.iter_chunks():
        found[chunk.source] = found.get(chunk.source, 0) + 1
    stale = sorted(s for s, d in manifest.docs.items() if found.get(s, 0) != d.get("chunks"))
    stale += sorted(s for s in found if s not in manifest.docs)
    for source in stale:
        if source in found:
            store.delete_source(source)
        manifest.docs.pop(source, None)
    manifest.save()
    return stale
