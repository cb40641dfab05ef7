"""Drafting speed: constrained vs free decoding, prefill reuse, wall time vs model compute.

For each model (the packaged SmolLM2; Qwen2.5-1.5B when already pulled), in one process:

1. free_tok_s: llama-cpp-python's own streaming loop, no grammar, on a real brief prompt
   (the faster of that and Briefer's decoding loop without a grammar is used);
2. constrained_tok_s: Briefer's fast path on the same prompt with the real response-options
   schema (passage ids restricted to the retrieved ones, quotes restricted to their sentences);
   also llama-cpp-python's own grammar sampling, for reference;
3. a whole brief (`draft_brief` on the sample corpus): prompt tokens evaluated ÷ distinct prompt
   tokens (prefill reuse), and wall time ÷ the model's own compute for it (evaluated prompt
   tokens ÷ prefill rate + generated tokens ÷ constrained decode rate, rates measured above),
   and the share of model outputs that validated.

Usage: python benchmarks/drafting.py [--json] [--models smollm2,qwen] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefer.constrain import evidence_item_schema, generation_schema  # noqa: E402
from briefer.draft import (  # noqa: E402
    SECTION_MODELS,
    draft_brief,
    make_passages,
    render_passages,
    retrieve_for_topic,
)
from briefer.llm import LlamaCppModel, LlamaOptions, Message, _common_prefix  # noqa: E402
from briefer.models import find_pulled, packaged_smollm2, pull_dir  # noqa: E402
from briefer.prompts import load_prompt, load_yaml  # noqa: E402
from briefer.settings import load_settings  # noqa: E402
from briefer.workspace import Workspace  # noqa: E402

TOPIC = "South Korea response"


class Recorder:
    """Wraps a ChatModel and keeps each call's prompt tokens and completion."""

    def __init__(self, model: LlamaCppModel) -> None:
        self.model = model
        self.name = model.name
        self.calls: list[tuple[list[int], Any]] = []

    def describe(self) -> dict[str, str]:
        return self.model.describe()

    def complete(self, messages: Any, **kw: Any) -> Any:
        tokens, _ = self.model.tokenize_chat(messages)
        c = self.model.complete(messages, **kw)
        self.calls.append((tokens, c))
        return c


def distinct_prompt_tokens(prompts: list[list[int]]) -> int:
    """Tokens a perfect cache would evaluate: each prompt minus its longest shared prefix."""
    total = 0
    for i, p in enumerate(prompts):
        shared = max((_common_prefix(p, q) for q in prompts[:i]), default=0)
        total += len(p) - shared
    return total


def section_prompt(ws: Workspace, k: int) -> tuple[list[Message], dict[str, Any]]:
    chunks = retrieve_for_topic(TOPIC, ws, k)
    passages = make_passages(chunks)
    spec = load_yaml("brief_sections.yaml")["sections"]["response_options"]
    system, user = load_prompt("brief.md").render(
        topic=TOPIC, passages=render_passages(chunks, passages), task=spec["task"])
    schema = generation_schema(SECTION_MODELS["response_options"], evidence_item_schema(passages))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}], schema


def bench_model(name: str, path: Path, ws: Workspace, runs: int, k: int) -> dict[str, Any]:
    model = LlamaCppModel(path, LlamaOptions(n_ctx=4096))
    t0 = time.perf_counter()
    _ = model.llm  # load once, outside every timing below
    load_s = time.perf_counter() - t0
    messages, schema = section_prompt(ws, k)
    n = 256
    free, free_own, fast, ref, prefill = [], [], [], [], []
    for _ in range(runs):
        model.llm.reset()
        c = model.complete_reference(messages, schema=None, max_tokens=n)
        free.append(c.completion_tokens / c.decode_s)
        model.llm.reset()
        c = model.complete(messages, schema=None, max_tokens=n)
        free_own.append(c.completion_tokens / c.decode_s)
        prefill.append(c.prompt_tokens_evaluated / c.prefill_s)
        model.llm.reset()
        c = model.complete(messages, schema=schema, max_tokens=n)
        fast.append(c.completion_tokens / c.decode_s)
        model.llm.reset()
        c = model.complete_reference(messages, schema=schema, max_tokens=n)
        ref.append(c.completion_tokens / c.decode_s)
    free_tok_s = max(statistics.median(free), statistics.median(free_own))
    constrained_tok_s = statistics.median(fast)
    prefill_tok_s = statistics.median(prefill)

    model.llm.reset()
    recorder = Recorder(model)
    started = time.perf_counter()
    brief = draft_brief(TOPIC, workspace=ws, model=recorder, k=k)
    from briefer.memo import render_memo

    render_memo(brief, {c.id: c for c in ws.store.get(brief.manifest.retrieved_chunk_ids)})
    wall = time.perf_counter() - started
    evaluated = sum(c.prompt_tokens_evaluated for _, c in recorder.calls)
    generated = sum(c.completion_tokens for _, c in recorder.calls)
    distinct = distinct_prompt_tokens([t for t, _ in recorder.calls])
    compute = evaluated / prefill_tok_s + generated / constrained_tok_s
    sections_ok = len(SECTION_MODELS) - len(brief.failures)
    return {
        "model": name,
        "free_tok_s": round(free_tok_s, 1),
        "constrained_tok_s": round(constrained_tok_s, 1),
        "ratio": round(constrained_tok_s / free_tok_s, 3),
        "prefill_reuse": round(evaluated / distinct, 3),
        "wall_over_compute": round(wall / compute, 3),
        "valid_share": round(sections_ok / max(1, brief.manifest.attempts), 3),
        "detail": {
            "free_llama_cpp_python_tok_s": round(statistics.median(free), 1),
            "free_briefer_loop_tok_s": round(statistics.median(free_own), 1),
            "grammar_llama_cpp_python_tok_s": round(statistics.median(ref), 1),
            "prefill_tok_s": round(prefill_tok_s, 1),
            "brief_wall_s": round(wall, 2), "brief_compute_s": round(compute, 2),
            "prompt_tokens": sum(len(t) for t, _ in recorder.calls),
            "prompt_tokens_evaluated": evaluated, "distinct_prompt_tokens": distinct,
            "generated_tokens": generated, "model_calls": len(recorder.calls),
            "failures": brief.failures, "model_load_s": round(load_s, 2), "runs": runs,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per model")
    ap.add_argument("--models", default="smollm2,qwen")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("-k", type=int, default=6)
    args = ap.parse_args()
    models: list[tuple[str, Path]] = []
    wanted = args.models.split(",")
    if "smollm2" in wanted:
        models.append(("smollm2-135m", packaged_smollm2()))
    qwen = find_pulled("qwen2.5-1.5b", pull_dir(load_settings()))  # never fetches
    if "qwen" in wanted:
        if qwen is not None:
            models.append(("qwen2.5-1.5b", qwen))
        elif not args.json:
            print("qwen2.5-1.5b not pulled (brief models pull qwen2.5-1.5b); skipped")
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(load_settings(), state_dir=Path(tmp) / "store")
        ws.ingest([ROOT / "corpus"])
        for name, path in models:
            r = bench_model(name, path, ws, args.runs, args.k)
            if args.json:
                print(json.dumps(r), flush=True)
                continue
            d = r["detail"]
            print(f"{name}:")
            print(f"  constrained / free decode   {r['ratio']:.2f}x  ({r['constrained_tok_s']} vs "
                  f"{r['free_tok_s']} tok/s; llama-cpp-python grammar: "
                  f"{d['grammar_llama_cpp_python_tok_s']} tok/s)   goal >= 0.9x")
            print(f"  prefill reuse               {r['prefill_reuse']:.2f}   "
                  f"({d['prompt_tokens_evaluated']} evaluated of {d['prompt_tokens']} prompt "
                  f"tokens, {d['distinct_prompt_tokens']} distinct)   goal <= 1.2")
            print(f"  wall / model compute        {r['wall_over_compute']:.2f}x  "
                  f"({d['brief_wall_s']} s vs {d['brief_compute_s']} s; prefill "
                  f"{d['prefill_tok_s']} tok/s)   goal <= 1.3x")
            print(f"  outputs that validated      {r['valid_share']:.0%}  "
                  f"({d['model_calls']} calls, failures: {d['failures'] or 'none'})", flush=True)


if __name__ == "__main__":
    main()
