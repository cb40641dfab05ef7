"""The plan of a brief: which sections, in which order, with which rules.

1. **Retrieve** passages for the topic and its sub-queries (options, red lines, risks,
   indicators), fused by reciprocal rank; they travel with the :class:`~briefer.evidence.run.Run`.
2. **Sections** (``prompts/brief_sections.yaml``), each decoded under a JSON schema in which
   every piece of evidence is ``{"passage": id, "quote": one of that passage's sentences}``:
   an unknown passage, or a quote absent from its passage, cannot be generated. The summary,
   risks / indicators and disagreements / gaps are written over all passages, side by side
   where the model can (:meth:`Drafter.together`: one llama.cpp batch per step).
3. **Options and red lines** go through the passages sentence by sentence in one call each
   (:meth:`Drafter.by_sentence`): the reply is keyed by sentence, and the model writes for each
   the item it states. Every sentence is visited (small models stop listing early, and repeat
   one quote), and the quote is the sentence itself, attached from its id. Red lines visit only
   the sentences that state a condition.
4. **Grounding** (:mod:`briefer.grounding.items`) verifies every quote, checks that each item's
claims
   are stated by its quotes, merges repeats and sets the rest apart with the reason; the rules
   per section are data (:data:`SECTIONS`).

Every call shares one prompt prefix (system prompt, passages, topic), so llama.cpp evaluates
the passages once; only the task differs.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import annotated_types
from pydantic import BaseModel, ValidationError

from briefer.core.errors import BriefValidationError, ConfigError
from briefer.core.prompts import load_prompt, load_yaml
from briefer.core.schemas import (
    Brief,
    DisagreementsGapsSection,
    OptionsSection,
    RedLine,
    RedLinesSection,
    ResponseOption,
    RisksIndicatorsSection,
    SummarySection,
)
from briefer.corpus.workspace import Workspace
from briefer.evidence.constrain import evidence_item_schema, generation_schema
from briefer.evidence.passages import Sentence, render_text
from briefer.evidence.run import Progress, Run
from briefer.grounding.items import Grounder, Rule, passages_with_text
from briefer.llm.base import ChatModel, Completion, Judge, Message, SideBySide, SideBySideTasks
from briefer.pipeline.generate import (
    Citations,
    ReplyError,
    extract_json,
    generate,
    is_prose,
    once,
    parse_reply,
)
from briefer.pipeline.generate import validation_problem as _problem
from briefer.pipeline.topic import retrieve_for_topic
from briefer.text.cues import (
    ACTION,
    CONDITION,
    RISK,
    arms_category,
    condition_clause,
    named_details,
    strength,
)
from briefer.text.verify import normalise, terms

SCHEMA_VERSION = "brief-schema-v1"
NO_BOTTOM_LINE = "No bottom line could be grounded in the retrieved passages."
# by-sentence sections (options, red lines): the most sentences visited (in retrieval order:
# the best passages first), one call each. A reply is keyed by its whole sentence: keyed by its
# first ten words, Qwen-1.5B wrote other sentences' options more often, for 1.1x the speed
MAX_SENTENCES = 24
# what a by-sentence section's sentence must say (:mod:`briefer.text.cues`): a red line's states a
# condition, an option's a step someone could take
CUES = {"condition": CONDITION, "action": ACTION}
# phased, mildest first: non-military steps, then defensive, then offensive arms
LADDER = {"military-defensive": 1, "military-offensive": 2}


@dataclass(frozen=True)
class Section:
    """What the model writes for one section, and how each list in it is grounded."""

    model: type[BaseModel]
    rules: dict[str, Rule]  # field of the section model → its grounding rule
    noun: str = ""  # for progress lines
    # the key the model writes for a field, where the field's name reads badly to a small
    # model ("label" drew one-word labels; "action" draws the step itself)
    keys: dict[str, str] = dataclass_field(default_factory=dict)


SECTIONS = {
    "summary": Section(SummarySection, {}),
    "response_options": Section(OptionsSection, {"response_options": Rule(
        "response_options", claims=("label",), same=("label", "condition"), cue=ACTION,
        cue_missing="its quotes state no step anyone could take (an option is an action)")},
        "option",
        keys={"label": "action"}),
    "red_lines": Section(RedLinesSection, {"red_lines": Rule(
        "red_lines", claims=("trigger", "consequence"), cue=CONDITION,
        cue_missing="its quotes state no condition (a red line is a threshold)")}, "red line"),
    "risks_indicators": Section(RisksIndicatorsSection, {
        "risks": Rule("risks", claims=("description",), cue=RISK,
                      cue_missing="its quotes state no harm or danger (a risk is what could "
                                  "go wrong)"),
        "indicators": Rule("indicators", claims=("description",))}, "finding"),
    "disagreements_gaps": Section(DisagreementsGapsSection, {
        "disagreements": Rule("disagreements", min_evidence=2, min_sources=2)}, "disagreement"),
}


@dataclass
class Drafted:
    """A brief and the run that produced it (its chunks, for the memo)."""

    brief: Brief
    run: Run


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
    judge = model if settings.brief.judge and isinstance(model, Judge) else None
    drafter = Drafter(run, model, retries, say, judge=judge,
                      threshold=settings.brief.support_threshold)
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

    def __init__(self, run: Run, model: ChatModel, retries: int, say: Progress, *,
                 judge: Judge | None = None, threshold: float = 0.5) -> None:
        self.run, self.model, self.retries, self.say = run, model, retries, say
        self.judge, self.threshold = judge, threshold  # brief.judge: the fourth layer
        self.prompt = load_prompt("brief.md")
        self.plan = load_yaml("brief_sections.yaml")
        run.uses(self.prompt.version)
        run.uses(str(self.plan["version"]))
        self.rendered = render_text(run.passages)
        self.citations = Citations(run.passages)
        self.ids = {(u.chunk_id, normalise(u.text)): u.id for p in run.passages for u in p.units}
        self.sections: dict[str, BaseModel] = {}

    def messages(self, task: str) -> list[Message]:
        system, user = self.prompt.render(topic=self.run.request, passages=self.rendered,
                                          task=task)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def draft_all(self) -> None:
        sections = self.plan["sections"]
        firsts = self.together({n: s for n, s in sections.items() if not s.get("by_sentence")})
        for name, spec in sections.items():
            if name not in firsts:
                self.say(f"drafting {name.replace('_', ' ')}")
            result = (self.by_sentence(name, spec) if spec.get("by_sentence")
                      else self.whole(name, spec, first=firsts.get(name)))
            if result is not None:
                self.sections[name] = result
        if not self.sections:
            raise BriefValidationError(
                f"no section of the brief validated after {self.run.usage.calls} calls; "
                f"last error: {self.run.attempts[-1].problem if self.run.attempts else 'none'}",
                _attempts(self.run))

    def together(self, specs: dict[str, dict[str, Any]]) -> dict[str, Completion]:
        """The first replies of the sections written over all passages (summary, risks,
        disagreements), decoded side by side where the model can (one batch per step for all
        of them: on a CPU, about 1.3x the tokens per second of one reply at a time); each is
        then parsed, and re-asked on its own if it does not, by :meth:`whole`."""
        if len(specs) < 2 or not isinstance(self.model, SideBySideTasks):
            return {}
        self.say("drafting " + ", ".join(n.replace("_", " ") for n in specs) + " side by side")
        names = list(specs)
        replies = self.model.complete_each(
            [self.messages(str(specs[n]["task"])) for n in names],
            [self._whole_schema(n, specs[n]) for n in names],
            max_tokens=[int(specs[n]["max_tokens"]) for n in names], extractive=True)
        return dict(zip(names, replies, strict=True))

    def whole(self, name: str, spec: dict[str, Any],
              first: Completion | None = None) -> BaseModel | None:
        """A section over all passages (``first``: its reply already written by
        :meth:`together`)."""
        model_cls = SECTIONS[name].model
        result = generate(self.model, self.run, self.messages(str(spec["task"])),
                          parse=lambda text: parse_reply(model_cls, text, self.citations),
                          schema=self._whole_schema(name, spec),
                          max_tokens=int(spec["max_tokens"]), retries=self.retries,
                          extractive=True, first=first)
        if result is None:
            self._failed(name)
        return result

    def _whole_schema(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        schema = generation_schema(SECTIONS[name].model, evidence_item_schema(self.run.passages))
        sources = {p.chunk.source for p in self.run.passages}
        for field, least in dict(spec.get("min_sources", {})).items():
            if len(sources) < int(least):  # e.g. no disagreement within a single document
                schema["properties"][field].update(minItems=0, maxItems=0)
        return schema

    def by_sentence(self, name: str, spec: dict[str, Any]) -> BaseModel | None:
        """The section's items sentence by sentence: for each sentence the section visits, one
        call whose reply is ``{"<the sentence>": [item]}`` — the model reads the sentence it
        writes about, then writes the item it states; the quote is that sentence, attached
        from its id. What a sentence does not state, grounding sets apart (its claim check).

        Every sentence is visited, so no option is lost because the model stopped listing or
        chose one quote twice. The calls are independent: in one reply that went through the
        sentences, a small model copied its first item (or its first empty list) into every
        sentence after it. They share the prompt, so its passages are evaluated once."""
        section = SECTIONS[name]
        model_cls = section.model
        field = next(iter(model_cls.model_fields))
        item_cls = typing.get_args(model_cls.model_fields[field].annotation)[0]
        units = self.sentences(spec)
        if not units:
            return model_cls.model_construct(None, **{field: []})
        item = self._item_schema(section, field)
        back = {v: k for k, v in section.keys.items()}
        messages = self.messages(str(spec["task"]))
        max_tokens = int(spec["max_tokens"])
        keys = [" ".join(unit.text.split()) for unit in units]
        schemas = [{"type": "object", "additionalProperties": False, "required": [key],
                    "properties": {key: {"type": "array", "minItems": 1, "maxItems": 1,
                                         "items": item}}} for key in keys]
        firsts: Sequence[Completion | None] = [None] * len(units)
        if isinstance(self.model, SideBySide):  # written side by side, re-asked one by one
            firsts = self.model.complete_many(messages, schemas, max_tokens=max_tokens,
                                              extractive=True)
        items: list[Any] = []
        failed = 0
        for unit, key, schema, first in zip(units, keys, schemas, firsts, strict=True):
            parse = self._sentence_reply(key, unit.id, item_cls, back)
            got = generate(self.model, self.run, messages, parse=parse, schema=schema,
                           max_tokens=max_tokens, retries=self.retries, extractive=True,
                           first=first)
            if got is None:
                self._failed(f"{name} ({unit.id})")
                failed += 1
            else:
                items.extend(got)
        if failed == len(units):
            return None
        return model_cls.model_construct(None, **{field: items})

    def _sentence_reply(self, key: str, sentence_id: str, item_cls: type[BaseModel],
                        back: dict[str, str]) -> Callable[[str], list[Any]]:
        """The parser of a by-sentence reply: its items, each quoting the sentence."""
        def parse(text: str) -> list[Any]:
            data = extract_json(text)
            if not isinstance(data, dict) or not isinstance(data.get(key), list):
                raise ReplyError("the reply is not the sentence's list of items")
            out = []
            for raw in data[key]:
                raw = {back.get(k, k): v for k, v in raw.items()}
                raw = self.citations.resolve({**raw, "evidence": [sentence_id]})
                try:
                    out.append(item_cls.model_validate(raw))
                except ValidationError as exc:
                    raise ReplyError(f"{sentence_id}: {_problem(exc)}") from None
            return out
        return parse

    def _item_schema(self, section: Section, field: str) -> dict[str, Any]:
        """The schema of one item of ``section`` without its evidence, keys renamed."""
        some = next(p for p in self.run.passages if p.sentences)
        item = generation_schema(section.model, evidence_item_schema([some]))
        item = item["properties"][field]["items"]
        props = {section.keys.get(k, k): v for k, v in item["properties"].items()
                 if k != "evidence"}
        return {**item, "properties": props, "required": list(props)}

    def sentences(self, spec: dict[str, Any]) -> list[Sentence]:
        """The sentences a by-sentence section visits: those whose wording the section's rule
        requires (``cue``), the strongest first (for options: orders and words of intent
        before bare modals), then in passage (retrieval) order, at most ``max_sentences``."""
        cue = CUES.get(str(spec.get("cue", "")))
        units = [u for p in self.run.passages for u in p.units]
        if cue is not None:
            ranked = [(strength(cue, u.text), u) for u in units]
            units = [u for rank, u in sorted(ranked, key=lambda ru: -ru[0]) if rank > 0]
        return units[: int(spec.get("max_sentences", MAX_SENTENCES))]

    def _failed(self, name: str) -> None:
        last = self.run.attempts[-1].problem if self.run.attempts else "no reply"
        self.run.failures.append(f"{name}: {last}")

    # ------------------------------------------------------------------ assembly
    def assemble(self) -> dict[str, Any]:
        run = self.run
        grounder = Grounder(run)
        out: dict[str, Any] = {"topic": run.request, "bottom_line": NO_BOTTOM_LINE}
        summary = self.sections.get("summary")
        if isinstance(summary, SummarySection):
            verified = grounder.verify(summary.evidence)
            if verified:
                out.update(bottom_line=once(summary.bottom_line),
                           situation=once(summary.situation), bottom_line_evidence=verified)
            else:
                grounder.set_apart("bottom_line", summary.bottom_line,
                                   "no quote verified against its passage")
        shared: set[str] = set()  # an indicator that repeats a risk is not an indicator
        for name, section in SECTIONS.items():
            drafted = self.sections.get(name)
            for field, rule in section.rules.items():
                if drafted is None:
                    continue
                # by-sentence sections can bring back more than a brief holds: the first, in
                # the passages' retrieval order
                kept = grounder.keep(rule, getattr(drafted, field), seen=shared)
                kept = grounder.judged(rule, kept, self.judge, self.threshold)
                kept = kept[:max_items(field)]
                if field == "response_options":
                    kept = sorted((_particulars(o) for o in kept),
                                  key=lambda o: LADDER.get(o.category, 0))
                if field == "red_lines":
                    kept = [_whole_trigger(r) for r in kept]
                for item in kept:
                    self.say(f"  {field.replace('_', ' ').rstrip('s')}: {_headline_of(item)} "
                             f"{self._cites(item)}")
                out[field] = kept
        if out.get("response_options") and out.get("red_lines"):
            out["response_options"] = [o for o in out["response_options"]
                                       if not _a_trigger(o, out["red_lines"], grounder)]
        dg = self.sections.get("disagreements_gaps")
        if isinstance(dg, DisagreementsGapsSection):
            out["gaps"] = list(dict.fromkeys(g.strip() for g in dg.gaps if is_prose(g)))
        out.update(unsupported=run.unsupported, failures=run.failures,
                   partial=bool(run.failures))
        return out

    def _cites(self, item: Any) -> str:
        ids = [self.ids.get((e.chunk_id, normalise(e.quote)), "?") for e in item.evidence]
        return "".join(f"[{i}]" for i in ids)


def _a_trigger(option: ResponseOption, red_lines: Sequence[RedLine],
               grounder: Grounder) -> bool:
    """Whether ``option`` restates the trigger of a red line drawn from the same sentence
    (the other side's move: "Deploy Grom-7 missiles within 100 km of the border" from
    "Grom-7 missiles deployed within 100 km … would unlock a request for air defence");
    then it is set apart with the reason."""
    quotes = {normalise(e.quote) for e in option.evidence}
    for red_line in red_lines:
        if not quotes & {normalise(e.quote) for e in red_line.evidence}:
            continue
        if restates_trigger(option.label, red_line):
            grounder.set_apart("response_options", option.label,
                               "it restates a red line's trigger (what the other side "
                               "would do), not a step")
            return True
    return False


TRIGGER_SHARE = 0.6  # of the label's terms, in the trigger and not in the consequence


def restates_trigger(label: str, red_line: RedLine) -> bool:
    """``label``'s words are mostly the red line's trigger's, not its consequence's."""
    words = terms(label)
    if not words:
        return False
    trigger, consequence = terms(red_line.trigger), terms(red_line.consequence)
    return len(words & (trigger - consequence)) >= TRIGGER_SHARE * len(words)


def _particulars(option: ResponseOption) -> ResponseOption:
    """``option`` with the category its quotes' arms give it and, as its description, the
    verbatim words of its quote that name what its label leaves out ("including K-2 tanks")."""
    quotes = [e.quote for e in option.evidence]
    details = option.description or next(
        (d for q in quotes if (d := named_details(option.label, q))), "")
    return option.model_copy(update={"category": arms_category(option.category, quotes),
                                     "description": details})


def _whole_trigger(red_line: RedLine) -> RedLine:
    """``red_line`` with its trigger in its quote's words when the model shortened it."""
    for e in red_line.evidence:
        clause = condition_clause(red_line.trigger, red_line.consequence, e.quote)
        if clause:
            return red_line.model_copy(update={"trigger": clause})
    return red_line


def _headline_of(item: Any) -> str:
    return str(next(iter(item.model_dump(exclude={"evidence"}).values()), ""))


def max_items(field: str) -> int:
    """How many items the Brief holds in ``field``."""
    for meta in Brief.model_fields[field].metadata:
        if isinstance(meta, annotated_types.MaxLen):
            return int(meta.max_length)
    raise ValueError(field)


__all__ = ["draft_brief", "draft", "Drafted", "retrieve_for_topic", "SECTIONS"]
