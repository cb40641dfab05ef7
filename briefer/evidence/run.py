"""The run object: what one brief or one answer accumulates, and its manifest.

A :class:`Run` is created when retrieval is done and travels through every step: the retrieved
chunks themselves (fetched from the store once, and reused for the memo), the passages shown to
the model, token usage, every failed attempt, the sections that failed, the items set apart as
unsupported, and the prompt versions used. Steps take the run and record on it; the manifest is
a method of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from briefer.core.schemas import Chunk, FlaggedPassage, Manifest, Timings, Unsupported
from briefer.core.settings import GroundingSettings, Settings
from briefer.core.version import __version__
from briefer.corpus.injection import shorten
from briefer.evidence.passages import Passage, make_passages
from briefer.llm.base import ChatModel, Completion

# One way to report progress, for briefs, answers and eval: a line of text.
Progress = Callable[[str], None]


@dataclass
class Usage:
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    completion_tokens: int = 0
    forced_tokens: int = 0
    calls: int = 0
    seconds: float = 0.0

    def add(self, c: Completion) -> None:
        self.prompt_tokens += c.prompt_tokens
        self.prompt_tokens_evaluated += c.prompt_tokens_evaluated
        self.completion_tokens += c.completion_tokens
        self.forced_tokens += c.forced_tokens
        self.calls += 1
        self.seconds += c.seconds


@dataclass(frozen=True)
class Attempt:
    """A reply that could not be used, and why (what the re-ask tells the model)."""

    text: str
    problem: str


@dataclass
class Run:
    request: str  # the topic or the question
    k: int
    chunks: list[Chunk]
    passages: list[Passage]
    schema_version: str
    started: float = field(default_factory=time.perf_counter)
    retrieval_s: float = 0.0
    usage: Usage = field(default_factory=Usage)
    attempts: list[Attempt] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    prompt_versions: list[str] = field(default_factory=list)
    store_fingerprint: str = ""
    judge_s: float = 0.0  # seconds spent in yes/no judgements (no tokens decoded)
    judge_calls: int = 0
    thresholds: GroundingSettings = field(default_factory=GroundingSettings)  # grounding's

    @classmethod
    def begin(cls, request: str, chunks: list[Chunk], *, k: int, schema_version: str,
              started: float, store_fingerprint: str, alias_prefix: str = "P",
              thresholds: GroundingSettings | None = None) -> Run:
        return cls(request=request, k=k, chunks=chunks,
                   thresholds=thresholds if thresholds is not None else GroundingSettings(),
                   passages=make_passages(chunks, alias_prefix), schema_version=schema_version,
                   started=started, retrieval_s=time.perf_counter() - started,
                   store_fingerprint=store_fingerprint)

    def record(self, completion: Completion) -> Completion:
        self.usage.add(completion)
        return completion

    @contextmanager
    def judging(self) -> Iterator[None]:
        """Times one judgement (``Judge.yes_probability``) onto the run."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.judge_s += time.perf_counter() - started
            self.judge_calls += 1

    def uses(self, version: str) -> None:
        if version not in self.prompt_versions:
            self.prompt_versions.append(version)

    def chunk_map(self) -> dict[str, Chunk]:
        return {c.id: c for c in self.chunks}

    def flagged(self) -> list[FlaggedPassage]:
        """The instruction-like text of the retrieved passages, each once."""
        out: dict[tuple[str, str], FlaggedPassage] = {}
        for p in self.passages:
            for f in p.flags:
                text = shorten(p.chunk.text[f.start:f.end])
                out.setdefault((p.chunk.source, text), FlaggedPassage(
                    chunk_id=p.chunk_id, source=p.chunk.source, page=p.chunk.page, text=text,
                    reason=f.reason))
        return list(out.values())

    def manifest(self, model: ChatModel, settings: Settings) -> Manifest:
        info = model.describe()
        u = self.usage
        return Manifest(
            briefer_version=__version__, model_file=info["file"], model_sha256=info["sha256"],
            prompt_version="+".join(self.prompt_versions), schema_version=self.schema_version,
            retrieved_chunk_ids=[c.id for c in self.chunks],
            store_fingerprint=self.store_fingerprint, k=self.k,
            temperature=settings.model.temperature, seed=settings.model.seed,
            prompt_tokens=u.prompt_tokens, prompt_tokens_evaluated=u.prompt_tokens_evaluated,
            completion_tokens=u.completion_tokens, forced_tokens=u.forced_tokens,
            attempts=u.calls,
            timings=Timings(retrieval_s=round(self.retrieval_s, 3),
                            generation_s=round(u.seconds, 3),
                            judgement_s=round(self.judge_s, 3), judgements=self.judge_calls,
                            total_s=round(time.perf_counter() - self.started, 3)),
            flagged_passages=self.flagged(),
        )
