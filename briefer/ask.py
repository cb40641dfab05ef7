"""Grounded question answering: retrieve → constrained answer with quotes → verify → cite.

The model writes ``{"insufficient_evidence", "citations": [{"passage", "quote"}], "answer"}``
under a grammar (quotes are sentences of the passage they name); the answer text streams as it
is generated. Citations are verified again; ``[n]`` markers without a verified quote are removed.
The answer is declined — without calling the model — when retrieval is too weak, and afterwards
when the model abstains, cannot cite, never produces a valid reply, or when a short second call
(``prompts/check.md``) finds that the verified quotes do not state what the question asks for.
Every decline says why (``Answer.reason``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .constrain import evidence_item_schema, generation_schema
from .draft import SectionError, Usage, make_passages, parse_reply
from .errors import ConfigError
from .llm import ChatModel, Message
from .prompts import load_prompt
from .retrieve import rrf
from .schemas import Answer, AnswerDraft, Chunk, Citation, Manifest, Timings
from .verify import locate, verify_quote
from .workspace import Workspace

# Retrieval too weak to try: the best passage's all-MiniLM-L6-v2 cosine is below MIN_SIMILARITY,
# or below WEAK_SIMILARITY while no query word occurs in the corpus (BM25 finds nothing).
# Near-miss questions (on topic, not answered) pass this gate; the model and the citation check
# decide those.
MIN_SIMILARITY = 0.10
WEAK_SIMILARITY = 0.25
DECLINE = "The documents do not answer this question."
NO_ANSWER = "No grounded answer could be produced."
NEVER_VALIDATED = "the model's reply never validated"
CHECK_SCHEMA: dict[str, object] = {
    "type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}},
    "required": ["verdict"], "additionalProperties": False}
OnText = Callable[[str], None]


@dataclass
class Turn:
    question: str
    standalone: str
    answer: str


@dataclass
class Conversation:
    """What a REPL session remembers: the turns, for follow-ups."""

    turns: list[Turn] = field(default_factory=list)

    def render(self, last: int = 2) -> str:
        if not self.turns:
            return ""
        lines = ["CONVERSATION SO FAR"]
        for t in self.turns[-last:]:
            lines += [f"Q: {t.question}", f"A: {t.answer}"]
        return "\n".join(lines) + "\n\n"


_FOLLOW_UP = re.compile(
    r"^(and|but|also|so|then|what about|how about|why|why not|how so)\b|"
    r"\b(it|its|they|them|their|theirs|that|those|these|this|he|she|his|her|there|such)\b",
    re.I)


def is_follow_up(question: str) -> bool:
    """Short questions, or ones that lean on an earlier turn ("and what about them?")."""
    return len(question.split()) <= 4 or bool(_FOLLOW_UP.search(question))


def standalone_question(question: str, conversation: Conversation | None) -> str:
    """A follow-up ("and what about sanctions?") read in the light of the last question;
    a self-contained question stays as it is."""
    if not conversation or not conversation.turns or not is_follow_up(question):
        return question
    previous = conversation.turns[-1].standalone
    return f"{previous} {question}"


class AnswerStreamer:
    """Feeds the text of the JSON ``"answer"`` string to ``emit`` while it is generated."""

    _START = re.compile(r'"answer"\s*:\s*"')

    def __init__(self, emit: OnText) -> None:
        self.emit = emit
        self.buffer = ""
        self.started = False
        self.done = False
        self.escape = False

    def __call__(self, piece: str) -> None:
        if self.done:
            return
        if not self.started:
            self.buffer += piece
            m = self._START.search(self.buffer)
            if not m:
                return
            self.started = True
            piece, self.buffer = self.buffer[m.end():], ""
        out = []
        for ch in piece:
            if self.escape:
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/"}.get(ch, ""))
                self.escape = False
            elif ch == "\\":
                self.escape = True
            elif ch == '"':
                self.done = True
                break
            else:
                out.append(ch)
        if out:
            self.emit("".join(out))


def retrieve_for_question(question: str, standalone: str, workspace: Workspace,
                          k: int) -> tuple[list[Chunk], float]:
    """Passages for the question (and its standalone form), with the best cosine similarity."""
    queries = [question] if standalone == question else [standalone, question]
    rankings: list[list[str]] = []
    best = 0.0
    for q in queries:
        result = workspace.search(q, k=k)
        rankings.append([h.chunk_id for h in result.hits])
        best = max([best] + [h.similarity or 0.0 for h in result.hits])
    ids = [cid for cid, _ in rrf(rankings)][:k]
    return workspace.store.get(ids), best


def answer_question(
    question: str,
    *,
    workspace: Workspace,
    model: ChatModel,
    k: int | None = None,
    conversation: Conversation | None = None,
    on_text: OnText | None = None,
    max_retries: int | None = None,
) -> Answer:
    started = time.perf_counter()
    settings = workspace.settings
    k = k or settings.retrieval.k
    max_retries = settings.model.max_retries if max_retries is None else max_retries
    question = " ".join(question.split())
    if not question:
        raise ConfigError("the question is empty")
    standalone = standalone_question(question, conversation)
    chunks, similarity = retrieve_for_question(question, standalone, workspace, k)
    retrieval_s = time.perf_counter() - started
    passages = make_passages(chunks)
    prompt = load_prompt("ask.md")
    usage = Usage()
    info = model.describe()

    versions = [prompt.version]

    def finish(answer: str, insufficient: bool, citations: list[Citation],
               reason: str = "", validated: bool = True) -> Answer:
        total = time.perf_counter() - started
        manifest = Manifest(
            briefer_version=__version__, model_file=info["file"], model_sha256=info["sha256"],
            prompt_version="+".join(versions), schema_version="answer-schema-v1",
            retrieved_chunk_ids=[c.id for c in chunks], store_fingerprint=workspace.fingerprint(),
            k=k, temperature=settings.model.temperature, seed=settings.model.seed,
            prompt_tokens=usage.prompt_tokens,
            prompt_tokens_evaluated=usage.prompt_tokens_evaluated,
            completion_tokens=usage.completion_tokens, attempts=usage.attempts,
            timings=Timings(retrieval_s=round(retrieval_s, 3),
                            generation_s=round(usage.seconds, 3), total_s=round(total, 3)),
        )
        return Answer(question=question, answer=answer, insufficient_evidence=insufficient,
                      citations=citations, standalone_question=standalone, reason=reason,
                      validated=validated, manifest=manifest)

    weak = similarity < MIN_SIMILARITY or (
        similarity < WEAK_SIMILARITY and not workspace.lexical().search(standalone, 1))
    if not chunks or weak or not any(p.sentences for p in passages):
        if on_text:
            on_text(DECLINE)
        return finish(DECLINE, True, [], "retrieval found no passage close to the question")

    numbered = {p.alias: str(i) for i, p in enumerate(passages, start=1)}
    aliases = {str(i): p.chunk_id for i, p in enumerate(passages, start=1)}
    shown = [p.__class__(numbered[p.alias], p.chunk_id, p.sentences) for p in passages]
    rendered = "\n\n".join(
        f"[{i}] source: {c.source}" + (f", dated {c.date}" if c.date else "") + "\n"
        + " ".join(c.text.split()) for i, c in enumerate(chunks, start=1))
    context = conversation.render() if conversation and standalone != question else ""
    system, user = prompt.render(passages=rendered, question=question, conversation=context)
    base: list[Message] = [{"role": "system", "content": system},
                           {"role": "user", "content": user}]
    schema = generation_schema(AnswerDraft, evidence_item_schema(shown), max_evidence=3)
    messages = list(base)
    draft: AnswerDraft | None = None
    attempts: list[tuple[str, str]] = []
    for _ in range(max_retries + 1):
        streamer = AnswerStreamer(on_text) if on_text else None
        completion = model.complete(messages, schema=schema, max_tokens=800, on_token=streamer)
        usage.add(completion)
        try:
            draft = parse_reply(AnswerDraft, completion.text, aliases)
            break
        except SectionError as exc:
            attempts.append((completion.text, str(exc)))
        _, again = load_prompt("repair.md").render(errors=attempts[-1][1])
        messages = [*base, {"role": "assistant", "content": completion.text},
                    {"role": "user", "content": again}]
        if on_text:
            on_text("\n[retrying: the reply did not validate]\n")
    if on_text:  # the draft streamed so far is followed by the verdict when declined
        streamed_finish = finish

        def finish(answer: str, insufficient: bool, citations: list[Citation],
                   reason: str = "", validated: bool = True) -> Answer:
            if insufficient:
                on_text("\n" + answer)
            return streamed_finish(answer, insufficient, citations, reason, validated)

    if draft is None:
        return finish(NO_ANSWER, True, [], f"{NEVER_VALIDATED} ({len(attempts)} attempts; "
                      f"last: {attempts[-1][1]})", validated=False)

    citations = _citations(draft, chunks)
    text = _clean_markers(draft.answer, {c.n for c in citations})
    if draft.insufficient_evidence:
        return finish(DECLINE, True, [], "the model found no answer in the passages")
    if not citations or not text:
        return finish(DECLINE, True, [], "no quote the answer cited verified against its passage")
    if settings.ask.self_check:
        check = load_prompt("check.md")
        versions.append(check.version)
        if not _check(question, text, citations, model, check, usage):
            return finish(DECLINE, True, [], "withheld: a check found that the quoted passages "
                          "do not state what the question asks")
    return finish(text, False, citations)


def _check(question: str, answer: str, citations: Sequence[Citation], model: ChatModel,
           prompt: Any, usage: Usage) -> bool:
    """A second, short call: do the verified quotes state what the question asks?

    Writing an answer and judging one are different tasks: a small model that has just answered
    from the wrong passage (a count of festival stewards for "how many staff does the mission
    have?") often says "no" when shown the question beside the bare quotes. An unreadable
    verdict (a server without grammar support) does not decide.
    """
    quotes = "\n".join(f"- {c.quote}" for c in citations)
    system, user = prompt.render(question=question, quotes=quotes,
                                 answer=_MARKER.sub("", answer).strip())
    completion = model.complete([{"role": "system", "content": system},
                                 {"role": "user", "content": user}],
                                schema=CHECK_SCHEMA, max_tokens=16)
    usage.add(completion)
    try:
        verdict = json.loads(completion.text)["verdict"]
    except (ValueError, KeyError, TypeError):
        return True
    return bool(verdict != "no")


def _citations(draft: AnswerDraft, chunks: Sequence[Chunk]) -> list[Citation]:
    by_id = {c.id: (n, c) for n, c in enumerate(chunks, start=1)}
    out: list[Citation] = []
    seen: set[tuple[str, str]] = set()
    for ev in draft.citations:
        if ev.chunk_id not in by_id or (ev.chunk_id, ev.quote) in seen:
            continue
        n, chunk = by_id[ev.chunk_id]
        verdict = verify_quote(ev.quote, chunk.text)
        if verdict.match == "unverified":
            continue
        seen.add((ev.chunk_id, ev.quote))
        span = locate(ev.quote, chunk.text)
        start, end = ((chunk.start + span[0], chunk.start + span[1]) if span
                      else (chunk.start, chunk.end))
        out.append(Citation(n=n, chunk_id=chunk.id, source=chunk.source, quote=ev.quote,
                            start=start, end=end, page=chunk.page,
                            match="exact" if verdict.match == "exact" else "fuzzy"))
    return out


_MARKER = re.compile(r"\s*\[(\d+)\]")


def _clean_markers(answer: str, verified: set[int]) -> str:
    """Keep [n] markers backed by a verified citation; drop the others. Add one if none."""
    text = _MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in verified else "", answer)
    text = " ".join(text.split())
    if verified and not _MARKER.search(text) and text:
        text += " " + "".join(f"[{n}]" for n in sorted(verified))
    return text
