"""What a question asks, and what an answer's sentences state: read from text, no model.

A question is split into parts ("how many X, and when Y?"), each wanting a number, a date or
something else, with the noun a "how many" counts; the names it asks about are its runs of
capitalised words. An answer is split into sentences with their ``[n]`` markers; numbers are
read as values ("1,250,000" = "1.25 million"). :mod:`briefer.grounding.claims` uses both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from briefer.text.cues import is_english_word, is_verb_form
from briefer.text.dates import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS
from briefer.text.events import FORECAST, events
from briefer.text.names import NAME_WORD, name_in, names
from briefer.text.verify import NOT_AN_ABBREVIATION
from briefer.text.words import lemmas, stop_words, terms, word_list

MARKER = re.compile(r"\s*\[(\d+)\]")
NOT_STATED = re.compile(
    r"\b(?:do(?:es)?|did) not (?:say|state|specify|mention|give|provide|include|contain|"
    r"indicate|report|name|list|disclose)|\b(?:is|are|was|were|has|have) not (?:been )?(?:"
    r"stated|specified|mentioned|given|provided|reported|available|known|named|listed|"
    r"disclosed)|\bno (?:information|mention|figure|data|details?|indication)\b|"
    r"\bnot (?:in|found in) the (?:passages|documents|quotes)|\bcannot be (?:determined|"
    r"answered|found)|\binsufficient\b", re.I)
# a full stop after a lone capital is an initial ("U. S. administration", "Donald J. Trump")
# not after an initial or a title ("Dr. Ali Shaath leads ...")
_SENTENCE_END = re.compile(r"(?:\." + NOT_AN_ABBREVIATION + r"(?<!\b[A-Z]\.)|[!?])(?:\s*\[\d+\])*"
                           r"(?=\s+[\"'(\[]?[A-Z0-9]|\s*$)")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:[,\u202f\u00a0]\d{3})+|\d+)(?:\.(\d+))?"
                     r"(?:\s*(million|billion|bn|m)\b)?", re.I)
_MONTHS = (*MONTHS, *MONTH_ABBREVIATIONS)
_DATE = re.compile(r"\b(?:" + "|".join(_MONTHS) + r")\b|\b(?:19|20)\d\d\b|\b\d{1,2}/\d{1,2}\b|"
                   r"\b(?:" + "|".join(WEEKDAYS) + r")\b", re.I)
_WANTS_NUMBER = re.compile(
    r"\bhow (?:many|much|large|big|long|far|high|full)\b|\bwhat (?:share|percentage|"
    r"proportion|fraction|number|amount)\b|\bwhat (?:is|was|are|were|will be) (?:the |its |"
    r"their |\w+'s )?(?:[\w'-]+ ){0,3}(?:price|cost|budget|ratio|rate|share|figure|amount|total|"
    r"number|size|level|value|percentage|count)\b|\bwhat (?:[\w'-]+ ){0,3}(?:price|cost|budget|"
    r"ratio|rate|share|figure|amount|total|percentage)s? (?:did|does|do|was|is|are|were|has|have|"
    r"had|will|would|applied|applies|apply)\b", re.I)
_WANTS_DATE = re.compile(r"^\s*when\b|\b(?:what|which) (?:date|day|year|month)\b|\bsince when\b",
                         re.I)
_PART_SPLIT = re.compile(r"\?\s+|;\s+|,?\s+and\s+(?=(?:how|what|which|who|whom|when|where|why|"
                         r"whether)\b)", re.I)
# "how many people have died" is answered by "21 deaths": too generic to look for by the number
GENERIC = frozenset(terms("people person persons time times thing things"))
AUX = frozenset("is are was were do does did has have had will would could can should may "
                "might must of in on at to for from by with".split())

def split_claims(answer: str) -> list[str]:
    """The sentences of ``answer``, each with the markers that follow its full stop; the items
    of a numbered list written inline ("as follows: 1. Security: $20.4 billion 2. Economic:
    ...") are claims of their own, and their numbers are no figures."""
    out = []
    for part in _list_items(answer):
        start = 0
        for m in _SENTENCE_END.finditer(part):
            out.append(part[start:m.end()].strip())
            start = m.end()
        out.append(part[start:].strip())
    return [s for s in out if MARKER.sub("", s).strip(" .")]


_ENUMERATOR = re.compile(r"(?:^|(?<=[\s:]))(\d{1,2})[.)]\s+(?=\S)")


def _list_items(answer: str) -> list[str]:
    """``answer`` cut before each enumerator of a run 1., 2., 3. ... (at least two), the
    enumerators left out; else ``answer`` whole. A lone "3." ends a sentence on a figure."""
    run: list[re.Match[str]] = []
    for m in _ENUMERATOR.finditer(answer):
        if int(m.group(1)) == len(run) + 1:
            run.append(m)
    if len(run) < 2:
        return [answer]
    cuts = [0, *(i for m in run for i in (m.start(), m.end())), len(answer)]
    return [answer[a:b] for a, b in zip(cuts[::2], cuts[1::2], strict=True)]


def markers(sentence: str) -> list[int]:
    return [int(n) for n in MARKER.findall(sentence)]


def plain(sentence: str) -> str:
    return " ".join(MARKER.sub("", sentence).split())


_UNITS_WORDS = word_list("words.yaml", "units")
_TENS_WORDS = word_list("words.yaml", "tens")
# a number in words: "seven", "twenty-five", "forty", "ten million" (not "zero" or "one")
_NUMBER_WORD = re.compile(
    r"\b(?:(" + "|".join(_TENS_WORDS[2:]) + r")(?:[-\s](" + "|".join(_UNITS_WORDS[1:10]) +
    r"))?|(" + "|".join(_UNITS_WORDS[2:]) + r"))\b(?:\s+(million|billion)\b)?", re.I)


def _mentions(text: str, scaled: bool) -> list[tuple[str, set[float]]]:
    """Each number of ``text`` in figures or in words, in order: its text and its values."""
    text = MARKER.sub(" ", text)
    found: list[tuple[int, str, set[float]]] = []
    for m in _NUMBER.finditer(text):
        value = float(m.group(1).replace(",", "").replace("\u202f", "").replace("\u00a0", "")
                      + (f".{m.group(2)}" if m.group(2) else ""))
        found.append((m.start(), m.group(0), _scaled(value, m.group(3), scaled)))
    for m in _NUMBER_WORD.finditer(text):
        tens, unit, small = (g.lower() if g else g for g in m.groups()[:3])
        value = float(_TENS_WORDS.index(tens) * 10 + (_UNITS_WORDS.index(unit) if unit else 0)
                      if tens else _UNITS_WORDS.index(small))
        found.append((m.start(), m.group(0), _scaled(value, m.group(4), scaled)))
    return [(t, alts) for _, t, alts in sorted(found, key=lambda f: f[0])]


def _scaled(value: float, scale: str | None, scaled: bool) -> set[float]:
    if not scale:
        return {value}
    big = value * (1e9 if scale.lower() in ("billion", "bn") else 1e6)
    return {big} if scaled else {value, big}


def number_mentions(text: str, *, scaled: bool = False) -> list[set[float]]:
    """Each number in ``text`` (in figures or in words: "seven" is {7}), as the values it may
    stand for: "1,250,000" is {1250000}; "1.25 million" is {1.25, 1250000} ({1250000} only when
    ``scaled``: what a claim's "€12 million" needs, which "12 days" does not state); [n]
    markers are not numbers."""
    return [alts for _, alts in _mentions(text, scaled)]


def answer_numbers(text: str) -> list[set[float]]:
    """The numbers of ``text`` that can answer "how many / how much": not years ("in 2022")."""
    return [alts for found, alts in _mentions(text, False) if not _YEAR.fullmatch(found)]


_YEAR = re.compile(r"(?:19|20)\d\d")


def numbers(text: str) -> set[float]:
    """Every value the numbers in ``text`` may stand for (see :func:`number_mentions`)."""
    return set().union(*number_mentions(text))


def numbers_stated(claim: str, quotes: str, given: Iterable[float] = ()) -> bool:
    """Every number the claim states (but the question already gave) is in the quotes."""
    have, known = numbers(quotes), set(given)
    return all(alts & (have | known) for alts in number_mentions(claim, scaled=True))


def without_numbers(text: str) -> str:
    return _NUMBER_WORD.sub(" ", _NUMBER.sub(" ", text))


def has_date(text: str) -> bool:
    return bool(_DATE.search(text))


# "when does it lapse / take effect" asks about a rule: a period from an event ("one year after
# a country ceases importing", "within 30 days of notice") or the event itself ("upon written
# notice", "once ... ceases") answers it as well as a date; "on what date" asks for a date
_WHEN = re.compile(r"^\s*when\b", re.I)
_PERIOD = re.compile(r"\b(?:\d+|a|an|" + "|".join(_UNITS_WORDS[1:]) + "|" + "|".join(
    _TENS_WORDS[2:]) + r")[\s-]+(?:hours?|days?|weeks?|months?|years?)\s+(?:after|before|from|"
    r"following|of|since)\b|\b(?:upon|once|as soon as)\b", re.I)


def when_by_rule(part_text: str, answer: str, *, past: bool) -> bool:
    """A "when" question about what a rule makes happen (not what happened) answered by a
    period from an event, or the event: "When do the tariffs lapse?" "One year after a country
    ceases importing."."""
    return not past and bool(_WHEN.search(part_text)) and bool(_PERIOD.search(answer))


_PAST = re.compile(r"\b(?:did|has|have|had|was|were)\b|\b\w+ed\b", re.I)


# a date that dates a report, not what it reports ("According to government sources on
# Tuesday, South Korea is considering ...", "officials said on Monday")
_REPORTED = re.compile(r"\b(?:according to|said|says|told|announced|reported|stated|sources|"
                       r"officials)\b[^.;]{0,40}?\b(?:on|this|last)\s+$", re.I)


def report_dated(text: str) -> bool:
    """Every date ``text`` gives dates a report of what it says, not the event."""
    found = list(_DATE.finditer(text))
    return bool(found) and all(_REPORTED.search(text[max(0, m.start() - 60):m.start()])
                               for m in found)


def dated_event(text: str) -> bool:
    """Whether ``text`` gives a date for something that happened: not only "is due to meet on
    Thursday" or "plans to decide in March"."""
    return any(not FORECAST.search(text[max(0, m.start() - 60):m.start()])
               and not re.search(r"\b(?:by|until|before)\s+(?:\w+\s+){0,1}$",
                                 text[max(0, m.start() - 20):m.start()], re.I)
               for m in _DATE.finditer(text))


@dataclass(frozen=True)
class Part:
    """One thing a question asks: its text, what kind of value it wants, its asked-for noun."""

    text: str
    wants: str | None  # "number" | "date" | "name" | None
    nouns: frozenset[str]
    # what "how many/much" counts, when not generic; what "which" asks to identify
    counted: frozenset[str] = frozenset()
    events: tuple[str, ...] = ()  # what it asks happened (EVENTS), stated in so many words
    past: bool = False  # asks what happened ("did", "was", "-ed"), not what may
    dated: frozenset[str] = frozenset()  # what "when did the X ..." dates (:func:`dated_subject`)


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
        if word.lower() in AUX:
            break
        words.append(word)
    return frozenset(terms(" ".join(words)))


_COUNTED = r"\bhow (?:many|much)\s+((?:[\w'-]+\s*){1,4})"
_IDENTIFIED = r"^\s*which\s+((?:[\w'-]+\s*){1,6})"


def counted_phrase(part: str, opener: str = _COUNTED) -> list[str]:
    """The words of the noun "how many / how much" asks about, up to its verb ("cholera
    treatment centres" in "how many cholera treatment centres are ..."); with ``opener``
    :data:`_IDENTIFIED`, the noun "which" asks to identify ("three fentanyl precursor
    chemicals" in "which three fentanyl precursor chemicals did ...")."""
    m = re.search(opener, part, re.I)
    found = m.group(1).split() if m else []
    words: list[str] = []
    for i, word in enumerate(found):
        if word.lower() in AUX or (words and is_verb_form(word)):  # "suspected cases"
            break
        if words and opener == _IDENTIFIED and _takes_object(word, found[i + 1:i + 2]):
            break  # "which company sponsors Dervik Rovers' shirts"
        words.append(word)
    return words


def _takes_object(word: str, after: list[str]) -> bool:
    """``word`` can be a verb and what follows it is a name or a determiner: its object."""
    return "VERB" in lemmas(word) and bool(after) and (
        after[0][:1].isupper() or after[0].lower() in ("the", "a", "an", "its", "their"))


def _head(part: str, opener: str = _COUNTED) -> frozenset[str]:
    """What "how many / how much" counts: the last word of the noun after it ("centres"; its
    modifiers count nothing: "140 beds" of treatment capacity is not a number of treatment
    centres); with :data:`_IDENTIFIED`, what "which" asks to identify ("chemicals")."""
    words = counted_phrase(part, opener)
    return frozenset(terms(words[-1])) if words else frozenset()


def claim_names(sentence: str, question: str = "") -> list[str]:
    """The names a claim states that the question does not: as :func:`names`, with a first
    word that is no English word ("GrainSync [3]", "Hallsund Shipping sponsors ...")."""
    found = names("x " + plain(sentence))  # its first word may open a name
    first = NAME_WORD.search(plain(sentence))
    if found and first is not None and found[0].split()[0] == first.group(0):
        words = found[0].split()
        while words and is_english_word(words[0]):
            words.pop(0)  # "The Korean Patriot": the article opened the sentence
        found[0] = " ".join(words)
    asked = {w.lower() for w in re.findall(r"[\w'-]+", question)}
    return [n for n in found
            if n and not all(w.lower() in asked or not terms(w) for w in n.split())]


def names_stated(claim: str, quotes: str, question: str = "") -> bool:
    """Every name the claim states (but the question already gave) is in the quotes: each
    of its words ("Hallsund Shipping" is not stated by a quote naming only Hallsund)."""
    return all(name_in(name, quotes, every_word=True) for name in claim_names(claim, question))


def part_needs(question: str, part: str) -> Needs:
    """What ``question`` needs of an answer to one ``part`` asked on its own: the question's
    parts (so a reply is told apart by the part it answers, and the others stay unanswered)
    and numbers, but only the part's own names, or, when it names none, the question's — a
    name said once qualifies every part ("How many cases and how many deaths were reported
    in Temmen?" asks both about Temmen), a name of another part need not be in its quotes."""
    whole = needs(question)
    return Needs(question, whole.parts, tuple(names(part)) or whole.names, whole.numbers)


# "when did the X ...", "on what date does a X ...": X is a thing named by a common noun
_DATED = re.compile(r"\b(?:when|(?:what|which) (?:date|day|year|month))\s+(?:did|does|do|was|"
                    r"were|is|are|will|would|has|have|had)\s+(?:the|a|an|its|their|this|that)\s+"
                    r"(.*)", re.I)


def dated_subject(part: str) -> frozenset[str]:
    """The terms of what a "when did the X ..." part dates, when X is a common noun phrase:
    its words up to a stop word, an auxiliary or a verb form ("the temporary U.S. pier off
    Gaza begin ..." -> temporary, pier), or up to its last word (its verb: "when does the
    sponsorship deal end"), names and figures aside. Empty when the subject is a name or the
    part is no such question."""
    m = _DATED.search(part)
    if m is None:
        return frozenset()
    words: list[str] = []
    for word in m.group(1).strip(" ?").split():
        low = word.lower().strip(",")
        if low in stop_words() or low in AUX or (words and is_verb_form(low)):
            break
        words.append(word.strip(","))
    else:
        words = words[:-1]  # the part ends on its verb
    return frozenset(terms(" ".join(w for w in words if w[:1].islower())))


def needs(question: str) -> Needs:
    texts = question_parts(question) or [question.strip(" ?")]
    parts = []
    for i, text in enumerate(texts):
        identified = _head(text, _IDENTIFIED)
        wants = ("date" if _WANTS_DATE.search(text) else
                 "number" if _WANTS_NUMBER.search(text) else
                 "name" if identified else None)
        others: set[str] = set().union(*(terms(t) for j, t in enumerate(texts) if j != i))
        counted = (_head(text) - GENERIC if wants == "number" else
                   identified if wants == "name" else frozenset())
        parts.append(Part(text, wants, _nouns(text) or frozenset(terms(text) - others),
                          counted, events(text), bool(_PAST.search(text)),
                          dated_subject(text) if wants == "date" else frozenset()))
    return Needs(question, tuple(parts), tuple(names(question)), frozenset(numbers(question)))
