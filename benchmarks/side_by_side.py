"""Side-by-side replies: lanes refilled as they finish vs fixed groups, and the lane width.

Usage: python benchmarks/side_by_side.py [--store DIR] [--topic T] [--widths 8,16]
                                         [--deadline 600] [--json]

A brief writes each visited sentence's item as one reply of ``LlamaCppModel.complete_each``,
several decoded side by side (``briefer.llm.llama_batch``). This measures that call on the
default model (Qwen2.5-1.5B when pulled; never fetched), in one process:

* the visits are the brief's own: ``draft()`` is run once with a schema-valid fake model on
  ``--topic`` over ``--store`` (default: ``corpus/`` ingested into a temporary store), and the
  by-sentence calls it made (the same messages, one schema per sentence) are kept, per
  section, shortest sentence first (the brief's order);
* for each width W, the same replies are written (a) in fixed groups of W, one
  ``complete_each`` per group: a group lasts as long as its longest reply, its finished lanes
  idle (the scheduler before session 22), and (b) in one ``complete_each`` whose finished
  lanes take the next reply (W at a time). They run a, b, b, a, each from an empty cache (the
  shared prompt evaluated by each run), so the ratio grouped / refilled (sums) is measured on
  the same minutes' machine speed and a drift cancels.

Prints seconds, decode rounds' tokens and the ratio per width, and the replies that differ
between (a) and (b) (batch composition changes the arithmetic, so greedy decoding may part on
near-ties). Bounded: a measurement starts only if the previous one's time fits in what is left
of ``--deadline`` (default 600 s); the rest are reported as skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _bench import ROOT, Deadline, ingested, machine_speed, settings_for
from drafting import Recorder, say

from briefer.core.errors import BrieferError
from briefer.core.settings import load_settings
from briefer.corpus.workspace import Workspace
from briefer.llm.base import Message
from briefer.llm.llama import LlamaCppModel, LlamaOptions
from briefer.llm.models import DEFAULT_MODEL, find_pulled, pull_dir
from briefer.llm.testing import FakeModel
from briefer.pipeline.draft import draft

Visits = tuple[list[Message], list[dict[str, Any]], int]


def visit_calls(ws: Workspace, topic: str) -> dict[str, Visits]:
    """Per section, the messages, schemas and budget of the brief's by-sentence visits
    (consecutive calls with the same messages and a one-key schema each)."""
    capture = Recorder(FakeModel(schema_valid=True))
    try:
        draft(topic, workspace=ws, model=capture, progress=capture.progress)
    except BrieferError:
        pass  # the calls made are all that is needed
    out: dict[str, Visits] = {}
    for (messages, _), kw, tag in zip(capture.calls, capture.kwargs, capture.tags, strict=True):
        schema = kw.get("schema") or {}
        keys = schema.get("required", ())
        if len(keys) != 1 or schema["properties"][keys[0]].get("maxItems") != 1:
            continue  # a whole section: a visit's reply is {"<sentence>": [one item]}
        got = out.setdefault(tag, (messages, [], int(kw.get("max_tokens", 512))))
        if got[0] == messages and schema not in got[1]:
            got[1].append(schema)
    # shortest sentences first, as the brief orders them (similar lengths share a group)
    return {tag: (m, sorted(s, key=lambda x: len(x["required"][0])), b)
            for tag, (m, s, b) in out.items() if len(s) >= 2}


def timed(model: LlamaCppModel, visits: Visits, width: int, grouped: bool) -> dict[str, Any]:
    messages, schemas, budget = visits
    model.llm.reset()  # each run evaluates the shared prompt itself: no prefix left by the last
    started = time.perf_counter()
    groups = ([schemas[i:i + width] for i in range(0, len(schemas), width)] if grouped
              else [schemas])
    replies = [c for g in groups
               for c in model.complete_each([messages] * len(g), g, max_tokens=[budget] * len(g),
                                            extractive=True)]
    return {"seconds": round(time.perf_counter() - started, 2),
            "tokens": sum(c.completion_tokens + c.forced_tokens for c in replies),
            "texts": [c.text for c in replies]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path)
    ap.add_argument("--topic", default="South Korea response")
    ap.add_argument("--widths", default="8,16")
    ap.add_argument("--deadline", type=float, default=600.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    deadline = Deadline(min(args.deadline, 900.0))
    settings = settings_for(None)
    path = find_pulled(DEFAULT_MODEL, pull_dir(settings))  # never fetches
    if path is None:
        raise SystemExit(f"{DEFAULT_MODEL} is not pulled: brief models pull {DEFAULT_MODEL}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.store is None:
            ws, _ = ingested(settings, ROOT / "corpus", Path(tmp) / "store")
        else:
            ws = Workspace.open(load_settings(**{"store.path": args.store}))
        sections = visit_calls(ws, args.topic)
    if not sections:
        raise SystemExit(f"draft() visited no sentences on {args.topic!r}")
    speed = machine_speed(LlamaCppModel(path))
    say(f"machine: {speed.line()}")
    rows: list[dict[str, Any]] = []
    last = 0.0
    for width in (int(w) for w in args.widths.split(",")):
        model = LlamaCppModel(path, LlamaOptions(parallel=width))  # n_seq follows the width
        model.complete([{"role": "user", "content": "Say hello."}], max_tokens=2)
        for tag, visits in sections.items():
            row: dict[str, Any] = {"section": tag, "width": width, "replies": len(visits[1])}
            if not deadline.fits(1.1 * last):
                rows.append({**row, "skipped": "deadline"})
                continue
            # grouped, refilled, refilled, grouped: a drift in the machine's speed cancels
            a1 = timed(model, visits, width, grouped=True)
            b1 = timed(model, visits, width, grouped=False)
            b2 = timed(model, visits, width, grouped=False)
            a2 = timed(model, visits, width, grouped=True)
            a_s, b_s = a1["seconds"] + a2["seconds"], b1["seconds"] + b2["seconds"]
            last = max(a_s, b_s)
            row.update(grouped_s=[a1["seconds"], a2["seconds"]],
                       refilled_s=[b1["seconds"], b2["seconds"]], ratio=round(a_s / b_s, 3),
                       tokens=(a1["tokens"], b1["tokens"]),
                       differing=sum(x != y for x, y in zip(a1["texts"], b1["texts"],
                                                            strict=True)))
            say(json.dumps(row))
            rows.append(row)
    result = {"machine": speed.line(), "topic": args.topic, "rows": rows,
              "elapsed_s": round(deadline.elapsed(), 1)}
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
