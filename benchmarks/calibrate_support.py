"""Calibrate `grounding.answer_judge` (and `grounding.answers_question`) on recorded judgements.

Input: the rows that ``benchmarks/eval_bounded.py`` wrote for a run with
``BRIEFER_ASK__CALIBRATE=true`` (every judgement recorded, none enforced: the answers are the
model's own). For each threshold of a grid, every answer is decided again offline by
``briefer.grounding.decide.decide`` — the function ``brief ask`` uses — and scored by
``scoring.Metrics``:
abstention on unanswerable questions, false abstention, must-include, answer_support. The
passages are retrieved again (retrieval is deterministic) to number the citations as the model
saw them.

    python benchmarks/calibrate_support.py --questions Q.jsonl --store DIR --rows calib.jsonl
        [--grid 0.1,0.2,...] [--answers-grid 0,0.3,0.5] [--json]

It prints one line per (support, answers) threshold pair; pick the one that meets the targets
(abstention >= 0.85, false abstention <= 0.1) with the highest must-include, and say why.

``--remeasure OUT --model PATH`` first judges the recorded answers again with the current
``claims.measure`` (prompts, re-pointing) and writes the rows to OUT: the model's answers are
kept, only the judgements are redone — for when the judgement changed after the answers were
recorded.

``--judge-sides`` loads the model as the judge of another source's side (``brief ask`` with a
judge: the answer's passages, then a search ``WIDER`` deeper; ``grounding.other_judge``). A
side the recorded answer got is decided again (its claim and quote are left out). ``--grid
0.15 --judge-sides``: one row, about a minute per 48 answers (a few judgements).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefer.core.schemas import Citation, ClaimCheck  # noqa: E402
from briefer.core.settings import load_settings  # noqa: E402
from briefer.corpus.workspace import Workspace  # noqa: E402
from briefer.evaluation.scoring import Metrics, QuestionItem, QuestionResult, read_jsonl  # noqa: E402
from briefer.evidence.passages import make_passages  # noqa: E402
from briefer.evidence.run import Run  # noqa: E402
from briefer.grounding.claims import (  # noqa: E402
    DOES_NOT_STATE,
    Measured,
    citation,
    confirming,
    measure,
)
from briefer.grounding.decide import decide  # noqa: E402
from briefer.grounding.sides import OTHER_SIDE  # noqa: E402
from briefer.pipeline.ask import DECLINE, WIDER  # noqa: E402
from briefer.pipeline.retrieval import retrieve_for_question  # noqa: E402
from briefer.text.needs import (  # noqa: E402
    markers,
    names_stated,  # noqa: E402
    needs,
    numbers_stated,
    plain,
)
from briefer.text.verify import verify_quote  # noqa: E402


def citations_of(item: QuestionItem, result: dict[str, Any], ws: Workspace) -> tuple[
        list[Citation], dict[str, Any], list[Any]]:
    """The answer's citations, numbered by the retrieval the model saw."""
    k = ws.settings.retrieval.k
    chunks, _ = retrieve_for_question(item.question, item.question, ws, k)
    out: list[Citation] = []
    for quote in result["quotes"] or result.get("considered", []):
        for n, chunk in enumerate(chunks, start=1):
            if verify_quote(quote, chunk.text).match != "unverified":
                c = citation(n, chunk, quote)
                if c is not None:
                    out.append(c)
                break
    return out, {c.id: c for c in chunks}, make_passages(chunks, "")


def recheck(question: str, check: ClaimCheck, cited: list[Citation],
            chunks: dict[str, Any]) -> ClaimCheck:
    """``check`` with its numbers and names found again by today's rules (``claims.Measure``
    does the same on the quotes its markers cite and their titles). A check whose numbers or
    names failed when it was recorded was not judged: it is kept on its quotes if they now
    pass (an upper bound on what the judge would keep)."""
    if check.reason == DOES_NOT_STATE:
        return check
    own = [c for n in markers(check.sentence) for c in cited if c.n == n] or cited
    text = plain(check.sentence)
    titles = [chunks[c.chunk_id].title for c in own if c.chunk_id in chunks]
    return check.model_copy(update={
        "numbers_ok": numbers_stated(text, " ".join(c.quote for c in own),
                                     needs(question).numbers),
        "names_ok": names_stated(text, " ".join([*(c.quote for c in own), *titles]), question)})


def _letters(text: str) -> str:
    """``text``'s letters and digits, lower case (a quote as the memo shows it and as found)."""
    return re.sub(r"[\W_]+", "", text.lower())


def replay(item: QuestionItem, row: dict[str, Any], ws: Workspace, cache: dict[str, Any],
           threshold: float, answers_threshold: float, judge: Any = None) -> QuestionResult:
    """``row``'s answer decided again; with ``judge`` (``--judge-sides``), another source's
    side judged and searched in a wider search too, as ``brief ask`` does with a judge."""
    result = row["result"]
    if not result["claims"] or (result["declined"] and not result.get("considered")):
        return QuestionResult(**result)  # declined before any judgement: unchanged
    # a side another source gave was added by ``decide``, not written or cited by the model:
    # its claim and its quote are left out, and it is decided again
    sides = [c["sentence"] for c in result["claims"] if c.get("reason") == OTHER_SIDE]
    result = {**result, "quotes": [q for q in result["quotes"]
                                   if not any(_letters(q)[:40] in _letters(s) for s in sides)]}
    if item.id not in cache:
        cache[item.id] = citations_of(item, result, ws)
    cited, chunks, passages = cache[item.id]
    checks = [ClaimCheck.model_validate(c) for c in result["claims"]
              if c.get("reason") != OTHER_SIDE]
    measured = Measured([recheck(item.question, c, cited, chunks) for c in checks],
                        result.get("answers_question"))
    bar = ws.settings.grounding.model_copy(update={"answer_judge": threshold,
                                                   "answers_question": answers_threshold})
    sides: dict[str, Any] = {}
    if judge is not None:
        found, _ = retrieve_for_question(item.question, item.question, ws,
                                         ws.settings.retrieval.k + WIDER)
        run = Run.begin(item.question, list(chunks.values()), k=len(chunks), schema_version="x",
                        started=0.0, store_fingerprint="", thresholds=bar)
        wider = make_passages([c for c in found if c.id not in chunks])
        sides = {"more": lambda: wider,
                 "confirm": confirming(run, judge, item.question)}
    d = decide(item.question, measured, cited, chunks, thresholds=bar, passages=passages,
               opening=ws.opening, **sides)
    kept = [] if d.decline else d.citations
    return QuestionResult(text=DECLINE if d.decline else d.text, declined=bool(d.decline),
                          reason=d.decline, checks=[True] * len(kept),
                          quotes=[c.quote for c in kept],
                          sources=list(dict.fromkeys(c.source for c in kept)),
                          unanswered=d.unanswered, latency_s=result["latency_s"])


def remeasure(items: dict[str, QuestionItem], rows: list[dict[str, Any]], ws: Workspace,
              out: Path) -> list[dict[str, Any]]:
    from briefer.llm.models import load_model

    model = load_model(ws.settings)
    done = {r["id"] for r in (json.loads(x) for x in out.read_text().splitlines())
            } if out.exists() else set()
    for row in rows:
        result = row["result"]
        if row["id"] in done or result["declined"] or not result["claims"]:
            if row["id"] not in done:
                with out.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
            continue
        item = items[row["id"]]
        cited, chunks, _ = citations_of(item, result, ws)
        run = Run.begin(item.question, list(chunks.values()), k=len(chunks), schema_version="x",
                        started=0.0, store_fingerprint="", alias_prefix="")
        m = measure(item.question, result["text"], cited, run, model, threshold=2.0,
                    ask_question=True)
        result.update(claims=[c.model_dump(exclude_none=True) for c in m.checks],
                      answers_question=m.answers_question, judgement_s=run.judge_s)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(f"{row['id']}: {run.judge_calls} judgements, {run.judge_s:.0f} s", file=sys.stderr)
    return [json.loads(x) for x in out.read_text().splitlines()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--grid", default="0,0.05,0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.45,0.5,0.6,0.7")
    ap.add_argument("--answers-grid", default="0")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--remeasure", type=Path, default=None)
    ap.add_argument("--model", default=None)
    ap.add_argument("--judge-sides", action="store_true",
                    help="judge another source's side with the model (and search wider)")
    ap.add_argument("--show", type=float, default=None,
                    help="print each answer decided at this support threshold")
    args = ap.parse_args()
    overrides: dict[str, Any] = {"store.path": args.store}
    if args.model:
        overrides["model.path"] = args.model
    ws = Workspace.open(load_settings(**overrides))
    items = {q.id: q for q in read_jsonl(args.questions, QuestionItem)}
    rows = [json.loads(line) for line in args.rows.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["pipeline"] == "briefer" and r["id"] in items]
    if args.remeasure is not None:
        rows = remeasure(items, rows, ws, args.remeasure)
    cache: dict[str, Any] = {}
    judge = None
    if args.judge_sides:
        from briefer.llm.models import load_model

        judge = load_model(ws.settings)
    table = []
    for a in (float(x) for x in args.answers_grid.split(",")):
        for t in (float(x) for x in args.grid.split(",")):
            metrics = Metrics(ws.settings.retrieval.k)
            for r in rows:
                result = replay(items[r["id"]], r, ws, cache, t, a, judge)
                metrics.add_question(items[r["id"]], None, result)
                if args.show is not None and abs(t - args.show) < 1e-9:
                    print(f"{r['id']} {items[r['id']].kind}: declined={result.declined} "
                          f"{result.reason or result.text[:160]} {result.unanswered or ''}")
            m = metrics.summary()
            table.append({"answer_judge": t, "answers_question": a, **{
                key: m[key] for key in ("abstention_accuracy", "false_abstention",
                                        "must_include", "answer_support",
                                        "conflict_both_sides", "unanswered_stated")}})
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    head = list(table[0])
    print(" ".join(f"{h[:18]:>18}" for h in head))
    for line in table:
        print(" ".join(f"{'-' if v is None else v!s:>18}" for v in line.values()))
    print(f"{len(rows)} answers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
