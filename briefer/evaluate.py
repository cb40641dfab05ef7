"""`brief eval`: grounding metrics on the user's own corpus, for Briefer and a naive baseline.

Question file (JSONL): {"id", "question", "answer", "must_include": [...], "doc_ids": [...],
"kind"} with kind in fact | numeric | conflict | multi-hop | unanswerable.
Brief file (JSONL): {"id", "topic", "expected_options": [{"label", "match_any": [...]}],
"expected_red_lines": [...], "doc_ids": [...]}.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from .errors import BrieferError, ConfigError
from .llm import ChatModel
from .schemas import Chunk
from .verify import verify_quote
from .workspace import Workspace

Kind = Literal["fact", "numeric", "conflict", "multi-hop", "unanswerable"]


class QuestionItem(BaseModel):
    id: str
    question: str
    answer: str = ""
    must_include: list[str] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)
    kind: Kind


class Expected(BaseModel):
    label: str
    match_any: list[str]


class BriefItem(BaseModel):
    id: str
    topic: str
    expected_options: list[Expected] = Field(default_factory=list)
    expected_red_lines: list[Expected] = Field(default_factory=list)
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
    return re.sub(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}\b)", "", text).lower()


def includes(answer: str, needle: str) -> bool:
    return _plain(needle) in _plain(answer)


def _doc_match(chunk: Chunk, doc_ids: Iterable[str]) -> str | None:
    for doc in doc_ids:
        if chunk.source == doc or chunk.source.rsplit("/", 1)[-1] == doc:
            return doc
    return None


def _pct(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _verified(citations: Iterable[tuple[str, str]], chunks: list[Chunk]) -> list[bool]:
    by_id = {c.id: c for c in chunks}
    out = []
    for chunk_id, quote in citations:
        chunk = by_id.get(chunk_id)
        out.append(bool(chunk and quote and verify_quote(quote, chunk.text).match != "unverified"))
    return out


Progress = Callable[[str], None]


def evaluate(
    questions: list[QuestionItem],
    briefs: list[BriefItem],
    *,
    workspace: Workspace,
    model: ChatModel | None,
    k: int,
    pipeline: Literal["briefer", "naive"] = "briefer",
    retrieval_only: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run every item and return {"pipeline", "metrics", "items"}."""
    from .ask import NEVER_VALIDATED, answer_question
    from .baseline import naive_generate
    from .draft import draft_brief

    rows: list[dict[str, Any]] = []
    hit: list[float] = []
    recall: list[float] = []
    must: list[float] = []
    abstain_ok: list[float] = []
    false_abstain: list[float] = []
    valid: list[float] = []
    cite_ok: list[float] = []
    latency: list[float] = []
    tokens, gen_seconds = 0, 0.0
    for q in questions:
        if progress:
            progress(f"question {q.id}")
        row: dict[str, Any] = {"id": q.id, "kind": q.kind}
        started = time.perf_counter()
        hits = workspace.search(q.question, k=k).hits
        if q.doc_ids:
            found = {_doc_match(Chunk(id=h.chunk_id, text="", source=h.source, start=0, end=0,
                                      position=0, doc_hash=""), q.doc_ids) for h in hits} - {None}
            hit.append(1.0 if found else 0.0)
            recall.append(len(found) / len(set(q.doc_ids)))
            row.update(hit=bool(found), recall=round(recall[-1], 3))
        if retrieval_only or model is None:
            rows.append(row)
            continue
        try:
            if pipeline == "briefer":
                a = answer_question(q.question, workspace=workspace, model=model, k=k)
                text, declined = a.answer, a.insufficient_evidence
                chunks = workspace.store.get(a.manifest.retrieved_chunk_ids)
                checks = _verified(((c.chunk_id, c.quote) for c in a.citations), chunks)
                tokens += a.manifest.completion_tokens
                gen_seconds += a.manifest.timings.generation_s
                row["reason"] = a.reason
                ok = not a.reason.startswith(NEVER_VALIDATED)  # declined, and not schema-valid
            else:
                n = naive_generate(f"Question: {q.question}", q.question, workspace=workspace,
                                   model=model, k=k)
                text, declined = n.text, n.declined
                checks = _verified(n.citations, n.chunks)
                tokens += n.completion_tokens
                gen_seconds += n.generation_s
                ok = True
            valid.append(1.0 if ok else 0.0)
        except BrieferError as exc:
            valid.append(0.0)
            text, declined, checks = f"(error: {exc})", False, []
        latency.append(time.perf_counter() - started)
        cite_ok.extend(1.0 if c else 0.0 for c in checks)
        if q.kind == "unanswerable":
            abstain_ok.append(1.0 if declined else 0.0)
        else:
            false_abstain.append(1.0 if declined else 0.0)
            if q.must_include:
                share = sum(includes(text, m) for m in q.must_include) / len(q.must_include)
                must.append(share)
                row["must_include"] = round(share, 3)
        row.update(declined=declined, citations=len(checks), verified=sum(checks),
                   seconds=round(latency[-1], 2), answer=text[:300])
        rows.append(row)

    opt_recall: list[float] = []
    red_recall: list[float] = []
    brief_valid: list[float] = []
    if not retrieval_only and model is not None:
        for b in briefs:
            if progress:
                progress(f"brief {b.id}")
            started = time.perf_counter()
            row = {"id": b.id, "kind": "brief"}
            try:
                if pipeline == "briefer":
                    brief = draft_brief(b.topic, workspace=workspace, model=model)
                    option_texts = [_item_blob(o) for o in brief.response_options]
                    red_texts = [_item_blob(r) for r in brief.red_lines]
                    chunks = workspace.store.get(brief.manifest.retrieved_chunk_ids)
                    checks = _verified(((e.chunk_id, e.quote) for e in brief.evidence()), chunks)
                    tokens += brief.manifest.completion_tokens
                    gen_seconds += brief.manifest.timings.generation_s
                else:
                    n = naive_generate(
                        f"Write a brief on: {b.topic}. List the response options and the red "
                        "lines, citing passages.", b.topic, workspace=workspace, model=model,
                        k=workspace.settings.brief.k, max_tokens=700)
                    option_texts = red_texts = [n.text]
                    checks = _verified(n.citations, n.chunks)
                    tokens += n.completion_tokens
                    gen_seconds += n.generation_s
                brief_valid.append(1.0)
            except BrieferError as exc:
                brief_valid.append(0.0)
                option_texts, red_texts, checks = [], [], []
                row["error"] = str(exc)
            latency.append(time.perf_counter() - started)
            cite_ok.extend(1.0 if c else 0.0 for c in checks)
            o = _recall(b.expected_options, option_texts)
            r = _recall(b.expected_red_lines, red_texts)
            if o is not None:
                opt_recall.append(o)
            if r is not None:
                red_recall.append(r)
            row.update(option_recall=o, red_line_recall=r, citations=len(checks),
                       verified=sum(checks), seconds=round(latency[-1], 2))
            rows.append(row)

    metrics = {
        "questions": len(questions),
        "briefs": 0 if retrieval_only else len(briefs),
        f"hit@{k}": _pct(hit),
        f"recall@{k}": _pct(recall),
        "must_include": _pct(must),
        "abstention_accuracy": _pct(abstain_ok),
        "false_abstention": _pct(false_abstain),
        "citation_validity": _pct(cite_ok),
        "citations": len(cite_ok),
        "option_recall": _pct(opt_recall),
        "red_line_recall": _pct(red_recall),
        "schema_valid": _pct(valid + brief_valid),
        "latency_p50_s": _p(latency, 0.5),
        "latency_p95_s": _p(latency, 0.95),
        "tokens_per_s": round(tokens / gen_seconds, 1) if gen_seconds else None,
    }
    return {"pipeline": pipeline, "model": model.describe()["file"] if model else None,
            "k": k, "metrics": metrics, "items": rows}


def _item_blob(item: Any) -> str:
    return " ".join([*(str(v) for v in item.model_dump(exclude={"evidence"}).values()),
                     *(e.quote for e in item.evidence)])


def _recall(expected: list[Expected], texts: list[str]) -> float | None:
    if not expected:
        return None
    got = sum(any(includes(t, kw) for t in texts for kw in e.match_any) for e in expected)
    return round(got / len(expected), 3)

