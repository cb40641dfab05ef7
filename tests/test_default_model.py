"""The default model (Qwen2.5-1.5B) end to end on the sample corpus (issue 13's CI check).

CI pulls the model first (`brief models pull qwen2.5-1.5b` in `.ci/run`) and sets
CI_REQUIRE_DEFAULT_MODEL=1, so a missing model fails there; on a developer's machine without
the pulled model the test is skipped. It never fetches.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from pydantic import BaseModel

from briefer.core.schemas import Brief
from briefer.core.settings import ModelSettings
from briefer.corpus.workspace import Workspace
from briefer.llm.models import load_model
from briefer.pipeline.draft import draft
from briefer.text.verify import verify_quote

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _text(items: Sequence[BaseModel]) -> str:
    return " ".join(str(i.model_dump()) for i in items).lower()


@pytest.mark.model
@pytest.mark.default_model
def test_default_model_brief_on_the_sample_corpus(
        make_workspace: Callable[..., Workspace]) -> None:
    ws = make_workspace()
    assert ws.settings.model.path == ModelSettings().path  # the default, not a test model
    try:
        model = load_model(ws.settings, on_fetch=None)
    except Exception as exc:  # noqa: BLE001 - what matters is whether CI demands the model
        if os.environ.get("CI_REQUIRE_DEFAULT_MODEL") == "1":
            raise
        pytest.skip(f"the default model is not pulled here: {exc}")
    ws.ingest([CORPUS])
    started = time.perf_counter()
    drafted = draft("South Korea response", workspace=ws, model=model)
    wall = time.perf_counter() - started
    brief = drafted.brief
    Brief.model_validate_json(brief.model_dump_json())  # schema-valid round trip
    chunks = drafted.run.chunk_map()
    evidence = brief.evidence()
    assert evidence
    for ev in evidence:
        assert verify_quote(ev.quote, chunks[ev.chunk_id].text).match in ("exact", "fuzzy")
    red_lines = _text(brief.red_lines)
    assert any(w in red_lines for w in ("nuclear", "icbm", "satellite")), red_lines
    options = _text(brief.response_options)
    assert "monitoring team" in options, options
    u = drafted.run.usage
    print(f"\nwall={wall:.1f}s calls={u.calls} prompt_evaluated={u.prompt_tokens_evaluated} "
          f"generated={u.completion_tokens} forced={u.forced_tokens} "
          f"options={[o.label for o in brief.response_options]} "
          f"red_lines={[r.trigger for r in brief.red_lines]}")
