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

from briefer.core.schemas import Chunk
from briefer.corpus.injection import find_instructions
from briefer.corpus.loaders import Document
from briefer.text.rows import header_at
from briefer.text.verify import NOT_AN_ABBREVIATION

# Separators, strongest first (regular expressions). Real documents are often hard-wrapped (a
# line break every ~70 characters) and write a paragraph break as a line of spaces ("  \n  \n",
# text converted from web pages): were a single line break stronger than a sentence's end,
# two passages in three of such a corpus would end in the middle of a sentence, and that
# sentence would be quotable in neither. So a blank line (spaces allowed) is a paragraph, a
# list item's (or a table row's) line comes next, then a sentence's end (at a line break, then
# before a space) and only then a bare line break. A sentence ends as
# :func:`briefer.text.verify.sentences` reads it: a full stop not after an initial or a title
# ("U.S. officials", "Donald J. Trump", "Mr. Smith"), before a capital or a digit.
_END = r"(?:" + NOT_AN_ABBREVIATION + r"(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)]))"
_NEXT = r"(?=[\"'\u201c\u2018(*_]*[A-Z0-9])"
_PARAGRAPH = r"\n[^\S\n]*\n"
_LIST_ITEM = r"\n(?=[^\S\n]*(?:(?:[-*+\u2022]|\d{1,3}[.)])\s|\|))"  # or a table's row
_SENTENCE = [_END + r"[^\S\n]*\n" + _NEXT, _END + r"[^\S\n]+" + _NEXT]
_WEAK = [re.escape(s) for s in ("\n", "; ", ", ", " ")] + [""]
_PROSE = [_PARAGRAPH, _LIST_ITEM, *_SENTENCE, *_WEAK]
_MARKDOWN = [re.escape(s) for s in ("\n# ", "\n## ", "\n### ", "\n#### ", "\n##### ",
                                     "\n###### ", "\n```\n")] + _PROSE
# a store's documents cut (or dated) by an older version are cut again at the next ingest;
# v3: sentence ends before line breaks, web addresses no runs; v4: a plain document's date
# is the first date at its top (``loaders._date_from_text``); v5: Markdown links as their
# words alone (``loaders._unlink``); v6: HTML and DOCX tables as rows where they stand
# (``corpus.tables``), a passage cut from a table's body with its header (``Chunk.table_header``)
CHUNKING_VERSION = "chunking-v6"
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
        is_separator_regex=True,
        strip_whitespace=True,
    )


def split_document(doc: Document, *, source: str, doc_hash: str,
                   length: Callable[[str], int], size: int = 200,
                   overlap: int = 32) -> list[Chunk]:
    """Split ``doc`` into chunks of at most ``size`` tokens (as counted by ``length``).

    Linear in the document's length: the text is first cut into windows of at most
    ``WINDOW_TOKENS * size`` characters at the best break near each window's end (heading,
    paragraph, line, sentence, word, else anywhere), and the recursive splitter only ever sees one
    window. A window holding a word of ``LONG_RUN`` or more characters (which the embedder's
    tokenizer counts as one token) or a run of ``CRAWL_RUN`` characters without whitespace (where
    the recursive splitter would count tokens one character at a time) is cut by a hard
    character window instead: pieces of at most ``CHARS_PER_TOKEN * size`` characters, shortened
    in proportion until they fit ``size`` tokens.
    """
    splitter = _splitter(doc.kind, size, overlap, length)
    structured = doc.kind in ("markdown", "html", "docx")
    sections = _Sections(doc.text)
    tables = header_at(doc.text)  # a passage cut from a table's body carries its header
    chunks: list[Chunk] = []
    for seg_start, seg_end, page in _segments(doc):
        for w_start, w_end in _windows(doc.text, seg_start, seg_end, WINDOW_TOKENS * size,
                                       structured):
            window = doc.text[w_start:w_end]
            if _LONG_RUN.search(window):
                pieces = _hard_pieces(window, length, size, CHARS_PER_TOKEN * size)
            else:
                pieces = _located(window, splitter.split_text(window),  # type: ignore[attr-defined]
                                  doc.warnings, w_start)
            for found, piece in pieces:
                start = w_start + found
                position = len(chunks)
                chunks.append(Chunk(
                    id=chunk_id(source, position, piece),
                    text=piece,
                    source=source,
                    title=doc.title,
                    date=doc.date,
                    page=page,
                    section=sections.at(start),
                    table_header=next((h for a, b, h in tables if a <= start < b), ""),
                    start=start,
                    end=start + len(piece),
                    position=position,
                    doc_hash=doc_hash,
                    flags=tuple(find_instructions(piece)),
                ))
    return chunks


WINDOW_TOKENS = 40    # windows of 40 × size characters (8,000 for 200-token chunks)
CHARS_PER_TOKEN = 10  # hard pieces of at most 10 × size characters before the token check
LONG_RUN = 100        # WordPiece reads a longer word as one [UNK]: the count would lie
CRAWL_RUN = 1000      # characters without whitespace the recursive splitter cuts one at a time
# A word WordPiece reads whole (letters and digits between punctuation or spaces) of LONG_RUN
# characters or more, or CRAWL_RUN characters without whitespace. Not a web address: one of
# 150 characters heads nearly every page saved from a government site, and taking it for a
# pathological run cut whole documents into character windows, mid-sentence.
_LONG_RUN = re.compile(r"[^\W_]{" + str(LONG_RUN) + r"}|\S{" + str(CRAWL_RUN) + "}")
# a window of a long table ends before a row, not at a full stop inside a cell
_BREAKS = [re.compile(p) for p in (_PARAGRAPH, r"\n(?=[^\S\n]*\|)", _END + r"\s+" + _NEXT,
                                   *_WEAK[:-1])]


def _windows(text: str, start: int, end: int, width: int,
             structured: bool) -> list[tuple[int, int]]:
    """Contiguous (start, end) windows covering text[start:end], each at most ``width`` long.

    Each cut is searched for only in the second half of its window, so the whole pass reads every
    character a bounded number of times.
    """
    out: list[tuple[int, int]] = []
    pos = start
    while end - pos > width:
        limit, low = pos + width, pos + width // 2
        cut = -1
        if structured:
            found = text.rfind("\n#", low, limit)
            cut = found + 1 if found >= 0 else -1
        for brk in _BREAKS:  # the last break of the strongest kind in the second half
            if cut >= 0:
                break
            ends = [m.end() for m in brk.finditer(text, low, limit)]
            cut = ends[-1] if ends else -1
        cut = cut if cut > pos else limit
        out.append((pos, cut))
        pos = cut
    if pos < end:
        out.append((pos, end))
    return out


def _located(window: str, pieces: list[str], warnings: list[str],
             base: int) -> list[tuple[int, str]]:
    """(offset in window, piece) for each piece the splitter returned."""
    out: list[tuple[int, str]] = []
    cursor = 0
    for piece in pieces:
        found = window.find(piece, cursor)
        if found < 0:
            found = window.find(piece)
        if found < 0:  # the splitter rewrote the text; never store offsets that lie
            warnings.append(f"a passage at {base + cursor} could not be located")
            continue
        out.append((found, piece))
        cursor = found + 1
    return out


def _hard_pieces(window: str, length: Callable[[str], int], size: int,
                 cap: int) -> list[tuple[int, str]]:
    """Cut ``window`` into consecutive pieces of at most ``cap`` characters and ``size`` tokens,
    preferring a whitespace break in the second half of each piece; no overlap."""
    out: list[tuple[int, str]] = []
    pos, n = 0, len(window)
    guess = cap  # the next piece's length, from the last one: usually one count per piece
    while pos < n:
        while pos < n and window[pos].isspace():
            pos += 1
        if pos >= n:
            break
        end = min(n, pos + guess)
        count = length(window[pos:end])
        while count > size:  # shrink in proportion (10% margin): one or two counts, not log(cap)
            end = pos + max(1, (end - pos) * size * 9 // (count * 10))
            count = length(window[pos:end])
        if end < n:
            half = pos + (end - pos) // 2
            brk = max(window.rfind(" ", half, end), window.rfind("\n", half, end))
            if brk > pos:
                end = brk
        guess = min(cap, max(16, (end - pos) * 11 // 10))
        piece = window[pos:end].rstrip()
        out.append((pos, piece))
        pos = end
    return out


def _segments(doc: Document) -> list[tuple[int, int, int | None]]:
    if not doc.pages:
        return [(0, len(doc.text), None)]
    out: list[tuple[int, int, int | None]] = []
    for i, (start, number) in enumerate(doc.pages):
        end = doc.pages[i + 1][0] if i + 1 < len(doc.pages) else len(doc.text)
        out.append((start, end, number))
    return out


class _Sections:
    """The heading path ("A > B > C") at an offset; offsets asked in increasing order cost
    O(headings) in total (a fresh scan only if an offset goes backwards)."""

    def __init__(self, text: str) -> None:
        self._headings = [(m.start(), len(m.group(1)), m.group(2))
                          for m in _HEADING.finditer(text)]
        self._next = 0
        self._offset = -1
        self._path: list[tuple[int, str]] = []

    def at(self, offset: int) -> str:
        if offset < self._offset:
            self._next, self._path = 0, []
        self._offset = offset
        while self._next < len(self._headings) and self._headings[self._next][0] <= offset:
            _, level, title = self._headings[self._next]
            self._path = [p for p in self._path if p[0] < level] + [(level, title)]
            self._next += 1
        return " > ".join(t for _, t in self._path)[:200]
