"""BM25 over every chunk in the store (bm25s), saved beside the store and rebuilt when stale."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from briefer.core.schemas import Chunk

_WORD = re.compile(r"[\w][\w\-']*", re.U)
STOPWORDS = frozenset(
    "a an and are as at be been but by can could did do does for from had has have he her his how "
    "i if in into is it its may me might more most no not of on or our she should so such than "
    "that the their them then there these they this those to was we were what when where which "
    "who whom why will with would you your about after before also any both each".split()
)


def tokenize(text: str) -> list[str]:
    out = []
    for word in _WORD.findall(text.lower()):
        word = word.strip("-'")
        if word and word not in STOPWORDS:
            out.append(word)
    return out


class LexicalIndex:
    def __init__(self, retriever: Any, ids: list[str], fingerprint: str) -> None:
        self._retriever = retriever
        self.ids = ids
        self.fingerprint = fingerprint
        self._vocab: dict[str, int] = getattr(retriever, "vocab_dict", {}) or {}

    @classmethod
    def build(cls, chunks: Iterable[Chunk], fingerprint: str) -> LexicalIndex:
        import bm25s

        ids: list[str] = []
        corpus: list[list[str]] = []
        for chunk in chunks:
            ids.append(chunk.id)
            # title and section help short passages that never repeat their subject
            corpus.append(tokenize(f"{chunk.title} {chunk.section} {chunk.text}") or ["\u2205"])
        retriever = bm25s.BM25()
        if corpus:
            retriever.index(corpus, show_progress=False)
        return cls(retriever if corpus else None, ids, fingerprint)

    def save(self, folder: Path) -> None:
        """Swap the index into ``folder``; temp folders have unique names, so a reader
        rebuilding a stale index never trips over a writer saving a fresh one."""
        import tempfile

        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
        try:
            if self._retriever is not None:
                self._retriever.save(str(tmp / "bm25"))
            (tmp / "meta.json").write_text(json.dumps({"fingerprint": self.fingerprint,
                                                       "ids": self.ids}))
            old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.",
                                        suffix=".old"))
            try:
                try:
                    os.replace(folder, old)
                except FileNotFoundError:
                    pass
                try:
                    os.replace(tmp, folder)
                except OSError:  # another process swapped its index in first: keep that one
                    pass
            finally:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        meta_path = folder / "meta.json"
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            retriever = None
            if meta["ids"]:
                import bm25s

                retriever = bm25s.BM25.load(str(folder / "bm25"), mmap=True)
            return cls(retriever, list(meta["ids"]), str(meta["fingerprint"]))
        except (OSError, ValueError, KeyError):
            return None

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        if self._retriever is None or not self.ids:
            return []
        tokens = [t for t in tokenize(query) if t in self._vocab]
        if not tokens:
            return []
        # BM25 scores are precomputed per (token, document) in a CSC-like layout; summing the
        # query tokens' columns with one bincount is far faster than bm25s' pure-Python loop
        # (which only pays off under numba).
        m = self._retriever.scores
        indptr, indices, data = m["indptr"], m["indices"], m["data"]
        cols = [self._vocab[t] for t in dict.fromkeys(tokens)]
        doc_idx = np.concatenate([indices[indptr[c]: indptr[c + 1]] for c in cols])
        weights = np.concatenate([data[indptr[c]: indptr[c + 1]] for c in cols])
        scores = np.bincount(doc_idx, weights=weights, minlength=int(m["num_docs"]))
        n = min(n, int(np.count_nonzero(scores)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[int(i)], float(scores[i])) for i in top]
