"""One memo in the format a reader asks for: Markdown (:mod:`briefer.render.memo`), Word
(:mod:`briefer.render.docx`) or a standalone web page (:mod:`briefer.render.html`)."""

from __future__ import annotations

from briefer.core.errors import OutputError
from briefer.core.schemas import Brief, Chunk
from briefer.render.docx import render_docx
from briefer.render.html import render_html
from briefer.render.memo import FORMATS, render_memo


def render(brief: Brief, chunks: dict[str, Chunk], fmt: str) -> str | bytes:
    """The memo in ``fmt`` (one of :data:`~briefer.render.memo.FORMATS`): text, or bytes for
    DOCX."""
    if fmt == "md":
        return render_memo(brief, chunks)
    if fmt == "docx":
        return render_docx(brief, chunks)
    if fmt == "html":
        return render_html(brief, chunks)
    raise OutputError(f"unknown memo format {fmt!r}: the formats are {', '.join(FORMATS)}")
