"""The schema-directed writer (jump-forward decoding) on a toy engine, no model needed."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from briefer.core.schemas import Chunk, OptionsSection, RedLinesSection
from briefer.evidence.constrain import evidence_item_schema, generation_schema
from briefer.evidence.passages import make_passages
from briefer.llm import schema_subset, structured
from briefer.llm.vocab import Vocab

# A byte-level toy vocabulary: every printable character, and some merged pieces as BPE has.
MERGED = [b'{"', b'": ', b'", "', b'[{"', b' [', b'"}', b'"]', b"}, {", b"South", b" Korea",
          b" could", b" send", b" the", b" team", b"now", b'\n', b"\\", b"passage", b"quote",
          b"evidence", b"label", b"condition", b"category", b"military", b"-defensive"]
VOCAB = [bytes([c]) for c in range(32, 127)] + MERGED + [b""]


class ToyEngine:
    """Wants to write ``target``: the longest token that continues it scores highest."""

    def __init__(self, target: str) -> None:
        self.target = target.encode()
        self.fed = b""
        self.steps = 0  # calls to logits(): decode steps

    @property
    def n_vocab(self) -> int:
        return len(VOCAB)

    def tokenize(self, text: bytes) -> list[int]:
        out, i = [], 0
        while i < len(text):
            best = max((t for t, p in enumerate(VOCAB) if p and text.startswith(p, i)),
                       key=lambda t: len(VOCAB[t]))
            out.append(best)
            i += len(VOCAB[best])
        return out

    def feed(self, tokens: list[int]) -> None:
        self.fed += b"".join(VOCAB[t] for t in tokens)

    def logits(self) -> Any:
        self.steps += 1
        scores = np.full(len(VOCAB), -5.0)
        if self.target.startswith(self.fed):
            rest = self.target[len(self.fed):]
            for t, p in enumerate(VOCAB):
                if p and rest.startswith(p):
                    scores[t] = len(p)
        return scores

    def piece(self, token: int) -> bytes:
        return VOCAB[token]


def _passages() -> list[Any]:
    text = ("South Korea could send the team now. Seoul may supply air defence. "
            "If the North crosses a red line, offensive arms follow.")
    chunk = Chunk(id="c1", text=text, source="a.txt", start=0, end=len(text), position=0,
                  doc_hash="h")
    return make_passages([chunk], "P")


def _write(schema: dict[str, Any], target: str, max_tokens: int = 500
           ) -> tuple[str, structured.Writer, ToyEngine]:
    engine = ToyEngine(target)
    writer = structured.Writer(engine, Vocab.of(engine), max_tokens)
    try:
        text = writer.write(schema)
    except structured.Budget:
        text = "".join(writer.out)
    return text, writer, engine


def test_the_writer_writes_what_the_model_wants_within_the_schema() -> None:
    passages = _passages()
    schema = generation_schema(OptionsSection, evidence_item_schema(passages))
    target = json.dumps({"response_options": [{
        "evidence": [{"passage": "P1", "quote": passages[0].sentences[0]}],
        "label": "Send a monitoring team", "category": "intelligence",
        "condition": "now"}]}, ensure_ascii=False)
    text, writer, engine = _write(schema, target)
    assert text == target
    OptionsSection.model_validate({"response_options": [
        {**o, "evidence": [{"chunk_id": "c1", "quote": o["evidence"][0]["quote"]}]}
        for o in json.loads(text)["response_options"]]})
    # the quote, the keys and the brackets cost no decode step: far fewer steps than tokens
    assert engine.steps == writer.counts.sampled
    assert writer.counts.forced > writer.counts.sampled
    assert writer.counts.sampled < len(engine.tokenize(target.encode())) / 2


def test_a_quote_is_one_of_the_passage_sentences_even_when_the_model_wants_another() -> None:
    passages = _passages()
    schema = generation_schema(RedLinesSection, evidence_item_schema(passages))
    target = ('{"red_lines": [{"evidence": [{"passage": "P1", "quote": "South Korea could send '
              'a brigade."}], "trigger": "x", "consequence": "y"}]}')
    text, _, _ = _write(schema, target)
    quote = json.loads(text)["red_lines"][0]["evidence"][0]["quote"]
    assert quote in passages[0].sentences
    assert quote.startswith("South Korea could send the team")


def test_an_empty_list_is_a_choice_the_model_can_make() -> None:
    schema = generation_schema(RedLinesSection, evidence_item_schema(_passages()))
    text, writer, _ = _write(schema, '{"red_lines": []}')
    assert json.loads(text) == {"red_lines": []}
    assert writer.counts.sampled <= 2


def test_free_strings_are_json_safe_and_cut_at_max_length() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 12}},
              "required": ["a"]}
    text, _, _ = _write(schema, '{"a": "line one\\nline two and a very long tail"}')
    value = json.loads(text)["a"]
    assert len(value) <= 12 and "\\" not in value and "\n" not in value


def test_when_the_budget_runs_out_the_unfinished_item_is_dropped() -> None:
    schema = {"type": "object", "properties": {"xs": {
        "type": "array", "items": {"type": "string", "maxLength": 60}}}, "required": ["xs"]}
    target = json.dumps({"xs": ["first item", "second item that is much longer than that"]})
    text, writer, _ = _write(schema, target, max_tokens=16)
    assert json.loads(text) == {"xs": ["first item"]}
    assert writer.truncated


def test_the_writer_says_which_schemas_it_walks() -> None:
    schema = generation_schema(OptionsSection, evidence_item_schema(_passages()))
    assert schema_subset.supports(schema)
    assert not schema_subset.supports({"type": "object", "properties": {"n": {"type": "integer"}},
                                       "required": ["n"]})
    assert not schema_subset.supports({"type": "string", "pattern": "^a$"})


@pytest.mark.parametrize("words", [["yes", "no"], ["military-defensive", "military-offensive"]])
def test_enums_follow_the_model(words: list[str]) -> None:
    schema = {"enum": words}
    for w in words:
        text, _, _ = _write(schema, json.dumps(w))
        assert json.loads(text) == w


def test_an_array_can_lean_toward_another_item() -> None:
    """``x-more`` biases "another item" over "]": a model that would stop lists one more."""
    items = {"type": "string", "maxLength": 20}
    target = json.dumps({"xs": ["one"]})
    plain = {"type": "object", "properties": {"xs": {"type": "array", "items": items}},
             "required": ["xs"]}
    leaning = {"type": "object", "properties": {"xs": {
        "type": "array", "items": items, schema_subset.LEAN: 50.0, "maxItems": 2}},
        "required": ["xs"]}
    assert json.loads(_write(plain, target)[0]) == {"xs": ["one"]}
    assert len(json.loads(_write(leaning, target)[0])["xs"]) == 2
    assert schema_subset.LEAN not in json.dumps(schema_subset.plain(leaning))


def test_the_vocabulary_is_cached_as_data(tmp_path: Any) -> None:
    engine = ToyEngine("")
    cache = tmp_path / "v.pieces"
    first = Vocab.of(engine, cache)
    assert cache.is_file()
    again = Vocab.of(engine, cache)
    assert again.pieces == first.pieces and (again.banned == first.banned).all()
    cache.write_bytes(b"\x00garbage")  # a damaged cache is rebuilt, not trusted
    assert Vocab.of(engine, cache).pieces == first.pieces
