"""One generation loop for briefs and answers: complete → extract → parse → validate → re-ask.

The model writes under a JSON schema (a grammar in-process, ``response_format`` on a server).
Its reply is pulled out of any surrounding chatter, evidence ids are resolved to the sentences
they name, and the result is validated against a Pydantic model. A reply that fails is sent back
with the errors (``prompts/repair.md``) at most ``retries`` times; every failed attempt is kept
on the run. Quotes are verified afterwards, in :mod:`briefer.grounding.items`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from briefer.core.prompts import load_prompt
from briefer.evidence.passages import Passage, Sentence
from briefer.evidence.run import Attempt, Run
from briefer.llm.base import ChatModel, Completion, Message, OnToken
from briefer.text.verify import normalise

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
MAX_ERRORS_SHOWN = 6  # validation errors quoted back to the model in a re-ask


class ReplyError(ValueError):
    """One reply could not be used; the message goes back to the model."""


def extract_json(text: str) -> Any:
    """The first JSON object in ``text``: tolerant of code fences and chatter around it."""
    text = text.strip()
    try:  # strict=False: raw newlines inside strings are accepted (some grammars allow them)
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        pass
    start = text.find("{")
    if start >= 0:  # the first top-level object only: never an inner one of a cut-off reply
        end = _object_end(text, start)
        if end is not None:
            try:
                return json.loads(text[start:end], strict=False)
            except json.JSONDecodeError:
                pass
    raise ReplyError("the reply is not valid JSON (it may have been cut off)")


def _object_end(text: str, start: int) -> int | None:
    depth, in_str, escape = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


class Citations:
    """Resolves what the model cites to ``{"chunk_id", "quote"}``.

    A sentence id (``"P3.2"``) becomes that sentence; ``{"passage": "P3", "quote": ...}``
    (a quote written out) keeps its quote and gets the passage's chunk id. Anything that names
    no retrieved passage is a ReplyError the model is told about.
    """

    def __init__(self, passages: Sequence[Passage], aliases: Mapping[str, str] | None = None):
        self.units: dict[str, Sentence] = {u.id: u for p in passages for u in p.units}
        self.aliases = dict(aliases) if aliases is not None else {
            p.alias: p.chunk_id for p in passages}

    def sentence(self, ref: Any) -> dict[str, str]:
        unit = self.units.get(str(ref).strip("[] "))
        if unit is None:
            raise ReplyError(f"'{ref}' is not one of the numbered sentences")
        return {"chunk_id": unit.chunk_id, "quote": unit.text}

    def resolve(self, node: Any, key: str = "") -> Any:
        if isinstance(node, list):
            return [self.resolve(n, key) for n in node]
        if isinstance(node, str) and key in ("evidence", "citations"):
            return self.sentence(node)
        if not isinstance(node, dict):
            return node
        out = {k: self.resolve(v, k) for k, v in node.items()}
        if "quote" in out and ("passage" in out or "chunk_id" in out):
            ref = str(out.pop("passage", None) or out.get("chunk_id")).strip("[] ")
            if ref in self.aliases:
                out["chunk_id"] = self.aliases[ref]
            elif ref not in self.aliases.values():
                raise ReplyError(f"evidence cites '{ref}', which is not one of the passages "
                                 f"({', '.join(self.aliases)})")
        return out


def validation_problem(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:MAX_ERRORS_SHOWN]:
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_reply(model_cls: type[M], text: str, citations: Citations) -> M:
    """Model output → validated ``model_cls``; ReplyError carries what to tell the model."""
    data = citations.resolve(extract_json(text))
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise ReplyError(validation_problem(exc)) from None


def generate(model: ChatModel, run: Run, messages: Sequence[Message], *,
             parse: Callable[[str], T], schema: dict[str, Any] | None, max_tokens: int,
             retries: int, retry_cutoff: bool = True, extractive: bool = False,
             on_token: Callable[[], OnToken | None] | None = None,
             first: Completion | None = None) -> T | None:
    """The parsed reply, re-asked with its errors up to ``retries`` times; None if it never
    parsed (each failed attempt is on ``run.attempts``). A reply cut off at ``max_tokens`` is
    not re-asked when ``retry_cutoff`` is false (a looping model loops again). ``first``: the
    reply to ``messages`` already written (decoded beside others, ``complete_many``)."""
    repair = load_prompt("repair.md")
    base = list(messages)
    current = list(messages)
    for _ in range(retries + 1):
        completion = run.record(first or model.complete(
            current, schema=schema, max_tokens=max_tokens, extractive=extractive,
            on_token=on_token() if on_token else None))
        first = None
        try:
            return parse(completion.text)
        except ReplyError as exc:
            problem = str(exc)
            cut = completion.finish_reason == "length"
            if cut:
                problem = (f"the reply was cut off after {max_tokens} tokens; write fewer and "
                           "shorter items")
            run.attempts.append(Attempt(completion.text, problem))
            if cut and not retry_cutoff:
                return None
            _, again = repair.render(errors=problem)
            current = [*base, {"role": "assistant", "content": completion.text},
                       {"role": "user", "content": again}]
    return None


# --------------------------------------------------------------------------- text clean-up

_WORDS = re.compile(r"[^\W\d_]{2,}")


def once(text: str) -> str:
    """``text`` with repeated sentences left out (small models loop on their last sentence)."""
    seen: set[str] = set()
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        key = normalise(sentence).lower().rstrip(".!?")
        if key and key not in seen:
            seen.add(key)
            kept.append(sentence)
    return " ".join(kept)


def is_prose(text: str) -> bool:
    """Three words or more: not a number, a date or a bracket a looping model wrote."""
    return len(_WORDS.findall(text)) >= 3
