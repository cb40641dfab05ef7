"""False flags of the injection detector on real documents: every flag here is a mistake.

Runs :func:`briefer.corpus.injection.find_instructions` over every document of the real-dev
corpus (``/work/shared/real-dev/corpus``: 246 government documents in md, txt, html, pdf, docx),
the evalset's documents (``evalset/docs``) and the sample corpus (``corpus``), each read with the
project's loaders (:func:`briefer.corpus.loaders.load`). Each document is screened three ways:
whole, each of its sentences (:func:`briefer.corpus.injection.segments`) alone, as the tests do,
and each of its chunks (:func:`briefer.corpus.chunking.split_document`, as ingest screens them;
a chunk may start mid-sentence; tokens approximated as 4/3 per word); a passage flagged more than
one way is counted once. None of these documents addresses a model, so the
target is zero flags everywhere.

It prints, per corpus, the number of documents read and of flagged passages per rule, then each
flagged passage with its file. ``--json`` prints the same as one JSON object.

Run:  python benchmarks/false_flags.py [--json] [DIR ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from briefer.corpus.chunking import split_document
from briefer.corpus.injection import RULES, find_instructions, segments, shorten
from briefer.corpus.loaders import Document, SkipFile, load

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "real-dev": Path("/work/shared/real-dev/corpus"),
    "evalset": ROOT / "evalset" / "docs",
    "corpus": ROOT / "corpus",
}


def _tokens(text: str) -> int:
    return len(text.split()) * 4 // 3


def flags_in(doc: Document, name: str) -> list[tuple[str, str]]:
    """(rule, flagged text) of ``doc``, screened whole, sentence by sentence and chunk by chunk,
    once each."""
    text = doc.text
    found: dict[str, str] = {}
    for f in find_instructions(text):
        found.setdefault(" ".join(text[f.start:f.end].split()), f.reason)
    pieces = [text[start:end] for start, end in segments(text)]
    pieces += [c.text for c in split_document(doc, source=name, doc_hash="", length=_tokens)]
    for piece in pieces:
        for f in find_instructions(piece):
            span = " ".join(piece[f.start:f.end].split())
            if not any(span in seen for seen in found):
                found[span] = f.reason
    return [(rule, span) for span, rule in found.items()]


def screen(folder: Path) -> dict[str, Any]:
    """Documents read, skipped, flags per rule and each flag (file, rule, text) under ``folder``."""
    per_rule: Counter[str] = Counter()
    flagged: list[dict[str, str]] = []
    read = skipped = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            doc = load(path)
        except SkipFile:
            skipped += 1
            continue
        read += 1
        for rule, span in flags_in(doc, path.name):
            per_rule[rule] += 1
            flagged.append({"file": str(path.relative_to(folder)), "rule": rule, "text": span})
    return {"documents": read, "skipped": skipped, "flags": len(flagged),
            "per_rule": {r: per_rule[r] for r in RULES if per_rule[r]}, "flagged": flagged}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="folders to screen (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    corpora = {str(d): d for d in args.dirs} if args.dirs else CORPORA
    results = {name: screen(folder) for name, folder in corpora.items() if folder.is_dir()}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for name, res in results.items():
        print(f"{name}: {res['documents']} documents, {res['skipped']} skipped, "
              f"{res['flags']} flagged passage(s) {res['per_rule']}")
        for item in res["flagged"]:
            print(f"  {item['file']} [{item['rule']}]: {shorten(item['text'], 200)}")
    missing = [n for n, d in corpora.items() if not d.is_dir()]
    if missing:
        print(f"not found: {', '.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
