"""`brief eval` on questions in bounded, resumable pieces, for a machine where a run is slow.

Runs each question of a JSONL file through Briefer and, with ``--baseline naive``, the naive
pipeline — Briefer then naive for the same question, so both see the same load — and appends
each result to ``--out`` as one JSON line (with the time and the load average). Before starting
a question it stops if ``--deadline`` seconds have passed; run it again with the same ``--out``
to go on where it stopped. ``--summary`` prints the metrics of everything in ``--out``, computed
by the same ``evaluate`` pipelines and ``scoring.Metrics`` as ``brief eval``, so the table is
the one ``brief eval --baseline naive --questions ...`` prints for the same answers.

    python benchmarks/eval_bounded.py --questions Q.jsonl --store DIR --out rows.jsonl \\
        [--model PATH] [--baseline naive] [--deadline 780]
    python benchmarks/eval_bounded.py --questions Q.jsonl --store DIR --out rows.jsonl --summary

Settings come from Settings() as everywhere (e.g. ``BRIEFER_ASK__JUDGE=false``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefer.core.settings import load_settings  # noqa: E402
from briefer.corpus.workspace import Workspace  # noqa: E402
from briefer.evaluation.evaluate import PIPELINES, _failed_answer, _timed, pipeline_names  # noqa: E402
from briefer.evaluation.scoring import (  # noqa: E402
    Metrics,
    QuestionItem,
    QuestionResult,
    Retrieval,
    read_jsonl,
)


def done(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def run(args: argparse.Namespace, items: list[QuestionItem], ws: Workspace) -> None:
    from briefer.evaluation.evaluate import retrieval
    from briefer.llm.models import load_model

    started = time.perf_counter()
    have = {(r["pipeline"], r["id"]) for r in done(args.out)}
    todo = [q for q in items if any((p, q.id) not in have for p in args.pipelines)]
    if not todo:
        print("all questions done", file=sys.stderr)
        return
    model = load_model(ws.settings)
    k = args.k or ws.settings.retrieval.k
    pipes = {p: PIPELINES[p](ws, model, k) for p in args.pipelines}
    for q in todo:
        if time.perf_counter() - started > args.deadline:
            print(f"deadline: stopped before {q.id}", file=sys.stderr)
            return
        hit = retrieval(q, ws, k)
        for name, pipe in pipes.items():
            if (name, q.id) in have:
                continue
            result = _timed(pipe.answer, q, _failed_answer)
            row = {"pipeline": name, "id": q.id, "at": time.strftime("%Y-%m-%d %H:%M:%S"),
                   "load1": round(os.getloadavg()[0], 2),
                   "retrieval": dataclasses.asdict(hit) if hit else None,
                   "result": dataclasses.asdict(result)}
            with args.out.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(row) + "\n")
            print(f"{name} {q.id}: {result.latency_s:.1f} s, declined={result.declined}",
                  file=sys.stderr)


def summary(items: list[QuestionItem], rows: list[dict[str, Any]], k: int,
            pipelines: list[str]) -> list[dict[str, Any]]:
    by_id = {q.id: q for q in items}
    runs = []
    for name in pipelines:
        metrics = Metrics(k)
        for r in rows:
            if r["pipeline"] != name or r["id"] not in by_id:
                continue
            hit = Retrieval(**r["retrieval"]) if r["retrieval"] else None
            metrics.add_question(by_id[r["id"]], hit, QuestionResult(**r["result"]))
        runs.append({"pipeline": name, "k": k, "metrics": metrics.summary(),
                     "items": metrics.rows})
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default=None)
    ap.add_argument("--baseline", default=None)
    ap.add_argument("-k", type=int, default=None)
    ap.add_argument("--deadline", type=float, default=780.0,
                    help="seconds after which no new question is started")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--details", action="store_true", help="with --summary: per-item rows")
    args = ap.parse_args()
    args.pipelines = pipeline_names(args.baseline)
    overrides: dict[str, Any] = {"store.path": args.store}
    if args.model:
        overrides["model.path"] = args.model
    ws = Workspace.open(load_settings(**overrides))
    items = read_jsonl(args.questions, QuestionItem)
    if args.summary:
        runs = summary(items, done(args.out), args.k or ws.settings.retrieval.k, args.pipelines)
        shown = runs if args.details else [{k: v for k, v in r.items() if k != "items"}
                                           for r in runs]
        print(json.dumps(shown, indent=2))
        return 0
    run(args, items, ws)
    return 0


if __name__ == "__main__":
    sys.exit(main())
