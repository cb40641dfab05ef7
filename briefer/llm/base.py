"""What the pipeline asks of a language model: the ChatModel and Judge protocols.

The model layer, for a newcomer:

- where a model comes from and how it is chosen: :mod:`briefer.llm.models` (registry, ``brief models
  pull``, :func:`briefer.llm.models.load_model`);
- how a local model runs: :mod:`briefer.llm.llama` (llama.cpp in-process) with its token loop in
  :mod:`briefer.llm.llama_sampling` and the jump-forward JSON writer in
  :mod:`briefer.llm.structured`;
- a server instead: :mod:`briefer.llm.openai_compat`; test doubles: :mod:`briefer.llm.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, runtime_checkable


class Message(TypedDict):
    role: str
    content: str


@dataclass
class Completion:
    text: str
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    completion_tokens: int = 0  # chosen by the model, one decode step each
    forced_tokens: int = 0  # left no choice by the schema, evaluated in batches
    prefill_s: float = 0.0
    decode_s: float = 0.0
    seconds: float = 0.0
    finish_reason: str = "stop"


OnToken = Callable[[str], None]


class ChatModel(Protocol):
    """What the pipeline needs from a language model."""

    name: str

    def describe(self) -> dict[str, str]:
        """{"file": ..., "sha256": ...} for the manifest."""
        ...

    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None = None,
                 max_tokens: int = 512, on_token: OnToken | None = None,
                 extractive: bool = False) -> Completion:
        """``extractive``: the reply copies words from the prompt (labels from quotes); local
        backends then spare the prompt's tokens from the repetition penalty."""
        ...



@runtime_checkable
class SideBySide(Protocol):
    """A model that can write several replies to one prompt together (llama.cpp: one batch
    per step for all of them), faster than one after another."""

    def complete_many(self, messages: Sequence[Message], schemas: Sequence[dict[str, Any]], *,
                      max_tokens: int = 512, extractive: bool = False) -> list[Completion]: ...


@runtime_checkable
class SideBySideTasks(Protocol):
    """A model that can write replies to different tasks that share a prompt prefix together
    (llama.cpp: the prefix evaluated once, each task's end and every step of all replies in
    one batch)."""

    def complete_each(self, conversations: Sequence[Sequence[Message]],
                      schemas: Sequence[dict[str, Any]], *, max_tokens: Sequence[int],
                      extractive: bool = False) -> list[Completion]: ...


@runtime_checkable
class Judge(Protocol):
    """A yes/no judgement as a probability: what the model gives "yes" against "no".

    The prompt asks a yes/no question; the answer is the probability mass the model puts on a
    first reply token meaning "yes", normalised against the tokens meaning "no" (so it is in
    [0, 1] whatever else the model would have said). Thresholded by the caller, at a value
    calibrated on a development set, not at 0.5.
    """

    def yes_probability(self, messages: Sequence[Message]) -> float: ...


YES_WORDS = ("yes",)
NO_WORDS = ("no",)


def two_way(yes: Sequence[float], no: Sequence[float]) -> float:
    """P(yes) from the log-scores of the yes tokens and of the no tokens (log-sum-exp each)."""
    import math

    if not yes and not no:
        return 0.5
    top = max([*yes, *no])
    mass_yes = sum(math.exp(v - top) for v in yes)
    mass_no = sum(math.exp(v - top) for v in no)
    return mass_yes / (mass_yes + mass_no)


def yes_no_word(token_text: str) -> str:
    return token_text.strip().strip(".,!:\"'").lower()
