"""How often the brief's topic filter (``briefer.pipeline.topic.on_topic``) drops a relevant
document, on real documents.

Usage::

    python benchmarks/topic_filter.py --store /tmp/realdev-store            # real-dev, both halves
    python benchmarks/topic_filter.py --set evalset --store /tmp/evalset-store
    python benchmarks/topic_filter.py --store /tmp/realdev-store -k 15      # a wider brief

* Setup: the set's corpus (``/work/shared/real-dev/corpus`` or ``evalset/docs``) is ingested
  once into ``--store`` through ``Workspace.ingest``; a store that already holds it is reused
  (unchanged files are only hashed). Settings: ``load_settings`` with ``store.path`` (always a
  local store); ``-k`` defaults to ``brief.k``. A passage is relevant when its document is one
  of the brief's ``doc_ids`` (on real-dev: the 15 documents whose MANIFEST ``topic`` is the
  brief's); every other passage is off-topic.
* Retrieval, per brief topic (``briefs.jsonl`` ``topic``): the ``2k`` candidates exactly as
  ``retrieve_for_topic`` builds them (five sub-queries of ``2k`` passages, fused by reciprocal
  rank), then three selections of ``k``: ``none`` (the first ``k``, no filter), ``rank`` (the
  passages of documents that name the topic first, then the others, each in retrieval order)
  and ``on_topic`` (what ``retrieve_for_topic`` returns). Columns: ``rel`` relevant candidates
  (a), ``unnamed`` those whose document the filter finds not naming the topic; per selection
  ``lost`` the unnamed relevant candidates it leaves out (b: relevant dropped), ``off``
  off-topic passages kept (c), ``docs`` topic documents in the ``k`` (d). The sources of
  unnamed relevant candidates go to stderr.
* Names, per brief topic, over every passage in the store (retrieval at the default ``k``
  rarely reaches the documents that name a topic differently, so this shows what a passage
  would do if it were retrieved): ``passages`` of the relevant documents, ``alone unnamed``
  those whose document the filter would reject if it were that document's only retrieved
  passage (neither it nor the title names the topic), ``off named`` off-topic passages that
  name it, in ``docs`` documents.
* Split (real-dev), fixed once by topic: TUNING half = fentanyl + gaza-aid (what a change may
  be looked at on), TEST half = ukraine + venezuela (only measured); a table per half.
* Bound: one ingest of the set's corpus (real-dev: 246 files, 12 MB, 3,420 passages, about
  4 minutes on a 2-core box the first time; seconds when reused), then 5 searches and one pass
  over the stored passages per brief topic (4 topics in each set), no model: under a minute
  after the ingest. ``--deadline`` (default 1800 s from the start, the ingest included) skips
  the topics that would start after it, and lists them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _bench import dev_set

from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.pipeline.topic import SUBQUERIES, named_sources, on_topic
from briefer.store.retrieve import fuse

HALVES = {"tuning": ("fentanyl", "gaza-aid"), "test": ("ukraine", "venezuela")}
MODES = ("none", "rank", "on_topic")


@dataclass
class Row:
    label: str
    topic: str
    rel: int
    unnamed: int
    per_mode: dict[str, tuple[int, int, int]]  # mode -> (relevant dropped, off kept, docs)
    names: tuple[int, int, int, int]  # passages, alone unnamed, off named, in docs


def briefs(data: Path) -> list[tuple[str, str, set[str]]]:
    """(label, topic, relevant sources) per brief; the label is the MANIFEST topic on real-dev."""
    topics: dict[str, str] = {}
    manifest = data / "MANIFEST.tsv"
    if manifest.exists():
        with manifest.open(newline="") as fh:
            topics = {r["file"]: r["topic"] for r in csv.DictReader(fh, delimiter="\t")}
    out = []
    for line in (data / "briefs.jsonl").read_text().splitlines():
        if line.strip():
            b = json.loads(line)
            docs = set(b["doc_ids"])
            label = topics.get(sorted(docs)[0], b["id"]) if topics else b["id"]
            if topics:  # every document of the MANIFEST topic, not only the key's list
                docs |= {f for f, t in topics.items() if t == label}
            out.append((label, b["topic"], docs))
    return out


def measure(ws: Workspace, label: str, topic: str, relevant: set[str], k: int,
            passages: Sequence[Chunk]) -> Row:
    results = [ws.search(q.format(topic=topic), k=2 * k) for q in SUBQUERIES]
    cands = fuse(results, 2 * k, ws.settings.retrieval.rrf_k)
    named = named_sources(cands, topic)
    kept = named if named else {c.source for c in cands}
    unnamed = [c for c in cands if c.source in relevant and c.source not in kept]
    if unnamed:
        print(f"  {label}: unnamed relevant " + ", ".join(sorted({c.source for c in unnamed})),
              file=sys.stderr)
    ranked = sorted(cands, key=lambda c: c.source not in kept)  # stable: retrieval order
    picks = {"none": cands[:k], "rank": ranked[:k], "on_topic": on_topic(cands, topic, k)}
    return Row(label, topic, sum(c.source in relevant for c in cands), len(unnamed),
               {m: _score(picks[m], unnamed, relevant) for m in MODES},
               _names(passages, topic, relevant))


def _names(passages: Sequence[Chunk], topic: str,
           relevant: set[str]) -> tuple[int, int, int, int]:
    """Relevant passages, those that alone leave their document unnamed, off-topic passages
    that name the topic, and their documents."""
    ours = [c for c in passages if c.source in relevant]
    off = [c for c in passages if c.source not in relevant and named_sources([c], topic)]
    return (len(ours), sum(not named_sources([c], topic) for c in ours), len(off),
            len({c.source for c in off}))


def _score(chosen: Sequence[Chunk], unnamed: Sequence[Chunk],
           relevant: set[str]) -> tuple[int, int, int]:
    ids = {c.id for c in chosen}
    return (sum(c.id not in ids for c in unnamed), sum(c.source not in relevant for c in chosen),
            len({c.source for c in chosen if c.source in relevant}))


def table(title: str, rows: Sequence[Row], k: int) -> str:
    head = f"{'topic':<11}{'rel':>4}{'unnamed':>8}" + "".join(
        f" | {m:<8} lost  off docs" for m in MODES)
    lines = [f"## {title} (k={k}, {2 * k} candidates)", head]
    for r in [*rows, _total(rows)]:
        lines.append(f"{r.label:<11}{r.rel:>4}{r.unnamed:>8}" + "".join(
            f" | {'':<8}{d:>5}{o:>5}{n:>5}" for d, o, n in (r.per_mode[m] for m in MODES)))
    lines += ["", f"{'names':<11}{'passages':>9}{'alone unnamed':>14}{'off named':>10}{'docs':>6}"]
    lines += [f"{r.label:<11}{r.names[0]:>9}{r.names[1]:>14}{r.names[2]:>10}{r.names[3]:>6}"
              for r in rows]
    return "\n".join(lines)


def _total(rows: Sequence[Row]) -> Row:
    return Row("total", "", sum(r.rel for r in rows), sum(r.unnamed for r in rows),
               {m: tuple(sum(r.per_mode[m][i] for r in rows) for i in range(3))  # type: ignore[misc]
                for m in MODES}, (0, 0, 0, 0))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--store", type=Path, required=True, help="store folder (reused)")
    ap.add_argument("--set", choices=("real-dev", "evalset"), default="real-dev")
    ap.add_argument("--data", type=Path, help="the set's folder (default: real-dev or evalset)")
    ap.add_argument("-k", type=int, help="passages per brief (default: brief.k)")
    ap.add_argument("--deadline", type=float, default=1800.0)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    data, ws, summary = dev_set(args.set, args.data, args.store)
    settings = ws.settings
    print(f"ingest: {len(summary.added)} added, {len(summary.unchanged)} unchanged "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    k = args.k or settings.brief.k
    rows, skipped = [], []
    passages = list(ws.store.iter_chunks())
    for label, topic, relevant in briefs(data):
        if time.perf_counter() - started > args.deadline:
            skipped.append(label)
            continue
        rows.append(measure(ws, label, topic, relevant, k, passages))
    groups = ({h: [r for r in rows if r.label in t] for h, t in HALVES.items()}
              if args.set == "real-dev" else {"evalset": rows})
    for name, group in groups.items():
        print(table(f"{args.set} {name}: " + ", ".join(r.label for r in group), group, k) + "\n")
    if skipped:
        print("skipped (deadline): " + ", ".join(skipped))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
