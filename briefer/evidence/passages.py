"""Retrieved chunks → passages of quotable sentences, each with an id the model can cite.

A passage is one retrieved chunk shown to the model under an alias (``P3`` in briefs, ``3`` in
answers). Its quotable units are sentences (:func:`briefer.text.verify.sentences`: prose only, a
sentence that points back joined to its antecedent, long ones cut at clause boundaries), each
with an id (``P3.2``). The model cites ids; the quote text is attached from the id, so a cited
quote is always a real sentence of a retrieved passage.

Instruction-like text (:mod:`briefer.corpus.injection`: flagged at ingest, or found here for a chunk
stored before ingest screened for it) is never a quotable unit, and the model never sees it:
:func:`shown_text` replaces it with ``[instruction-like text removed]``. Removed, not fenced: a
fence still puts the order in front of a small model, which may follow it anyway, and a chat
template token inside it may be read as a real turn. The memo lists what was removed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from briefer.core.schemas import Chunk, Flag
from briefer.corpus.injection import find_instructions, strip_instructions, visible_pieces
from briefer.text.rows import is_table_row, labelled, row_headers
from briefer.text.structure import names_stage
from briefer.text.verify import locate, normalise, sentences

# The longest quotable unit, in characters: a sentence with its antecedent fits; Evidence.quote
# (schemas.QUOTE_MAX_CHARS) holds it.
UNIT_MAX_CHARS = 320


@dataclass(frozen=True)
class Sentence:
    id: str  # "P3.2": passage alias, dot, 1-based index
    chunk_id: str
    text: str


@dataclass(frozen=True)
class Passage:
    alias: str  # what the model sees and writes, e.g. "P3"
    chunk: Chunk
    units: tuple[Sentence, ...]
    flags: tuple[Flag, ...] = ()  # instruction-like spans: never units, never shown

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(u.text for u in self.units)

    def header(self) -> str:
        head = f"[{self.alias}] source: {self.chunk.source}"
        if self.chunk.date:
            head += f", dated {self.chunk.date}"
        if self.chunk.page:
            head += f", page {self.chunk.page}"
        return head


def _grammar_safe(sentence: str) -> str | None:
    """A sentence llama.cpp's schema-to-grammar converter can hold as an enum literal.

    ASCII double quotes become typographic ones (quote verification normalises them back, so
    the quote still matches exactly); backslashes are rare in prose and are left out.
    """
    if "\\" in sentence:
        return None
    return sentence.replace('"', "\u201c")


def screened(chunk: Chunk) -> tuple[Flag, ...]:
    """The chunk's instruction-like spans: as flagged at ingest, else found now."""
    return chunk.flags if chunk.flags is not None else tuple(find_instructions(chunk.text))


def shown_text(chunk: Chunk) -> str:
    """The chunk's text as the model is shown it, and as quotes are verified against."""
    flags = screened(chunk)
    return strip_instructions(chunk.text, flags) if flags else chunk.text


def make_passages(chunks: Sequence[Chunk], prefix: str = "P") -> list[Passage]:
    """One passage per chunk, aliased ``{prefix}1``, ``{prefix}2`` … in retrieval order.

    Units come from the text between flagged spans, each stretch on its own (a sentence never
    joins one across a removed span)."""
    out = []
    for i, chunk in enumerate(chunks, start=1):
        alias = f"{prefix}{i}"
        flags = screened(chunk)
        found = (s for piece in visible_pieces(chunk.text, flags)
                 for s in sentences(piece, max_chars=UNIT_MAX_CHARS, keep=names_stage))
        texts = dict.fromkeys(q for q in (_grammar_safe(s) for s in found) if q)
        units = tuple(Sentence(f"{alias}.{j}", chunk.id, t) for j, t in enumerate(texts, 1))
        out.append(Passage(alias, chunk, units, flags))
    return out


def index(passages: Sequence[Passage]) -> dict[str, Sentence]:
    """Sentence id → sentence, over every passage."""
    return {u.id: u for p in passages for u in p.units}


def render_text(passages: Sequence[Passage]) -> str:
    """Each passage as its header and its text, instruction-like spans removed (answers cite
    passages by number); a passage cut from a table's body after the table's header row (its
    rows say what they are only under it; the header is shown, not quotable)."""
    return "\n\n".join(p.header() + "\n" + " ".join(
        f"{p.chunk.table_header} {strip_instructions(p.chunk.text, p.flags)}".split())
        for p in passages)


# --------------------------------------------------------------------------- quotes as prose
# A quote is verified, and its character span located, on the raw text; what a reader is shown
# is prose: whole sentences, without the list markers, emphasis and table pipes that the
# loaders keep (Markdown, PDF bullets, tables) or add.

_ITEM = re.compile(r"(?:^|(?<=[.!?:;]\s)|(?<=\n))[ \t]*(?:[-*+\u2022\u25aa\u2023]|\d{1,2}[.)])"
                   r"[ \t]+(?=\S)")
_HEADING = re.compile(r"(?:^|(?<=\n))[ \t]*#{1,6}[ \t]+")
_EMPHASIS = (re.compile(r"\*\*(.+?)\*\*", re.S), re.compile(r"__(.+?)__", re.S),
             re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", re.S),
             re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])", re.S),
             re.compile(r"`([^`]+)`"))
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M)
_PIPE = re.compile(r"\s*\|\s*")
_END = re.compile(r"[.!?][\"'\u201d\u2019)\]*_]*(?=\s|$)")


def _sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to the sentences it touches (never past ``text``'s ends, a blank
    line or a Markdown heading's line: a heading without a full stop is not one sentence with
    the line under it)."""
    before = [m.end() for m in _END.finditer(text, 0, start)]
    new_start = before[-1] if before else 0
    blank = text.rfind("\n\n", 0, start)
    new_start = max(new_start, blank + 2 if blank >= 0 else 0)
    line_start = text.rfind("\n", 0, start) + 1
    if line_start and (_HEADING.match(text, line_start)
                       or _HEADING.match(text, text.rfind("\n", 0, line_start - 1) + 1)):
        new_start = max(new_start, line_start)  # a heading's line, or the line after one
    if end > 0 and _END.match(text, end - 1):
        return new_start, end
    after = _END.search(text, end)
    new_end = after.end() if after else len(text)
    blank = text.find("\n\n", end)
    new_end = min(new_end, blank) if blank >= 0 else new_end
    line_end = text.find("\n", end)
    if line_end >= 0 and (_HEADING.match(text, line_end + 1)
                          or _HEADING.match(text, text.rfind("\n", 0, start) + 1)):
        new_end = min(new_end, line_end)  # a heading's line, or the line before one
    return new_start, new_end


def as_prose(quote: str, context: str | None = None, header: str = "") -> str:
    """``quote`` as a reader should see it.

    With ``context`` (the passage it was verified in), it is widened to whole sentences; a
    start that is still not a sentence's start (a passage cut mid-sentence) gets "…". A quote
    in a table's row is that whole row, read with its header's labels ("Option: Ban imports;
    Cost: Low"; ``header``: the one its passage carries, when the passage opens inside the
    table). List markers, headings' #, emphasis (``**``, ``*``, ``__``, ``_``, backticks) and
    table pipes are removed; whitespace is collapsed. The quote's own span is unchanged: this
    is display.
    """
    text, row = quote, False
    if context:
        span = locate(quote, context)
        if span is not None:
            start = context.rfind("\n", 0, span[0]) + 1
            end = context.find("\n", span[0])
            line = context[start:end if end >= 0 else len(context)]
            row = is_table_row(line) or line.rstrip().endswith("|")  # a row, or a row's end
            if row:
                labels = row_headers(context, header).get(normalise(line))
                text = labelled(line, labels) if labels else line
            else:
                start, end = _sentence_span(context, *span)
                text = context[start:end]
    text = _TABLE_RULE.sub(" ", text)
    text = _HEADING.sub("", text)
    text = _ITEM.sub("", text.strip())
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    if "|" in text:  # table rows: cells joined by commas, rows by semicolons
        rows = [", ".join(c.strip() for c in _PIPE.split(row.strip().strip("|")) if c.strip())
                for row in text.splitlines()]
        text = "; ".join(r for r in rows if r)
    text = " ".join(text.split())
    if context and text[:1].islower() and not row:
        text = "\u2026" + text
    return text


def prose_in(quote: str, chunk: Chunk | None) -> str:
    """:func:`as_prose` of a quote of ``chunk`` (read in its text, with the table header it
    carries), or of the quote alone when its chunk is not at hand."""
    return as_prose(quote, chunk.text, chunk.table_header) if chunk else as_prose(quote)
