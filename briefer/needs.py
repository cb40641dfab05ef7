"""What a question asks, and what an answer's sentences state: read from text, no model.

A question is split into parts ("how many X, and when Y?"), each wanting a number, a date or
something else, with the noun a "how many" counts; the names it asks about are its runs of
capitalised words. An answer is split into sentences with their ``[n]`` markers; numbers are
read as values ("1,250,000" = "1.25 million"). :mod:`briefer.claims` uses both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .verify import terms

MARKER = re.compile(r"\s*\[(\d+)\]")
NOT_STATED = re.compile(
    r"\b(?:do(?:es)?|did) not (?:say|state|specify|mention|give|provide|include|contain|"
    r"indicate|report|name|list|disclose)|\b(?:is|are|was|were|has|have) not (?:been )?(?:"
    r"stated|specified|mentioned|given|provided|reported|available|known|named|listed|"
    r"disclosed)|\bno (?:information|mention|figure|data|details?|indication)\b|"
    r"\bnot (?:in|found in) the (?:passages|documents|quotes)|\bcannot be (?:determined|"
    r"answered|found)|\binsufficient\b", re.I)
_SENTENCE_END = re.compile(r"[.!?](?:\s*\[\d+\])*(?=\s+[\"'(\[]?[A-Z0-9]|\s*$)")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:[,\u202f\u00a0]\d{3})+|\d+)(?:\.(\d+))?"
                     r"(?:\s*(million|billion|bn|m)\b)?", re.I)
_MONTHS = ("january february march april may june july august september october november "
           "december jan feb mar apr jun jul aug sep sept oct nov dec").split()
_DATE = re.compile(r"\b(?:" + "|".join(_MONTHS) + r")\b|\b(?:19|20)\d\d\b|\b\d{1,2}/\d{1,2}\b|"
                   r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
_WANTS_NUMBER = re.compile(
    r"\bhow (?:many|much|large|big|long|far|high|full)\b|\bwhat (?:share|percentage|"
    r"proportion|fraction|number|amount)\b|\bwhat (?:is|was|are|were|will be) (?:the |its |"
    r"their |\w+'s )?(?:[\w'-]+ ){0,3}(?:price|cost|budget|ratio|rate|share|figure|amount|total|"
    r"number|size|level|value|percentage|count)\b", re.I)
_WANTS_DATE = re.compile(r"^\s*when\b|\b(?:what|which) (?:date|day|year|month)\b|\bsince when\b",
                         re.I)
_PART_SPLIT = re.compile(r"\?\s+|;\s+|,?\s+and\s+(?=(?:how|what|which|who|whom|when|where|why|"
                         r"whether)\b)", re.I)
# "how many people have died" is answered by "21 deaths": too generic to look for by the number
_GENERIC = frozenset(terms("people person persons time times thing things"))
_AUX = frozenset("is are was were do does did has have had will would could can should may "
                 "might must of in on at to for from by with".split())
_NOT_NAMES = frozenset(("i", "a", "an", "the", "what", "which", "who", "whom", "whose", "when",
                        "where", "why", "how", "did", "does", "do", "is", "are", "was", "were",
                        "has", "have", "according", "in", "on", "if", "and", "or", *_MONTHS,
                        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                        "sunday"))


def split_claims(answer: str) -> list[str]:
    """The sentences of ``answer``, each with the markers that follow its full stop."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(answer):
        out.append(answer[start:m.end()].strip())
        start = m.end()
    out.append(answer[start:].strip())
    return [s for s in out if MARKER.sub("", s).strip(" .")]


def markers(sentence: str) -> list[int]:
    return [int(n) for n in MARKER.findall(sentence)]


def plain(sentence: str) -> str:
    return " ".join(MARKER.sub("", sentence).split())


def number_mentions(text: str) -> list[set[float]]:
    """Each number in ``text``, as the values it may stand for: "1,250,000" is {1250000};
    "1.25 million" is {1.25, 1250000}; [n] markers are not numbers."""
    out: list[set[float]] = []
    for m in _NUMBER.finditer(MARKER.sub(" ", text)):
        value = float(m.group(1).replace(",", "").replace("\u202f", "").replace("\u00a0", "")
                      + (f".{m.group(2)}" if m.group(2) else ""))
        scale = (m.group(3) or "").lower()
        out.append({value, value * (1e9 if scale in ("billion", "bn") else 1e6)} if scale
                   else {value})
    return out


def answer_numbers(text: str) -> list[set[float]]:
    """The numbers of ``text`` that can answer "how many / how much": not years ("in 2022")."""
    return [alts for m, alts in zip(_NUMBER.finditer(MARKER.sub(" ", text)),
                                    number_mentions(text), strict=True)
            if not (_YEAR.fullmatch(m.group(0)))]


_YEAR = re.compile(r"(?:19|20)\d\d")


def numbers(text: str) -> set[float]:
    """Every value the numbers in ``text`` may stand for (see :func:`number_mentions`)."""
    return set().union(*number_mentions(text))


def numbers_stated(claim: str, quotes: str, given: Iterable[float] = ()) -> bool:
    """Every number the claim states (but the question already gave) is in the quotes."""
    have, known = numbers(quotes), set(given)
    return all(alts & (have | known) for alts in number_mentions(claim))


def without_numbers(text: str) -> str:
    return _NUMBER.sub(" ", text)


def has_date(text: str) -> bool:
    return bool(_DATE.search(text))


@dataclass(frozen=True)
class Part:
    """One thing a question asks: its text, what kind of value it wants, its asked-for noun."""

    text: str
    wants: str | None  # "number" | "date" | None
    nouns: frozenset[str]
    counted: frozenset[str] = frozenset()  # what "how many/much" counts, when not generic


@dataclass(frozen=True)
class Needs:
    question: str
    parts: tuple[Part, ...]
    names: tuple[str, ...]  # capitalised words the question asks about
    numbers: frozenset[float]  # numbers the question itself holds (never an answer)

    @property
    def sub_questions(self) -> list[str]:
        return [p.text for p in self.parts] if len(self.parts) > 1 else []


def question_parts(question: str) -> list[str]:
    parts = [p.strip(" ,;?") for p in _PART_SPLIT.split(question)]
    return [p for p in parts if len(p.split()) >= 2]


def _nouns(part: str) -> frozenset[str]:
    """The terms of the words after "how many/much" up to a verb or preposition."""
    m = re.search(r"\bhow (?:many|much)\s+((?:[\w'-]+\s*){1,4})", part, re.I)
    words = []
    for word in (m.group(1).split() if m else []):
        if word.lower() in _AUX:
            break
        words.append(word)
    return frozenset(terms(" ".join(words)))


def names(question: str) -> list[str]:
    """The names the question asks about: runs of capitalised words or acronyms ("Sava
    Institute", "Ministry of Health", "GRAINSTORM"), without question words, months or days,
    and without a sentence's first word unless it is an acronym ("Will they ...")."""
    out: list[str] = []
    run: list[str] = []
    starts = {0} | {m.end() for m in re.finditer(r"[.?!:]\s+", question)}
    for m in [*re.finditer(r"[A-Za-z][\w'-]*", question), None]:
        word = m.group(0) if m else "."
        bare = re.sub(r"'s$", "", word)
        opening = m is not None and m.start() in starts and not (bare.isupper() and len(bare) > 1)
        if bare[:1].isupper() and bare.lower() not in _NOT_NAMES and not opening:
            run.append(bare)
        elif run and bare == "of":
            run.append(bare)
        else:
            while run and run[-1] == "of":
                run.pop()
            if run:
                out.append(" ".join(run))
            run = []
    return list(dict.fromkeys(out))


def needs(question: str) -> Needs:
    texts = question_parts(question) or [question.strip(" ?")]
    parts = []
    for i, text in enumerate(texts):
        wants = ("date" if _WANTS_DATE.search(text) else
                 "number" if _WANTS_NUMBER.search(text) else None)
        others: set[str] = set().union(*(terms(t) for j, t in enumerate(texts) if j != i))
        counted = _nouns(text) - _GENERIC
        parts.append(Part(text, wants, _nouns(text) or frozenset(terms(text) - others),
                          counted if wants == "number" else frozenset()))
    return Needs(question, tuple(parts), tuple(names(question)), frozenset(numbers(question)))
