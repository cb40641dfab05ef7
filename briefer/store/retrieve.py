"""Hybrid retrieval: dense (Chroma) + BM25 (bm25s), fused by reciprocal rank, then filtered."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from briefer.core.schemas import Chunk, Hit, SearchResult
from briefer.store.chroma import ChunkStore
from briefer.store.embed import Embedder
from briefer.store.lexical import LexicalIndex


@dataclass(frozen=True)
class Filters:
    sources: Sequence[str] = ()  # globs over the source path relative to the ingest root
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    exclude: Sequence[str] = ()  # globs over the source path, or its file name, never retrieved

    def active(self) -> bool:
        return bool(self.sources or self.date_from or self.date_to or self.exclude)

    def accepts(self, chunk: Chunk) -> bool:
        if self.exclude and excluded(chunk.source, self.exclude):
            return False
        if self.sources and not any(fnmatch.fnmatch(chunk.source, g) for g in self.sources):
            return False
        if self.date_from or self.date_to:
            if chunk.date is None:
                return False
            if self.date_from and chunk.date < self.date_from:
                return False
            if self.date_to and chunk.date > self.date_to:
                return False
        return True


def excluded(source: str, globs: Sequence[str]) -> bool:
    """``source`` matches one of ``globs`` (on its path relative to the ingest root, or its file
    name alone)."""
    name = source.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(source, g) or fnmatch.fnmatch(name, g) for g in globs)


def rrf(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: score(d) = sum over rankings of 1 / (k + rank)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def with_heads(fused: list[tuple[str, float]], rankings: Sequence[Sequence[str]], keep: int,
               k: int) -> list[tuple[str, float]]:
    """``fused`` with each ranking's ``keep`` best candidates among its first ``k``, in fused
    order (the fused list's best fill the rest). Fusion by rank rewards the passages both
    rankings put fairly high and can drop the one that only one ranking puts first: a passage
    that holds the question's words verbatim inside a list about many things (lexical 1st,
    dense 55th), or the one closest in meaning to a question worded unlike it."""
    if keep <= 0:
        return fused
    heads = {cid for ranking in rankings for cid in ranking[:keep]}
    room = max(k - len(heads), 0)
    chosen = heads | {cid for cid, _ in [x for x in fused if x[0] not in heads][:room]}
    return [x for x in fused if x[0] in chosen] + [x for x in fused if x[0] not in chosen]


def search(
    query: str,
    *,
    store: ChunkStore,
    embedder: Embedder,
    lexical: LexicalIndex | None,
    k: int = 6,
    candidates: int = 50,
    rrf_k: int = 60,
    filters: Filters | None = None,
    keep: int = 0,
) -> SearchResult:
    """The ``k`` best passages for ``query`` by reciprocal-rank fusion of the dense and the
    lexical ranking; with ``keep``, each ranking's ``keep`` best candidates are among them
    (:func:`with_heads`)."""
    filters = filters or Filters()
    pool = candidates * (4 if filters.active() else 1)
    pool = max(pool, k)
    vector = embedder.embed([query])[0]
    dense_hits = store.query(vector, pool)
    similarity = dict(dense_hits)
    dense = [cid for cid, _ in dense_hits]
    sparse = [cid for cid, _ in lexical.search(query, pool)] if lexical else []
    fused = with_heads(rrf([dense, sparse], k=rrf_k), [dense, sparse], keep, k)
    hits: list[Hit] = []
    # fetch in slices so that filters can drop candidates without a second query
    for b in range(0, len(fused), max(k * 2, 16)):
        window = fused[b: b + max(k * 2, 16)]
        chunks = {c.id: c for c in store.get([cid for cid, _ in window])}
        for cid, score in window:
            chunk = chunks.get(cid)
            if chunk is None or not filters.accepts(chunk):
                continue
            hits.append(Hit(rank=len(hits) + 1, chunk_id=cid, source=chunk.source,
                            title=chunk.title, score=round(score, 6), start=chunk.start,
                            end=chunk.end, text=chunk.text, page=chunk.page, date=chunk.date,
                            similarity=similarity.get(cid), chunk=chunk))
            if len(hits) == k:
                return SearchResult(query=query, hits=hits)
    return SearchResult(query=query, hits=hits)


def fuse(results: Sequence[SearchResult], k: int, rrf_k: int = 60) -> list[Chunk]:
    """The top ``k`` chunks over several searches, by reciprocal rank (chunks from the hits:
    no second trip to the store)."""
    found = {h.chunk_id: h.chunk for r in results for h in r.hits if h.chunk is not None}
    ranked = rrf([[h.chunk_id for h in r.hits] for r in results], k=rrf_k)
    return [found[cid] for cid, _ in ranked if cid in found][:k]


def best_similarity(results: Sequence[SearchResult]) -> float:
    return max((h.similarity or 0.0 for r in results for h in r.hits), default=0.0)
