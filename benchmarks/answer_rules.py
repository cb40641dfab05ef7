"""What each answer rule does on real answers: every recorded answer decided again with all rules,
then with each rule switched off, and scored (no model).

    python benchmarks/answer_rules.py --questions Q.jsonl --store DIR --rows rows.jsonl [--json]

* Input: the rows ``benchmarks/eval_bounded.py`` wrote for a run of the questions (Briefer's rows
  are used; a baseline's are ignored). Each row holds the answer's judged sentences (``claims``:
  the judge's P(yes), numbers and names found, the re-pointed sentence) and the quotes they were
  judged against (the answer's, or for a declined answer the ``considered`` ones).
* Each answer is decided again by ``briefer.grounding.decide.decide`` — the function ``brief
  ask`` uses — exactly as ``benchmarks/calibrate_support.py`` replays it (the passages are
  retrieved again to number the citations as the model saw them), once with every rule and once
  per row of :data:`RULES` with that rule switched off. The model is not called: what a rule
  changes is what is kept or declined, not what the model wrote. An answer a second draft gave
  is replayed as that draft; an answer declined before any judgement (no quote verified, the
  model abstained) is unchanged.
* Columns: abstention on unanswerable questions, false abstention on answerable ones,
  must-include, conflict both sides, answer support (``scoring.Metrics``). A rule's effect is
  its row's difference from ``all``; the ``all`` row is the replayed pipeline, which should
  equal the recorded metrics (``eval_bounded.py --summary``) up to retrieval ties.
* Bound: the retrieval of each question once (cached), then one ``decide`` per answer per row:
  seconds for 48 questions.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import calibrate_support
from calibrate_support import replay

from briefer.core.settings import load_settings
from briefer.corpus.workspace import Workspace
from briefer.evaluation.scoring import Metrics, QuestionItem, read_jsonl
from briefer.grounding import dating, decide, sides
from briefer.text import counting, events, names, needs

_MONTHS_STATED = decide.months_stated

COLUMNS = ("abstention_accuracy", "false_abstention", "must_include", "conflict_both_sides",
           "answer_support")


# rule -> (module, attribute, replacement), as in benchmarks/candidates.py; "judge" is a
# threshold, switched off by setting it to 0
RULES: dict[str, list[tuple[Any, str, Any]]] = {
    "asked names in quotes (decide.names_missing)": [
        (decide, "names_missing", lambda names, text: [])],
    "months in quotes (dating.months_stated)": [
        (decide, "months_stated", lambda sentence, own, chunks, need=None: True)],
    "a month the question gives (dating.months_stated, session 15)": [
        (decide, "months_stated", lambda sentence, own, chunks, need=None:
         _MONTHS_STATED(sentence, own, chunks, None))],
    "years in quotes with the figures (dating.years_stated, session 19)": [
        (dating, "years_stated", lambda *a, **k: True)],
    "numbers written as words (needs._NUMBER_WORD, session 15)": [
        (needs, "_NUMBER_WORD", re.compile(r"(?!x)x"))],
    "acronyms spelled out (names._spelled_out, session 15)": [
        (names, "_spelled_out", lambda name, text: False)],
    "a title alone is no name (names._TITLES, session 15)": [
        (names, "_TITLES", frozenset())],
    "typed parts answered (decide._answered)": [
        (decide, "_answered", lambda part, kept, need, chunks: True)],
    "asked event stated (decide._event_stated)": [
        (decide, "_event_stated", lambda part, own: True)],
    "a period answers when a rule acts (needs.when_by_rule, session 18)": [
        (decide, "when_by_rule", lambda *a, **k: False)],
    "a cited agreement is a text, not an event (events._DEFINITE, session 18)": [
        (events, "_DEFINITE", re.compile(r"(?!x)x"))],
    "scale words and sums in counts (counting._SCALE, _CURRENCY, session 18)": [
        (counting, "_SCALE", frozenset()), (counting, "_CURRENCY", frozenset())],
    "the other figure of the asked kind (sides.kind_words, session 18)": [
        (sides, "kind_words", lambda part: frozenset())],
    "date of a past event (decide.dated_event)": [
        (decide, "dated_event", lambda quote: True)],
    "a bare value in its sentence (decide.in_its_sentence, session 20)": [
        (decide, "in_its_sentence", lambda text, kept: text)],
    "a yes, a no or a report of words with its quote (shown.with_its_quote, session 33)": [
        (decide, "with_its_quote", lambda text, *a, **k: text)],
    "other source's figure (sides.other_side)": [
        (sides, "other_side", lambda *a, **k: None)],
    "other source's view (sides.other_view)": [
        (sides, "other_view", lambda *a, **k: None)],
    "numbers in quotes (needs.numbers_stated)": [
        (calibrate_support, "numbers_stated", lambda *a, **k: True)],
    "claim's names in quotes (needs.names_stated)": [
        (calibrate_support, "names_stated", lambda *a, **k: True)],
}


@contextlib.contextmanager
def switched_off(rule: str | None) -> Iterator[None]:
    saved = []
    for module, name, replacement in RULES.get(rule or "", []):
        saved.append((module, name, getattr(module, name)))
        setattr(module, name, replacement)
    try:
        yield
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


def scored(items: dict[str, QuestionItem], rows: list[dict[str, Any]], ws: Workspace,
           cache: dict[str, Any], judge: float) -> dict[str, Any]:
    metrics = Metrics(ws.settings.retrieval.k)
    for r in rows:
        metrics.add_question(items[r["id"]], None, replay(items[r["id"]], r, ws, cache, judge,
                                                           ws.settings.grounding.answers_question))
    m = metrics.summary()
    return {c: m[c] for c in COLUMNS}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    ws = Workspace.open(load_settings(**{"store.path": args.store}))
    items = {q.id: q for q in read_jsonl(args.questions, QuestionItem)}
    rows = [json.loads(line) for line in args.rows.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["pipeline"] == "briefer" and r["id"] in items]
    judge = ws.settings.grounding.answer_judge
    cache: dict[str, Any] = {}
    table = {"all": scored(items, rows, ws, cache, judge)}
    for rule in RULES:
        with switched_off(rule):
            table[f"without {rule}"] = scored(items, rows, ws, cache, judge)
    table["without the judge (grounding.answer_judge 0)"] = scored(items, rows, ws, cache, 0.0)
    if args.json:
        print(json.dumps(table, indent=1))
        return 0
    print(f"{'rule':58} " + " ".join(f"{c[:12]:>12}" for c in COLUMNS))
    for name, m in table.items():
        print(f"{name[:58]:58} " + " ".join(
            f"{'-' if m[c] is None else format(m[c], '.3f'):>12}" for c in COLUMNS))
    print(f"{len(rows)} answers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
