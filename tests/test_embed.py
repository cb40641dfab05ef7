"""The packaged MiniLM embedder against reference sentence-transformers vectors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from briefer.core.errors import EmbeddingError
from briefer.store.embed import MiniLMEmbedder

FIXTURE = Path(__file__).parent / "fixtures" / "minilm_reference.json"


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray]:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return list(data["sentences"]), np.asarray(data["vectors"], dtype=np.float32)


def test_matches_reference_vectors(embedder: MiniLMEmbedder,
                                   reference: tuple[list[str], np.ndarray]) -> None:
    sentences, expected = reference
    assert len(sentences) == len(expected) > 0
    got = embedder.embed(sentences)
    assert got.shape == (len(sentences), embedder.dim) == expected.shape
    ref = expected / np.linalg.norm(expected, axis=1, keepdims=True)
    cosines = (got * ref).sum(axis=1)
    for sentence, cos in zip(sentences, cosines, strict=True):
        assert cos >= 0.99, f"cosine {cos:.4f} for {sentence!r}"


def test_vectors_are_unit_norm_float32(embedder: MiniLMEmbedder,
                                       reference: tuple[list[str], np.ndarray]) -> None:
    vectors = embedder.embed(reference[0] + ["", "a", "word " * 400])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input(embedder: MiniLMEmbedder) -> None:
    out = embedder.embed([])
    assert out.shape == (0, embedder.dim)


def test_batching_is_order_independent(reference: tuple[list[str], np.ndarray]) -> None:
    sentences = reference[0]
    # a small batch size makes rows of different lengths share and not share batches
    small = MiniLMEmbedder(batch_size=3)
    forward = small.embed(sentences)
    backward = small.embed(sentences[::-1])[::-1]
    np.testing.assert_allclose(forward, backward, atol=1e-5)
    singles = np.vstack([small.embed([s]) for s in sentences])
    np.testing.assert_allclose(forward, singles, atol=1e-5)


def test_similar_sentences_score_higher(embedder: MiniLMEmbedder) -> None:
    a, b, c = embedder.embed([
        "South Korea may send a monitoring team to observe North Korean forces.",
        "Seoul is considering dispatching observers to watch North Korean troops.",
        "Heavy rain is expected across the northern provinces this weekend.",
    ])
    assert float(a @ b) > float(a @ c) + 0.2


def test_count_tokens(embedder: MiniLMEmbedder) -> None:
    assert embedder.count_tokens("") == 0
    assert embedder.count_tokens("hello world") == 2
    assert embedder.count_tokens("word " * 200) == 200


def test_count_tokens_is_untruncated(embedder: MiniLMEmbedder) -> None:
    # documented: "Tokens the model sees for ``text`` (without [CLS]/[SEP]), untruncated."
    long = "word " * 1000
    assert embedder.count_tokens(long) == 1000  # untruncated, without [CLS]/[SEP]


def test_tampered_model_is_rejected(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    tampered = tmp_path / "model.onnx"
    shutil.copyfile(embedder.model_path, tampered)
    with tampered.open("r+b") as fh:
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(EmbeddingError, match="sha256"):
        MiniLMEmbedder(model_path=tampered).embed(["x"])


def test_missing_model_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match="not found"):
        MiniLMEmbedder(model_path=tmp_path / "nope.onnx").embed(["x"])
