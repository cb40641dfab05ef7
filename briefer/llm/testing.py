"""Stand-in chat models for tests and dry runs (``brief eval --fake-model``): a
:class:`briefer.llm.base.ChatModel` with queued replies, and schema-valid sample instances. Nothing
here loads weights or reaches a server."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from briefer.core.errors import ModelError
from briefer.llm.base import Completion, Message, OnToken


@dataclass
class FakeModel:
    """A ChatModel for tests and dry runs: replies are queued strings or a function of the call.

    Every call is recorded in ``calls`` as (messages, schema). When the queue is empty and no
    ``respond`` function is given, the call fails loudly.
    """

    replies: list[str] = field(default_factory=list)
    respond: Callable[[Sequence[Message], dict[str, Any] | None], str] | None = None
    name: str = "fake-model"
    schema_valid: bool = False  # answer any schema'd call with a minimal valid instance
    calls: list[tuple[list[Message], dict[str, Any] | None]] = field(default_factory=list)
    # Judge: queued probabilities first, then ``judge(messages)``, else ``support`` (default
    # 1.0: every claim is supported, so tests about other things need not script judgements)
    judgements: list[float] = field(default_factory=list)
    judge: Callable[[Sequence[Message]], float] | None = None
    support: float = 1.0
    judge_calls: list[list[Message]] = field(default_factory=list)

    def enqueue(self, *replies: str) -> FakeModel:
        self.replies.extend(replies)
        return self

    def describe(self) -> dict[str, str]:
        return {"file": self.name, "sha256": "0" * 64}

    def yes_probability(self, messages: Sequence[Message]) -> float:
        self.judge_calls.append(list(messages))
        if self.judgements:
            return self.judgements.pop(0)
        return self.judge(messages) if self.judge is not None else self.support

    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None = None,
                 max_tokens: int = 512, on_token: OnToken | None = None,
                 extractive: bool = False) -> Completion:
        self.calls.append((list(messages), schema))
        if self.replies:
            text = self.replies.pop(0)
        elif self.schema_valid and schema is not None:
            text = json.dumps(sample_from_schema(schema))
        elif self.respond is not None:
            text = self.respond(messages, schema)
        else:
            raise ModelError("FakeModel has no reply queued for this call")
        if on_token:
            for word in text.split(" "):
                on_token(word + " ")
        prompt = sum(len(m["content"].split()) for m in messages)
        return Completion(text=text, prompt_tokens=prompt, prompt_tokens_evaluated=prompt,
                          completion_tokens=len(text.split()))


def sample_from_schema(schema: dict[str, Any]) -> Any:
    """A small instance valid against ``schema`` (first enum value, one item per array)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return sample_from_schema(schema["anyOf"][0])
    kind = schema.get("type")
    if kind == "object":
        return {k: sample_from_schema(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        count = max(int(schema.get("minItems", 0)), min(1, int(schema.get("maxItems", 1))))
        return [sample_from_schema(schema.get("items", {})) for _ in range(count)]
    if kind == "string":
        text = "Placeholder text written by the fake model."
        text = text[: int(schema.get("maxLength", len(text)))]
        return text.ljust(int(schema.get("minLength", 0)), ".")
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    return None


def smoke_model() -> FakeModel:
    """A schema-valid fake model whose free text cites nothing real (`--fake-model`)."""
    return FakeModel(schema_valid=True, respond=lambda messages, schema: 'They say [1] "nothing".')
