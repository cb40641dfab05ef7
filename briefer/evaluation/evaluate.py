"""`brief eval`: run the eval set through Briefer and a naive baseline, and score it.

A `Pipeline` turns each question into one `QuestionResult` and each brief request into one
`BriefResult`: `BrieferPipeline` (`answer_question`, `draft_brief`) or `NaivePipeline`
(`naive_generate`, free text). `evaluate` feeds every result to one `scoring.Metrics` and
returns {"pipeline", "model", "k", "metrics", "items"}; file formats and metric definitions
(recall, precision against must_not entries, abstention, schema validity …) are in
`briefer/scoring.py`. The rest is what `brief eval` prints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel

from briefer.core.errors import BrieferError, ConfigError
from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.evaluation.scoring import (
    BriefItem,
    BriefResult,
    Generated,
    Metrics,
    QuestionItem,
    QuestionResult,
    Retrieval,
    is_source,
)
from briefer.evidence.run import Progress
from briefer.llm.base import ChatModel
from briefer.pipeline.ask import answer_question
from briefer.pipeline.baseline import naive_generate
from briefer.pipeline.draft import draft_brief
from briefer.pipeline.retrieval import retrieve_for_question
from briefer.text.verify import verify_quote


def item_text(item: BaseModel) -> str:
    """A brief item's fields and quotes, as one string for keyword matching."""
    return " ".join([*(str(v) for v in item.model_dump(exclude={"evidence"}).values()),
                     *(e.quote for e in getattr(item, "evidence", []))])


def verified(citations: Iterable[tuple[str, str]], chunks: list[Chunk]) -> list[bool]:
    """For each (chunk id, quote): does the quote verify in that chunk?"""
    by_id = {c.id: c for c in chunks}
    out = []
    for chunk_id, quote in citations:
        chunk = by_id.get(chunk_id)
        out.append(bool(chunk and quote and verify_quote(quote, chunk.text).match != "unverified"))
    return out


def retrieval(item: QuestionItem, workspace: Workspace, k: int) -> Retrieval | None:
    """Which of the question's documents the top-k passages an answer is drafted from come
    from (:func:`briefer.pipeline.retrieval.retrieve_for_question`: what reaches the model,
    not a plain search); None without doc_ids."""
    if not item.doc_ids:
        return None
    chunks, _ = retrieve_for_question(item.question, item.question, workspace, k)
    found = {doc for c in chunks if (doc := _document(c.source, item.doc_ids))}
    return Retrieval(hit=bool(found), recall=len(found) / len(set(item.doc_ids)))


def _document(source: str, doc_ids: Iterable[str]) -> str | None:
    return next((doc for doc in doc_ids if is_source(source, doc)), None)


# --------------------------------------------------------------------------- pipelines


class Pipeline(Protocol):
    """Answers a question and drafts a brief; a BrieferError is an item that failed."""

    name: str

    def answer(self, item: QuestionItem) -> QuestionResult: ...

    def brief(self, item: BriefItem) -> BriefResult: ...


@dataclass
class _OnWorkspace:
    """What every pipeline runs on: the store (with its settings), the model, passages per call."""

    workspace: Workspace
    model: ChatModel
    k: int


@dataclass
class BrieferPipeline(_OnWorkspace):
    name: str = "briefer"

    def answer(self, item: QuestionItem) -> QuestionResult:
        a = answer_question(item.question, workspace=self.workspace, model=self.model, k=self.k)
        chunks = self.workspace.store.get(a.manifest.retrieved_chunk_ids)
        return QuestionResult(
            text=a.answer, declined=a.insufficient_evidence, validated=a.validated,
            checks=verified(((c.chunk_id, c.quote) for c in a.citations), chunks),
            quotes=[c.quote for c in a.citations],
            sources=list(dict.fromkeys(c.source for c in a.citations)),
            unanswered=list(a.unanswered), judgement_s=a.manifest.timings.judgement_s,
            claims=[c.model_dump(exclude_none=True) for c in a.claims],
            answers_question=a.answers_question,
            considered=[c.quote for c in a.considered],
            tokens=a.manifest.completion_tokens, generation_s=a.manifest.timings.generation_s,
            reason=a.reason)

    def brief(self, item: BriefItem) -> BriefResult:
        brief = draft_brief(item.topic, workspace=self.workspace, model=self.model)
        chunks = self.workspace.store.get(brief.manifest.retrieved_chunk_ids)
        return BriefResult(
            option_texts=[item_text(o) for o in brief.response_options],
            red_line_texts=[item_text(r) for r in brief.red_lines],
            checks=verified(((e.chunk_id, e.quote) for e in brief.evidence()), chunks),
            tokens=brief.manifest.completion_tokens,
            generation_s=brief.manifest.timings.generation_s)


@dataclass
class NaivePipeline(_OnWorkspace):
    name: str = "naive"

    def answer(self, item: QuestionItem) -> QuestionResult:
        n = naive_generate(f"Question: {item.question}", item.question,
                           workspace=self.workspace, model=self.model, k=self.k)
        by_id = {c.id: c.source for c in n.chunks}
        return QuestionResult(text=n.text, declined=n.declined,
                              checks=verified(n.citations, n.chunks),
                              quotes=[quote for _, quote in n.citations],
                              sources=list(dict.fromkeys(by_id[cid] for cid, _ in n.citations
                                                         if cid in by_id)),
                              tokens=n.completion_tokens, generation_s=n.generation_s)

    def brief(self, item: BriefItem) -> BriefResult:
        n = naive_generate(
            f"Write a brief on: {item.topic}. List the response options and the red lines, "
            "citing passages.", item.topic, workspace=self.workspace, model=self.model,
            k=self.workspace.settings.brief.k, max_tokens=700)
        return BriefResult(option_texts=[n.text], red_line_texts=[n.text], sectioned=False,
                           checks=verified(n.citations, n.chunks),
                           tokens=n.completion_tokens, generation_s=n.generation_s)


PipelineName = Literal["briefer", "naive"]
PIPELINES: dict[PipelineName, Callable[[Workspace, ChatModel, int], Pipeline]] = {
    "briefer": BrieferPipeline, "naive": NaivePipeline}


def pipeline_names(baseline: str | None) -> list[PipelineName]:
    """Briefer, then the baseline if one is asked for (a ConfigError if it is unknown)."""
    if baseline is None:
        return ["briefer"]
    if baseline == "naive":
        return ["briefer", "naive"]
    raise ConfigError(f"unknown baseline '{baseline}'; available: naive")


T = TypeVar("T", QuestionItem, BriefItem)
R = TypeVar("R", bound=Generated)


def _timed(call: Callable[[T], R], item: T, failed: Callable[[str], R]) -> R:
    """`call(item)` timed; a BrieferError becomes `failed(message)`."""
    started = time.perf_counter()
    try:
        result = call(item)
    except BrieferError as exc:
        result = failed(str(exc))
    result.latency_s = time.perf_counter() - started
    return result


def _failed_answer(error: str) -> QuestionResult:
    return QuestionResult(text=f"(error: {error})", declined=False, validated=False, error=error)


def _failed_brief(error: str) -> BriefResult:
    return BriefResult(option_texts=[], red_line_texts=[], validated=False, error=error)


# --------------------------------------------------------------------------- runs


def evaluate(
    questions: list[QuestionItem],
    briefs: list[BriefItem],
    *,
    workspace: Workspace,
    model: ChatModel | None,
    k: int,
    pipeline: PipelineName = "briefer",
    retrieval_only: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run every item and return {"pipeline", "model", "k", "metrics", "items"}."""
    say = (lambda name, what: progress(what)) if progress else None
    return _run([pipeline], questions, briefs, workspace=workspace, model=model, k=k,
                retrieval_only=retrieval_only, progress=say)[0]


def compare(questions: list[QuestionItem], briefs: list[BriefItem], *, workspace: Workspace,
            model: ChatModel | None, k: int, baseline: str | None = None,
            retrieval_only: bool = False,
            progress: Callable[[str, str], None] | None = None) -> list[dict[str, Any]]:
    """`evaluate` Briefer and the baseline item by item: each question, then each brief, is
    run by Briefer and then by the baseline, so that both meet the same machine (a laptop's
    speed drifts within minutes: on 2026-12-06 the naive brief of one request took 61 s in
    one run and 28 s in the next, five minutes later, Briefer's 116-160 s). Progress gets
    (pipeline, what)."""
    return _run(pipeline_names(baseline), questions, briefs, workspace=workspace, model=model,
                k=k, retrieval_only=retrieval_only, progress=progress)


def _run(names: list[PipelineName], questions: list[QuestionItem], briefs: list[BriefItem], *,
         workspace: Workspace, model: ChatModel | None, k: int, retrieval_only: bool,
         progress: Callable[[str, str], None] | None) -> list[dict[str, Any]]:
    say = progress or (lambda name, what: None)
    runs: dict[PipelineName, Pipeline | None] = {
        name: PIPELINES[name](workspace, model, k)
        if not retrieval_only and model is not None else None for name in names}
    metrics = {name: Metrics(k) for name in names}
    for q in questions:
        found = retrieval(q, workspace, k)
        for name, run in runs.items():
            say(name, f"question {q.id}")
            answer = _timed(run.answer, q, _failed_answer) if run is not None else None
            metrics[name].add_question(q, found, answer)
    for b in briefs:
        for name, run in runs.items():
            if run is not None:
                say(name, f"brief {b.id}")
                metrics[name].add_brief(b, _timed(run.brief, b, _failed_brief))
    described = model.describe()["file"] if model else None
    return [{"pipeline": name, "model": described, "k": k, "metrics": metrics[name].summary(),
             "items": metrics[name].rows} for name in names]


def as_json(runs: list[dict[str, Any]], *, details: bool) -> str:
    """One run as an object, Briefer and a baseline as a list; items only with `details`."""
    shown = [r if details else {k: v for k, v in r.items() if k != "items"} for r in runs]
    return json.dumps(shown if len(shown) > 1 else shown[0], indent=2)


def metric_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    """One row per metric: its name, then its value in each run ("—" for None)."""
    return [[key, *("—" if r["metrics"][key] is None else str(r["metrics"][key]) for r in runs)]
            for key in runs[0]["metrics"]]


ITEM_COLUMNS = ("id", "kind", "hit", "must", "declined", "verified/cited", "s")


def item_rows(run: dict[str, Any]) -> list[list[str]]:
    """One row per item, under ITEM_COLUMNS."""
    return [[str(it["id"]), str(it["kind"]), str(it.get("hit", "")),
             str(it.get("must_include", it.get("option_recall", ""))),
             str(it.get("declined", "")), f"{it.get('verified', '')}/{it.get('citations', '')}",
             str(it.get("seconds", ""))] for it in run["items"]]
