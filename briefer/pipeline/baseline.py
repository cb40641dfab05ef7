"""The naive baseline `brief eval --baseline naive` compares against.

Plain retrieve-then-generate on the same store and model: no schema, no grammar, no
verification, no abstention logic; citations are taken as the model writes them
(``[n] "quote"``). Scored by the same metrics as Briefer's pipeline.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from briefer.core.prompts import load_prompt
from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.evidence.run import Run
from briefer.llm.base import ChatModel
from briefer.store.retrieve import fuse

SCHEMA_VERSION = "naive-free-text"

_CITE = re.compile(r"\[(\d+)\](?:\s*[:\-]?\s*[\"\u201c]([^\"\u201d]{4,400})[\"\u201d])?")
_DECLINED = re.compile(r"(do(es)? not (say|mention|contain|provide|specify)|no information|"
                       r"not (mentioned|specified|stated|provided)|cannot (be )?(answer|determine)|"
                       r"insufficient|unknown from)", re.I)


@dataclass
class NaiveResult:
    text: str
    chunks: list[Chunk]
    citations: list[tuple[str, str]] = field(default_factory=list)  # (chunk id, quote or "")
    declined: bool = False
    completion_tokens: int = 0
    generation_s: float = 0.0
    run: Run | None = None


def naive_generate(request: str, query: str, *, workspace: Workspace, model: ChatModel,
                   k: int, max_tokens: int = 400) -> NaiveResult:
    started = time.perf_counter()
    chunks = fuse([workspace.search(query, k=k)], k, workspace.settings.retrieval.rrf_k)
    run = Run.begin(request, chunks, k=k, schema_version=SCHEMA_VERSION, started=started,
                    store_fingerprint=workspace.fingerprint())
    passages = "\n\n".join(f"[{i}] {' '.join(c.text.split())}"
                           for i, c in enumerate(chunks, start=1))
    prompt = load_prompt("naive.md")
    run.uses(prompt.version)
    system, user = prompt.render(passages=passages, request=request)
    c = run.record(model.complete([{"role": "system", "content": system},
                                   {"role": "user", "content": user}], max_tokens=max_tokens))
    citations = []
    for m in _CITE.finditer(c.text):
        n = int(m.group(1))
        chunk_id = chunks[n - 1].id if 1 <= n <= len(chunks) else f"<unknown [{n}]>"
        citations.append((chunk_id, m.group(2) or ""))
    return NaiveResult(text=c.text, chunks=chunks, citations=citations,
                       declined=bool(_DECLINED.search(c.text)),
                       completion_tokens=c.completion_tokens, generation_s=c.seconds, run=run)
