"""Drafting a section sentence by sentence (options, red lines): which sentences it visits, the
one-key schema and the parser of each sentence's call, and the calls themselves — side by side
where the model can, each re-asked on its own."""

from __future__ import annotations

import bisect
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from briefer.core.prompts import load_prompt
from briefer.evidence.constrain import evidence_item_schema, generation_schema
from briefer.evidence.passages import Passage, Sentence
from briefer.evidence.run import Run
from briefer.llm.base import ChatModel, Completion, Message, SideBySide
from briefer.pipeline.candidates import visits
from briefer.pipeline.generate import Citations, ReplyError, extract_json, generate
from briefer.pipeline.generate import validation_problem as _problem
from briefer.pipeline.sections import SECTIONS, Section
from briefer.text.cues import CONDITION, Cue, limits_only, strength
from briefer.text.rows import labelled, row_headers, trigger_cell
from briefer.text.structure import (
    body_of,
    is_heading,
    is_lead_in,
    is_list_item,
    names_stage,
    opens_with_stage,
)
from briefer.text.verify import normalise
from briefer.text.words import terms

# by-sentence sections (options, red lines): the most sentences visited (in retrieval order:
# the best passages first), one call each. A reply is keyed by its whole sentence: keyed by its
# first ten words, Qwen-1.5B wrote other sentences' options more often, for 1.1x the speed
MAX_SENTENCES = 24
HEADLINE_MIN_CHARS = 20  # the shortest headline a visit may write


class Visited:
    """A section's cue for grounding, widened to the sentences its ranker visited: a sentence
    chosen for its place or voice ("We launched a coalition ...", a list item under "Actions:")
    states its item without the cue's words; any other quote (one re-pointed to a neighbour)
    still needs them."""

    def __init__(self, sentences: set[str], cue: Cue) -> None:
        self.sentences, self.cue = sentences, cue

    def search(self, text: str) -> bool:
        return normalise(text) in self.sentences or bool(self.cue.search(text))

    def strength(self, text: str) -> int:
        """How strongly the wording holds the cue (a visited sentence's place raises its
        ``search``, not its degree: a limit is told by its words)."""
        return strength(self.cue, text)

    def limits_only(self, texts: Sequence[str]) -> bool:
        """As the cue reads them (a limit or a ruling-out, no condition)."""
        return limits_only(self.cue, texts)


class SentenceVisits:
    """Drafts one brief's by-sentence sections over the run's passages; ``messages`` renders
    a task into the shared prompt, ``failed`` records a call that never validated."""

    def __init__(self, run: Run, model: ChatModel, retries: int, citations: Citations,
                 failed: Callable[[str], None], pool: int | None = None) -> None:
        self.run, self.model, self.retries, self.citations = run, model, retries, citations
        self.failed = failed
        # the run's first ``pool`` passages are the pool; those after it, passages of the pool's
        # documents that state a condition (candidates.conditions_for_topic): red lines only
        self.pool = len(run.passages) if pool is None else pool
        self.visited: dict[str, set[str]] = {}  # section -> its visited sentences, normalised
        self.prompt = load_prompt("sentence.md")
        run.uses(self.prompt.version)

    def messages(self, task: str) -> list[Message]:
        """The prompt every visit of a section shares: the topic and the task, no passages
        (the sentence is the reply's key), so a visit costs its sentence and its item only."""
        system, user = self.prompt.render(topic=self.run.request, task=task)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def section(self, name: str, spec: dict[str, Any]) -> BaseModel | None:
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
        leads = stage_lead_ins(self._read(spec))
        if spec["role"] == "red_line":  # a trigger's lead-in, not a stage's: "Phase 2: ..."
            leads = {i: lead for i, lead in leads.items() if strength(CONDITION, lead.text)}
        self.visited[name] = {normalise(u.text) for u in units} | {
            normalise(leads[u.id].text) for u in units if u.id in leads}
        if not units:
            return model_cls.model_construct(None, **{field: []})
        item = self._item_schema(section, field)
        back = {v: k for k, v in section.keys.items()}
        messages = self.messages(str(spec["task"]))
        max_tokens = int(spec["max_tokens"])
        headers = table_headers(self._read(spec))
        keys = [_key(unit, leads.get(unit.id), headers.get(unit.id)) for unit in units]
        schemas = [{"type": "object", "additionalProperties": False, "required": [key],
                    "properties": {key: {"type": "array", "minItems": 1, "maxItems": 1,
                                         "items": item}}} for key in keys]
        firsts = self._side_by_side(messages, keys, schemas, max_tokens)
        items: list[Any] = []
        failed = 0
        for unit, key, schema, first in zip(units, keys, schemas, firsts, strict=True):
            ids = [leads[unit.id].id, unit.id] if unit.id in leads else [unit.id]
            parse = self._sentence_reply(key, ids, item_cls, back)
            # a reply cut at its budget is not asked again: alone, with the same budget, it was
            # cut again (real-dev: 2 of 16 red-line visits, 13 s for nothing)
            got = generate(self.model, self.run, messages, parse=parse, schema=schema,
                           max_tokens=max_tokens, retries=self.retries, extractive=True,
                           first=first, retry_cutoff=False)
            if got is None:
                self.failed(f"{name} ({unit.id})")
                failed += 1
            else:
                items.extend(_when(item, unit, headers.get(unit.id)) for item in got)
        if failed == len(units):
            return None
        return model_cls.model_construct(None, **{field: items})

    def _side_by_side(self, messages: list[Message], keys: list[str],
                      schemas: list[dict[str, Any]], max_tokens: int
                      ) -> Sequence[Completion | None]:
        """The first reply of every visit, written side by side where the model can (each is
        then parsed, and re-asked alone if it does not). Shortest sentences first: a reply is
        about as long as its sentence, so the lanes written together end about together (a
        finished lane takes the next reply)."""
        if not isinstance(self.model, SideBySide):
            return [None] * len(keys)
        order = sorted(range(len(keys)), key=lambda i: len(keys[i]))
        written = self.model.complete_many(messages, [schemas[i] for i in order],
                                           max_tokens=max_tokens, extractive=True)
        return [written[order.index(i)] for i in range(len(keys))]

    def _sentence_reply(self, key: str, ids: list[str], item_cls: type[BaseModel],
                        back: dict[str, str]) -> Callable[[str], list[Any]]:
        """The parser of a by-sentence reply: its items, each quoting the sentence (and the
        lead-in it was read with)."""
        def parse(text: str) -> list[Any]:
            data = extract_json(text)
            if not isinstance(data, dict) or not isinstance(data.get(key), list):
                raise ReplyError("the reply is not the sentence's list of items")
            out = []
            for raw in data[key]:
                raw = {back.get(k, k): v for k, v in raw.items()}
                raw = self.citations.resolve({**raw, "evidence": ids})
                try:
                    out.append(item_cls.model_validate(raw))
                except ValidationError as exc:
                    raise ReplyError(f"{ids[-1]}: {_problem(exc)}") from None
            return out
        return parse

    def _item_schema(self, section: Section, field: str) -> dict[str, Any]:
        """The schema of one item of ``section`` without its evidence, keys renamed."""
        some = next(p for p in self.run.passages if p.sentences)
        item = generation_schema(section.model, evidence_item_schema([some]))
        item = item["properties"][field]["items"]
        props = {section.keys.get(k, k): v for k, v in item["properties"].items()
                 if k != "evidence"}
        first = next(iter(props))  # the headline (an option's action, a red line's trigger)
        # a headline of a few words, not one ("voted", "determine"): without the passage in
        # its prompt, a small model shortens the sentence's step to its verb
        props[first] = {**props[first], "minLength": max(int(props[first].get("minLength", 0)),
                                                         HEADLINE_MIN_CHARS)}
        return {**item, "properties": props, "required": list(props)}

    def sentences(self, spec: dict[str, Any]) -> list[Sentence]:
        """The sentences a by-sentence section visits over the run's pool of passages
        (:func:`briefer.pipeline.candidates.visits`), at most ``max_sentences``."""
        return visits(self._read(spec), str(spec["role"]), self.run.request,
                      int(spec.get("max_sentences", MAX_SENTENCES)))

    def _read(self, spec: dict[str, Any]) -> Sequence[Passage]:
        """The passages a section's visits are drawn from: the pool, and for red lines the
        condition passages after it too."""
        return self.run.passages if spec["role"] == "red_line" else self.run.passages[:self.pool]


def stage_lead_ins(passages: Sequence[Passage]) -> dict[str, Sentence]:
    """Sentence id -> the lead-in that tells when it applies (:func:`names_when`: "Phase 2:
    defensive weapons", "Trigger 1: the North transfers missile technology", "If talks
    collapse:"): a heading's covers the lines up to the next heading, a lead-in line's the
    list items right after it. A visit reads the sentence after its lead-in and quotes both: a
    bullet under a trigger reports what would follow ("An official said Seoul would reconsider
    its ban on lethal arms"), the trigger is the heading's."""
    out: dict[str, Sentence] = {}
    for passage in passages:
        leads = _line_leads(passage)
        lines = [normalise(line) for line in passage.chunk.text.split("\n")]
        starts, at = [], 0
        for line in lines:
            starts.append(at)
            at += len(line) + 1
        flat, pos = " ".join(lines), 0
        for unit in passage.units:
            found = flat.find(normalise(unit.text)[:40], pos)
            if found < 0:
                continue
            pos = found
            lead = leads[bisect.bisect_right(starts, found) - 1]
            if lead is not None and lead.id != unit.id:
                out[unit.id] = lead
    return out


def _line_leads(passage: Passage) -> list[Sentence | None]:
    """Per line of the passage's text, the quotable lead-in that tells when it applies (units
    compared as :func:`normalise` reads them: a unit's ASCII quotes are typographic)."""
    by_text = {normalise(u.text): u for u in passage.units}
    heading: Sentence | None = None
    listed: Sentence | None = None
    out: list[Sentence | None] = []
    for line in passage.chunk.text.split("\n"):
        if line.strip() and (is_lead_in(line) or opens_with_stage(line)):
            unit = by_text.get(normalise(line)) if names_stage(line) else None
            if is_heading(line) or opens_with_stage(line):
                heading, listed = unit, None
            else:
                listed = unit
        elif line.strip() and not is_list_item(line) and not line.startswith((" ", "\t")):
            listed = None
        out.append(listed or heading)
    return out


def table_headers(passages: Sequence[Passage]) -> dict[str, str]:
    """Sentence id -> the header row of the table the sentence is a row of (a header is the
    row above the table's rule, or the one its passage carries: :func:`row_headers`)."""
    out: dict[str, str] = {}
    for passage in passages:
        of_row = row_headers(passage.chunk.text, passage.chunk.table_header)
        out.update((u.id, of_row[normalise(u.text)]) for u in passage.units
                   if normalise(u.text) in of_row)
    return out


def _when(item: Any, unit: Sentence, header: str | None) -> Any:
    """An option drawn from a table row under a column of triggers applies when its row's
    trigger happens ("| Westmark mines the approaches | Norland requests minesweepers |"):
    that cell is its condition, unless the one written already shares a word with it (a
    small model writes "now" for the row's response)."""
    trigger = trigger_cell(unit.text, header) if header and hasattr(item, "condition") else ""
    if not trigger or terms(trigger) & terms(str(item.condition)):
        return item
    return item.model_copy(update={"condition": trigger[:120]})


def _key(unit: Sentence, lead: Sentence | None, header: str | None = None) -> str:
    """A visit's key: the sentence, after the lead-in it is read with ("Trigger 1: the North
    transfers missile technology: - An official said ..."); a table's row with its header's
    labels ("Trigger: the North transfers missile technology; Likely response: ...")."""
    text = unit.text if header is None else labelled(unit.text, header)
    text = text if lead is None else f"{body_of(lead.text).rstrip(':. ')}: {text}"
    return " ".join(text.split())
