"""retrieve → prompt → constrained generation → validate → verify → re-ask → Brief.

The brief is drafted section by section. Every section shares one prompt prefix (system prompt,
passages, topic) so llama.cpp evaluates the passages once; only the task line differs. Each
section's output is parsed, validated against its Pydantic model, re-asked with the errors (at
most ``max_retries`` times), and its quotes verified against their passages. Items whose evidence
does not verify go to ``Brief.unsupported``; a section that never validates is named in
``Brief.failures`` and the brief is flagged ``partial``. If no section validates at all,
BriefValidationError carries every attempt.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import annotated_types
from pydantic import BaseModel, ValidationError

from . import __version__
from .constrain import Passage, evidence_item_schema, generation_schema
from .errors import BriefValidationError, ModelError
from .llm import ChatModel, Completion, Message
from .prompts import load_prompt, load_yaml
from .retrieve import rrf
from .schemas import (
    Brief,
    Chunk,
    DisagreementsGapsSection,
    Evidence,
    Manifest,
    OptionsSection,
    RedLinesSection,
    RisksIndicatorsSection,
    SummarySection,
    Timings,
    Unsupported,
)
from .verify import Support, normalise, sentences, verify_quote
from .workspace import Workspace

SCHEMA_VERSION = "brief-schema-v1"
SECTION_MODELS: dict[str, type[BaseModel]] = {
    "summary": SummarySection,
    "response_options": OptionsSection,
    "red_lines": RedLinesSection,
    "risks_indicators": RisksIndicatorsSection,
    "disagreements_gaps": DisagreementsGapsSection,
}
SUBQUERIES = ("{topic}", "{topic} response options", "{topic} red lines conditions escalation",
              "{topic} risks consequences", "{topic} indicators signs to watch")

Progress = Callable[[str], None]


class SectionError(ValueError):
    """One attempt at a section did not validate; the message goes back to the model."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    seconds: float = 0.0
    completions: list[Completion] = field(default_factory=list)

    def add(self, c: Completion) -> None:
        self.prompt_tokens += c.prompt_tokens
        self.prompt_tokens_evaluated += c.prompt_tokens_evaluated
        self.completion_tokens += c.completion_tokens
        self.attempts += 1
        self.seconds += c.seconds
        self.completions.append(c)


# --------------------------------------------------------------------------- retrieval


def retrieve_for_topic(topic: str, workspace: Workspace, k: int) -> list[Chunk]:
    """Sub-queries for options, red lines, risks and indicators, fused by reciprocal rank."""
    rankings: list[list[str]] = []
    for template in SUBQUERIES:
        result = workspace.search(template.format(topic=topic), k=k)
        rankings.append([h.chunk_id for h in result.hits])
    ids = [cid for cid, _ in rrf(rankings)][:k]
    return workspace.store.get(ids)


def _grammar_safe(sentence: str) -> str | None:
    """A quote llama.cpp's schema-to-grammar converter can hold as an enum literal.

    ASCII double quotes break its escaping: they become typographic ones, which quote
    verification normalises back, so the quote still matches exactly. Backslashes are rare in
    prose and are left out.
    """
    if "\\" in sentence:
        return None
    return sentence.replace('"', "\u201c")


def make_passages(chunks: Sequence[Chunk]) -> list[Passage]:
    out = []
    for i, c in enumerate(chunks, start=1):
        quotable = (_grammar_safe(s) for s in sentences(c.text, max_chars=320))
        out.append(Passage(f"P{i}", c.id, tuple(dict.fromkeys(q for q in quotable if q))))
    return out


def render_passages(chunks: Sequence[Chunk], passages: Sequence[Passage]) -> str:
    blocks = []
    for chunk, p in zip(chunks, passages, strict=True):
        head = f"[{p.alias}] source: {chunk.source}"
        if chunk.date:
            head += f", dated {chunk.date}"
        if chunk.page:
            head += f", page {chunk.page}"
        blocks.append(head + "\n" + " ".join(chunk.text.split()))
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- parsing


def extract_json(text: str) -> Any:
    """The first JSON object in ``text``: tolerant of code fences and chatter around it."""
    text = text.strip()
    try:  # strict=False: raw newlines inside strings are accepted (some grammars allow them)
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        pass
    start = text.find("{")
    if start >= 0:  # the first top-level object only: never an inner one of a cut-off reply
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
                    try:
                        return json.loads(text[start: i + 1], strict=False)
                    except json.JSONDecodeError:
                        break
    raise SectionError("the reply is not valid JSON (it may have been cut off)")


def _resolve_evidence(node: Any, aliases: dict[str, str]) -> Any:
    """Rewrite every {"passage": "P3", "quote": ...} into {"chunk_id": <id>, "quote": ...}."""
    if isinstance(node, list):
        return [_resolve_evidence(n, aliases) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _resolve_evidence(v, aliases) for k, v in node.items()}
    if "quote" in out and ("passage" in out or "chunk_id" in out):
        ref = str(out.pop("passage", None) or out.get("chunk_id"))
        ref = ref.strip("[] ")
        if ref in aliases:
            out["chunk_id"] = aliases[ref]
        elif ref in aliases.values():
            out["chunk_id"] = ref
        else:
            raise SectionError(f"evidence cites '{ref}', which is not one of the passages "
                               f"({', '.join(aliases)})")
    return out


def _errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:6]:
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


M = TypeVar("M", bound=BaseModel)


def parse_reply(model_cls: type[M], text: str, aliases: dict[str, str]) -> M:
    """Model output → validated ``model_cls``; SectionError carries what to tell the model."""
    data = _resolve_evidence(extract_json(text), aliases)
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise SectionError(_errors(exc)) from None


def parse_section(name: str, text: str, aliases: dict[str, str]) -> BaseModel:
    return parse_reply(SECTION_MODELS[name], text, aliases)


# --------------------------------------------------------------------------- verification


def _verify(evidence: Sequence[Evidence], chunks: dict[str, Chunk]) -> list[Evidence]:
    good: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for ev in evidence:
        chunk = chunks.get(ev.chunk_id)
        if chunk is None:
            continue
        verdict = verify_quote(ev.quote, chunk.text)
        key = (ev.chunk_id, normalise(ev.quote))
        if verdict.match == "unverified" or key in seen:
            continue
        seen.add(key)
        good.append(ev.model_copy(update={"match": verdict.match, "score": verdict.score}))
    return good


def _item_text(item: BaseModel) -> str:
    data = item.model_dump(exclude={"evidence"})
    return " — ".join(str(v) for v in data.values() if v)


def _max_items(field: str) -> int:
    """How many items the Brief holds in ``field``."""
    for meta in Brief.model_fields[field].metadata:
        if isinstance(meta, annotated_types.MaxLen):
            return int(meta.max_length)
    raise ValueError(field)


def _max_evidence(item: BaseModel) -> int:
    for meta in type(item).model_fields["evidence"].metadata:
        if isinstance(meta, annotated_types.MaxLen):
            return int(meta.max_length)
    return 3


def _head(item: BaseModel) -> str:
    """An item's headline (label, trigger, claim or description), normalised."""
    return normalise(str(next(iter(item.model_dump(exclude={"evidence"}).values()), ""))).lower()


@dataclass(frozen=True)
class Grounding:
    """The quotable sentences the model was shown, to check what a quote says about a claim."""

    units: dict[str, tuple[str, ...]]  # chunk id → its quotable sentences
    support: Support

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> Grounding:
        return cls({p.chunk_id: p.sentences for p in passages},
                   Support([s for p in passages for s in p.sentences]))


# A claim whose quotes state less than this share of it (IDF-weighted terms) is not shown as a
# finding; under ANCHOR its passage's best sentence is added when that one states it (>= REANCHOR).
MIN_SUPPORT = 0.3
ANCHOR = 0.5
REANCHOR = 0.6


def _anchor(item: Any, evidence: list[Evidence], claims: Sequence[str],
            chunks: dict[str, Chunk], grounding: Grounding, fallbacks: dict[str, str],
            ) -> tuple[Any, list[Evidence], str | None]:
    """The item and its evidence, re-pointed at the sentences that state its claims; and the
    claim field that still fails, if one does.

    Small models often write a claim from one sentence and cite its neighbour (per-passage
    drafting shows them the passage, and the grammar lets them pick any of its sentences). A
    claim field its quotes do not state (``Support`` below ANCHOR) gets the sentence of the
    same passages that does (at least REANCHOR), and the model's quotes that state none of the
    claims are dropped. A claim still under MIN_SUPPORT fails the item. Before any of that, a
    field its quotes do not state gives way to the head of its ``fallbacks`` field when the
    quotes state that one (a label "Step 3" over a description the quote states).
    """
    support = grounding.support
    texts = {f: str(getattr(item, f)) for f in claims}
    cap = _max_evidence(item)
    quotes = [e.quote for e in evidence]
    for f, stand_in in fallbacks.items():
        # "Step 3" over a description its quote states: the quote is right, the label is not;
        # the description's head names the item (re-pointing would move it off its quote)
        if (f in texts and support(texts[f], quotes) < MIN_SUPPORT
                and support(str(getattr(item, stand_in)), quotes) >= ANCHOR):
            texts[f] = _headline(str(getattr(item, stand_in)))
            item = item.model_copy(update={f: texts[f]})
    anchored = False
    for claim in texts.values():
        if support(claim, [e.quote for e in evidence]) >= ANCHOR:
            continue
        cited = dict.fromkeys(e.chunk_id for e in evidence)
        best = max(((support(claim, [u]), cid, u) for cid in cited
                    for u in grounding.units.get(cid, ())), default=None)
        if best is None or best[0] < REANCHOR:
            continue
        new = _verify([Evidence(chunk_id=best[1], quote=best[2])], chunks)
        if new and all(normalise(e.quote) != normalise(best[2]) for e in evidence):
            evidence = [*evidence, *new]
            anchored = True
    if anchored:  # the model's own quotes that state none of the claims go
        relevant = [e for e in evidence
                    if any(support(c, [e.quote]) >= MIN_SUPPORT for c in texts.values())]
        evidence = relevant or evidence
    evidence = evidence[-cap:] if len(evidence) > cap else evidence
    for f, claim in texts.items():
        if support(claim, [e.quote for e in evidence]) < MIN_SUPPORT:
            return item, evidence, f
    return item, evidence, None


def _headline(text: str, limit: int = 80) -> str:
    """The first clause of ``text`` (or its first words), short enough for a label."""
    text = " ".join(text.split()).rstrip(".")
    for sep in (", ", "; ", " — ", " - ", ": "):
        head = text.split(sep, 1)[0]
        if len(head.split()) >= 3 and len(head) <= limit:
            return head
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1].rstrip(",;:") + "…"


def _keep_verified(section: str, items: Sequence[Any], chunks: dict[str, Chunk],
                   unsupported: list[Unsupported], min_evidence: int = 1,
                   seen: set[str] | None = None, claims: Sequence[str] = (),
                   grounding: Grounding | None = None, fallbacks: dict[str, str] | None = None,
                   same: Sequence[str] = ()) -> list[Any]:
    """Items whose evidence verifies, without repeats.

    Small models repeat themselves. An item whose whole text (or the ``same`` fields: an
    option's label and condition) was already kept in this section adds its quotes to that
    item (a lazy model describes two sentences the same way: both back the claim); one whose
    text or headline-on-the-same-quote was kept — here or, through
    ``seen``, in a sibling section — is dropped, as is one whose every quote already backs an
    earlier item of the section.
    """
    kept: list[Any] = []
    by_text: dict[str, int] = {}
    seen = set() if seen is None else seen
    used_quotes: set[tuple[str, str]] = set()
    for item in items:
        verified = _verify(item.evidence, chunks)
        if claims and grounding is not None and verified:
            item, verified, weak = _anchor(item, verified, claims, chunks, grounding,
                                           fallbacks or {})
            if weak:
                unsupported.append(Unsupported(
                    section=section, text=_item_text(item)[:400],
                    reason=f"its quotes do not state its {weak}"))
                continue
        text = _item_text(item)
        text_key = normalise(" — ".join(str(getattr(item, f)) for f in same) if same
                             else text).lower()
        head = _head(item)
        quotes = {(e.chunk_id, normalise(e.quote)) for e in verified}
        if text_key in by_text:
            i = by_text[text_key]
            extra = [e for e in verified if (e.chunk_id, normalise(e.quote)) not in used_quotes]
            room = _max_evidence(kept[i]) - len(kept[i].evidence)
            if extra and room > 0:
                kept[i] = kept[i].model_copy(update={"evidence": [*kept[i].evidence,
                                                                  *extra[:room]]})
                used_quotes.update((e.chunk_id, normalise(e.quote)) for e in extra[:room])
            continue
        # a headline repeats only with the same quote: small models reuse generic labels
        # ("response") for different steps
        keys = {text_key, *(f"{head}|{cid}|{q}" for cid, q in quotes)}
        if keys & seen:
            continue
        if len(verified) < min_evidence:
            unsupported.append(Unsupported(section=section, text=text[:400],
                                           reason="no quote verified against its passage"))
            continue
        if quotes <= used_quotes:
            continue
        seen.update(keys)
        used_quotes.update(quotes)
        by_text[text_key] = len(kept)
        kept.append(item.model_copy(update={"evidence": verified}))
    return kept


# --------------------------------------------------------------------------- drafting


def _draft_section(name: str, model: ChatModel, base: list[Message], schema: dict[str, Any],
                   max_tokens: int, aliases: dict[str, str], max_retries: int,
                   usage: Usage, retry_cutoff: bool = True,
                   ) -> tuple[BaseModel | None, list[tuple[str, str]]]:
    repair = load_prompt("repair.md")
    messages = list(base)
    attempts: list[tuple[str, str]] = []
    for _ in range(max_retries + 1):
        completion = model.complete(messages, schema=schema, max_tokens=max_tokens,
                                    extractive=True)
        usage.add(completion)
        try:
            return parse_section(name, completion.text, aliases), attempts
        except SectionError as exc:
            problem = str(exc)
            if completion.finish_reason == "length":
                problem = (f"the reply was cut off after {max_tokens} tokens; write fewer and "
                           "shorter items")
            attempts.append((completion.text, problem))
            if completion.finish_reason == "length" and not retry_cutoff:
                break
            _, again = repair.render(errors=problem)
            messages = [*base, {"role": "assistant", "content": completion.text},
                        {"role": "user", "content": again}]
    return None, attempts


def draft_brief(
    topic: str,
    *,
    workspace: Workspace,
    model: ChatModel,
    k: int | None = None,
    max_retries: int | None = None,
    progress: Progress | None = None,
) -> Brief:
    """Draft a validated, citation-verified Brief on ``topic`` from the workspace's store."""
    started = time.perf_counter()
    settings = workspace.settings
    k = k or settings.brief.k
    max_retries = settings.model.max_retries if max_retries is None else max_retries
    topic = " ".join(topic.split())
    if not topic:
        from .errors import ConfigError

        raise ConfigError("the topic is empty")
    if progress:
        progress("retrieving passages")
    chunks = retrieve_for_topic(topic, workspace, k)
    retrieval_s = time.perf_counter() - started
    passages = make_passages(chunks)
    by_id = {c.id: c for c in chunks}
    aliases = {p.alias: p.chunk_id for p in passages}
    prompt = load_prompt("brief.md")
    plan = load_yaml("brief_sections.yaml")
    usage = Usage()
    unsupported: list[Unsupported] = []
    failures: list[str] = []
    sections: dict[str, BaseModel] = {}
    all_attempts: list[tuple[str, str]] = []

    if any(p.sentences for p in passages):
        evidence_item = evidence_item_schema(passages)
        rendered = render_passages(chunks, passages)
        for name, spec in plan["sections"].items():
            if progress:
                progress(f"drafting {name.replace('_', ' ')}")
            if spec.get("per_passage"):
                merged = _draft_per_passage(name, spec, model, prompt, topic, rendered, passages,
                                            aliases, max_retries, usage, all_attempts, failures)
                if merged is not None:
                    sections[name] = merged
                continue
            system, user = prompt.render(topic=topic, passages=rendered, task=spec["task"])
            base: list[Message] = [{"role": "system", "content": system},
                                   {"role": "user", "content": user}]
            schema = generation_schema(SECTION_MODELS[name], evidence_item)
            result, attempts = _draft_section(name, model, base, schema,
                                              int(spec["max_tokens"]), aliases, max_retries,
                                              usage)
            all_attempts.extend(attempts)
            if result is None:
                failures.append(f"{name}: {attempts[-1][1]}" if attempts else name)
            else:
                sections[name] = result
        if not sections:
            raise BriefValidationError(
                f"no section of the brief validated after {usage.attempts} attempts; "
                f"last error: {all_attempts[-1][1] if all_attempts else 'none'}",
                all_attempts,
            )
    else:
        failures.append("retrieval: no passages with quotable text were found for the topic")

    brief = _assemble(topic, sections, by_id, unsupported, failures, Grounding.of(passages))
    info = model.describe()
    total = time.perf_counter() - started
    manifest = Manifest(
        briefer_version=__version__,
        model_file=info["file"],
        model_sha256=info["sha256"],
        prompt_version=f"{prompt.version}+{plan['version']}",
        schema_version=SCHEMA_VERSION,
        retrieved_chunk_ids=[c.id for c in chunks],
        store_fingerprint=workspace.fingerprint(),
        k=k,
        temperature=settings.model.temperature,
        seed=settings.model.seed,
        prompt_tokens=usage.prompt_tokens,
        prompt_tokens_evaluated=usage.prompt_tokens_evaluated,
        completion_tokens=usage.completion_tokens,
        attempts=usage.attempts,
        timings=Timings(retrieval_s=round(retrieval_s, 3), generation_s=round(usage.seconds, 3),
                        total_s=round(total, 3)),
    )
    try:
        return Brief(manifest=manifest, **brief)
    except ValidationError as exc:  # pragma: no cover - sections are validated one by one
        raise BriefValidationError(f"the assembled brief is invalid: {_errors(exc)}",
                                   all_attempts) from None


def _draft_per_passage(name: str, spec: dict[str, Any], model: ChatModel, prompt: Any,
                       topic: str, rendered: str, passages: Sequence[Passage],
                       aliases: dict[str, str], max_retries: int, usage: Usage,
                       all_attempts: list[tuple[str, str]],
                       failures: list[str]) -> BaseModel | None:
    """Map step: calls per passage, evidence restricted to that passage; items merged.

    Small models extract far more completely from one passage at a time than from all of them
    at once, and they stop after two or three items even when a dense passage holds five. So
    each passage is asked again, with the quotes already used taken out of the grammar, until
    the model quotes nothing new, no unused sentence is left, or ``spec["passes"]`` calls were
    made. The repeat is the same task in a fresh conversation, not a follow-up turn ("any
    more?"): with its own earlier reply in view, a small model copied that reply's label,
    condition and description onto the new quote (measured with Qwen2.5-1.5B). Every call
    shares the prompt prefix (passages + topic + task), so each costs little more than its
    output.
    """
    model_cls = SECTION_MODELS[name]
    field = next(iter(model_cls.model_fields))
    merged: list[Any] = []
    succeeded = False
    passes = max(1, int(spec.get("passes", 1)))
    for p in passages:
        if not p.sentences:
            continue
        task = str(spec["task"]).replace("{passage}", f"[{p.alias}]")
        system, user = prompt.render(topic=topic, passages=rendered, task=task)
        base: list[Message] = [{"role": "system", "content": system},
                               {"role": "user", "content": user}]
        remaining = p.sentences
        for turn in range(passes):
            schema = generation_schema(model_cls, evidence_item_schema(
                [Passage(p.alias, p.chunk_id, remaining)]))
            schema["properties"][field]["maxItems"] = min(int(spec.get("max_items", 3)),
                                                          len(remaining))
            # A repeat is not re-asked (when it fails, the passage is done), nor is a reply
            # cut off at max_tokens: on one passage that means a model looping, and re-asking
            # it cost half of a small model's brief time for nothing.
            result, attempts = _draft_section(name, model, base, schema,
                                              int(spec["max_tokens"]), aliases,
                                              max_retries if turn == 0 else 0, usage,
                                              retry_cutoff=False)
            all_attempts.extend(attempts)
            if result is None:
                if turn == 0:
                    failures.append(f"{name} ({p.alias}): {attempts[-1][1]}" if attempts
                                    else name)
                break
            succeeded = True
            items = getattr(result, field)
            merged.extend(items)
            used = {normalise(e.quote) for item in items for e in item.evidence}
            left = tuple(s for s in remaining if normalise(s) not in used)
            if len(left) == len(remaining) or not left:
                # nothing new was quoted, or nothing is left to quote. A turn that reuses a
                # label on a new quote goes on: small models name two steps alike, and their
                # padding is caught by the support check
                break
            remaining = left
    if not succeeded:
        return None
    return model_cls.model_construct(None, **{field: merged})


NO_BOTTOM_LINE = "No bottom line could be grounded in the retrieved passages."
_WORDS = re.compile(r"[^\W\d_]{2,}")


def _once(text: str) -> str:
    """``text`` with repeated sentences left out (small models loop on their last sentence)."""
    seen: set[str] = set()
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        key = normalise(sentence).lower().rstrip(".!?")
        if key and key not in seen:
            seen.add(key)
            kept.append(sentence)
    return " ".join(kept)


def _is_prose(text: str) -> bool:
    """Three words or more: not a number, a date or a bracket a looping model wrote."""
    return len(_WORDS.findall(text)) >= 3
_LADDER = {"military-defensive": 1, "military-offensive": 2}


def _assemble(topic: str, sections: dict[str, Any], chunks: dict[str, Chunk],
              unsupported: list[Unsupported], failures: list[str],
              grounding: Grounding | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"topic": topic, "bottom_line": NO_BOTTOM_LINE, "unsupported":
                           unsupported, "failures": failures, "partial": bool(failures)}
    summary = sections.get("summary")
    if summary is not None:
        verified = _verify(summary.evidence, chunks)
        if verified:
            out.update(bottom_line=_once(summary.bottom_line),
                       situation=_once(summary.situation),
                       bottom_line_evidence=verified)
        else:
            unsupported.append(Unsupported(section="bottom_line", text=summary.bottom_line,
                                           reason="no quote verified against its passage"))
    if "response_options" in sections:
        options = _keep_verified("response_options",
                                 sections["response_options"].response_options, chunks,
                                 unsupported, claims=("label", "description"),
                                 grounding=grounding,
                                 fallbacks={"label": "description"},
                                 same=("label", "condition"))
        # phased, mildest first: non-military steps, then defensive, then offensive arms
        # (stable: within a tier, the order of the passages' retrieval rank is kept)
        out["response_options"] = sorted(options[:_max_items("response_options")],
                                         key=lambda o: _LADDER.get(o.category, 0))
    if "red_lines" in sections:
        # drafted per passage, so more can come back than a brief holds: keep the first,
        # in the passages' retrieval order
        out["red_lines"] = _keep_verified("red_lines", sections["red_lines"].red_lines, chunks,
                                          unsupported, claims=("trigger", "consequence"),
                                          grounding=grounding)[:_max_items("red_lines")]
    if "risks_indicators" in sections:
        s = sections["risks_indicators"]
        shared: set[str] = set()  # an indicator that repeats a risk is not an indicator
        out["risks"] = _keep_verified("risks", s.risks, chunks, unsupported, seen=shared,
                                      claims=("description",), grounding=grounding)
        out["indicators"] = _keep_verified("indicators", s.indicators, chunks, unsupported,
                                           seen=shared, claims=("description",),
                                           grounding=grounding)
    if "disagreements_gaps" in sections:
        s = sections["disagreements_gaps"]
        disagreements = _keep_verified("disagreements", s.disagreements, chunks, unsupported,
                                       min_evidence=2)
        # a disagreement between sources needs two documents, not one quoted twice
        out["disagreements"] = [d for d in disagreements
                                if len({chunks[e.chunk_id].source for e in d.evidence}) >= 2]
        out["gaps"] = list(dict.fromkeys(g.strip() for g in s.gaps if _is_prose(g)))
    return out


__all__ = ["draft_brief", "retrieve_for_topic", "parse_section", "extract_json", "ModelError"]
