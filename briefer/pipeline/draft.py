"""The plan of a brief: which sections, in which order, with which rules.

1. **Retrieve** passages for the topic and its sub-queries (options, red lines, risks,
   indicators), fused by reciprocal rank; they travel with the :class:`~briefer.evidence.run.Run`.
2. **Sections** (``prompts/brief_sections.yaml``), each decoded under a JSON schema in which
   every piece of evidence is ``{"passage": id, "quote": one of that passage's sentences}``:
   an unknown passage, or a quote absent from its passage, cannot be generated. The summary,
   risks / indicators and disagreements / gaps are written over all passages, side by side
   where the model can (:meth:`Drafter.together`: one llama.cpp batch per step).
3. **Options and red lines** go through the passages sentence by sentence in one call each
   (:meth:`Drafter.by_sentence`, :mod:`briefer.pipeline.by_sentence`): the reply is keyed by
   sentence, and the model writes for each the item it states. Every sentence is visited (small
   models stop listing early, and repeat one quote), and the quote is the sentence itself,
   attached from its id. Red lines visit only the sentences that state a condition.
4. **Grounding** (:mod:`briefer.grounding.items`) verifies every quote, checks that each item's
   claims are stated by its quotes, merges repeats and sets the rest apart with the reason;
   then each list is finished (:mod:`briefer.pipeline.finishing`). The rules per section are
   data (:data:`~briefer.pipeline.sections.SECTIONS`): :meth:`Drafter.assemble` loops over them.

Every call shares one prompt prefix (system prompt, passages, topic), so llama.cpp evaluates
the passages once; only the task differs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from briefer.core.errors import BriefValidationError, ConfigError
from briefer.core.prompts import load_prompt, load_yaml
from briefer.core.schemas import Brief, Chunk
from briefer.corpus.workspace import Workspace
from briefer.evidence.constrain import evidence_item_schema, generation_schema
from briefer.evidence.passages import render_text
from briefer.evidence.run import Progress, Run
from briefer.grounding.items import Grounder, passages_with_text
from briefer.llm.base import ChatModel, Completion, Judge, Message, SideBySideTasks
from briefer.pipeline.by_sentence import SentenceVisits, Visited
from briefer.pipeline.candidates import conditions_for_topic, pool_for_topic
from briefer.pipeline.generate import Citations, generate, parse_reply
from briefer.pipeline.generate import validation_problem as _problem
from briefer.pipeline.sections import SECTIONS, ItemList, max_items
from briefer.pipeline.steering import Steering, fields_of
from briefer.pipeline.topic import retrieve_for_topic
from briefer.text.verify import normalise

SCHEMA_VERSION = "brief-schema-v4"  # v4: 24 options, 24 red lines (v3: 24, 16; v2: 16, 8)
NO_BOTTOM_LINE = "No bottom line could be grounded in the retrieved passages."


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


# a section's name, and the Brief's fields it fills, grounded: what ``on_section`` is given
# (and the chunks its evidence cites, among others)
OnSection = Callable[[str, dict[str, Any], dict[str, Chunk]], None]


def draft(topic: str, *, workspace: Workspace, model: ChatModel, k: int | None = None,
          max_retries: int | None = None, progress: Progress | None = None,
          steering: Steering | None = None, on_section: OnSection | None = None,
          only: str | None = None, base: Brief | None = None) -> Drafted:
    """:func:`draft_brief`, with the run (retrieved chunks, usage, attempts) beside it.

    ``steering``: pins and exclusions. ``on_section(name, fields)``: each section as soon as it
    is grounded, in the order the plan allows (the bottom line first). ``only`` with ``base``:
    re-draft that one section of ``base`` (:func:`redo`)."""
    started = time.perf_counter()
    settings = workspace.settings
    topic = " ".join(topic.split())
    if not topic:
        raise ConfigError("the topic is empty")
    steering = steering or Steering()
    pinned = steering.check(workspace)
    k = k or settings.brief.k
    say = progress or (lambda _line: None)
    say("retrieving passages")
    filters = steering.filters()
    found = retrieve_for_topic(topic, workspace, k, filters)
    ids = {c.id for c in pinned}
    shown = [*pinned, *[c for c in found if c.id not in ids][: max(k - len(pinned), 1)]]
    pool = pool_for_topic(topic, workspace, shown, settings.brief.pool, filters)
    conditions = conditions_for_topic(topic, workspace, pool, settings.brief.conditions,
                                      filters)
    run = Run.begin(topic, [*pool, *conditions], k=k, schema_version=SCHEMA_VERSION,
                    started=started, store_fingerprint=workspace.fingerprint(),
                    thresholds=settings.grounding)
    retries = settings.model.max_retries if max_retries is None else max_retries
    judge = model if settings.brief.judge and isinstance(model, Judge) else None
    drafter = Drafter(run, model, retries, say, judge=judge,
                      threshold=settings.grounding.item_judge, shown=len(shown),
                      pool=len(pool), on_section=on_section, only=only)
    if passages_with_text(run.passages):
        drafter.draft_all()
    else:
        run.failures.append("retrieval: no passages with quotable text were found for the topic")
    fields = drafter.assemble(base)
    manifest = run.manifest(model, settings).model_copy(update={
        "pinned": list(steering.pins), "excluded": list(steering.exclude),
        "redone": list(steering.redone)})
    try:
        brief = Brief(manifest=manifest, **fields)
    except ValidationError as exc:  # pragma: no cover - every part is validated on its own
        raise BriefValidationError(f"the assembled brief is invalid: {_problem(exc)}",
                                   _attempts(run)) from None
    return Drafted(brief, run)


def _attempts(run: Run) -> list[tuple[str, str]]:
    return [(a.text, a.problem) for a in run.attempts]


class Drafter:
    """Drafts the sections of one brief over the run's passages."""

    def __init__(self, run: Run, model: ChatModel, retries: int, say: Progress, *,
                 judge: Judge | None = None, threshold: float = 0.5,
                 shown: int | None = None, pool: int | None = None,
                 on_section: OnSection | None = None, only: str | None = None) -> None:
        self.run, self.model, self.retries, self.say = run, model, retries, say
        # the passages the sections written over all passages are shown (the first ``shown``);
        # the by-sentence sections visit sentences of the whole pool
        self.shown = run.passages[:shown]
        self.judge, self.threshold = judge, threshold  # brief.judge: the fourth layer
        self.prompt = load_prompt("brief.md")
        self.plan = load_yaml("brief_sections.yaml")
        if only is not None:
            self.plan = {**self.plan, "sections": {only: self.plan["sections"][only]}}
        self.on_section = on_section
        self.grounder = Grounder(run)
        self.done: set[str] = set()  # drafted, or failed
        self.fields: dict[str, Any] = {}  # the Brief's fields of the grounded sections
        self.grounded: list[str] = []
        run.uses(self.prompt.version)
        run.uses(str(self.plan["version"]))
        self.rendered = render_text(self.shown)
        self.citations = Citations(run.passages)
        self.ids = {(u.chunk_id, normalise(u.text)): u.id for p in run.passages for u in p.units}
        self.sections: dict[str, BaseModel] = {}
        self.visits = SentenceVisits(run, model, retries, self.citations, self._failed, pool)

    def messages(self, task: str) -> list[Message]:
        system, user = self.prompt.render(topic=self.run.request, passages=self.rendered,
                                          task=task)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def draft_all(self) -> None:
        sections = self.plan["sections"]
        firsts = self.together({n: s for n, s in sections.items() if not s.get("by_sentence")})
        # the sections written over all passages first (their replies are in), then those a
        # list of another is filtered against: each is grounded and shown as soon as it can be
        order = sorted(sections, key=lambda n: (bool(sections[n].get("by_sentence")),
                                                bool(_needs(n))))
        for name in order:
            spec = sections[name]
            if name not in firsts:
                self.say(f"drafting {name.replace('_', ' ')}")
            result = (self.by_sentence(name, spec) if spec.get("by_sentence")
                      else self.whole(name, spec, first=firsts.get(name)))
            if result is not None:
                self.sections[name] = result
            self.done.add(name)
            self.release()
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
        schema = generation_schema(SECTIONS[name].model, evidence_item_schema(self.shown))
        sources = {p.chunk.source for p in self.shown}
        for field, least in dict(spec.get("min_sources", {})).items():
            if len(sources) < int(least):  # e.g. no disagreement within a single document
                schema["properties"][field].update(minItems=0, maxItems=0)
        return schema

    def by_sentence(self, name: str, spec: dict[str, Any]) -> BaseModel | None:
        """The section's items, one call per sentence it visits
        (:meth:`~briefer.pipeline.by_sentence.SentenceVisits.section`)."""
        return self.visits.section(name, spec)

    def _failed(self, name: str) -> None:
        last = self.run.attempts[-1].problem if self.run.attempts else "no reply"
        self.run.failures.append(f"{name}: {last}")

    # ------------------------------------------------------------------ assembly
    def release(self, force: bool = False) -> None:
        """Ground every drafted section whose lists' filters can be applied (the sections they
        are filtered against are drafted, or failed), in the plan's order, and hand each to
        ``on_section``; ``force``: the rest too (the end of the brief)."""
        planned = set(self.plan["sections"])
        for name in SECTIONS:
            if name in self.grounded or name not in planned:
                continue
            if not force and (name not in self.done
                              or any(d in planned and d not in self.done for d in _needs(name))):
                continue
            self.grounded.append(name)
            if name not in self.sections:
                continue
            fields = self._ground(name, self.sections[name])
            self.fields.update(fields)
            if self.on_section is not None:
                self.on_section(name, fields, self.grounder.chunks)

    def _ground(self, name: str, drafted: BaseModel) -> dict[str, Any]:
        """One section's fields of the Brief: grounded, finished, filtered against the lists it
        declares it must not clash with (as far as they are known)."""
        section = SECTIONS[name]
        out: dict[str, Any] = {}
        if section.fills is not None:
            out.update(section.fills(drafted, self.grounder))
        seen: set[str] = set()  # an indicator that repeats a risk is not an indicator
        for field, listed in section.lists.items():
            kept = self._kept(self.grounder, field, listed, getattr(drafted, field), seen)
            out[field] = self._unclashed(listed, kept, self.fields)
        return out

    def _unclashed(self, listed: ItemList, items: list[Any],
                   fields: dict[str, Any]) -> list[Any]:
        """``items`` without those that clash with the list they are filtered against, as far
        as ``fields`` holds it."""
        against = listed.against
        others = fields.get(against.other) if against is not None else None
        if against is None or not items or not others:
            return items
        return [item for item in items if not against.clashes(item, others, self.grounder)]

    def assemble(self, base: Brief | None = None) -> dict[str, Any]:
        """The Brief's fields: every drafted section grounded (:meth:`release`), over the fields
        of ``base`` when one section of it is re-drafted."""
        self.release(force=True)
        run = self.run
        out: dict[str, Any] = {"topic": run.request, "bottom_line": NO_BOTTOM_LINE}
        if base is not None:
            out.update({f: getattr(base, f) for f in Brief.model_fields
                        if f not in ("manifest", "unsupported", "failures", "partial",
                                     "changes")})
            for name in self.plan["sections"]:  # the section re-drafted starts empty
                for field in fields_of(name):
                    out[field] = (NO_BOTTOM_LINE if field == "bottom_line" else
                                  Brief.model_fields[field].get_default(
                                      call_default_factory=True))
        out.update(self.fields)
        if base is not None:  # a list re-drafted is filtered against the lists kept
            for section in SECTIONS.values():
                for field, listed in section.lists.items():
                    out[field] = self._unclashed(listed, out.get(field, []), out)
        out.update(unsupported=run.unsupported, failures=run.failures,
                   partial=bool(run.failures))
        return out

    def _kept(self, grounder: Grounder, field: str, listed: ItemList, items: list[Any],
              seen: set[str]) -> list[Any]:
        """``items`` grounded, judged, cut to what the Brief holds (by-sentence sections can
        bring back more: the first, in the passages' retrieval order) and finished; each kept
        item is shown on a progress line."""
        rule = listed.rule
        visited = self.visits.visited.get(field)
        if visited is not None and rule.cue is not None:  # the sentences its ranker chose
            rule = replace(rule, cue=Visited(visited, rule.cue))
        kept = grounder.keep(rule, items, seen=seen)
        kept = grounder.judged(listed.rule, kept, self.judge, self.threshold)
        kept = kept[:max_items(field)]
        for finish in listed.finish:
            kept = finish(kept)
        for item in kept:
            self.say(f"  {listed.label}: {_headline_of(item)} {self._cites(item)}")
        return kept

    def _cites(self, item: Any) -> str:
        ids = [self.ids.get((e.chunk_id, normalise(e.quote)), "?") for e in item.evidence]
        return "".join(f"[{i}]" for i in ids)


def _needs(name: str) -> set[str]:
    """The sections whose lists a list of section ``name`` is filtered against."""
    wanted = {listed.against.other for listed in SECTIONS[name].lists.values()
              if listed.against is not None}
    return {n for n, s in SECTIONS.items() if wanted & set(s.lists)}


def _headline_of(item: Any) -> str:
    return str(next(iter(item.model_dump(exclude={"evidence"}).values()), ""))


__all__ = ["draft_brief", "draft", "Drafted", "Steering", "retrieve_for_topic", "SECTIONS",
           "NO_BOTTOM_LINE"]
