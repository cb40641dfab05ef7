"""The plan of a brief: which sections, in which order, with which rules.

1. **Retrieve** passages for the topic and its sub-queries (options, red lines, risks,
   indicators), fused by reciprocal rank; they travel with the :class:`~briefer.run.Run`.
2. **Options and red lines**, one call per passage (small models extract far more completely
   from one passage than from all at once): each item cites one sentence of that passage by id
   (``P3.2``); the quote is attached from the id, never generated, so it cannot be invented.
3. **Risks and indicators**, one call over all passages, also citing sentence ids.
4. **Summary** (bottom line, situation) and **disagreements / gaps** cite sentence ids.
5. **Grounding** (:mod:`briefer.grounding`) verifies every quote, checks that each item's claims
   are stated by its quotes, merges repeats and sets the rest apart with the reason.

Every call shares one prompt prefix (system prompt, sentences, topic), so llama.cpp evaluates
the passages once; only the task differs. What each section's items look like, and how they are
grounded, is data (:data:`ITEM_SECTIONS`, ``prompts/brief_sections.yaml``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel, ValidationError

from .constrain import generation_schema
from .errors import BriefValidationError, ConfigError
from .generate import Citations, ReplyError, extract_json, generate, parse_reply
from .generate import validation_problem as _problem
from .grounding import Grounder, Rule, passages_with_text
from .llm import ChatModel, Message
from .passages import Passage, render_sentences
from .prompts import load_prompt, load_yaml
from .retrieve import fuse
from .run import Progress, Run
from .schemas import (
    Brief,
    Chunk,
    DisagreementsGapsSection,
    Evidence,
    FindingDraft,
    OptionDraft,
    RedLineDraft,
    ResponseOption,
    SummarySection,
)
from .schemas import Finding as FindingItem
from .schemas import RedLine as RedLineItem
from .verify import normalise
from .workspace import Workspace

SCHEMA_VERSION = "brief-schema-v2"
SUBQUERIES = ("{topic}", "{topic} response options", "{topic} red lines conditions escalation",
              "{topic} risks consequences", "{topic} indicators signs to watch")
NO_BOTTOM_LINE = "No bottom line could be grounded in the retrieved passages."
# phased, mildest first: non-military steps, then defensive, then offensive arms
LADDER = {"military-defensive": 1, "military-offensive": 2}


@dataclass(frozen=True)
class ItemSection:
    """A section written one item per sentence: its role, what the model writes, the item it
    becomes, and how that item is grounded."""

    name: str  # the Brief field and the key in brief_sections.yaml
    per_passage: bool  # drafted one passage at a time (else over all passages at once)
    draft: type[BaseModel]
    item: type[BaseModel]
    rule: Rule
    noun: str  # for progress lines


ITEM_SECTIONS = (
    ItemSection("response_options", True, OptionDraft, ResponseOption,
                Rule("response_options", claims=("label",), same=("label", "condition")),
                "option"),
    ItemSection("red_lines", True, RedLineDraft, RedLineItem,
                Rule("red_lines", claims=("trigger", "consequence")), "red line"),
    ItemSection("risks", False, FindingDraft, FindingItem,
                Rule("risks", claims=("description",)), "risk"),
    ItemSection("indicators", False, FindingDraft, FindingItem,
                Rule("indicators", claims=("description",)), "indicator"),
)
DISAGREEMENTS = Rule("disagreements", min_evidence=2, min_sources=2)


@dataclass
class Drafted:
    """A brief and the run that produced it (its chunks, for the memo)."""

    brief: Brief
    run: Run


def retrieve_for_topic(topic: str, workspace: Workspace, k: int) -> list[Chunk]:
    """Sub-queries for options, red lines, risks and indicators, fused by reciprocal rank."""
    results = [workspace.search(q.format(topic=topic), k=k) for q in SUBQUERIES]
    return fuse(results, k, workspace.settings.retrieval.rrf_k)


def draft_brief(topic: str, *, workspace: Workspace, model: ChatModel, k: int | None = None,
                max_retries: int | None = None, progress: Progress | None = None) -> Brief:
    """Draft a validated, citation-verified Brief on ``topic`` from the workspace's store."""
    return draft(topic, workspace=workspace, model=model, k=k, max_retries=max_retries,
                 progress=progress).brief


def draft(topic: str, *, workspace: Workspace, model: ChatModel, k: int | None = None,
          max_retries: int | None = None, progress: Progress | None = None) -> Drafted:
    """:func:`draft_brief`, with the run (retrieved chunks, usage, attempts) beside it."""
    started = time.perf_counter()
    settings = workspace.settings
    topic = " ".join(topic.split())
    if not topic:
        raise ConfigError("the topic is empty")
    k = k or settings.brief.k
    say = progress or (lambda _line: None)
    say("retrieving passages")
    run = Run.begin(topic, retrieve_for_topic(topic, workspace, k), k=k,
                    schema_version=SCHEMA_VERSION, started=started,
                    store_fingerprint=workspace.fingerprint())
    retries = settings.model.max_retries if max_retries is None else max_retries
    drafter = Drafter(run, model, retries, say)
    if passages_with_text(run.passages):
        drafter.draft_all()
    else:
        run.failures.append("retrieval: no passages with quotable text were found for the topic")
    fields = drafter.assemble()
    try:
        brief = Brief(manifest=run.manifest(model, settings), **fields)
    except ValidationError as exc:  # pragma: no cover - every part is validated on its own
        raise BriefValidationError(f"the assembled brief is invalid: {_problem(exc)}",
                                   _attempts(run)) from None
    return Drafted(brief, run)


def _attempts(run: Run) -> list[tuple[str, str]]:
    return [(a.text, a.problem) for a in run.attempts]


class Drafter:
    """Drafts the sections of one brief over the run's passages."""

    def __init__(self, run: Run, model: ChatModel, retries: int, say: Progress) -> None:
        self.run, self.model, self.retries, self.say = run, model, retries, say
        self.prompt = load_prompt("brief.md")
        self.plan = load_yaml("brief_sections.yaml")
        run.uses(self.prompt.version)
        run.uses(str(self.plan["version"]))
        self.rendered = render_sentences(run.passages)
        self.citations = Citations(run.passages)
        self.ids = {(u.chunk_id, normalise(u.text)): u.id for p in run.passages for u in p.units}
        self.summary: SummarySection | None = None
        self.items: dict[str, list[Any]] = {}
        self.disagreements: DisagreementsGapsSection | None = None

    def messages(self, task: str) -> list[Message]:
        system, user = self.prompt.render(topic=self.run.request, passages=self.rendered,
                                          task=" ".join(task.split()))
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def draft_all(self) -> None:
        for passage in self.run.passages:
            if passage.units:
                self.say(f"drafting options and red lines from {passage.alias} "
                         f"of {len(self.run.passages)}")
                self.passage_items(passage)
        self.say("drafting risks and indicators")
        self.pooled_items()
        self.say("drafting the bottom line")
        self.summary = self.free("summary", SummarySection)
        self.say("looking for disagreements and gaps")
        self.disagreements = self.free("disagreements_gaps", DisagreementsGapsSection)
        if self.summary is None and self.disagreements is None and not any(self.items.values()):
            if self.run.failures:
                raise BriefValidationError(
                    f"no section of the brief validated after {self.run.usage.calls} calls; "
                    f"last error: {self.run.failures[-1]}", _attempts(self.run))

    # ------------------------------------------------------------------ items
    def passage_items(self, passage: Passage) -> None:
        """Options and red lines from one passage, each citing one of its sentences by id.

        Small models extract far more completely from one passage at a time than from all of
        them at once (they stop after two or three items); one call per passage, no repeats."""
        sections = [s for s in ITEM_SECTIONS if s.per_passage]
        ids = [u.id for u in passage.units]
        schema = {"type": "object", "properties": {
            s.name: {"type": "array", "items": _cited(s.draft, ids),
                     "maxItems": min(len(ids), int(self.plan["items"][s.name]["max_items"]))}
            for s in sections}, "required": [s.name for s in sections],
            "additionalProperties": False}
        task = str(self.plan["passage"]["task"]).replace("{passage}", passage.alias)
        got = generate(self.model, self.run, self.messages(task),
                       parse=lambda text: self._parse_items(sections, text), schema=schema,
                       retries=self.retries, extractive=True, retry_cutoff=False,
                       max_tokens=int(self.plan["passage"]["max_tokens"]))
        if got is None:
            self._failed(f"options and red lines ({passage.alias})")
            return
        for name, items in got.items():
            self.items.setdefault(name, []).extend(items)

    def pooled_items(self) -> None:
        """Risks and indicators over all passages, one call."""
        sections = [s for s in ITEM_SECTIONS if not s.per_passage]
        ids = list(self.citations.units)
        schema = {"type": "object", "properties": {
            s.name: {"type": "array", "items": _cited(s.draft, ids),
                     "maxItems": int(self.plan["items"][s.name]["max_items"])}
            for s in sections}, "required": [s.name for s in sections],
            "additionalProperties": False}
        spec = self.plan["risks_indicators"]
        got = generate(self.model, self.run, self.messages(str(spec["task"])),
                       parse=lambda text: self._parse_items(sections, text), schema=schema,
                       retries=self.retries, extractive=True,
                       max_tokens=int(spec["max_tokens"]))
        if got is None:
            self._failed("risks_indicators")
            return
        for name, items in got.items():
            self.items.setdefault(name, []).extend(items)

    def _parse_items(self, sections: Sequence[ItemSection], text: str) -> dict[str, list[Any]]:
        data = extract_json(text)
        if not isinstance(data, dict):
            raise ReplyError("the reply must be a JSON object")
        out: dict[str, list[Any]] = {}
        for section in sections:
            out[section.name] = []
            for n, raw in enumerate(data.get(section.name) or []):
                if not isinstance(raw, dict):
                    raise ReplyError(f"{section.name}.{n}: not an object")
                evidence = self.citations.sentence(raw.pop("cite", ""))
                try:
                    drafted = section.draft.model_validate(raw)
                except ValidationError as exc:
                    raise ReplyError(f"{section.name}.{n}: {_problem(exc)}") from None
                out[section.name].append(section.item(**drafted.model_dump(),
                                                      evidence=[Evidence(**evidence)]))
        return out

    # ------------------------------------------------------------------ free sections
    def free(self, name: str, model_cls: type[BaseModel]) -> Any:
        spec = self.plan[name]
        evidence_item = {"enum": list(self.citations.units)}
        schema = generation_schema(model_cls, evidence_item)
        result = generate(self.model, self.run, self.messages(str(spec["task"])),
                          parse=lambda text: parse_reply(model_cls, text, self.citations),
                          schema=schema, retries=self.retries,
                          max_tokens=int(spec["max_tokens"]))
        if result is None:
            self._failed(name)
        return result

    def _failed(self, name: str) -> None:
        last = self.run.attempts[-1].problem if self.run.attempts else "no reply"
        self.run.failures.append(f"{name}: {last}")

    # ------------------------------------------------------------------ assembly
    def assemble(self) -> dict[str, Any]:
        run = self.run
        grounder = Grounder(run)
        out: dict[str, Any] = {"topic": run.request, "bottom_line": NO_BOTTOM_LINE}
        if self.summary is not None:
            verified = grounder.verify(self.summary.evidence)
            if verified:
                out.update(bottom_line=once(self.summary.bottom_line),
                           situation=once(self.summary.situation),
                           bottom_line_evidence=verified)
            else:
                grounder.set_apart("bottom_line", self.summary.bottom_line,
                                   "no quote verified against its passage")
        shared: set[str] = set()  # an indicator that repeats a risk is not an indicator
        for section in ITEM_SECTIONS:
            kept = grounder.keep(section.rule, self.items.get(section.name, []), seen=shared)
            kept = kept[:max_items(section.name)]
            if section.name == "response_options":
                kept = sorted(kept, key=lambda o: LADDER.get(o.category, 0))
            for item in kept:
                self.say(f"  {section.noun}: {_headline_of(item)} {self._cites(item)}")
            out[section.name] = kept
        if self.disagreements is not None:
            out["disagreements"] = grounder.keep(DISAGREEMENTS, self.disagreements.disagreements)
            out["gaps"] = list(dict.fromkeys(g.strip() for g in self.disagreements.gaps
                                             if is_prose(g)))
        out.update(unsupported=run.unsupported, failures=run.failures,
                   partial=bool(run.failures))
        return out

    def _cites(self, item: Any) -> str:
        ids = [self.ids.get((e.chunk_id, normalise(e.quote)), "?") for e in item.evidence]
        return "".join(f"[{i}]" for i in ids)


def _cited(draft: type[BaseModel], ids: Sequence[str]) -> dict[str, Any]:
    """The schema of one item: the id of the sentence it is written from, then its fields."""
    one = generation_schema(draft, {})
    return {**one, "properties": {"cite": {"enum": list(ids)}, **one["properties"]},
            "required": ["cite", *one["required"]]}


def _headline_of(item: Any) -> str:
    return str(next(iter(item.model_dump(exclude={"evidence"}).values()), ""))


def max_items(field: str) -> int:
    """How many items the Brief holds in ``field``."""
    for meta in Brief.model_fields[field].metadata:
        if isinstance(meta, annotated_types.MaxLen):
            return int(meta.max_length)
    raise ValueError(field)


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


__all__ = ["draft_brief", "draft", "Drafted", "retrieve_for_topic", "ITEM_SECTIONS"]
