"""Deterministic quote verification: is this quote really in that passage?

Both sides are normalised (Unicode NFKC, curly quotes and dashes to ASCII, whitespace collapsed).
``exact``: the normalised quote is a substring of the normalised passage. ``fuzzy``: the best
window of the passage, at word level, matches the quote with a similarity >= FUZZY_THRESHOLD
(difflib ratio). Anything below is ``unverified`` and never presented as a finding.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

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
# Trump", "U.S. Army", nor after "Mr." "Dr." "St." "No."); a blank line ends a paragraph; a
# line that opens with a list marker ("- ", "* ", "3. ") starts an item of its own (fact
# sheets run their bullets on without a full stop)
_SENTENCE = re.compile(r"(?<![\s.][A-Z]\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bNo\.)"
                       r"(?<=[.!?])[\"'\u201d\u2019)]?\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])|\n\s*\n"
                       r"|\n(?=[ \t]*(?:[-*+\u2022\u25aa\u2023]|\d{1,2}[.)])[ \t]+\S)")


def _quotable(sentence: str) -> bool:
    """Prose, not page furniture: six words or more, at least three of them lower-case."""
    words = sentence.split()
    return len(words) >= 6 and sum(1 for w in words if w[:1].islower()) >= 3


# A sentence that opens by pointing back ("This might involve ...", "In that case, ...") says
# nothing on its own: it is quoted together with the sentence it points to.
_CONTINUATION = re.compile(
    r"(?:This|That|These|Those|It|Its|They|Their|Such|Then|Otherwise|If so|"
    r"In (?:that|this|which|such a) case)\b")


def sentences(text: str, max_chars: int = 380, min_chars: int = MIN_QUOTE_CHARS) -> list[str]:
    """Quotable spans of ``text``: self-contained sentences, long ones cut at clause boundaries.

    A sentence that opens by referring back is joined to the one before it when both fit in
    ``max_chars``, so a quote carries its own antecedent ("Suppose X. In that case, Y.").
    """
    out: list[str] = []
    for raw in _SENTENCE.split(text):
        sentence = " ".join(raw.split())
        if len(sentence) < min_chars or not _quotable(sentence):
            continue
        if (out and _CONTINUATION.match(sentence)
                and len(out[-1]) + 1 + len(sentence) <= max_chars):
            out[-1] = f"{out[-1]} {sentence}"
            continue
        while len(sentence) > max_chars:
            cut = max(sentence.rfind("; ", 0, max_chars), sentence.rfind(", ", 0, max_chars))
            if cut < max_chars // 3:
                cut = sentence.rfind(" ", 0, max_chars)
            if cut < 1:  # no space in reach (a long link): cut inside the word
                cut = max_chars - 1
            out.append(sentence[: cut + 1].strip())
            sentence = sentence[cut + 1:].strip()
        if len(sentence) >= min_chars:
            out.append(sentence)
    return out


# --------------------------------------------------------------------------- claim support

_TERM = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_STOP = frozenset("""
a about above after again against all also an and any are as at be because been before being
below between both but by can could did do does doing during each either few for from further
had has have having he her here hers him his how i if in into is it its itself just may might
more most must no nor not of off on once only or other our out over own passage passages same
say says said she should so some such than that the their them then there these they this
those through to too under until up very was we were what when where which while who whom why
will with would you your describes mentions states
""".split())


def terms(text: str) -> set[str]:
    """Content terms of ``text``: lower-cased words without stop words, crudely stemmed."""
    out: set[str] = set()
    for token in _TERM.findall(normalise(text).lower()):
        if any(c.isdigit() for c in token):  # "K-2" stays one term
            out.add(token.removesuffix("'s"))
            continue
        for word in token.split("-"):  # "air-defence" is two
            word = word.removesuffix("'s")
            if word in _STOP or len(word) < 3:
                continue
            for suffix in ("ing", "ed", "s"):  # sending/send, crossed/crosses, lines/line
                if (word.endswith(suffix) and not word.endswith("ss")
                        and len(word) - len(suffix) >= 3):
                    word = word[: -len(suffix)]
                    break
            out.add(word[:5])
    return out


class Support:
    """How much of a claim its quotes state: IDF-weighted coverage of the claim's terms.

    Quote verification proves a quote is in its passage; this measures whether the quote is
    about the claim. Weights come from the quotable sentences the model was shown, so words
    every passage shares (the topic's own names) count little and distinctive ones count
    most; a claim term found in no sentence at all weighs the most (it is the model's own).
    Deterministic and lexical: a paraphrase that keeps none of the source's words scores low.
    """

    def __init__(self, units: Sequence[str]) -> None:
        self.n = len(units)
        self.df: Counter[str] = Counter(t for u in units for t in terms(u))

    def weight(self, term: str) -> float:
        return math.log((self.n + 1) / (self.df.get(term, 0) + 0.5))

    def __call__(self, claim: str, quotes: Sequence[str]) -> float:
        wanted = terms(claim)
        if not wanted:
            return 0.0
        have: set[str] = set().union(*(terms(q) for q in quotes)) if quotes else set()
        total = sum(self.weight(t) for t in wanted)
        return round(sum(self.weight(t) for t in wanted & have) / total, 3) if total else 0.0


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
