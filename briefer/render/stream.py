"""The memo one section at a time, for a terminal that shows a brief as it is written.

The sections are the blocks of the Markdown memo's template (``prompts/memo.md.j2``), so a section
on the screen reads as it does in the memo. Citations are numbered in the order they are first
shown (the saved memo numbers them in its own reading order); :meth:`SectionStream.end` adds
what only the whole brief knows: what changed, the items set apart, the flagged passages and the
numbered sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from briefer.core.schemas import Brief, Changes, Chunk, Evidence
from briefer.render.memo import number_sources, template

SECTION_BLOCKS = ("summary", "response_options", "red_lines", "risks", "indicators",
                  "disagreements_gaps")


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


class SectionStream:
    """Renders a brief's sections as they are grounded, numbering citations as shown."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.template = template()
        self.evidence: list[Evidence] = []
        self.chunks: dict[str, Chunk] = {}

    def _cite(self, evidence: Sequence[Evidence]) -> str:
        refs = number_sources(self.evidence, self.chunks)
        index = {(s.chunk_id, s.raw): s.n for s in refs}
        numbers = sorted({index[(e.chunk_id, " ".join(e.quote.split()))] for e in evidence
                          if (e.chunk_id, " ".join(e.quote.split())) in index})
        return "".join(f"[{n}]" for n in numbers)

    def _block(self, name: str, brief: Any, m: Any = None) -> str:
        context = self.template.new_context({
            "brief": brief, "cite": self._cite, "m": m,
            "sources": number_sources(self.evidence, self.chunks)})
        return _tidy("".join(self.template.blocks[name](context)))

    def section(self, name: str, fields: dict[str, Any], chunks: dict[str, Chunk]) -> str:
        """Markdown of section ``name`` from its grounded Brief fields."""
        self.chunks.update(chunks)
        partial = Brief.model_construct(topic=self.topic, **fields)
        if name == "summary" and "bottom_line" not in fields:
            return ""
        self.evidence += fields.get("bottom_line_evidence", [])
        for value in fields.values():  # the lists of items, each with its evidence
            for item in value if isinstance(value, list) else []:
                self.evidence.extend(getattr(item, "evidence", []))
        return self._block(name, partial) if name in SECTION_BLOCKS else ""

    def end(self, brief: Brief, chunks: dict[str, Chunk]) -> str:
        """What follows the sections: changes, items set apart, flagged passages, sources."""
        self.chunks.update(chunks)
        seen = {(e.chunk_id, " ".join(e.quote.split())) for e in self.evidence}
        self.evidence += [e for e in brief.evidence()
                          if (e.chunk_id, " ".join(e.quote.split())) not in seen]
        parts = [self._block(b, brief, brief.manifest) for b in ("changes", "set_apart",
                                                                 "sources")]
        partial = (f"> **Partial brief.** Some sections did not validate: "
                   f"{'; '.join(brief.failures)}\n") if brief.partial else ""
        return _tidy("\n".join([partial, *parts]))


def render_changes(changes: Changes, topic: str) -> str:
    """Markdown of ``changes`` alone (`brief diff`)."""
    stream = SectionStream(topic)
    fields: dict[str, Any] = {"topic": topic, "changes": changes}
    brief = Brief.model_construct(**fields)
    return stream._block("changes", brief)
