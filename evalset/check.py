"""Sanity checks for the eval set. Run: . /work/main/.venv/bin/activate && python evalset/check.py

- questions.jsonl / briefs.jsonl parse, have the required fields and allowed kinds;
- every doc_id exists in docs/;
- unanswerable questions have doc_ids [] and must_include [];
- every must_include keyword of an answerable question occurs (case-insensitive, thousands
  separators ignored) in at least one of its doc_ids, and in the reference answer;
- partial questions list in `unanswered` what the documents do not state (only they do);
- conflict questions name their sides in `conflict`: [{"doc_id", "match_any"}], two or more
  distinct documents of the question, each with a keyword found in that document and in the
  reference answer (only they do);
- every expected option / red line of a brief has at least one match_any keyword present in
  one of the brief's doc_ids;
- every brief has 2-4 must_not_options and 2-4 must_not_red_lines (items that would be wrong in
  that section), each with a label and at least one match_any keyword present in the brief's
  doc_ids, and no must_not keyword occurs in an expected label or keyword of the same section
  (else a correct item would count as wrong).

Text is extracted independently of Briefer (stdlib html.parser keeping only <article>, pypdf,
python-docx, front matter dropped from .md), so a pass here says the facts are in the documents,
not that Briefer finds them. Exit status 1 on any failure.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE / "docs"
KINDS = {"fact", "numeric", "conflict", "multi-hop", "partial", "unanswerable"}
FIELDS = {"id", "question", "answer", "must_include", "doc_ids", "kind"}
OPTIONAL = {"unanswered", "conflict"}
SECTIONS = {"expected_options": "must_not_options", "expected_red_lines": "must_not_red_lines"}


class _ArticleText(HTMLParser):
    SKIP = {"script", "style", "nav", "footer", "header", "aside", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.depth_article = 0
        self.depth_skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth_article += 1
        elif tag in self.SKIP:
            self.depth_skip += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth_article -= 1
        elif tag in self.SKIP:
            self.depth_skip -= 1

    def handle_data(self, data):
        if self.depth_article > 0 and self.depth_skip == 0:
            self.parts.append(data)


def extract(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)
    if suffix == ".docx":
        from docx import Document

        return "\n".join(p.text for p in Document(str(path)).paragraphs)
    text = path.read_text(encoding="utf-8")
    if suffix == ".md":
        text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    if suffix in (".html", ".htm"):
        parser = _ArticleText()
        parser.feed(text)
        text = " ".join(parser.parts)
    return text


def norm(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(?<=\d)[,\u00a0\u202f](?=\d{3}\b)", "", text)  # 1,250,000 -> 1250000
    return " ".join(text.split())


def _check_parts(q: dict, texts: dict[str, str]) -> list[str]:
    """`unanswered` (partial questions only) and `conflict` (conflict questions only)."""
    qid, kind, errors = q["id"], q["kind"], []
    unanswered = q.get("unanswered")
    if kind == "partial":
        if not unanswered or not all(isinstance(u, str) and u.strip() for u in unanswered):
            errors.append(f"{qid}: a partial question needs `unanswered`: what is not stated")
    elif unanswered is not None:
        errors.append(f"{qid}: only partial questions have `unanswered`")
    sides = q.get("conflict")
    if kind != "conflict":
        if sides is not None:
            errors.append(f"{qid}: only conflict questions have `conflict`")
        return errors
    if not isinstance(sides, list) or len(sides) < 2:
        return [*errors, f"{qid}: a conflict question needs `conflict`: two or more sides"]
    docs = [s.get("doc_id") for s in sides]
    if len(set(docs)) != len(docs) or not set(docs) <= set(q["doc_ids"]):
        errors.append(f"{qid}: conflict sides need distinct doc_ids from the question's")
    for side in sides:
        keys = [norm(k) for k in side.get("match_any", [])]
        if not keys:
            errors.append(f"{qid}: conflict side {side.get('doc_id')!r} needs match_any")
        elif not any(k in texts.get(side.get("doc_id", ""), "") for k in keys):
            errors.append(f"{qid}: no match_any keyword of side {side['doc_id']!r} in it")
        elif not any(k in norm(q["answer"]) for k in keys):
            errors.append(f"{qid}: side {side['doc_id']!r} is not in the reference answer")
    return errors


def main() -> int:
    errors: list[str] = []
    texts = {p.name: norm(extract(p)) for p in sorted(DOCS.iterdir()) if p.is_file()}

    def need_docs(where: str, ids: list[str]) -> None:
        for d in ids:
            if d not in texts:
                errors.append(f"{where}: doc_id {d!r} not in docs/")

    questions = [json.loads(line) for line in (HERE / "questions.jsonl").read_text().splitlines()
                 if line.strip()]
    seen: set[str] = set()
    for q in questions:
        qid = q.get("id", "?")
        missing = FIELDS - q.keys()
        if missing:
            errors.append(f"{qid}: missing fields {sorted(missing)}")
            continue
        if extra := q.keys() - FIELDS - OPTIONAL:
            errors.append(f"{qid}: unknown fields {sorted(extra)}")
        if qid in seen:
            errors.append(f"{qid}: duplicate id")
        seen.add(qid)
        if q["kind"] not in KINDS:
            errors.append(f"{qid}: unknown kind {q['kind']!r}")
        need_docs(qid, q["doc_ids"])
        errors.extend(_check_parts(q, texts))
        if q["kind"] == "unanswerable":
            if q["doc_ids"] or q["must_include"]:
                errors.append(f"{qid}: unanswerable must have empty doc_ids and must_include")
            continue
        if not 1 <= len(q["must_include"]) <= 3:
            errors.append(f"{qid}: must_include should hold 1-3 keywords")
        if q["kind"] in ("conflict", "multi-hop") and len(set(q["doc_ids"])) < 2:
            errors.append(f"{qid}: {q['kind']} needs two documents")
        for kw in q["must_include"]:
            k = norm(kw)
            if not any(k in texts.get(d, "") for d in q["doc_ids"]):
                errors.append(f"{qid}: keyword {kw!r} not found in {q['doc_ids']}")
            if k not in norm(q["answer"]):
                errors.append(f"{qid}: keyword {kw!r} not in its own reference answer")

    briefs = [json.loads(line) for line in (HERE / "briefs.jsonl").read_text().splitlines()
              if line.strip()]
    for b in briefs:
        bid = b.get("id", "?")
        missing = {"id", "topic", "doc_ids", *SECTIONS, *SECTIONS.values()} - b.keys()
        if missing:
            errors.append(f"{bid}: missing fields {sorted(missing)}")
            continue
        need_docs(bid, b["doc_ids"])
        for section in (*SECTIONS, *SECTIONS.values()):
            for item in b[section]:
                if not item.get("label") or not item.get("match_any"):
                    errors.append(f"{bid}: {section}: an item needs a label and match_any")
                elif not any(norm(k) in texts.get(d, "") for k in item["match_any"]
                             for d in b["doc_ids"]):
                    errors.append(f"{bid}: {section} {item['label']!r}: no match_any keyword "
                                  f"in {b['doc_ids']}")
        for expected, must_not in SECTIONS.items():
            if not 2 <= len(b[must_not]) <= 4:
                errors.append(f"{bid}: {must_not} should hold 2-4 items")
            correct = [norm(t) for e in b[expected] for t in (e["label"], *e["match_any"])]
            for item in b[must_not]:
                for kw in item.get("match_any", []):
                    hit = [t for t in correct if norm(kw) in t]
                    if hit:
                        errors.append(f"{bid}: {must_not} keyword {kw!r} occurs in the expected "
                                      f"{hit[0]!r}")

    words = {name: len(t.split()) for name, t in texts.items()}
    print("documents:")
    for name, n in words.items():
        print(f"  {name:40s} {n:4d} words")
    kinds = Counter(q["kind"] for q in questions)
    print(f"questions: {len(questions)}  " + ", ".join(f"{k}={kinds[k]}" for k in sorted(KINDS)))
    print(f"briefs: {len(briefs)}  ({', '.join(b['topic'] for b in briefs)})")
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  -", e)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
