"""How the analyst steers a brief: pinned passages, excluded documents, one section redone
(:func:`briefer.pipeline.redo.redo`), in the words a reader uses for the sections."""

from __future__ import annotations

from dataclasses import dataclass

from briefer.core.errors import ConfigError
from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.pipeline.sections import SECTIONS
from briefer.store.retrieve import Filters, excluded


@dataclass(frozen=True)
class Steering:
    """How the analyst steers a brief: passages kept in every section (chunk ids), documents
    never used (source globs, or file names), sections re-drafted since. Recorded in the
    manifest, so a memo says how it was steered."""

    pins: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    redone: tuple[str, ...] = ()

    def filters(self) -> Filters | None:
        return Filters(exclude=self.exclude) if self.exclude else None

    def check(self, workspace: Workspace) -> list[Chunk]:
        """The pinned chunks, after checking every pin and exclusion names something in the
        store (one-line errors)."""
        for glob in self.exclude:
            if not any(excluded(source, [glob]) for source in workspace.manifest.docs):
                raise ConfigError(f"no ingested document matches {glob!r}; `brief sources` "
                                  "lists them")
        if not self.pins:
            return []
        found = {c.id: c for c in workspace.store.get(list(self.pins))}
        missing = [p for p in self.pins if p not in found]
        if missing:
            raise ConfigError(f"unknown passage id {missing[0]!r}; `brief search` and the "
                              "memo's sources show passage ids")
        return [found[p] for p in dict.fromkeys(self.pins)]


# what `/redo SECTION` accepts: the memo's words for a section → the plan's section
SECTION_NAMES = {
    "bottom-line": "summary", "summary": "summary", "situation": "summary",
    "options": "response_options", "response-options": "response_options",
    "red-lines": "red_lines", "risks": "risks", "indicators": "indicators",
    "disagreements": "disagreements_gaps", "gaps": "disagreements_gaps",
}


def section_named(word: str) -> str:
    """The plan's section for a word a reader would use ("options", "red lines", "gaps")."""
    key = "-".join(word.lower().replace("_", " ").split())
    if key in SECTION_NAMES:
        return SECTION_NAMES[key]
    raise ConfigError(f"unknown section {word!r}; one of: "
                      + ", ".join(sorted(set(SECTION_NAMES) - {"response-options"})))


def fields_of(name: str) -> list[str]:
    """The Brief's fields that section ``name`` fills."""
    section = SECTIONS[name]
    extra = {"summary": ["bottom_line", "situation", "bottom_line_evidence"],
             "disagreements_gaps": ["gaps"]}.get(name, [])
    return [*section.lists, *extra]
