"""Per-token facts of a model's vocabulary for :class:`briefer.llm.structured.Writer`, and their
cache.

:class:`Vocab` holds each token's bytes, a token for each piece of text, and the masks of tokens
a JSON string may not hold or that end it. Reading every piece through llama-cpp-python is slow,
so :meth:`Vocab.of` keeps them in a file (:func:`_pack`: plain lengths and bytes, never code).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

Logits = Any  # a 1-D numpy float array over the vocabulary


class Engine(Protocol):
    """What the writer needs from a model: tokens in, logits of the next token out."""

    def tokenize(self, text: bytes) -> list[int]: ...

    def feed(self, tokens: list[int]) -> None:
        """Evaluate ``tokens`` in one batch after the ones already evaluated."""

    def logits(self) -> Logits:
        """A writable copy of the logits of the token after the last one fed."""

    def piece(self, token: int) -> bytes:
        """The token's bytes (empty for control tokens)."""

    @property
    def n_vocab(self) -> int: ...



@dataclass
class Vocab:
    """Per-token facts the writer needs, computed once per model."""

    pieces: list[bytes]
    by_piece: dict[bytes, int]  # a token for each piece (the first, if several)
    longest: int
    banned: Any  # tokens never allowed inside a string: \\, control bytes, empty pieces
    quote: Any  # tokens holding a '"'

    @classmethod
    def of(cls, engine: Engine, cache: Path | None = None) -> Vocab:
        """The engine's vocabulary; ``cache``: a file that keeps the token pieces (reading
        151k pieces through llama-cpp-python takes 10-30 s; the file, well under a second)."""
        pieces: list[bytes] | None = None
        if cache is not None and cache.is_file():
            try:
                pieces = _unpack(cache.read_bytes())
            except (OSError, ValueError, struct.error):
                pieces = None
            if pieces is not None and len(pieces) != engine.n_vocab:
                pieces = None
        if pieces is None:
            pieces = [engine.piece(t) for t in range(engine.n_vocab)]
            if cache is not None:
                try:
                    cache.parent.mkdir(parents=True, exist_ok=True)
                    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
                    tmp.write_bytes(_pack(pieces))
                    os.replace(tmp, cache)
                except OSError:
                    pass  # a cache, not a requirement
        return cls.of_pieces(pieces)

    @classmethod
    def of_pieces(cls, pieces: list[bytes]) -> Vocab:
        n = len(pieces)
        banned = np.zeros(n, dtype=bool)
        quote = np.zeros(n, dtype=bool)
        by_piece: dict[bytes, int] = {}
        for t, b in enumerate(pieces):
            if not b or b"\\" in b or any(c < 0x20 for c in b):
                banned[t] = True
                continue
            by_piece.setdefault(b, t)
            if b'"' in b:
                quote[t] = True
        return cls(pieces, by_piece, max(map(len, by_piece)), banned, quote)


def _pack(pieces: list[bytes]) -> bytes:
    """Token pieces as a count, their lengths (uint32) and their bytes: data, never code."""
    return (struct.pack("<I", len(pieces)) + struct.pack(f"<{len(pieces)}I", *map(len, pieces))
            + b"".join(pieces))


def _unpack(data: bytes) -> list[bytes]:
    (n,) = struct.unpack_from("<I", data)
    lengths = struct.unpack_from(f"<{n}I", data, 4)
    pieces, at = [], 4 + 4 * n
    for size in lengths:
        pieces.append(data[at:at + size])
        at += size
    if at != len(data):
        raise ValueError("vocabulary cache has the wrong size")
    return pieces
