"""Schema-directed decoding with jump-forward: the JSON is written by the schema, not the model.

A grammar sampler (llama.cpp's GBNF, an OpenAI server's ``json_schema``) lets the model write
every token of the reply, each at the price of one decode step, even where the schema leaves
no choice: the keys, the brackets, and every token of a quote after the first one or two that
tell the candidate sentences apart. On a CPU a decode step costs as much as evaluating several
prompt tokens in one batch. :class:`Writer` walks the schema instead and asks the model only
where the schema leaves a choice:

* **structure** (``{"label": "``, ``", "category": "``, brackets) is queued as text and
  evaluated in one batch with whatever comes next;
* **enums, consts and ``anyOf`` branches**: the model picks among the tokens whose text starts
  some candidate, and as soon as one candidate is left its remaining tokens are evaluated in
  one batch (*jump-forward*) - a 40-token quote costs one to three decode steps, not 40;
* **free strings** are decoded token by token with ``\\``, control characters and end-of-text
  masked out; the first token that holds a ``"`` ends the string (what precedes the quote is
  kept), ``maxLength`` cuts it;
* **arrays** ask the model ``,`` or ``]`` after each item (``minItems`` / ``maxItems`` obeyed).

Greedy output is what the grammar-constrained model would have written (the best allowed token
at every step) up to how the forced text is tokenized. The reply is valid JSON for the schema by
construction and is still parsed and validated by the caller. When the token budget runs out
inside an array, the unfinished item is dropped and the JSON closed, so a long reply loses its
last item instead of failing.

Only the subset of JSON Schema that :func:`briefer.evidence.constrain.generation_schema` produces is
walked (objects with fixed key order, arrays, ``anyOf`` of objects, ``enum``/``const``, strings,
booleans); :func:`briefer.llm.schema_subset.supports` says whether a schema is in it. The
per-token facts the writer uses are a :class:`briefer.llm.vocab.Vocab`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from briefer.llm.schema_subset import LEAN
from briefer.llm.vocab import Engine, Logits, Vocab

__all__ = ["Engine", "Writer", "Budget", "Counts"]


class Budget(Exception):
    """The token budget ran out."""


@dataclass
class Counts:
    sampled: int = 0  # decode steps where the model chose among several tokens
    forced: int = 0  # tokens evaluated in batches without a choice (structure, jump-forward)
    batches: int = 0


Adjust = Callable[[Logits, list[int]], None]  # e.g. a repetition penalty over recent tokens


@dataclass
class Writer:
    """Writes one JSON value for a schema; asks ``engine`` only where the schema leaves a choice."""

    engine: Engine
    vocab: Vocab
    max_tokens: int
    more: float = 0.0  # added to the logits of going on with an array rather than closing it
    pick: Callable[[Logits], int] = field(default=lambda logits: int(np.argmax(logits)))
    adjust: Adjust | None = None
    on_text: Callable[[str], None] | None = None
    counts: Counts = field(default_factory=Counts)
    out: list[str] = field(default_factory=list)
    pending: bytes = b""  # written but not yet fed: fed in one batch before the next choice
    recent: list[int] = field(default_factory=list)  # tokens the model chose in strings
    truncated: bool = False  # the budget ran out: the last array item was dropped

    def write(self, schema: dict[str, Any]) -> str:
        """The JSON text; :class:`Budget` if the budget ran out where nothing could be cut."""
        self.value(schema)
        return "".join(self.out)

    # ------------------------------------------------------------------ plumbing
    def text(self, s: str) -> None:
        if s:
            self.pending += s.encode("utf-8")
            self.out.append(s)
            if self.on_text:
                self.on_text(s)

    def flush(self) -> None:
        if self.pending:
            self._forced(self.engine.tokenize(self.pending))
            self.pending = b""

    def _forced(self, tokens: Sequence[int]) -> None:
        if tokens:
            self.engine.feed(list(tokens))
            self.counts.forced += len(tokens)
            self.counts.batches += 1

    def _spend(self) -> None:
        if self.truncated or self.counts.sampled >= self.max_tokens:
            self.truncated = True
            raise Budget
        self.counts.sampled += 1

    # ------------------------------------------------------------------ values
    def value(self, node: dict[str, Any], opened: bool = False) -> None:
        """Write a value of ``node``; ``opened``: its :func:`opener` is already written."""
        if "const" in node:
            self.text(json.dumps(node["const"], ensure_ascii=False))
        elif "enum" in node:
            self.choose([json.dumps(v, ensure_ascii=False) for v in node["enum"]])
        elif "anyOf" in node:
            self.branch(node["anyOf"], opened)
        elif node.get("type") == "object":
            self.obj(node["properties"], opened)
        elif node.get("type") == "array":
            self.array(node)
        elif node.get("type") == "boolean":
            self.choose(["true", "false"])
        else:
            self.string(node, opened)

    def obj(self, props: dict[str, Any], opened: bool = False) -> None:
        for i, (key, sub) in enumerate(props.items()):
            if not (i == 0 and opened):
                self.text(("{" if i == 0 else ", ") + json.dumps(key) + ": ")
            self.value(sub)
        self.text("}")

    def branch(self, branches: list[dict[str, Any]], opened: bool = False) -> None:
        """An ``anyOf`` of objects that share their first key and are told apart by its value:
        the model chooses the value, then the chosen branch's other properties are written."""
        key = next(iter(branches[0]["properties"]))
        heads: dict[str, int] = {}
        for i, b in enumerate(branches):
            sub = b["properties"][key]
            for v in [sub["const"]] if "const" in sub else sub["enum"]:
                heads.setdefault(json.dumps(v, ensure_ascii=False), i)
        if not opened:
            self.text("{" + json.dumps(key) + ": ")
        chosen = branches[heads[self.choose(list(heads))]]
        for name, sub in list(chosen["properties"].items())[1:]:
            self.text(", " + json.dumps(name) + ": ")
            self.value(sub)
        self.text("}")

    def array(self, node: dict[str, Any]) -> None:
        lo = int(node.get("minItems", 0))
        hi = int(node.get("maxItems", 1 << 30))
        items = node["items"]
        start = opener(items)
        self.text("[")
        n = 0
        while n < hi:
            sep = "" if n == 0 else ", "
            mark = len(self.out)
            try:
                if n < lo:
                    self.text(sep)
                    self.value(items)
                elif start is None:  # enum items: stop, or which value, in one choice
                    values = [sep + json.dumps(v, ensure_ascii=False) for v in items["enum"]]
                    if self.choose(["]", *values]) == "]":
                        return
                else:  # stop, or go on: decided on the text every item starts with
                    more = float(node.get(LEAN, self.more))
                    if self.choose(["]", sep + start], lean={1: more}) == "]":
                        return
                    self.value(items, opened=True)
            except Budget:
                if n < lo:
                    raise
                del self.out[mark:]  # drop the unfinished item and close the array
                break
            n += 1
        self.text("]")

    # ------------------------------------------------------------------ choices
    def choose(self, candidates: Sequence[str], lean: dict[int, float] | None = None) -> str:
        """Write the candidate the model prefers.

        The choice is made on text, not on one tokenization of each candidate: any token
        whose text starts some candidate's remaining text is allowed (so the model may write
        ``[{"`` as one token or three), the last token of the pending structure is held back
        so that a token may span it and the candidate, and once one candidate is left its
        remaining text is fed in one batch."""
        cands = list(dict.fromkeys(candidates))
        if len(cands) == 1:
            self.text(cands[0])
            return cands[0]
        held = b""
        if self.pending:
            toks = self.engine.tokenize(self.pending)
            self._forced(toks[:-1])
            held = self.vocab.pieces[toks[-1]]
            self.pending = b""
        rest = {i: held + c.encode("utf-8") for i, c in enumerate(cands)}
        while len(rest) > 1 and all(rest.values()):
            allowed = self._starting(rest.values())
            if len(allowed) == 1:
                tok = allowed.pop()
                self._forced([tok])
            else:
                self._spend()
                logits = self.engine.logits()
                idx = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
                masked = np.full_like(logits, -np.inf)
                masked[idx] = logits[idx]
                for i, bias in (lean or {}).items():
                    if i in rest and bias:
                        favoured = np.fromiter(self._starting([rest[i]]), dtype=np.int64)
                        masked[favoured] += bias
                tok = self.pick(masked)
                self.engine.feed([tok])
            piece = self.vocab.pieces[tok]
            rest = {i: r[len(piece):] for i, r in rest.items() if r.startswith(piece)}
        chosen = min((i for i, r in rest.items() if not r), default=next(iter(rest)))
        # jump forward: the rest of the only candidate left is fed in one batch, with the
        # structure that follows it
        self.pending = rest[chosen]
        self.out.append(cands[chosen])
        if self.on_text:
            self.on_text(cands[chosen])
        return cands[chosen]

    def _starting(self, texts: Iterable[bytes]) -> set[int]:
        """Tokens whose text is a prefix of one of ``texts``."""
        found: set[int] = set()
        for text in texts:
            for n in range(1, min(len(text), self.vocab.longest) + 1):
                tok = self.vocab.by_piece.get(text[:n])
                if tok is not None:
                    found.add(tok)
        return found

    # ------------------------------------------------------------------ strings
    def string(self, node: dict[str, Any], opened: bool = False) -> None:
        """A free string: the model's tokens until one holds a ``"``, within min/maxLength."""
        self.text("" if opened else '"')
        lo = int(node.get("minLength", 0))
        hi = int(node.get("maxLength", 2000))
        buf = b""
        while len(buf.decode("utf-8", "ignore")) < hi:
            self.flush()
            self._spend()
            logits = self.engine.logits()
            if self.adjust is not None:
                self.adjust(logits, self.recent)
            logits[self.vocab.banned] = -np.inf
            if len(buf.decode("utf-8", "ignore").strip()) < lo:
                logits[self.vocab.quote] = -np.inf
            tok = self.pick(logits)
            piece = self.engine.piece(tok)
            if b'"' in piece:
                head = piece[: piece.index(b'"')]
                buf += head
                self.pending += head  # fed with what follows
                break
            self.engine.feed([tok])
            self.recent.append(tok)
            buf += piece
        value = buf.decode("utf-8", "ignore")
        if len(value) > hi:  # cut at maxLength, on a word boundary where there is one
            cut = value[:hi]
            space = cut.rfind(" ")
            value = cut[:space] if space > lo else cut
        self.out.append(value)
        if self.on_text:
            self.on_text(value)
        self.text('"')


def opener(items: dict[str, Any]) -> str | None:
    """The text every item of an array starts with (its first key too, for objects), so that
    "another item or the end" is decided on natural tokens; ``None`` for enum items."""
    if "enum" in items:
        return None
    if items.get("type") == "string":
        return '"'
    first = items["anyOf"][0] if "anyOf" in items else items
    return "{" + json.dumps(next(iter(first["properties"]))) + ": "
