"""What the sentences a brief's options and red lines visit cover, and what each candidate rule
adds: the expected items of a set's brief requests found in the visited sentences, no model.

Usage::

    python benchmarks/candidates.py --store /tmp/realdev-store                 # real-dev halves
    python benchmarks/candidates.py --set evalset --store /tmp/evalset-store
    python benchmarks/candidates.py --store /tmp/realdev-store --rules         # one row per rule

* Setup: the set's corpus ingested once into ``--store`` (``Workspace.ingest``; reused: only
  hashed when unchanged). Settings: ``load_settings`` with ``store.path``; ``brief.k``,
  ``brief.pool`` and each section's ``max_sentences`` (``prompts/brief_sections.yaml``) as set.
* Per brief request: the brief's ``k`` passages (``retrieve_for_topic``), its pool
  (``pool_for_topic``), and the sentences each section visits (``candidates.visits``). An
  expected option or red line is **found** when one of its ``match`` keywords is in a sentence
  (the scorer's rule: ``brief eval`` counts an item's text and its quotes). Columns: ``pool``
  found anywhere in the pool (the ceiling), ``visited`` found in the visited sentences,
  ``wrong`` visited option sentences that hold a ``must_not`` keyword (what a brief could show
  as the other side's step).
* ``--rules``: the same, once with each candidate rule switched off (``without`` rows), so a
  rule's effect is the difference from ``all``. A rule that changes nothing on either half is
  a candidate for removal.
* Split (real-dev): TUNING = fentanyl + gaza-aid (b01, b04), TEST = ukraine + venezuela (b02,
  b03); docs/DEVSETS.md.
* Bound: one ingest (real-dev: about 4 minutes the first time, seconds after), then per rule
  setting 10 searches and a pass over about 36 passages per brief: under a minute for all rows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from _bench import dev_set

from briefer.core.prompts import load_yaml
from briefer.corpus.workspace import Workspace
from briefer.evaluation.scoring import includes
from briefer.evidence.passages import make_passages
from briefer.pipeline import candidates, topic
from briefer.pipeline.topic import retrieve_for_topic
from briefer.text import conditions, cues, structure, subjects

HALVES = {"tuning": ("b01", "b04"), "test": ("b02", "b03")}


# what the session-14 rules added, taken out again for their "without" rows
_OPENERS = "until|soon|when|while|once|following|"
_OBSERVED = re.compile(r"\bwe(?:'ve| have)? (?:saw|seen|see|noticed|learned|heard|have "
                       r"information)\b", re.I)


def _cap_condition(text: str) -> int:
    return 3 if conditions._CLAUSE.search(text) else 0


# rule name -> (module, attribute, replacement) switched off for a "without" row
RULES: dict[str, list[tuple[Any, str, Any]]] = {
    "lead-ins": [(candidates.Ranker, "_leads", lambda self, text, carried="": {}),
                 (candidates, "lead_in_role", lambda text: None)],
    "own-voice": [(candidates.Ranker, "_own_step", lambda self, text: False)],
    "other-party": [(candidates.Ranker, "_another_party", lambda self, text: False)],
    "not-an-item": [(candidates, "not_an_item", lambda text: None)],
    "condition-degrees": [(cues.CONDITION, "strength", _cap_condition)],
    "pool": [(candidates, "PER_DOCUMENT", 0)],
    "particulars": [(candidates, "particulars", lambda text: 0)],
    "views": [(candidates, "judgement", lambda text: False)],
    "bare-modal-share": [(candidates, "WEAKEST_SHARE", 1.0)],
    "formulaic": [(conditions, "_FORMULAIC", re.compile(r"(?!x)x"))],
    "conditions": [(candidates, "CONDITION_DEGREE", 99)],
    "opening-clause": [(subjects, "_ADVERBIAL", re.compile(
        subjects._ADVERBIAL.pattern.replace(_OPENERS, ""),
        re.I))],
    "announces": [(candidates, "announces", lambda text: False)],
    "observations": [(candidates, "judgement", lambda text: structure.judgement(text) and not
                      _OBSERVED.search(" ".join(text.split()[:6])))],
    "first-person": [(candidates, "own_voice", lambda subject: structure.own_voice(subject)
                      and not subjects.FIRST_PERSON.match(subject))],
    "own-conditions": [(candidates, "without_own_conditions", lambda text, actor: text)],
    "spoken-openers": [(subjects, "_CONJUNCTION", re.compile(r"^(?:and|but|so|now|also)\s+",
                                                             re.I)),
                       (subjects, "_BESIDE", re.compile(r"(?!x)(x)"))],
    "own-measures": [(candidates, "own_measure", lambda subject: False),
                     (subjects, "own_measure", lambda text: False)],
    "openings": [(candidates, "past_openings", lambda chunks, workspace: chunks),
                 (topic, "past_openings", lambda chunks, workspace: chunks)],
}
assert structure  # the module the rules live in, for the reader


@contextlib.contextmanager
def without(rule: str | None) -> Iterator[None]:
    saved = []
    for owner, name, value in RULES.get(rule or "", []):
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def _found(expected: list[dict[str, Any]], texts: Sequence[str]) -> int:
    return sum(any(includes(t, kw) for t in texts for kw in e.get("match", e.get("match_any", [])))
               for e in expected)


def measure(ws: Workspace, brief: dict[str, Any], limits: dict[str, int]) -> dict[str, Any]:
    topic = brief["topic"]
    shown = retrieve_for_topic(topic, ws, ws.settings.brief.k)
    chunks = candidates.pool_for_topic(topic, ws, shown, ws.settings.brief.pool)
    extra = candidates.conditions_for_topic(topic, ws, chunks, ws.settings.brief.conditions)
    pool = make_passages(chunks)
    with_conditions = make_passages([*chunks, *extra])
    units = [u.text for p in with_conditions for u in p.units]
    row: dict[str, Any] = {"id": brief["id"], "docs": len({p.chunk.source for p in pool})}
    must_not = brief.get("must_not", brief.get("must_not_options", []))
    for role, key in (("option", "options"), ("red_line", "red_lines")):
        expected = brief.get(key, brief.get(f"expected_{key}", []))
        read = with_conditions if role == "red_line" else pool
        seen = [u.text for u in candidates.visits(read, role, topic, limits[role])]
        row[role] = (_found(expected, seen), _found(expected, units), len(expected))
        if role == "option":
            row["wrong"] = sum(any(includes(t, kw) for e in must_not
                                   for kw in e.get("match", e.get("match_any", []))) for t in seen)
    return row


def table(rows: Sequence[tuple[str, list[dict[str, Any]]]]) -> str:
    lines = [f"{'rules':<26}{'options visited/pool/expected':>31}{'red lines':>18}{'wrong':>7}"]
    for label, group in rows:
        o = [sum(r["option"][i] for r in group) for i in range(3)]
        r_ = [sum(r["red_line"][i] for r in group) for i in range(3)]
        lines.append(f"{label:<26}{o[0]:>20}/{o[1]}/{o[2]:<7}{r_[0]:>11}/{r_[1]}/{r_[2]:<4}"
                     f"{sum(r['wrong'] for r in group):>5}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--store", type=Path, required=True, help="store folder (reused)")
    ap.add_argument("--set", choices=("real-dev", "evalset"), default="real-dev")
    ap.add_argument("--data", type=Path, help="the set's folder (default: real-dev or evalset)")
    ap.add_argument("--rules", action="store_true", help="also one row without each rule")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    data, ws, _ = dev_set(args.set, args.data, args.store)
    settings = ws.settings
    plan = load_yaml("brief_sections.yaml")["sections"]
    limits = {"option": int(plan["response_options"]["max_sentences"]),
              "red_line": int(plan["red_lines"]["max_sentences"])}
    briefs = [json.loads(line) for line in (data / "briefs.jsonl").read_text().splitlines()
              if line.strip()]
    halves = HALVES if args.set == "real-dev" else {"evalset": tuple(b["id"] for b in briefs)}
    settings_rows: list[str | None] = [None, *(RULES if args.rules else [])]
    for half, ids in halves.items():
        rows = []
        for rule in settings_rows:
            with without(rule):
                group = [measure(ws, b, limits) for b in briefs if b["id"] in ids]
            rows.append(("all" if rule is None else f"without {rule}", group))
        print(f"## {args.set} {half}: {', '.join(ids)} (k={settings.brief.k}, "
              f"pool={settings.brief.pool}, visits {limits['option']}/{limits['red_line']})")
        print(table(rows) + "\n")
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
