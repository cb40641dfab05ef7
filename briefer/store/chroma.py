"""ChunkStore protocol and its Chroma implementation: the only module that imports chromadb.

Vectors are always computed by Briefer's own embedder and passed in explicitly, so a collection
never depends on Chroma's default embedding function (which tries to download a model).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from briefer.core.errors import StoreError
from briefer.core.fileio import write_atomic
from briefer.core.schemas import Chunk, Flag

_META_KEYS = ("source", "title", "date", "page", "section", "table_header", "start", "end",
              "position", "doc_hash")


class ChunkStore(Protocol):
    """What the pipeline needs from a vector store."""

    location: str

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...

    def delete_source(self, source: str) -> int: ...

    def get(self, ids: Sequence[str]) -> list[Chunk]: ...

    def query(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        ...

    def count(self) -> int: ...

    def iter_chunks(self, batch: int = 2000) -> Iterator[Chunk]: ...

    def of_sources(self, sources: Sequence[str]) -> list[Chunk]:
        """Every chunk of these documents, in document order."""
        ...

    def read_state(self, name: str) -> str | None:
        """A small named text (the ingest manifest) kept with the store, or None."""
        ...

    def write_state(self, name: str, text: str) -> None:
        """Replace the named text atomically."""
        ...


def _to_meta(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key in _META_KEYS:
        value = getattr(chunk, key)
        if value is not None:
            meta[key] = value
    if chunk.flags is not None:  # "[]": screened, nothing found
        meta["flags"] = json.dumps([[f.start, f.end, f.reason] for f in chunk.flags])
    return meta


def _flags(raw: Any) -> tuple[Flag, ...] | None:
    if not isinstance(raw, str):
        return None  # a chunk stored before ingest screened for instructions
    try:
        return tuple(Flag(start=int(s), end=int(e), reason=str(r)) for s, e, r in json.loads(raw))
    except (ValueError, TypeError):
        return None


def _from_record(chunk_id: str, text: str, meta: Any) -> Chunk:
    return Chunk(
        id=chunk_id,
        text=text,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        date=meta.get("date"),
        page=meta.get("page"),
        section=str(meta.get("section", "")),
        table_header=str(meta.get("table_header", "")),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        position=int(meta.get("position", 0)),
        doc_hash=str(meta.get("doc_hash", "")),
        flags=_flags(meta.get("flags")),
    )


class ChromaStore:
    """A Chroma collection: in a local folder (PersistentClient), on a Chroma server
    (HttpClient, ``url=``), or in memory (EphemeralClient, no path and no url).

    The store also keeps small named texts (the ingest manifest): files beside a local store,
    records of a ``<collection>_state`` collection on a server, a dict in memory.
    """

    def __init__(self, path: Path | None, collection: str = "briefer_chunks", *,
                 url: str | None = None, headers: dict[str, str] | None = None) -> None:
        if len(collection) < 3:
            raise StoreError(f"collection name '{collection}' is too short (Chroma needs >= 3)")
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings
        except ImportError as exc:  # pragma: no cover - a dependency
            raise StoreError(f"chromadb is not installed: {exc}") from None
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self._path = path
        self._count: int | None = None  # cached for queries; reset by every write
        self._memory: dict[str, str] = {}
        self._state: Any = None
        try:
            if url is not None:
                from urllib.parse import urlparse

                parsed = urlparse(url if "://" in url else f"http://{url}")
                if not parsed.hostname:
                    raise StoreError(f"not a Chroma server URL: {url}")
                port = parsed.port or (443 if parsed.scheme == "https" else 8000)
                self._client = chromadb.HttpClient(
                    host=parsed.hostname, port=port, ssl=parsed.scheme == "https",
                    headers=headers or {}, settings=settings)
                self.location = f"{url} (collection {collection})"
                self._state = self._client.get_or_create_collection(
                    f"{collection}_state", embedding_function=None)
            elif path is None:
                self._client = chromadb.EphemeralClient(settings=settings)
                self.location = "memory"
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path / "chroma"),
                                                         settings=settings)
                self.location = str(path)
            self._col = self._client.get_or_create_collection(
                collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many untyped errors
            where = url or path or "memory"
            raise StoreError(f"cannot open the Chroma store at {where}: "
                             f"{' '.join(str(exc).split())[:300]}") from None

    def read_state(self, name: str) -> str | None:
        if self._state is not None:
            try:
                res = self._state.get(ids=[name], include=["documents"])
            except Exception as exc:
                raise StoreError(f"cannot read {name} from {self.location}: {exc}") from None
            docs = res.get("documents") or []
            return str(docs[0]) if docs and docs[0] is not None else None
        if self._path is None:
            return self._memory.get(name)
        file = self._path / name
        try:
            return file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise StoreError(f"cannot read {name} in the store at {self.location}: "
                             f"{why or exc}") from None

    def write_state(self, name: str, text: str) -> None:
        if self._state is not None:
            try:  # one record: an upsert is atomic
                self._state.upsert(ids=[name], documents=[text], embeddings=[[0.0]])
            except Exception as exc:
                raise StoreError(f"cannot write {name} to {self.location}: {exc}") from None
            return
        if self._path is None:
            self._memory[name] = text
            return
        try:
            (self._path / name).parent.mkdir(parents=True, exist_ok=True)  # "briefs/<id>.json"
            write_atomic(self._path / name, text)
        except OSError as exc:
            raise StoreError(f"cannot write {name} in the store at {self.location}: "
                             f"{exc.strerror or exc}") from None

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._count = None
        try:
            self._col.upsert(
                ids=[c.id for c in chunks],
                embeddings=np.asarray(vectors, dtype=np.float32),
                documents=[c.text for c in chunks],
                metadatas=[_to_meta(c) for c in chunks],
            )
        except Exception as exc:
            raise StoreError(f"cannot write to the store at {self.location}: {exc}") from None

    def delete_source(self, source: str) -> int:
        try:
            self._count = None
            found = self._col.get(where={"source": source}, include=[])
            ids = found["ids"]
            if ids:
                self._col.delete(ids=ids)
            return len(ids)
        except Exception as exc:
            raise StoreError(f"cannot delete from the store at {self.location}: {exc}") from None

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        if not ids:
            return []
        try:
            res = self._col.get(ids=list(ids), include=["documents", "metadatas"])
        except Exception as exc:
            raise self._error("read", exc) from None
        by_id = {
            i: _from_record(i, d or "", m or {})
            for i, d, m in zip(res["ids"], res["documents"] or [], res["metadatas"] or [],
                               strict=False)
        }
        return [by_id[i] for i in ids if i in by_id]

    def query(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        if self._count is None:
            self._count = self.count()
        total = self._count
        if total == 0:
            return []
        try:
            res = self._col.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                n_results=min(n, total), include=["distances"])
        except Exception as exc:
            raise self._error("search", exc) from None
        ids = res["ids"][0]
        dists = (res["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=False)]

    def count(self) -> int:
        try:
            return int(self._col.count())
        except Exception as exc:
            raise self._error("read", exc) from None

    def _error(self, what: str, exc: Exception) -> StoreError:
        return StoreError(f"cannot {what} the store at {self.location}: "
                          f"{' '.join(str(exc).split())[:300]}")

    def of_sources(self, sources: Sequence[str]) -> list[Chunk]:
        if not sources:
            return []
        try:
            where: Any = {"source": {"$in": list(sources)}}
            res = self._col.get(where=where, include=["documents", "metadatas"])
        except Exception as exc:
            raise self._error("read", exc) from None
        chunks = [_from_record(i, d or "", m or {}) for i, d, m in zip(
            res["ids"], res["documents"] or [], res["metadatas"] or [], strict=False)]
        return sorted(chunks, key=lambda c: (c.source, c.position))

    def iter_chunks(self, batch: int = 2000) -> Iterator[Chunk]:
        offset = 0
        while True:
            try:
                res = self._col.get(include=["documents", "metadatas"], limit=batch,
                                    offset=offset)
            except Exception as exc:
                raise self._error("read", exc) from None
            ids = res["ids"]
            if not ids:
                return
            for i, d, m in zip(ids, res["documents"] or [], res["metadatas"] or [],
                               strict=False):
                yield _from_record(i, d or "", m or {})
            offset += len(ids)
