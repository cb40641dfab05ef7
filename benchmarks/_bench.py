"""What the model benchmarks share: a deadline, a local store, the model, a machine-speed line.

* :class:`Deadline`: seconds since it was set; ``fits(estimate)`` says whether one more piece of
  work of that size can start; ``check`` raises :class:`OutOfTime` once time is up.
* :class:`Bounded`: a ChatModel that checks the deadline before each call (is there time to
  evaluate its prompt?) and after each generated token, so that a brief still running at the
  deadline is abandoned within about one token instead of running on.
* :func:`settings_for`: ``load_settings`` with the model and ``brief.k`` overrides, a local
  store and the in-process model whatever ``BRIEFER_CHROMA_URL`` / ``BRIEFER_LLM_URL`` say.
* :func:`ingested`: a fresh store in a temporary folder, ingested through ``Workspace.ingest``.
* :func:`machine_speed`: prefill and decode tokens per second of the loaded model on a fixed
  prompt of ~300 tokens (generated text, seed 0) and 32 generated tokens, best of two, so that
  results from different days can be compared.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _textgen import paragraph

from briefer.core.settings import Settings, load_settings
from briefer.corpus.workspace import Workspace
from briefer.llm.base import ChatModel, Completion, Message, OnToken

ROOT = Path(__file__).resolve().parent.parent


class OutOfTime(Exception):
    """The deadline passed while a piece of work was running (not a BrieferError: it must
    not be mistaken for a failed brief)."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def left(self) -> float:
        return self.seconds - self.elapsed()

    def fits(self, estimate: float) -> bool:
        return self.left() > estimate

    def check(self, _line: str = "") -> None:
        if self.left() <= 0:
            raise OutOfTime(f"deadline of {self.seconds:.0f} s reached")


class Bounded:
    """``model``, raising :class:`OutOfTime` once ``deadline`` has passed: before a call whose
    prompt could not be evaluated in the time left (estimated at ``prefill_tok_s`` and ~4
    characters a token; a prompt evaluation cannot be interrupted), and after any generated
    token."""

    def __init__(self, model: ChatModel, deadline: Deadline,
                 prefill_tok_s: float | None = None) -> None:
        self.model = model
        self.deadline = deadline
        self.prefill_tok_s = prefill_tok_s
        self.name = model.name
        self.log: list[tuple[float, Completion]] = []  # (when it returned, the completion)

    def describe(self) -> dict[str, str]:
        return self.model.describe()

    def complete(self, messages: Sequence[Message], *, on_token: OnToken | None = None,
                 **kw: Any) -> Completion:
        self._before([messages])

        def tick(piece: str) -> None:
            self.deadline.check()
            if on_token is not None:
                on_token(piece)

        return self._logged([self.model.complete(messages, on_token=tick, **kw)])[0]

    # Replies written side by side (llama.cpp batches; benchmarks run the in-process model)
    # pass through, so that a benchmark measures the path the CLI takes. The deadline is
    # checked before a batch (its prompt must fit the time left) and after it, not after each
    # token: a batch is bounded by its replies' token budgets (a few hundred tokens).
    def complete_many(self, messages: Sequence[Message], schemas: Sequence[dict[str, Any]],
                      **kw: Any) -> list[Completion]:
        self._before([messages])
        out: list[Completion] = self.model.complete_many(messages, schemas, **kw)  # type: ignore[attr-defined]
        self.deadline.check()
        return self._logged(out)

    def complete_each(self, conversations: Sequence[Sequence[Message]],
                      schemas: Sequence[dict[str, Any]], **kw: Any) -> list[Completion]:
        self._before(conversations)
        out: list[Completion] = self.model.complete_each(conversations, schemas, **kw)  # type: ignore[attr-defined]
        self.deadline.check()
        return self._logged(out)

    def _logged(self, out: list[Completion]) -> list[Completion]:
        now = time.perf_counter()
        self.log += [(now, c) for c in out]
        return out

    def _before(self, conversations: Sequence[Sequence[Message]]) -> None:
        self.deadline.check()
        if self.prefill_tok_s:
            need = max(sum(len(m["content"]) for m in c) for c in conversations) / 4 \
                / self.prefill_tok_s
            if need >= self.deadline.left():
                raise OutOfTime(f"~{need:.0f} s to evaluate the prompt, "
                                f"{self.deadline.left():.0f} s left")


def settings_for(model: str | None, k: int | None = None) -> Settings:
    """Settings as the CLI builds them (toml, environment), with ``--model`` and ``-k``; always a
    local store and the in-process model (benchmarks measure this machine)."""
    settings = load_settings(**{"model.path": model, "brief.k": k})
    settings.store.url = None
    settings.llm.url = None
    return settings


def ingested(settings: Settings, folder: Path, state_dir: Path) -> tuple[Workspace, Any]:
    """A new workspace in ``state_dir`` with ``folder`` ingested; (workspace, IngestSummary)."""
    ws = Workspace.open(settings, state_dir=state_dir)
    return ws, ws.ingest([folder])


REAL_DEV = Path("/work/shared/real-dev")


def dev_set(name: str, data: Path | None, store: Path) -> tuple[Path, Workspace, Any]:
    """A development set's folder (``real-dev`` or ``evalset``), a local workspace at ``store``
    with its corpus ingested (unchanged files only hashed), and the ingest summary."""
    data = data or (REAL_DEV if name == "real-dev" else ROOT / "evalset")
    settings = load_settings(**{"store.path": store})
    settings.store.url = None
    ws = Workspace.open(settings)
    return data, ws, ws.ingest([data / ("corpus" if name == "real-dev" else "docs")])


def fixed_prompt(run: int) -> list[Message]:
    """The machine-speed prompt: the same ~300 tokens of generated prose each time; ``run``
    changes only the system message's first word, so that nothing is reused from the cache."""
    rng = random.Random(0)
    text = " ".join(paragraph(rng, "diplomacy", 5, 5) for _ in range(3))
    return [{"role": "system", "content": f"{['Run', 'Pass'][run % 2]}: answer plainly."},
            {"role": "user", "content": f"{text}\n\nWrite the numbers from one to one hundred "
                                        "in words, separated by commas."}]


@dataclass
class Speed:
    prefill_tok_s: float
    decode_tok_s: float
    prompt_tokens: int  # evaluated in the best prefill
    generated: int  # in the best decode
    first_call_s: float  # the warm-up call: loads the weights (and pages them in)

    def line(self) -> str:
        return (f"prefill {self.prefill_tok_s:.1f} tok/s ({self.prompt_tokens} tokens), "
                f"decode {self.decode_tok_s:.1f} tok/s ({self.generated} tokens)")


def machine_speed(model: ChatModel, repeats: int = 2) -> Speed:
    """Prefill and decode rate of ``model`` (free decoding, 32 tokens), best of ``repeats``,
    after a short warm-up call (the first evaluation pages the weights in)."""
    t = time.perf_counter()
    model.complete([{"role": "user", "content": "Say hello."}], max_tokens=4)
    first = time.perf_counter() - t
    prefill: list[tuple[float, int]] = []
    decode: list[tuple[float, int]] = []
    for run in range(repeats):
        c = model.complete(fixed_prompt(run), max_tokens=32)
        if c.prefill_s > 0:
            prefill.append((c.prompt_tokens_evaluated / c.prefill_s, c.prompt_tokens_evaluated))
        if c.decode_s > 0:
            decode.append((c.completion_tokens / c.decode_s, c.completion_tokens))
    p = max(prefill, default=(0.0, 0))
    d = max(decode, default=(0.0, 0))
    return Speed(round(p[0], 1), round(d[0], 1), p[1], d[1], round(first, 1))
