"""Scoring `brief eval`: the eval-set records, one typed result per item, and `Metrics`.

Pure: no model, no store. Question file (JSONL): {"id", "question", "answer", "must_include":
[...], "doc_ids": [...], "kind"} with kind in fact | numeric | conflict | multi-hop | partial |
unanswerable; a partial question also has "unanswered" (what the documents do not state), a
conflict question "conflict": [{"doc_id", "match_any"}] (its sides). Brief file (JSONL):
{"id", "topic", "expected_options": [{"label", "match_any": [...]}], "expected_red_lines":
[...], "must_not_options": [...], "must_not_red_lines": [...], "doc_ids": [...]}; a must_not
entry is something that would be wrong in that section (a concern, a background fact, a past
event, an indicator listed as an option or a red line).

A listed brief item is matched on its fields and its quotes (one string per item); a keyword
matches when `includes()` finds it (case-insensitive substring, thousands separators ignored,
"percent" and "per cent" read as "%").
`Metrics` takes one result per item and gives (None where no item applies):

- hit@k / recall@k: any / the share of a question's doc_ids among the top-k retrieved sources.
- must_include: share of an answerable question's must_include strings found in the answer
  (partial questions are answerable: their must_include is the part that is stated).
- answer_support: of the must_include strings found in an answer, the share also found in that
  answer's own verified quotes (all answers' facts together): a fact the answer states but its
  quotes do not is a fact the reader cannot check.
- conflict_both_sides: share of conflict questions whose answer, for every side, contains one of
  the side's keywords and cites the side's document (entries with the same keywords are one
  side: citing any of their documents will do).
- unanswered_stated: share of partial questions answered (not declined) with a non-empty
  `unanswered` list; None for a pipeline that reports no such list (the naive baseline).
- abstention_accuracy: share of unanswerable questions declined; false_abstention: share of
  answerable ones declined.
- citation_validity: share of all citations (answers and briefs) whose quote verifies in the
  chunk it cites; citations: how many there were.
- option_recall / red_line_recall: per brief, share of the expected items that some listed item
  matches (any match_any keyword), averaged over briefs.
- option_precision / red_line_precision: per brief, share of the listed items that match no
  must_not entry of their section, averaged over briefs; a brief that lists nothing in the
  section or has no must_not entries for it is left out. None for the naive baseline: its free
  text has no sections, so there is no list of options or red lines to judge, and its context
  sentences would count as wrong items.
- schema_valid: share of items whose output validated; an answer that never validated
  (`Answer.validated` false) and an item that raised a BrieferError count as invalid.
- latency_p50_s / latency_p95_s: wall time of each item's pipeline call (retrieval, generation,
  verification); tokens_per_s: completion tokens over generation seconds, all items together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from briefer.core.errors import ConfigError

Kind = Literal["fact", "numeric", "conflict", "multi-hop", "partial", "unanswerable"]


class Side(BaseModel):
    """One side of a conflict: the document and the keywords that say what it claims."""

    doc_id: str
    match_any: list[str]


class QuestionItem(BaseModel):
    id: str
    question: str
    answer: str = ""
    must_include: list[str] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)
    kind: Kind
    unanswered: list[str] = Field(default_factory=list)
    conflict: list[Side] = Field(default_factory=list)


class Expected(BaseModel):
    label: str
    match_any: list[str]


class BriefItem(BaseModel):
    id: str
    topic: str
    expected_options: list[Expected] = Field(default_factory=list)
    expected_red_lines: list[Expected] = Field(default_factory=list)
    must_not_options: list[Expected] = Field(default_factory=list)
    must_not_red_lines: list[Expected] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)


def read_jsonl(path: Path, model: type[BaseModel]) -> list[Any]:
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(model.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ConfigError(f"{path}:{number}: {'.'.join(map(str, first['loc']))}: "
                              f"{first['msg']}") from None
    return items


def _plain(text: str) -> str:
    """Lower case, without thousands separators ("1,000" = "1000"), and "percent" / "per
    cent" written "%" ("68 percent" = "68%": documents mix the two)."""
    text = re.sub(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}\b)", "", text).lower()
    return re.sub(r"(?<=\d)\s*(?:per\s?cent\b|%)", "%", text)


def includes(answer: str, needle: str) -> bool:
    return _plain(needle) in _plain(answer)


def is_source(source: str, doc_id: str) -> bool:
    """``source`` (relative to the ingest root) is the document ``doc_id``."""
    return source == doc_id or source.rsplit("/", 1)[-1] == doc_id


def matches(entry: Expected, text: str) -> bool:
    return any(includes(text, kw) for kw in entry.match_any)


def recall(expected: list[Expected], texts: list[str]) -> float | None:
    """Share of `expected` that some text matches; None when nothing is expected."""
    if not expected:
        return None
    return round(sum(any(matches(e, t) for t in texts) for e in expected) / len(expected), 3)


def wrong_items(must_not: list[Expected], texts: list[str]) -> list[str]:
    """The texts that match a must_not entry."""
    return [t for t in texts if any(matches(e, t) for e in must_not)]


def precision(must_not: list[Expected], texts: list[str]) -> float | None:
    """Share of `texts` that match no must_not entry; None without entries or texts."""
    if not must_not or not texts:
        return None
    return round(1 - len(wrong_items(must_not, texts)) / len(texts), 3)


# --------------------------------------------------------------------------- one result per item


@dataclass(kw_only=True)
class Generated:
    """What every generated item reports, whatever the pipeline."""

    validated: bool = True
    checks: list[bool] = field(default_factory=list)  # one per citation: its quote verifies
    tokens: int = 0
    generation_s: float = 0.0
    latency_s: float = 0.0
    error: str = ""


@dataclass(kw_only=True)
class QuestionResult(Generated):
    text: str
    declined: bool
    reason: str = ""
    quotes: list[str] = field(default_factory=list)  # one per citation, beside `checks`
    sources: list[str] = field(default_factory=list)  # the documents the answer cites
    unanswered: list[str] | None = None  # what the answer says is not stated; None: not reported
    judgement_s: float = 0.0  # of latency_s, seconds in yes/no judgements
    claims: list[dict[str, Any]] = field(default_factory=list)  # how each sentence was judged
    answers_question: float | None = None
    considered: list[str] = field(default_factory=list)  # a declined answer's draft's quotes


@dataclass(kw_only=True)
class BriefResult(Generated):
    option_texts: list[str]
    red_line_texts: list[str]
    sectioned: bool = True  # False: both lists hold the same free text, not items


@dataclass(frozen=True)
class Retrieval:
    hit: bool
    recall: float


class Metrics:
    """Takes one result per item; `summary()` is the metrics dict, `rows` one row per item."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.rows: list[dict[str, Any]] = []
        self.questions = 0
        self.briefs = 0
        self._scores: defaultdict[str, list[float]] = defaultdict(list)
        self._latency: list[float] = []
        self._tokens = 0
        self._generation_s = 0.0

    def _score(self, name: str, value: float | None) -> None:
        if value is not None:
            self._scores[name].append(float(value))

    def _generated(self, r: Generated) -> dict[str, Any]:
        self._score("schema_valid", r.validated)
        for ok in r.checks:
            self._score("citation_validity", ok)
        self._latency.append(r.latency_s)
        self._tokens += r.tokens
        self._generation_s += r.generation_s
        return {"citations": len(r.checks), "verified": sum(r.checks),
                "seconds": round(r.latency_s, 2)}

    def add_question(self, item: QuestionItem, retrieved: Retrieval | None = None,
                     result: QuestionResult | None = None) -> None:
        self.questions += 1
        row: dict[str, Any] = {"id": item.id, "kind": item.kind}
        if retrieved is not None:
            self._score("hit", retrieved.hit)
            self._score("recall", retrieved.recall)
            row.update(hit=retrieved.hit, recall=round(retrieved.recall, 3))
        if result is not None:
            row.update(self._answer(item, result))
        self.rows.append(row)

    def _answer(self, item: QuestionItem, r: QuestionResult) -> dict[str, Any]:
        row: dict[str, Any] = {"reason": r.reason, "declined": r.declined}
        if item.kind == "unanswerable":
            self._score("abstention_accuracy", r.declined)
        else:
            self._score("false_abstention", r.declined)
            if item.must_include:
                share = sum(includes(r.text, m) for m in item.must_include) / len(item.must_include)
                self._score("must_include", share)
                row["must_include"] = round(share, 3)
            row.update(self._support(item, r))
        if item.kind == "conflict" and item.conflict:
            both = both_sides(item.conflict, r)
            self._score("conflict_both_sides", both)
            row["both_sides"] = both
        if r.claims:
            row.update(claims=r.claims, answers_question=r.answers_question,
                       judgement_s=round(r.judgement_s, 2))
        if item.kind == "partial" and r.unanswered is not None:
            stated = not r.declined and bool(r.unanswered)
            self._score("unanswered_stated", stated)
            row["unanswered"] = r.unanswered
        return {**row, **self._generated(r), "answer": r.text[:300]}

    def _support(self, item: QuestionItem, r: QuestionResult) -> dict[str, Any]:
        """answer_support: the answer's must_include facts that its verified quotes state."""
        quotes = [q for q, ok in zip(r.quotes, r.checks, strict=False) if ok and q]
        stated = [m for m in item.must_include if includes(r.text, m)]
        backed = [m for m in stated if any(includes(q, m) for q in quotes)]
        for m in stated:
            self._score("answer_support", m in backed)
        return {"unbacked": [m for m in stated if m not in backed]} if stated != backed else {}

    def add_brief(self, item: BriefItem, r: BriefResult) -> None:
        self.briefs += 1
        row: dict[str, Any] = {"id": item.id, "kind": "brief"}
        sections = (("option", item.expected_options, item.must_not_options, r.option_texts),
                    ("red_line", item.expected_red_lines, item.must_not_red_lines,
                     r.red_line_texts))
        for name, expected, must_not, texts in sections:
            row[f"{name}_recall"] = recall(expected, texts)
            row[f"{name}_precision"] = precision(must_not, texts) if r.sectioned else None
            self._score(f"{name}_recall", row[f"{name}_recall"])
            self._score(f"{name}_precision", row[f"{name}_precision"])
            if r.sectioned and (wrong := wrong_items(must_not, texts)):
                row[f"wrong_{name}s"] = [t[:160] for t in wrong]
        row.update(self._generated(r))
        if r.error:
            row["error"] = r.error
        self.rows.append(row)

    def _mean(self, name: str) -> float | None:
        values = self._scores.get(name)
        return round(sum(values) / len(values), 3) if values else None

    def summary(self) -> dict[str, Any]:
        m = self._mean
        return {
            "questions": self.questions, "briefs": self.briefs,
            f"hit@{self.k}": m("hit"), f"recall@{self.k}": m("recall"),
            "must_include": m("must_include"),
            "answer_support": m("answer_support"),
            "conflict_both_sides": m("conflict_both_sides"),
            "unanswered_stated": m("unanswered_stated"),
            "abstention_accuracy": m("abstention_accuracy"),
            "false_abstention": m("false_abstention"),
            "citation_validity": m("citation_validity"),
            "citations": len(self._scores.get("citation_validity", [])),
            "option_recall": m("option_recall"), "option_precision": m("option_precision"),
            "red_line_recall": m("red_line_recall"),
            "red_line_precision": m("red_line_precision"),
            "schema_valid": m("schema_valid"),
            "latency_p50_s": percentile(self._latency, 0.5),
            "latency_p95_s": percentile(self._latency, 0.95),
            "tokens_per_s": (round(self._tokens / self._generation_s, 1)
                             if self._generation_s else None),
        }


def both_sides(sides: list[Side], r: QuestionResult) -> bool:
    """Every side's claim is in the answer, with a document of that side cited: the entries
    that hold the same claim ("$180 million" in two press calls) are one side, and citing
    either document attributes it (real-dev's README: both figures and their attribution)."""
    claims: dict[frozenset[str], list[Side]] = {}
    for side in sides:
        claims.setdefault(frozenset(_plain(k) for k in side.match_any), []).append(side)
    return not r.declined and all(
        any(includes(r.text, k) for k in same[0].match_any)
        and any(is_source(s, side.doc_id) for side in same for s in r.sources)
        for same in claims.values())


def percentile(values: list[float], q: float) -> float | None:
    """The value at rank ⌊q·n⌋ of the sorted values (nearest rank, no interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)
