"""Brief latency: each brief request of evalset/briefs.jsonl through Briefer and the naive pipeline.

Usage:
    python benchmarks/brief_latency.py                       # default model (qwen2.5-1.5b)
    python benchmarks/brief_latency.py --model smollm2 --deadline 300
    python benchmarks/brief_latency.py --json > latency.json
Flags: --model NAME|PATH (as `brief --model`), --deadline SECONDS (900, the whole script),
-k N (passages; default: the settings' brief.k), --briefs FILE, --docs FOLDER, --store FOLDER (kept
between runs: real-dev is ingested once; with --store alone, the store is used as it is, no
documents added), --limit N, --json.

In one process, the model loaded once (``load_model``, as the CLI does; a pullable model that
is missing is fetched first, outside the timings):

1. a machine-speed line: prefill and decode tok/s on a fixed ~300-token prompt, 32 generated
   tokens (best of two), so that results from different days can be compared;
2. ``evalset/docs`` ingested into a fresh store in a temporary folder (``Workspace.ingest``);
3. per brief request: the wall time of ``draft()`` (retrieval, every model call, grounding)
   and the time to its first section (``on_section``: what a terminal shows first, while the
   rest is drafted; per section in the JSON),
   its model calls, prompt tokens evaluated, generated tokens (chosen by the model) and forced
   tokens (left no choice by the schema, evaluated in batches), option / red-line recall and
   precision (``briefer.evaluation.scoring`` on the items as ``brief eval`` matches them),
   calls and tokens per section (a call counts for the first section handed over after it),
   then the same request through the naive pipeline (``NaivePipeline.brief`` of ``brief
   eval --baseline naive``) on the same store and model: its wall, and briefer wall / naive
   wall. Requests alternate which pipeline runs first. p50 / p95 over requests (nearest rank).

Bounded by ``--deadline``, counted once the model file is there: a request starts only if the
time left exceeds the last request's time (Briefer + naive); a model call starts only if its
prompt can be evaluated in the time left (at the measured prefill rate), and one still running
at the deadline is abandoned within one generated token. What was measured is printed, with
the requests skipped or cut. Progress lines go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _bench import (
    ROOT,
    Bounded,
    Deadline,
    OutOfTime,
    Speed,
    ingested,
    machine_speed,
    settings_for,
)

from briefer.core.errors import BrieferError
from briefer.corpus.workspace import Workspace
from briefer.evaluation.evaluate import NaivePipeline, item_text
from briefer.evaluation.scoring import BriefItem, percentile, precision, read_jsonl, recall
from briefer.llm.base import ChatModel, Completion
from briefer.llm.models import load_model
from briefer.pipeline.draft import draft


def run_briefer(item: BriefItem, ws: Workspace, model: Bounded, k: int,
                deadline: Deadline) -> dict[str, Any]:
    started = time.perf_counter()
    shown: dict[str, float] = {}  # section → seconds until it was grounded and handed over
    handed: list[tuple[float, str]] = []
    logged = len(model.log)

    def on_section(name: str, fields: Any, chunks: Any) -> None:
        now = time.perf_counter()
        shown[name] = round(now - started, 2)
        handed.append((now, name))

    try:
        d = draft(item.topic, workspace=ws, model=model, k=k, on_section=on_section,
                  progress=lambda line: say(f"[{deadline.elapsed():5.0f} s]   {line}"))
    except BrieferError as exc:
        return {"wall_s": round(time.perf_counter() - started, 2), "error": str(exc)}
    wall = time.perf_counter() - started
    u = d.run.usage
    options = [item_text(o) for o in d.brief.response_options]
    red_lines = [item_text(r) for r in d.brief.red_lines]
    return {
        "wall_s": round(wall, 2), "calls": u.calls,
        "first_section_s": min(shown.values(), default=None),
        "first_section": min(shown, key=shown.__getitem__) if shown else None,
        "sections_s": shown,
        "prompt_tokens": u.prompt_tokens, "prompt_tokens_evaluated": u.prompt_tokens_evaluated,
        "generated_tokens": u.completion_tokens, "forced_tokens": u.forced_tokens,
        "model_s": round(u.seconds, 2),
        "options": len(options), "red_lines": len(red_lines),
        "option_recall": recall(item.expected_options, options),
        "option_precision": precision(item.must_not_options, options),
        "red_line_recall": recall(item.expected_red_lines, red_lines),
        "red_line_precision": precision(item.must_not_red_lines, red_lines),
        "failures": d.brief.failures,
        "sections": by_section(model.log[logged:], handed),
    }


def by_section(log: list[tuple[float, Completion]], handed: list[tuple[float, str]]
               ) -> dict[str, dict[str, int]]:
    """Calls and tokens per section: a call counts for the first section handed over after it
    returned (the replies written side by side count for the first of their sections, the
    bottom line's)."""
    out: dict[str, dict[str, int]] = {}
    for when, c in log:
        name = next((n for t, n in handed if t >= when), "after the last section")
        row = out.setdefault(name, {"calls": 0, "prompt_tokens_evaluated": 0,
                                    "generated_tokens": 0, "forced_tokens": 0})
        row["calls"] += 1
        row["prompt_tokens_evaluated"] += c.prompt_tokens_evaluated
        row["generated_tokens"] += c.completion_tokens
        row["forced_tokens"] += c.forced_tokens
    return out


def run_naive(item: BriefItem, naive: NaivePipeline) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        r = naive.brief(item)
    except BrieferError as exc:
        return {"wall_s": round(time.perf_counter() - started, 2), "error": str(exc)}
    return {"wall_s": round(time.perf_counter() - started, 2), "generated_tokens": r.tokens}


def measure(item: BriefItem, index: int, ws: Workspace, model: ChatModel, k: int,
            deadline: Deadline, speed: Speed) -> dict[str, Any]:
    """One request through both pipelines, Briefer first on even indexes, naive first on odd."""
    row: dict[str, Any] = {"id": item.id, "topic": item.topic}
    bounded = Bounded(model, deadline, speed.prefill_tok_s)
    naive = NaivePipeline(ws, bounded, k)
    steps = ["briefer", "naive"] if index % 2 == 0 else ["naive", "briefer"]
    for step in steps:
        if deadline.left() <= 0:
            row["cut"] = f"{step} not started: deadline reached"
            return row
        try:
            row[step] = (run_briefer(item, ws, bounded, k, deadline) if step == "briefer"
                         else run_naive(item, naive))
        except OutOfTime:
            row["cut"] = f"{step} abandoned at the deadline"
            say(f"[{deadline.elapsed():5.0f} s]   {row['cut']}")
            return row
    row["ratio"] = round(row["briefer"]["wall_s"] / max(row["naive"]["wall_s"], 1e-9), 2)
    return row


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    done = [r for r in rows if "ratio" in r]

    def pct(values: list[float]) -> dict[str, float | None]:
        return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}

    return {"briefer_wall_s": pct([r["briefer"]["wall_s"] for r in done]),
            "first_section_s": pct([r["briefer"]["first_section_s"] for r in done
                                    if r["briefer"].get("first_section_s") is not None]),
            "naive_wall_s": pct([r["naive"]["wall_s"] for r in done]),
            "ratio": pct([r["ratio"] for r in done])}


def run(args: argparse.Namespace) -> dict[str, Any]:
    items: list[BriefItem] = read_jsonl(args.briefs, BriefItem)[: args.limit]
    settings = settings_for(args.model, args.k)
    k = settings.brief.k
    model = load_model(settings)  # a missing pullable model is fetched here, before the clock
    deadline = Deadline(args.deadline)
    t = time.perf_counter()
    speed = machine_speed(model)  # its first call loads the weights
    out: dict[str, Any] = {
        "model": model.describe()["file"], "k": k, "deadline_s": args.deadline,
        "machine": {**vars(speed), "seconds": round(time.perf_counter() - t, 1)},
    }
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="briefer-bench-latency-") as tmp:
        t = time.perf_counter()
        # --store: a store kept between runs (a large set is ingested once; unchanged files
        # are only hashed)
        # a --store without --docs is used as it is: evalset's documents are not added to it
        if args.store is not None and args.docs is None:
            ws = Workspace.open(settings, state_dir=args.store)
            out["ingest"] = {"documents": 0, "chunks": ws.store.count(), "seconds": 0.0}
        else:
            ws, ingest = ingested(settings, args.docs or ROOT / "evalset" / "docs",
                                  args.store or Path(tmp) / "store")
            out["ingest"] = {"documents": len(ingest.added), "chunks": ingest.chunks_total,
                             "seconds": round(time.perf_counter() - t, 1)}
        last = 0.0
        skipped: list[str] = []
        for i, item in enumerate(items):
            if skipped or not deadline.fits(last):
                skipped.append(item.id)
                continue
            say(f"[{deadline.elapsed():5.0f} s] {item.id}: {item.topic}")
            t = time.perf_counter()
            rows.append(measure(item, i, ws, model, k, deadline, speed))
            last = time.perf_counter() - t
    out.update(requests=rows, summary=summary(rows), done=sum("ratio" in r for r in rows),
               cut=[r["id"] for r in rows if "cut" in r], skipped=skipped,
               wall_s=round(deadline.elapsed(), 1))
    return out


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _f(value: Any, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def report(r: dict[str, Any]) -> None:
    m, ing = r["machine"], r["ingest"]
    print(f"model {r['model']}, k = {r['k']}")
    print(f"machine: prefill {m['prefill_tok_s']} tok/s ({m['prompt_tokens']} tokens), decode "
          f"{m['decode_tok_s']} tok/s ({m['generated']} tokens); first call (model load) "
          f"{m['first_call_s']} s; ingest {ing['documents']} documents, {ing['chunks']} chunks in "
          f"{ing['seconds']} s")
    head = ("briefer s", "1st sect", "calls", "prompt eval", "generated", "forced", "opt R",
            "opt P", "rl R", "rl P", "naive s", "ratio")
    width = max(len(str(row["id"])) for row in r["requests"]) if r["requests"] else 2
    print(f"{'id':<{width}}  " + "  ".join(f"{h:>6}" for h in head))
    for row in r["requests"]:
        b, n = row.get("briefer", {}), row.get("naive", {})
        cells = [_f(b.get("wall_s"), "{:.1f}"), _f(b.get("first_section_s"), "{:.1f}"),
                 _f(b.get("calls"), "{}"),
                 _f(b.get("prompt_tokens_evaluated"), "{}"), _f(b.get("generated_tokens"), "{}"),
                 _f(b.get("forced_tokens"), "{}"), _f(b.get("option_recall")),
                 _f(b.get("option_precision")), _f(b.get("red_line_recall")),
                 _f(b.get("red_line_precision")), _f(n.get("wall_s"), "{:.1f}"),
                 _f(row.get("ratio"), "{:.2f}x")]
        print(f"{row['id']:<{width}}  " + "  ".join(f"{c:>{max(6, len(h))}}"
                                                  for c, h in zip(cells, head, strict=True)))
        for name, u in b.get("sections", {}).items():
            print(f"        {name:<22} {u['calls']:>3} calls  {u['prompt_tokens_evaluated']:>5} "
                  f"prompt eval  {u['generated_tokens']:>5} generated  {u['forced_tokens']:>5} "
                  f"forced  (handed over at {_f(b['sections_s'].get(name), '{}')} s)")
        for what in ("error", "failures"):
            if b.get(what):
                print(f"        briefer {what}: {b[what]}")
        if n.get("error"):
            print(f"        naive error: {n['error']}")
        if row.get("cut"):
            print(f"        cut: {row['cut']}")
    s = r["summary"]
    print(f"p50 / p95 over {r['done']} requests: briefer {_f(s['briefer_wall_s']['p50'], '{}')}"
          f" / {_f(s['briefer_wall_s']['p95'], '{}')} s, naive {_f(s['naive_wall_s']['p50'], '{}')}"
          f" / {_f(s['naive_wall_s']['p95'], '{}')} s, ratio {_f(s['ratio']['p50'], '{}x')} / "
          f"{_f(s['ratio']['p95'], '{}x')}; first section (the bottom line, shown while the rest "
          f"is drafted) {_f(s['first_section_s']['p50'], '{}')} / "
          f"{_f(s['first_section_s']['p95'], '{}')} s")
    left_out = [f"{len(r['skipped'])} skipped ({', '.join(r['skipped'])})"] if r["skipped"] else []
    left_out += [f"{len(r['cut'])} cut ({', '.join(r['cut'])})"] if r["cut"] else []
    print(f"wall {r['wall_s']} s of the {r['deadline_s']:.0f} s deadline; "
          f"{'; '.join(left_out) or 'every request measured'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="a model name or GGUF path (default: the "
                    "settings' model, qwen2.5-1.5b unless BRIEFER_MODEL or briefer.toml say)")
    ap.add_argument("--deadline", type=float, default=900.0, help="seconds for the whole run")
    ap.add_argument("-k", type=int, default=None, help="passages (default: brief.k)")
    ap.add_argument("--briefs", type=Path, default=ROOT / "evalset" / "briefs.jsonl")
    ap.add_argument("--docs", type=Path, default=None, help="documents to ingest (default: "
                    "evalset/docs; none with --store, which is then used as it is)")
    ap.add_argument("--store", type=Path, default=None, help="a store folder kept between "
                    "runs (default: a fresh one in a temporary folder)")
    ap.add_argument("--limit", type=int, default=None, help="the first N requests only")
    ap.add_argument("--json", action="store_true", help="one JSON object")
    args = ap.parse_args()
    r = run(args)
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        report(r)


if __name__ == "__main__":
    main()
