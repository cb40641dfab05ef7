"""The REPL's brief commands: /brief, /why, /pin, /exclude, /redo (and the numbering of a
brief's items and sources they share with /sources, /show and /memo in ``repl.py``)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from briefer.core.schemas import Brief, Chunk
from briefer.corpus.workspace import Workspace
from briefer.llm.base import ChatModel
from briefer.pipeline.draft import Drafted, Steering
from briefer.text.verify import in_quotes


class BriefCommands:
    """Mixed into :class:`briefer.cli.repl.Repl`, whose dataclass fields these are."""

    workspace: Workspace
    model: ChatModel
    last_brief: Brief | None
    last_chunks: dict[str, Chunk]
    last_drafted: Drafted | None
    last: str
    pins: list[str]
    exclude: list[str]
    say: Callable[..., None]

    def steering(self) -> Steering:
        return Steering(pins=tuple(self.pins), exclude=tuple(self.exclude))

    def _progress(self, what: str) -> None:
        if not what.startswith("  "):  # items are listed, numbered, once the brief is done
            self.say(f"  {what} …")

    def brief(self, topic: str) -> None:
        if not topic:
            self.say("usage: /brief TOPIC")
            return
        from briefer.pipeline.changes import remember
        from briefer.pipeline.draft import draft

        self.say(f"drafting a brief on {topic!r} …")
        drafted = draft(topic, workspace=self.workspace, model=self.model,
                        progress=self._progress, steering=self.steering())
        chunks = drafted.run.chunk_map()
        drafted = Drafted(remember(drafted.brief, chunks, self.workspace), drafted.run)
        self._keep(drafted)
        self.show_brief()
        self.say("/why N: what item #N rests on · /memo writes the memo · /redo SECTION")

    def _keep(self, drafted: Drafted) -> None:
        self.last_drafted = drafted
        self.last_brief = drafted.brief
        self.last_chunks = drafted.run.chunk_map()
        self.last = "brief"

    def items(self) -> list[tuple[str, Any]]:
        """The brief's items as numbered by /brief and /why: (kind, item), from #1."""
        b = self.last_brief
        if b is None:
            return []
        return ([("option", o) for o in b.response_options]
                + [("red line", r) for r in b.red_lines] + [("risk", f) for f in b.risks]
                + [("indicator", f) for f in b.indicators]
                + [("disagreement", d) for d in b.disagreements])

    def _sources(self) -> list[Any]:
        from briefer.render.memo import number_sources

        assert self.last_brief is not None
        return number_sources(self.last_brief.evidence(), self.last_chunks)

    def _cite(self, evidence: Any) -> str:
        index = {(s.chunk_id, s.raw): s.n for s in self._sources()}
        return "".join(f"[{index[(e.chunk_id, ' '.join(e.quote.split()))]}]"
                       for e in evidence if (e.chunk_id, " ".join(e.quote.split())) in index)

    def show_brief(self, only: set[str] | None = None) -> None:
        brief = self.last_brief
        assert brief is not None
        if only is None or "bottom line" in only:
            self.say(f"BOTTOM LINE: {brief.bottom_line} {self._cite(brief.bottom_line_evidence)}")
        for n, (kind, item) in enumerate(self.items(), start=1):
            if only is not None and kind not in only:
                continue
            if kind == "option":
                text = f"[{item.category}] {item.label} — when: {item.condition}"
            elif kind == "red line":
                text = f"{item.trigger} → {item.consequence}"
            else:
                text = getattr(item, "description", None) or item.claim
            self.say(f"  #{n} {kind}: {text} {self._cite(item.evidence)}")
        if only is None and brief.gaps:
            self.say("  gaps: " + "; ".join(brief.gaps))
        if brief.partial:
            self.say("  (partial: " + "; ".join(brief.failures) + ")")
        changes = brief.changes
        if only is None and changes is not None:
            kinds = [i.kind for i in changes.items]
            self.say(f"  changes since {changes.since:%Y-%m-%d %H:%M}: "
                     f"{kinds.count('new')} new, {kinds.count('changed')} changed, "
                     f"{kinds.count('dropped')} dropped; {len(changes.sources_added)} documents "
                     f"added, {len(changes.sources_updated)} changed (in the memo)")
            for change in changes.items:
                was = f" (was: {change.before})" if change.kind == "changed" else ""
                self.say(f"    {change.kind} {change.section.replace('_', ' ')}: "
                         f"{change.text}{was}")

    def why(self, arg: str) -> None:
        items = self.items()
        if not arg.isdigit() or not 1 <= int(arg) <= len(items):
            self.say(f"usage: /why N, N an item of the last brief (1-{len(items)})"
                     if items else "usage: /why N, after a /brief with items")
            return
        from briefer.grounding.support import Support
        from briefer.text.verify import sentences

        kind, item = items[int(arg) - 1]
        claims = {"option": ("label", "condition"), "red line": ("trigger", "consequence"),
                  "disagreement": ("claim",)}.get(kind, ("description",))
        units = [u for e in item.evidence if e.chunk_id in self.last_chunks
                 for u in sentences(self.last_chunks[e.chunk_id].text)]
        support = Support(units)
        quotes = [e.quote for e in item.evidence]
        self.say(f"#{arg} {kind}: " + " — ".join(str(getattr(item, c)) for c in claims))
        for c in claims:
            self.say(f"  {c}: support {support(str(getattr(item, c)), quotes):.2f} "
                     "(share of its terms its quotes state, weighted by rarity)")
        index = {(s.chunk_id, s.raw): s for s in self._sources()}
        for e in item.evidence:
            ref = index.get((e.chunk_id, " ".join(e.quote.split())))
            where = f"[{ref.n}] {ref.source}" if ref else e.chunk_id
            self.say(f"  {where} — passage {e.chunk_id}, {e.match} match "
                     f"({e.score:.2f}): {in_quotes(' '.join(e.quote.split()))}")

    def _list_or_clear(self, arg: str, values: list[str], what: str, add: str,
                       cleared: str) -> bool:
        """``/pin`` and ``/exclude`` without an argument list ``values``; with "clear" they
        empty it. True when ``arg`` was one of those."""
        if not arg:
            self.say(f"{what}: {', '.join(values) if values else 'nothing'}  ({add} to add, "
                     f"{add.split()[0]} clear)")
        elif arg == "clear":
            values.clear()
            self.say(cleared)
        return not arg or arg == "clear"

    def pin(self, arg: str) -> None:
        if self._list_or_clear(arg, self.pins, "pinned", "/pin N or /pin CHUNK_ID",
                               "pins cleared"):
            return
        chunk_id = arg
        if arg.isdigit():
            refs = self._sources() if self.last_brief is not None else []
            if not 1 <= int(arg) <= len(refs):
                self.say(f"no source [{arg}] in the last brief; /sources lists them")
                return
            chunk_id = refs[int(arg) - 1].chunk_id
        (chunk,) = Steering(pins=(chunk_id,)).check(self.workspace)  # one-line error if unknown
        if chunk_id not in self.pins:
            self.pins.append(chunk_id)
        self.say(f"pinned passage {chunk_id} ({chunk.source}): every section of the next "
                 "/brief or /redo is shown it")

    def exclude_source(self, arg: str) -> None:
        if self._list_or_clear(arg, self.exclude, "excluded", "/exclude GLOB",
                               "exclusions cleared"):
            return
        glob = shlex.split(arg)[0]
        Steering(exclude=(glob,)).check(self.workspace)  # one-line error if it matches nothing
        if glob not in self.exclude:
            self.exclude.append(glob)
        from briefer.store.retrieve import excluded

        hits = [s for s in self.workspace.manifest.docs if excluded(s, [glob])]
        self.say(f"excluded {len(hits)} document(s) for this session: {', '.join(hits[:5])}"
                 + (" …" if len(hits) > 5 else ""))

    def redo(self, arg: str) -> None:
        if self.last_drafted is None:
            self.say("nothing to redo yet: run /brief TOPIC first")
            return
        if not arg:
            self.say("usage: /redo SECTION (options, red-lines, risks, indicators, "
                     "disagreements, gaps, bottom-line)")
            return
        from briefer.pipeline.redo import redo
        from briefer.pipeline.steering import section_named

        name = section_named(arg)  # one-line error for an unknown section
        self.say(f"redoing {name.replace('_', ' ')} …")
        self._keep(redo(self.last_drafted, name, workspace=self.workspace, model=self.model,
                        steering=self.steering(), progress=self._progress))
        shown = {"summary": {"bottom line"}, "response_options": {"option"},
                 "red_lines": {"red line"}, "risks": {"risk"}, "indicators": {"indicator"},
                 "disagreements_gaps": {"disagreement"}}[name]
        self.show_brief(only=shown)
        self.say("the rest of the brief is unchanged; /memo writes it")
