"""What judging brief items costs: time per item and option / red-line recall, off vs on.

Drafts each brief of a briefs JSONL file once (``draft_brief``, the judgement off, as today),
then applies ``grounding.judge_items`` — the optional layer behind ``brief.judge`` — to the
drafted options, red lines, risks and indicators, in the same process and with the same model.
Recall is scored by ``scoring.recall`` on the items kept with the judgement off and on, so the
two differ only by what the judge removed; the removed items are printed with P(yes).

    python benchmarks/judge_brief_items.py --briefs evalset/briefs.jsonl --store DIR
        [--model PATH] [--ids b2] [--threshold 0.5] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefer.core.settings import load_settings  # noqa: E402
from briefer.corpus.workspace import Workspace  # noqa: E402
from briefer.evaluation.evaluate import item_text  # noqa: E402
from briefer.evaluation.scoring import BriefItem, read_jsonl, recall  # noqa: E402
from briefer.evidence.run import Run  # noqa: E402
from briefer.grounding.items import Grounder, judge_items  # noqa: E402
from briefer.llm.models import load_model  # noqa: E402
from briefer.pipeline.draft import SECTIONS, draft_brief  # noqa: E402

FIELDS = ("response_options", "red_lines", "risks", "indicators")


def measure(item: BriefItem, ws: Workspace, model: Any, threshold: float) -> dict[str, Any]:
    started = time.perf_counter()
    brief = draft_brief(item.topic, workspace=ws, model=model)
    draft_s = time.perf_counter() - started
    chunks = ws.store.get(brief.manifest.retrieved_chunk_ids)
    run = Run.begin(item.topic, chunks, k=len(chunks), schema_version="bench", started=0.0,
                    store_fingerprint="")
    grounder = Grounder(run)
    rules = {f: rule for s in SECTIONS.values() for f, rule in s.rules.items()}
    kept = {f: judge_items(grounder, rules[f], getattr(brief, f), model, threshold)
            for f in FIELDS}
    items = sum(len(getattr(brief, f)) for f in FIELDS)
    return {
        "id": item.id, "draft_s": round(draft_s, 1), "items": items,
        "judge_s": round(run.judge_s, 1),
        "judge_s_per_item": round(run.judge_s / items, 2) if items else None,
        "option_recall": [recall(item.expected_options,
                                 [item_text(o) for o in brief.response_options]),
                          recall(item.expected_options,
                                 [item_text(o) for o in kept["response_options"]])],
        "red_line_recall": [recall(item.expected_red_lines,
                                   [item_text(r) for r in brief.red_lines]),
                            recall(item.expected_red_lines,
                                   [item_text(r) for r in kept["red_lines"]])],
        "removed": [f"{u.section}: {u.text[:100]} ({u.reason})" for u in run.unsupported],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--briefs", type=Path, required=True)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--model", default=None)
    ap.add_argument("--ids", default="")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    overrides: dict[str, Any] = {"store.path": args.store}
    if args.model:
        overrides["model.path"] = args.model
    ws = Workspace.open(load_settings(**overrides))
    model = load_model(ws.settings)
    threshold = (ws.settings.grounding.item_judge if args.threshold is None
                 else args.threshold)
    wanted = set(filter(None, args.ids.split(",")))
    results = [measure(b, ws, model, threshold) for b in read_jsonl(args.briefs, BriefItem)
               if not wanted or b.id in wanted]
    print(json.dumps(results, indent=2) if args.json else
          "\n".join(json.dumps(r) for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
