"""Document → Chunks sized for the embedder's window, with exact character offsets.

Splitting uses langchain-text-splitters' recursive splitter with the embedder's own token count as
the length function (all-MiniLM-L6-v2 reads 256 tokens and silently drops the rest), Markdown
heading separators for Markdown, HTML and DOCX text (their headings are rendered as ``#`` lines),
and sentence-first separators for plain text and PDF pages. Each chunk's offsets satisfy
``document.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache

from .loaders import Document
from .schemas import Chunk

_PROSE = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]
_MARKDOWN = ["\n# ", "\n## ", "\n### ", "\n#### ", "\n##### ", "\n###### ", "\n```\n",
             "\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$", re.M)


def chunk_id(source: str, position: int, text: str) -> str:
    content = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{source}\x00{position}\x00{content}".encode()).hexdigest()[:24]


@lru_cache(maxsize=8)
def _splitter(kind: str, size: int, overlap: int, length: Callable[[str], int]) -> object:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    structured = kind in ("markdown", "html", "docx")
    return RecursiveCharacterTextSplitter(
        separators=_MARKDOWN if structured else _PROSE,
        chunk_size=size,
        chunk_overlap=overlap,
        length_function=length,
        keep_separator="start" if structured else "end",
        strip_whitespace=True,
    )


def split_document(doc: Document, *, source: str, doc_hash: str,
                   length: Callable[[str], int], size: int = 200,
                   overlap: int = 32) -> list[Chunk]:
    """Split ``doc`` into chunks of at most ``size`` tokens (as counted by ``length``)."""
    splitter = _splitter(doc.kind, size, overlap, length)
    segments = _segments(doc)
    headings = [(m.start(), len(m.group(1)), m.group(2)) for m in _HEADING.finditer(doc.text)]
    chunks: list[Chunk] = []
    for seg_start, seg_end, page in segments:
        segment = doc.text[seg_start:seg_end]
        cursor = 0
        for piece in splitter.split_text(segment):  # type: ignore[attr-defined]
            found = segment.find(piece, cursor)
            if found < 0:
                found = segment.find(piece)
            if found < 0:  # the splitter rewrote the text; never store offsets that lie
                doc.warnings.append(f"a passage at {seg_start + cursor} could not be located")
                continue
            start = seg_start + found
            cursor = found + 1
            position = len(chunks)
            chunks.append(Chunk(
                id=chunk_id(source, position, piece),
                text=piece,
                source=source,
                title=doc.title,
                date=doc.date,
                page=page,
                section=_section_at(headings, start),
                start=start,
                end=start + len(piece),
                position=position,
                doc_hash=doc_hash,
            ))
    return chunks


def _segments(doc: Document) -> list[tuple[int, int, int | None]]:
    if not doc.pages:
        return [(0, len(doc.text), None)]
    out: list[tuple[int, int, int | None]] = []
    for i, (start, number) in enumerate(doc.pages):
        end = doc.pages[i + 1][0] if i + 1 < len(doc.pages) else len(doc.text)
        out.append((start, end, number))
    return out


def _section_at(headings: list[tuple[int, int, str]], offset: int) -> str:
    path: list[tuple[int, str]] = []
    for start, level, title in headings:
        if start > offset:
            break
        path = [p for p in path if p[0] < level] + [(level, title)]
    return " > ".join(t for _, t in path)[:200]
