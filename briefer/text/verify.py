"""Deterministic quote verification: is this quote really in that passage?

Both sides are normalised (Unicode NFKC, curly quotes and dashes to ASCII, whitespace collapsed).
``exact``: the normalised quote is a substring of the normalised passage. ``fuzzy``: the best
window of the passage, at word level, matches the quote with a similarity >= FUZZY_THRESHOLD
(difflib ratio). Anything below is ``unverified`` and never presented as a finding.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from briefer.core.prompts import load_yaml

FUZZY_THRESHOLD = 0.90
MIN_QUOTE_CHARS = 8
_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ", "\u2026": "...",
})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Verdict:
    match: str  # exact | fuzzy | unverified
    score: float


def verify_quote(quote: str, passage: str, threshold: float = FUZZY_THRESHOLD) -> Verdict:
    q = normalise(quote).strip(" \"'.,;:")
    if len(q) < MIN_QUOTE_CHARS:
        return Verdict("unverified", 0.0)
    p = normalise(passage)
    if q in p:
        return Verdict("exact", 1.0)
    if q.lower() in p.lower():
        return Verdict("fuzzy", 0.99)
    score = _best_window(q.lower().split(), p.lower().split())
    return Verdict("fuzzy" if score >= threshold else "unverified", round(score, 3))


def _best_window(q: list[str], p: list[str]) -> float:
    if not q or not p:
        return 0.0
    n = len(q)
    best = 0.0
    target = " ".join(q)
    for size in {max(1, n - 2), n, n + 2}:
        for i in range(0, max(1, len(p) - size + 1)):
            window = " ".join(p[i: i + size])
            matcher = difflib.SequenceMatcher(None, target, window, autojunk=False)
            if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
                continue
            best = max(best, matcher.ratio())
    return best


# a sentence ends at ., ! or ? before a capital or digit (not after an initial, "Donald J.
# Trump", "U.S. Army", nor after a title or "No.": words.yaml's abbreviations); a blank
# line ends a paragraph; a line that opens with a list marker ("- ", "* ", "3. ") starts an
# item of its own (fact sheets run their bullets on without a full stop)
NOT_AN_ABBREVIATION = r"(?<![\s.][A-Z]\.)" + "".join(  # after a full stop: not "J." "U.S." "Dr."
    rf"(?<!\b{re.escape(str(w).capitalize())}\.)" for w in load_yaml("words.yaml")["abbreviations"])
_SENTENCE = re.compile(NOT_AN_ABBREVIATION
                       + r"(?<=[.!?])[\"'\u201d\u2019)]?\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])|\n\s*\n"
                       r"|\n(?=[ \t]*(?:[-*+\u2022\u25aa\u2023]|\d{1,2}[.)])[ \t]+\S)")
# a table's line as the loaders write tables (Markdown's): a row "| cell | cell |", or the rule
# under its header "|---|:--|"; a row is one unit, whatever full stops its cells hold
TABLE_LINE = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.M)
TABLE_RULE = re.compile(r"^(?=[^|]*\|)(?=[^-]*-)[\s|:-]+$")


def _quotable(sentence: str, row: bool = False) -> bool:
    """Prose, not page furniture: six words or more (a table row's "|" is none), at least three
    of them lower-case."""
    words = [w for w in sentence.split() if not (row and w == "|")]
    return len(words) >= 6 and sum(1 for w in words if w[:1].islower()) >= 3


# A sentence that opens by pointing back ("This might involve ...", "In that case, ...") says
# nothing on its own: it is quoted together with the sentence it points to.
_CONTINUATION = re.compile(
    r"(?:This|That|These|Those|It|Its|They|Their|Such|Then|Otherwise|If so|"
    r"In (?:that|this|which|such a) case)\b")


def sentences(text: str, max_chars: int = 380, min_chars: int = MIN_QUOTE_CHARS,
              keep: Callable[[str], bool] | None = None) -> list[str]:
    """Quotable spans of ``text``: self-contained sentences, long ones cut at clause boundaries.

    A sentence that opens by referring back is joined to the one before it when both fit in
    ``max_chars``, so a quote carries its own antecedent ("Suppose X. In that case, Y.").
    ``keep``: what is quotable however short (a heading that names a stage of a plan). A
    table's row is one unit (cut only when longer than ``max_chars``); its header row (the row
    above the rule) and the rule are none: the header labels the rows.
    """
    out: list[str] = []
    pos = 0
    for row in TABLE_LINE.finditer(text):
        out += _prose(text[pos:row.start()], max_chars, min_chars, keep)
        pos = row.end()
        after = text[pos + 1:text.find("\n", pos + 1) if "\n" in text[pos + 1:] else len(text)]
        line = " ".join(row.group(0).split())
        if not TABLE_RULE.match(line) and not TABLE_RULE.match(after.strip() or "x"):
            out += _cut(line, max_chars, min_chars, row=True) if _quotable(line, row=True) else []
    return out + _prose(text[pos:], max_chars, min_chars, keep)


def _prose(text: str, max_chars: int, min_chars: int,
           keep: Callable[[str], bool] | None) -> list[str]:
    """:func:`sentences` of text that holds no table line."""
    out: list[str] = []
    for raw in _SENTENCE.split(text):
        sentence = " ".join(raw.split())
        if ((len(sentence) < min_chars or not _quotable(sentence))
                and not (keep is not None and sentence and keep(sentence))):
            continue
        if (out and _CONTINUATION.match(sentence)
                and len(out[-1]) + 1 + len(sentence) <= max_chars):
            out[-1] = f"{out[-1]} {sentence}"
            continue
        out += _cut(sentence, max_chars, min_chars)
    return out


def _cut(sentence: str, max_chars: int, min_chars: int, row: bool = False) -> list[str]:
    """``sentence`` in pieces of at most ``max_chars``, cut at a clause boundary (a table
    row's cell first), else a space, else inside a word."""
    out: list[str] = []
    while len(sentence) > max_chars:
        cut = max(sentence.rfind(" | ", 0, max_chars) if row else -1,
                  sentence.rfind("; ", 0, max_chars), sentence.rfind(", ", 0, max_chars))
        if cut < max_chars // 3:
            cut = sentence.rfind(" ", 0, max_chars)
        if cut < 1:  # no space in reach (a long link): cut inside the word
            cut = max_chars - 1
        out.append(sentence[: cut + 1].strip())
        sentence = sentence[cut + 1:].strip()
    if len(sentence) >= min_chars:
        out.append(sentence)
    return out


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Character span of ``quote`` in ``text``, tolerant of whitespace and quote-mark changes."""
    words = normalise(quote).split()
    if not words:
        return None
    flexible = {"'": "['\u2018\u2019\u201a\u201b\u2032]", '"': "[\"\u201c\u201d\u201e\u201f\u2033]",
                "-": "[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]"}

    def word_pattern(word: str) -> str:
        return "".join(flexible.get(ch, re.escape(ch)) for ch in word)

    m = re.search(r"\s+".join(word_pattern(w) for w in words), text)
    return (m.start(), m.end()) if m else None


_DOUBLE = re.compile("[\"\u201c\u201d]")
_OPENS_AFTER = "([\u2014\u2013-:/"  # a double mark after these (or a space) opens a quotation


def in_quotes(text: str) -> str:
    """``text`` between typographic double quotation marks, its own double marks turned to
    single ones, as quotations nest ("“‘They will never be part of that bloc,’ the president
    said”", not "““They …,” the president said”"); an ASCII mark right after a digit is an
    inch mark and stays ("a 12\" pipe")."""
    def single(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else " "
        if m.group(0) == '"' and before.isdigit():
            return '"'
        opens = m.group(0) == "\u201c" or (
            m.group(0) == '"' and (before.isspace() or before in _OPENS_AFTER))
        return "\u2018" if opens else "\u2019"
    return f"\u201c{_DOUBLE.sub(single, text)}\u201d"
