"""Brief → Markdown memo (pure: no I/O beyond reading the versioned template)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .prompts import read_text
from .schemas import Brief, Chunk, Evidence

TEMPLATE = "memo.md.j2"


@dataclass(frozen=True)
class SourceRef:
    n: int
    chunk_id: str
    source: str
    page: int | None
    start: int
    end: int
    quote: str
    match: str


def number_sources(evidence: Sequence[Evidence], chunks: dict[str, Chunk]) -> list[SourceRef]:
    """One number per distinct (passage, quote), in order of first citation."""
    refs: dict[tuple[str, str], SourceRef] = {}
    for ev in evidence:
        key = (ev.chunk_id, " ".join(ev.quote.split()))
        if key in refs:
            continue
        chunk = chunks.get(ev.chunk_id)
        refs[key] = SourceRef(
            n=len(refs) + 1, chunk_id=ev.chunk_id, source=chunk.source if chunk else "?",
            page=chunk.page if chunk else None, start=chunk.start if chunk else 0,
            end=chunk.end if chunk else 0, quote=" ".join(ev.quote.split()), match=ev.match,
        )
    return list(refs.values())


def render_memo(brief: Brief, chunks: dict[str, Chunk]) -> str:
    from jinja2 import Environment, StrictUndefined

    sources = number_sources(brief.evidence(), chunks)
    index = {(s.chunk_id, s.quote): s.n for s in sources}

    def cite(evidence: Sequence[Evidence]) -> str:
        numbers = sorted({index[(e.chunk_id, " ".join(e.quote.split()))] for e in evidence})
        return "".join(f"[{n}]" for n in numbers)

    env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=False)
    env.filters["cell"] = lambda s: " ".join(str(s).replace("|", "\\|").split())
    text = env.from_string(read_text(TEMPLATE)).render(brief=brief, sources=sources, cite=cite,
                                                       m=brief.manifest)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "brief"


def memo_path(topic: str, folder: Path, today: date | None = None) -> Path:
    return folder / f"{(today or date.today()).isoformat()}-{slugify(topic)}.md"
