"""The real packaged SmolLM2 end to end on the sample corpus (marked `model`).

SmolLM2 is named explicitly: the default model (qwen2.5-1.5b) is fetched on first use, and
tests never fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefer.core.schemas import Brief
from briefer.corpus.workspace import Workspace
from briefer.llm.models import load_model
from briefer.pipeline.draft import draft_brief
from briefer.text.verify import verify_quote

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.mark.model
def test_real_model_brief_is_valid_and_every_citation_verifies(
        make_workspace: Callable[..., Workspace]) -> None:
    ws = make_workspace(**{"model.path": "smollm2"})
    ws.ingest([CORPUS])
    model = load_model(ws.settings)
    brief = draft_brief("South Korea response", workspace=ws, model=model, k=4)
    Brief.model_validate(brief.model_dump())  # schema-valid round trip
    retrieved = set(brief.manifest.retrieved_chunk_ids)
    chunks = {c.id: c for c in ws.store.get(list(retrieved))}
    evidence = brief.evidence()
    for ev in evidence:
        assert ev.chunk_id in retrieved
        assert verify_quote(ev.quote, chunks[ev.chunk_id].text).match in ("exact", "fuzzy")
    assert brief.manifest.model_sha256 and len(brief.manifest.model_sha256) == 64
    # prefill is paid once: the passages are evaluated by the first section only
    assert brief.manifest.prompt_tokens_evaluated < brief.manifest.prompt_tokens
    print(f"\nattempts={brief.manifest.attempts} failures={brief.failures} "
          f"options={len(brief.response_options)} red_lines={len(brief.red_lines)} "
          f"evidence={len(evidence)} timings={brief.manifest.timings}")


@pytest.mark.model
def test_real_model_yes_probability_is_a_probability_and_reuses_the_prompt_prefix(
        make_workspace: Callable[..., Workspace]) -> None:
    from briefer.grounding.claims import judge_messages

    model = load_model(make_workspace(**{"model.path": "smollm2"}).settings)
    quotes = ["The ministry will send 40 observers to the border on 3 May."]
    q = "How many observers will the ministry send?"
    yes = model.yes_probability(judge_messages("support.md", quotes, question=q,
                                               claim="The ministry will send 40 observers."))
    no = model.yes_probability(judge_messages("support.md", quotes, question=q,
                                              claim="The army will send 900 tanks."))
    assert 0.0 <= no <= 1.0 and 0.0 <= yes <= 1.0 and yes != no
    after = model.complete([{"role": "user", "content": "Say hi."}], max_tokens=4)
    assert after.text  # decoding still works after a judgement left its prompt in the cache
