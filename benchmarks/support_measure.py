"""Does the support measure find the sentence that states a claim? Stems against lemmas.

The one support measure (:class:`briefer.grounding.support.Support`) and its best-sentence search
(:func:`briefer.grounding.support.best_sentence`) decide which quote backs a brief item or an
answer's sentence. This benchmark asks them, with no model, to find the source sentence of each
reference answer of a set's questions among the sentences its retrieval brings:

    python benchmarks/support_measure.py --store /tmp/realdev-store            # both halves
    python benchmarks/support_measure.py --store /tmp/realdev-store --half tuning

* Setup: real-dev's corpus ingested once into ``--store`` (``_bench.dev_set``; reused when
  unchanged). Questions: real-dev's answerable ones with an ``evidence`` field (a sentence or a
  list of them); the claim is the question's reference ``answer``.
* Per question: the passages ``brief ask`` retrieves (``retrieve_for_question`` at
  ``retrieval.k``), their quotable sentences (``make_passages``); **gold** are the sentences
  that hold an evidence sentence or are held by one. Questions whose gold was not retrieved are
  counted apart (``unreached``): they measure retrieval, not support.
* For each way of reading words (``--terms``: ``stem5`` cuts "-ing/-ed/-s" then keeps five
  letters, the measure of sessions 1-13; ``lemma`` lemminflect's lemma of each word; ``suffix``
  the suffix cut alone): ``top1`` the best sentence is gold, ``top3``, ``mrr``, ``gold>=t``
  the share of gold sentences whose support reaches the re-pointing threshold
  (``grounding.answer_repoint``), ``other>=t`` the share of questions where a non-gold sentence
  reaches it too (what re-pointing could pick wrongly).
* Bound: one ingest (about 4 minutes the first time, seconds after), then 3-4 searches per
  question (96 questions) and about 100 sentences scored per question per reading: under a
  minute after the ingest.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _bench import REAL_DEV, dev_set

from briefer.core.settings import GroundingSettings
from briefer.evidence.passages import make_passages
from briefer.grounding import support as measure
from briefer.pipeline.retrieval import retrieve_for_question
from briefer.text import words
from briefer.text.verify import normalise

HALVES = {"tuning": ("fentanyl", "gaza-aid"), "test": ("ukraine", "venezuela")}
READINGS: dict[str, Callable[[str], str]] = {
    "stem5": words.stem5, "lemma": words.lemma, "suffix": words.suffix_cut}


def questions(data: Path, half: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (data / "questions.jsonl").open()]
    return [q for q in rows if q.get("topic") in HALVES[half] and q.get("evidence")
            and q.get("kind") != "unanswerable"]


def is_gold(unit: str, evidence: list[str]) -> bool:
    u = normalise(unit).lower()
    return any(u in e or e in u for e in (normalise(x).lower() for x in evidence))


def score(rows: list[tuple[str, list[str], list[bool]]], reading: Callable[[str], str],
          minimum: float) -> dict[str, float]:
    """Top-1, top-3, MRR of the first gold sentence, and how often gold / other reach
    ``minimum``, over ``rows`` (claim, candidate sentences, which are gold)."""
    words.READ = reading
    top1 = top3 = rr = gold_ok = other_ok = 0.0
    for claim, units, gold in rows:
        sup = measure.Support(units)
        scores = [sup(claim, [u]) for u in units]
        order = sorted(range(len(units)), key=lambda i: -scores[i])
        rank = next(r for r, i in enumerate(order, start=1) if gold[i])
        top1 += rank == 1
        top3 += rank <= 3
        rr += 1 / rank
        gold_ok += max(s for s, g in zip(scores, gold, strict=True) if g) >= minimum
        other_ok += max((s for s, g in zip(scores, gold, strict=True) if not g),
                        default=0) >= minimum
    n = len(rows) or 1
    return {"top1": top1 / n, "top3": top3 / n, "mrr": rr / n, "gold>=t": gold_ok / n,
            "other>=t": other_ok / n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=REAL_DEV)
    ap.add_argument("--half", choices=[*HALVES, "both"], default="both")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    data, ws, _ = dev_set("real-dev", args.data, args.store)
    minimum = GroundingSettings().answer_repoint
    out: dict[str, Any] = {}
    for half in HALVES if args.half == "both" else (args.half,):
        rows, unreached = [], 0
        for q in questions(data, half):
            evidence = q["evidence"] if isinstance(q["evidence"], list) else [q["evidence"]]
            chunks, _ = retrieve_for_question(q["question"], q["question"], ws,
                                              ws.settings.retrieval.k)
            units = list(dict.fromkeys(u.text for p in make_passages(chunks) for u in p.units))
            gold = [is_gold(u, evidence) for u in units]
            if not any(gold):
                unreached += 1
                continue
            rows.append((q["answer"], units, gold))
        out[half] = {"questions": len(rows), "unreached": unreached,
                     **{name: score(rows, reading, minimum) for name, reading in READINGS.items()}}
    words.READ = words.stem5
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for half, got in out.items():
            print(f"## real-dev {half}: {got['questions']} questions with their source sentence "
                  f"retrieved ({got['unreached']} not reached); threshold {minimum}")
            print(f"{'reading':8} " + " ".join(f"{c:>9}" for c in
                                               ("top1", "top3", "mrr", "gold>=t", "other>=t")))
            for name in READINGS:
                print(f"{name:8} " + " ".join(f"{got[name][c]:9.3f}" for c in got[name]))
            print()
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
