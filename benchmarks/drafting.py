"""Drafting speed: constrained vs free decoding, prefill reuse, wall time vs model compute.

Usage: python benchmarks/drafting.py [--json] [--models smollm2,qwen] [--runs 1]
                                     [--max-tokens 64] [--deadline 540] [-k 6]

For each model (the packaged SmolLM2; Qwen2.5-1.5B when already pulled: never fetched), in one
process, on the sample corpus (``corpus/``) ingested into a temporary store:

1. the response-options call exactly as ``draft()`` makes it (its messages and schema, captured
   by running ``draft()`` once with a schema-valid fake model): prefill tok/s of its prompt;
2. free_tok_s: decoding without a schema, the faster of llama-cpp-python's own streaming loop
   and Briefer's loop (``LlamaCppModel.complete(schema=None)``);
3. constrained_tok_s: ``LlamaCppModel.complete(messages, schema=...)`` as Briefer calls it
   (``LlamaOptions`` defaults: the jump-forward writer); constrained_jf_tok_s and
   constrained_grammar_tok_s: the same with ``jump_forward`` True and False. Tokens of the reply
   per second of decoding, counted the same way for both: tokens the model chose + tokens the
   schema forced (0 with the grammar). ratio = constrained / free;
4. a whole brief (``draft()``, k passages): prefill_reuse = prompt tokens evaluated / distinct
   prompt tokens (what a perfect cache would evaluate); wall_over_compute = wall time / the
   model's own compute for it ((prompt tokens evaluated + forced tokens) / prefill rate + chosen
   tokens / free decode rate of Briefer's loop, rates from 1-3); valid_share = replies that
   parsed / model calls.

Bounded: each decoding measurement stops at ``--max-tokens`` (default 64, at most 256) chosen
tokens, with ``--runs`` (default 1, at most 3) repeats; ``--deadline`` (default 540 s for the
whole script) is shared out equally between the models still to run. Within a model's share,
the rate measurements get 40%: one starts only if the last one's time still fits, one running
past it is dropped (its rate and what depends on it are null); the brief gets the rest: a call
starts only if its prompt can be evaluated in the time left (at the measured prefill rate), one
still running when it is up is abandoned within one generated token, and the brief's numbers
are then over the calls it finished, and valid_share is null. A slow day therefore shows as
nulls and an abandoned brief, not as a run that does not end. Progress lines go to stderr;
``--json`` prints one JSON object per model on stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from _bench import ROOT, Bounded, Deadline, OutOfTime, ingested, settings_for

from briefer.core.errors import BrieferError
from briefer.corpus.workspace import Workspace
from briefer.llm.base import ChatModel, Completion, Message
from briefer.llm.llama import LlamaCppModel, LlamaOptions
from briefer.llm.llama_sampling import common_prefix
from briefer.llm.models import DEFAULT_MODEL, find_pulled, packaged_smollm2, pull_dir
from briefer.llm.testing import FakeModel
from briefer.pipeline.draft import draft

TOPIC = "South Korea response"
SECTION = "response_options"


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Recorder:
    """Passes calls on to a ChatModel and keeps each call's messages and completion."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model
        self.name = model.name
        self.calls: list[tuple[list[Message], Completion]] = []
        self.kwargs: list[dict[str, Any]] = []
        self.tag = ""
        self.tags: list[str] = []
        self.ended: list[float] = []  # perf_counter() at the end of each call

    def describe(self) -> dict[str, str]:
        return self.model.describe()

    def complete(self, messages: Sequence[Message], **kw: Any) -> Completion:
        c = self.model.complete(messages, **kw)
        self.calls.append((list(messages), c))
        self.kwargs.append(kw)
        self.tags.append(self.tag)
        self.ended.append(time.perf_counter())
        return c

    def progress(self, line: str) -> None:
        if line.startswith("drafting "):
            self.tag = line.removeprefix("drafting ").replace(" ", "_")


def section_call(ws: Workspace, k: int) -> tuple[list[Message], dict[str, Any], int]:
    """The messages, schema and max_tokens of draft()'s first response-options call, captured
    by drafting once with a schema-valid fake model (no weights are loaded)."""
    capture = Recorder(FakeModel(schema_valid=True))
    try:
        draft(TOPIC, workspace=ws, model=capture, k=k, progress=capture.progress)
    except BrieferError:
        pass  # the calls made are all that is needed
    for (messages, _), kw, tag in zip(capture.calls, capture.kwargs, capture.tags, strict=True):
        if tag == SECTION and kw.get("schema") is not None:
            return messages, kw["schema"], int(kw.get("max_tokens", 512))
    raise SystemExit(f"draft() made no {SECTION} call on {TOPIC!r}")


def distinct_prompt_tokens(prompts: list[list[int]]) -> int:
    """Tokens a perfect cache would evaluate: each prompt minus its longest shared prefix."""
    total = 0
    for i, p in enumerate(prompts):
        shared = max((common_prefix(p, q) for q in prompts[:i]), default=0)
        total += len(p) - shared
    return total


def reply_rate(c: Completion) -> float:
    """Tokens of the reply per second of decoding: chosen + forced (0 without jump-forward)."""
    return (c.completion_tokens + c.forced_tokens) / max(c.decode_s, 1e-9)


def decoding(model: LlamaCppModel, messages: list[Message], schema: dict[str, Any],
             runs: int, n: int, deadline: Deadline) -> dict[str, Any]:
    """Steps 1-3: prefill, free and constrained decode rates on one prompt (cached after the
    first call, so only the first evaluates it). The phase gets 40% of the model's time left:
    a measurement starts only if the last one's time still fits, and one running past that is
    dropped (its rate is then missing)."""
    phase = Deadline(deadline.left() * 0.4)
    model.complete([{"role": "user", "content": "Say hello."}], max_tokens=4)  # pages weights in
    first = model.complete(messages, max_tokens=1)
    prefill_tok_s = first.prompt_tokens_evaluated / max(first.prefill_s, 1e-9)
    bounded = Bounded(model, phase)  # the prompt is cached from here on: no prefill to budget
    t = time.perf_counter()
    constrained(model, messages, schema, 2, True)  # builds the writer's vocabulary table once
    jf_setup = time.perf_counter() - t
    steps: dict[str, Callable[[], Completion]] = {
        "free_own": lambda: bounded.complete(messages, max_tokens=n),
        "jf": lambda: constrained(bounded, messages, schema, n, True),
        "grammar": lambda: constrained(bounded, messages, schema, n, False),
        "free_ref": lambda: model.complete_reference(messages, schema=None, max_tokens=n),
    }
    rates: dict[str, list[float]] = {key: [] for key in steps}
    dropped: list[str] = []
    last = 0.0  # the time of the last measurement: the estimate for the next
    for _ in range(runs):
        for key, call in steps.items():
            if not phase.fits(last):
                dropped.append(key)
                continue
            t = time.perf_counter()
            try:
                rates[key].append(reply_rate(call()))
            except OutOfTime:
                dropped.append(key)
            last = time.perf_counter() - t
    return {"prefill_tok_s": prefill_tok_s,
            "prompt_tokens": first.prompt_tokens_evaluated, "jf_setup_s": jf_setup,
            "dropped": dropped,
            **{key: statistics.median(v) if v else None for key, v in rates.items()}}


def constrained(model: LlamaCppModel | Bounded, messages: list[Message], schema: dict[str, Any],
                n: int, jump_forward: bool) -> Completion:
    """``complete`` under the schema with ``jump_forward`` set, on the already loaded model."""
    llama = model.model if isinstance(model, Bounded) else model
    assert isinstance(llama, LlamaCppModel)
    kept = llama.options
    llama.options = replace(kept, jump_forward=jump_forward)
    try:
        return model.complete(messages, schema=schema, max_tokens=n, extractive=True)
    finally:
        llama.options = kept


def whole_brief(model: LlamaCppModel, ws: Workspace, k: int, rates: dict[str, Any],
                deadline: Deadline) -> dict[str, Any]:
    """Step 4: one draft(), abandoned at the deadline (then over the calls it made)."""
    model.llm.reset()
    recorder = Recorder(Bounded(model, deadline, rates["prefill_tok_s"]))
    started = time.perf_counter()
    complete, valid, failures = True, None, []
    try:
        d = draft(TOPIC, workspace=ws, model=recorder, k=k,
                  progress=lambda line: say(f"    [{deadline.elapsed():5.0f} s] {line}"))
        valid = (d.run.usage.calls - len(d.run.attempts)) / max(1, d.run.usage.calls)
        failures = d.brief.failures
    except OutOfTime:
        complete = False
        say(f"    [{deadline.elapsed():5.0f} s] brief abandoned at the deadline")
    # an abandoned brief: up to the end of its last finished call, the span its calls cover
    wall = (time.perf_counter() if complete else max(recorder.ended, default=started)) - started
    done = [c for _, c in recorder.calls]
    evaluated = sum(c.prompt_tokens_evaluated for c in done)
    chosen = sum(c.completion_tokens for c in done)
    forced = sum(c.forced_tokens for c in done)
    prompts = [model.tokenize_chat(m)[0] for m, _ in recorder.calls]
    distinct = distinct_prompt_tokens(prompts)
    decode = rates["free_own"] or rates["free_ref"]
    compute = ((evaluated + forced) / rates["prefill_tok_s"] + chosen / decode) if decode else None
    return {
        "complete": complete, "wall_s": wall, "compute_s": compute, "valid_share": valid,
        "prefill_reuse": evaluated / distinct if distinct else None,
        "prompt_tokens": sum(len(p) for p in prompts), "prompt_tokens_evaluated": evaluated,
        "distinct_prompt_tokens": distinct, "generated_tokens": chosen, "forced_tokens": forced,
        "model_calls": len(done), "failures": failures,
    }


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def bench_model(name: str, path: Path, ws: Workspace, args: argparse.Namespace,
                deadline: Deadline) -> dict[str, Any]:
    model = LlamaCppModel(path, LlamaOptions(n_ctx=4096))
    t = time.perf_counter()
    _ = model.llm  # load once, outside every timing below
    load_s = time.perf_counter() - t
    messages, schema, section_max = section_call(ws, args.k)
    n = min(args.max_tokens, section_max)
    say(f"  [{deadline.elapsed():5.0f} s] {name}: decoding rates ({args.runs} run(s), {n} tokens)")
    rates = decoding(model, messages, schema, args.runs, n, deadline)
    say(f"  [{deadline.elapsed():5.0f} s] {name}: a whole brief (k = {args.k})")
    brief = whole_brief(model, ws, args.k, rates, deadline)
    free = max((r for r in (rates["free_ref"], rates["free_own"]) if r), default=None)
    constrained_tok_s = rates["jf"] if LlamaOptions().jump_forward else rates["grammar"]
    return {
        "model": name,
        "free_tok_s": _r(free, 1),
        "constrained_tok_s": _r(constrained_tok_s, 1),
        "ratio": _r(_div(constrained_tok_s, free), 3),
        "prefill_reuse": _r(brief["prefill_reuse"], 3),
        "wall_over_compute": _r(_div(brief["wall_s"], brief["compute_s"]), 3),
        "valid_share": _r(brief["valid_share"], 3),
        "constrained_jf_tok_s": _r(rates["jf"], 1),
        "constrained_grammar_tok_s": _r(rates["grammar"], 1),
        "jf_speedup": _r(_div(rates["jf"], rates["grammar"]), 3),
        "detail": {
            "free_llama_cpp_python_tok_s": _r(rates["free_ref"], 1),
            "free_briefer_loop_tok_s": _r(rates["free_own"], 1),
            "prefill_tok_s": round(rates["prefill_tok_s"], 1),
            "section_prompt_tokens": rates["prompt_tokens"],
            "jf_setup_s": round(rates["jf_setup_s"], 2),
            "measurements_dropped": rates["dropped"],
            "brief_complete": brief["complete"],
            "brief_wall_s": round(brief["wall_s"], 2),
            "brief_compute_s": _r(brief["compute_s"], 2),
            **{key: brief[key] for key in ("prompt_tokens", "prompt_tokens_evaluated",
                                           "distinct_prompt_tokens", "generated_tokens",
                                           "forced_tokens", "model_calls", "failures")},
            "model_load_s": round(load_s, 2), "runs": args.runs, "max_tokens": n, "k": args.k,
        },
    }


def _x(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def report(r: dict[str, Any]) -> None:
    d = r["detail"]
    print(f"{r['model']}:")
    print(f"  constrained / free decode   {_x(r['ratio'], '{:.2f}x')}  "
          f"({_x(r['constrained_tok_s'], '{}')} vs {_x(r['free_tok_s'], '{}')} tok/s; "
          f"jump-forward {_x(r['constrained_jf_tok_s'], '{}')}, grammar "
          f"{_x(r['constrained_grammar_tok_s'], '{}')} tok/s: {_x(r['jf_speedup'], '{:.2f}x')}; "
          f"prefill {d['prefill_tok_s']} tok/s)   goal >= 0.9x")
    if d["measurements_dropped"]:
        print(f"  dropped for time: {', '.join(d['measurements_dropped'])}")
    print(f"  prefill reuse               {_x(r['prefill_reuse'], '{:.2f}')}   "
          f"({d['prompt_tokens_evaluated']} evaluated of {d['prompt_tokens']} prompt "
          f"tokens, {d['distinct_prompt_tokens']} distinct)   goal <= 1.2")
    print(f"  wall / model compute        {_x(r['wall_over_compute'], '{:.2f}x')}  "
          f"({d['brief_wall_s']} s vs {_x(d['brief_compute_s'], '{} s')}; "
          f"{d['generated_tokens']} chosen + {d['forced_tokens']} forced tokens)   goal <= 1.3x")
    print(f"  outputs that validated      {_x(r['valid_share'], '{:.0%}')}  "
          f"({d['model_calls']} calls, failures: {d['failures'] or 'none'})")
    if not d["brief_complete"]:
        print("  the brief was abandoned at the deadline: the figures above cover the calls "
              "it made")


def chosen_models(wanted: list[str]) -> list[tuple[str, Path]]:
    models: list[tuple[str, Path]] = []
    if "smollm2" in wanted:
        models.append(("smollm2-135m", packaged_smollm2()))
    if "qwen" in wanted:
        qwen = find_pulled(DEFAULT_MODEL, pull_dir(settings_for(None)))  # never fetches
        if qwen is not None:
            models.append((DEFAULT_MODEL, qwen))
        else:
            say(f"{DEFAULT_MODEL} not pulled (brief models pull {DEFAULT_MODEL}); skipped")
    return models


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per model")
    ap.add_argument("--models", default="smollm2,qwen")
    ap.add_argument("--runs", type=int, default=1, choices=(1, 2, 3))
    ap.add_argument("--max-tokens", type=int, default=64, help="per decoding run (<= 256)")
    ap.add_argument("--deadline", type=float, default=540.0, help="seconds for the whole run")
    ap.add_argument("-k", type=int, default=6)
    args = ap.parse_args()
    args.max_tokens = max(8, min(args.max_tokens, 256))
    deadline = Deadline(args.deadline)
    models = chosen_models(args.models.split(","))
    with tempfile.TemporaryDirectory(prefix="briefer-bench-drafting-") as tmp:
        ws, _ = ingested(settings_for(None), ROOT / "corpus", Path(tmp) / "store")
        for i, (name, path) in enumerate(models):
            # each model still to run gets an equal share of the time left
            share = Deadline(deadline.left() / (len(models) - i))
            r = bench_model(name, path, ws, args, share)
            if args.json:
                print(json.dumps(r), flush=True)
            else:
                report(r)
    say(f"wall {deadline.elapsed():.0f} s of the {args.deadline:.0f} s deadline")


if __name__ == "__main__":
    main()
