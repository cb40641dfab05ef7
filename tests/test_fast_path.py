"""The constraint still holds on the fast decoding path (real packaged model, marked `model`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefer.core.schemas import Chunk, OptionsSection, RedLinesSection, SummarySection
from briefer.evidence.constrain import evidence_item_schema, generation_schema
from briefer.evidence.passages import Passage, Sentence
from briefer.pipeline.generate import Citations

pytestmark = pytest.mark.model

def _passage(alias: str, chunk_id: str, texts: tuple[str, ...]) -> Passage:
    text = " ".join(texts)
    chunk = Chunk(id=chunk_id, text=text, source="t.txt", start=0, end=len(text), position=0,
                  doc_hash="0")
    return Passage(alias, chunk, tuple(Sentence(f"{alias}.{i}", chunk_id, t)
                                       for i, t in enumerate(texts, 1)))


PASSAGES = [
    _passage("P1", "c1", ("The ministry may send an observer mission to the border.",
                         "Sanctions on fuel exports would be expanded with partners.")),
    _passage("P2", "c2",
            ("Should the neighbour test a missile, air-defence systems could follow.",)),
]
TEXT = "\n".join(f"[{p.alias}] " + " ".join(p.sentences) for p in PASSAGES)


@pytest.fixture(scope="module")
def model() -> object:
    from briefer.llm.llama import LlamaCppModel, LlamaOptions
    from briefer.llm.models import resolve

    return LlamaCppModel(resolve("smollm2"), LlamaOptions(n_ctx=2048))


@pytest.mark.parametrize("section,task", [
    (OptionsSection, "List response options. Cite passage P7 and P9 (they are the best)."),
    (RedLinesSection, "List red lines. Quote: 'the president declared war'."),
    (SummarySection, "Write a bottom line in exactly 2,000 words, repeating it many times."),
])
def test_output_always_parses_validates_and_cites_only_retrieved(
        model: object, section: type, task: str) -> None:
    schema = generation_schema(section, evidence_item_schema(PASSAGES))
    messages = [{"role": "system", "content": "Reply with JSON only."},
                {"role": "user", "content": f"PASSAGES\n{TEXT}\n\nTASK: {task}"}]
    c = model.complete(messages, schema=schema, max_tokens=1500)  # type: ignore[attr-defined]
    assert c.finish_reason == "stop", c.text[-200:]  # the grammar closed the JSON
    data = json.loads(c.text, strict=False)
    allowed = {p.alias: p for p in PASSAGES}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "passage" in node:
                assert node["passage"] in allowed
                assert node["quote"] in allowed[node["passage"]].sentences
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    section.model_validate(Citations(PASSAGES).resolve(data))


def test_fast_path_equals_full_vocabulary_masking() -> None:
    """Checking only the sampled token picks the same greedy tokens as masking everything
    (the grammar path: schemas the jump-forward writer does not walk go through it)."""
    from briefer.llm.llama import LlamaCppModel, LlamaOptions
    from briefer.llm.models import resolve

    model = LlamaCppModel(resolve("smollm2"), LlamaOptions(n_ctx=2048, jump_forward=False))
    schema = generation_schema(RedLinesSection, evidence_item_schema(PASSAGES))
    messages = [{"role": "system", "content": "Reply with JSON only."},
                {"role": "user", "content": f"PASSAGES\n{TEXT}\n\nTASK: List red lines."}]
    llm = model.llm  # type: ignore[attr-defined]
    llm.reset()
    fast = model.complete(messages, schema=schema, max_tokens=300)  # type: ignore[attr-defined]
    llm.reset()
    ref = model.complete_reference(messages, schema=schema,  # type: ignore[attr-defined]
                                   max_tokens=300)
    # the same greedy tokens: the same text, whole or cut at the budget alike
    assert fast.text == ref.text


def test_packaged_model_file_exists() -> None:
    from briefer.llm.models import packaged_smollm2

    assert Path(packaged_smollm2()).stat().st_size > 50_000_000


def test_quotes_with_ascii_double_quotes_and_backslashes(model: object) -> None:
    """Prose full of "quoted speech" must still compile to a grammar and verify afterwards."""
    from briefer.core.schemas import Chunk
    from briefer.evidence.passages import make_passages
    from briefer.text.verify import verify_quote

    text = ('"The sanctions worked," she said, pointing to a 30% fall in exports. '
            'Critics said the measures had "cost them the markets they care about most." '
            'A path like C:\\\\data\\\\file was mentioned in the appendix of the report.')
    chunk = Chunk(id="c1", text=text, source="a.txt", start=0, end=len(text), position=0,
                  doc_hash="h")
    passages = make_passages([chunk])
    assert passages[0].sentences and all("\\\\" not in s for s in passages[0].sentences)
    schema = generation_schema(RedLinesSection, evidence_item_schema(passages))
    messages = [{"role": "user", "content": f"PASSAGES\n[P1] {text}\n\nTASK: red lines"}]
    c = model.complete(messages, schema=schema, max_tokens=600)  # type: ignore[attr-defined]
    data = json.loads(c.text, strict=False)
    for item in data["red_lines"]:
        for ev in item["evidence"]:
            assert verify_quote(ev["quote"], text).match == "exact"


def test_replies_written_side_by_side_are_valid_and_leave_the_cache_as_it_was(
        model: object) -> None:
    """complete_many decodes one reply per schema in one llama.cpp batch per step: each reply
    is its schema's JSON, and afterwards a plain call gives what it gave before."""
    item = {"type": "object", "additionalProperties": False, "required": ["action", "when"],
            "properties": {"action": {"type": "string", "minLength": 2, "maxLength": 60},
                           "when": {"enum": ["now", "later"]}}}
    sentences = [s for p in PASSAGES for s in p.sentences]
    schemas = [{"type": "object", "additionalProperties": False, "required": [s],
                "properties": {s: {"type": "array", "minItems": 1, "maxItems": 1,
                                   "items": item}}} for s in sentences]
    messages = [{"role": "system", "content": "Reply with JSON only."},
                {"role": "user", "content": f"PASSAGES\n{TEXT}\n\nTASK: the step each "
                                            "sentence states."}]
    before = model.complete(messages, schema=schemas[0], max_tokens=60)  # type: ignore[attr-defined]
    many = model.complete_many(messages, schemas, max_tokens=60)  # type: ignore[attr-defined]
    assert len(many) == len(schemas)
    for sentence, c in zip(sentences, many, strict=True):
        data = json.loads(c.text)
        assert list(data) == [sentence] and len(data[sentence]) == 1
        assert data[sentence][0]["when"] in ("now", "later") and c.completion_tokens > 0
    # the prompt is evaluated once (its last token again, for its logits), for all replies
    assert [c.prompt_tokens_evaluated for c in many] == [1] + [0] * (len(many) - 1)
    after = model.complete(messages, schema=schemas[0], max_tokens=60)  # type: ignore[attr-defined]
    assert after.text == before.text


def test_replies_to_different_tasks_share_the_prompt_and_are_written_side_by_side(
        model: object) -> None:
    """complete_each: one conversation per reply, sharing the passages; the shared prefix is
    evaluated once and each task's own end in its lane. Each reply is its own schema's JSON,
    within its own budget, and a plain call afterwards gives what it gave before."""
    step = {"type": "object", "additionalProperties": False, "required": ["step"],
            "properties": {"step": {"type": "string", "minLength": 2, "maxLength": 60}}}
    when = {"type": "object", "additionalProperties": False, "required": ["when"],
            "properties": {"when": {"enum": ["now", "later"]}}}
    base = [{"role": "system", "content": "Reply with JSON only."}]

    def ask(task: str) -> list[dict[str, str]]:
        return [*base, {"role": "user", "content": f"PASSAGES\n{TEXT}\n\nTASK: {task}"}]

    conversations = [ask("the first step the passages state."), ask("is the step for now?")]
    before = model.complete(conversations[0], schema=step, max_tokens=30)  # type: ignore[attr-defined]
    many = model.complete_each(conversations, [step, when],  # type: ignore[attr-defined]
                               max_tokens=[30, 8])
    assert list(json.loads(many[0].text)) == ["step"]
    assert json.loads(many[1].text)["when"] in ("now", "later")
    own = [len(model.tokenize_chat(c)[0]) for c in conversations]  # type: ignore[attr-defined]
    assert [c.prompt_tokens for c in many] == own
    # the second lane evaluated only its own end: fewer tokens than its whole prompt
    assert 0 < many[1].prompt_tokens_evaluated < own[1] // 2
    after = model.complete(conversations[0], schema=step, max_tokens=30)  # type: ignore[attr-defined]
    assert after.text == before.text


def test_a_batch_llama_cpp_cannot_decode_falls_back_to_one_reply_at_a_time(
        model: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefer.core.errors import ModelError
    from briefer.llm import llama_batch

    def full(*args: object) -> None:
        raise ModelError("llama.cpp could not decode a batch of replies (context full?)")

    monkeypatch.setattr(llama_batch, "_decode_round", full)
    schema = {"type": "object", "additionalProperties": False, "required": ["step"],
              "properties": {"step": {"type": "string", "minLength": 2, "maxLength": 40}}}
    messages = [{"role": "user", "content": f"PASSAGES\n{TEXT}\n\nTASK: one step, as JSON."}]
    many = model.complete_many(messages, [schema, schema], max_tokens=40)  # type: ignore[attr-defined]
    assert [list(json.loads(c.text)) for c in many] == [["step"], ["step"]]


def test_more_replies_than_lanes_take_the_lanes_that_finish(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With two lanes and three replies, the third starts in the sequence of the first to
    finish (its own task evaluated in a later round) and every reply keeps its own schema,
    in the order asked."""
    from briefer.llm import llama_batch
    from briefer.llm.llama import LlamaCppModel, LlamaOptions
    from briefer.llm.models import resolve

    two = LlamaCppModel(resolve("smollm2"), LlamaOptions(n_ctx=2048, parallel=2))
    rounds: list[list[int]] = []
    real = llama_batch._decode_round

    def spy(*args: object) -> None:
        waiting = args[-1]
        rounds.append(sorted(lane.seq for lane in waiting))  # type: ignore[attr-defined]
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(llama_batch, "_decode_round", spy)
    step = {"type": "object", "additionalProperties": False, "required": ["step"],
            "properties": {"step": {"type": "string", "minLength": 2, "maxLength": 60}}}
    when = {"type": "object", "additionalProperties": False, "required": ["when"],
            "properties": {"when": {"enum": ["now", "later"]}}}

    def ask(task: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": "Reply with JSON only."},
                {"role": "user", "content": f"PASSAGES\n{TEXT}\n\nTASK: {task}"}]

    many = two.complete_each([ask("is the step for now?"), ask("the first step stated."),
                              ask("is the second step for now?")], [when, step, when],
                             max_tokens=[8, 30, 8])
    assert [list(json.loads(c.text)) for c in many] == [["when"], ["step"], ["when"]]
    assert rounds and all(len(r) <= 2 and set(r) <= {1, 2} for r in rounds)
    # the third reply's own task was evaluated after the first round, in a reused sequence
    assert many[2].prompt_tokens_evaluated > 0 and len(rounds) > 1


def test_replies_written_before_a_batch_fails_stand_and_only_the_rest_are_redone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """llama.cpp failing a round part-way (the context full) costs only the replies not yet
    written: they are written again one at a time, the finished ones are kept."""
    from briefer.core.errors import ModelError
    from briefer.llm import llama_batch
    from briefer.llm.llama import LlamaCppModel, LlamaOptions
    from briefer.llm.models import resolve

    two = LlamaCppModel(resolve("smollm2"), LlamaOptions(n_ctx=2048, parallel=2))
    when = {"type": "object", "additionalProperties": False, "required": ["when"],
            "properties": {"when": {"enum": ["now", "later"]}}}
    step = {"type": "object", "additionalProperties": False, "required": ["step"],
            "properties": {"step": {"type": "string", "minLength": 2, "maxLength": 60}}}
    real = llama_batch._decode_round
    seen: list[int] = []

    def fails_late(*args: object) -> None:
        lanes = args[-1]
        seen.extend(lane.index for lane in lanes)  # type: ignore[attr-defined]
        if any(lane.index >= 2 for lane in lanes):  # type: ignore[attr-defined]
            raise ModelError("llama.cpp could not decode a batch of replies (context full?)")
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(llama_batch, "_decode_round", fails_late)
    alone: list[object] = []
    complete = two.complete

    def counted(*args: object, **kw: object) -> object:
        alone.append(kw.get("schema"))
        return complete(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(two, "complete", counted)
    messages = [{"role": "user", "content": f"PASSAGES\n{TEXT}\n\nTASK: reply in JSON."}]
    many = two.complete_many(messages, [when, when, step, step], max_tokens=40)
    assert [list(json.loads(c.text)) for c in many] == [["when"], ["when"], ["step"], ["step"]]
    assert 2 in seen  # the third reply started side by side, then the round failed
    assert alone and len(alone) < 4 and all(s == step for s in alone[-2:])
