"""Another source's side, quoted beside a one-source answer (pure, no model).

Sources disagree: on a figure ("65,000 troops" / "40,000 troops"), a date ("26 February" /
"3 March"), a judgement ("the sanctions failed" / "worked") or a cause ("an outage" /
"speculation"). An answer drawn from one of them reads as settled, so
:func:`another_source` adds the sentence of another retrieved source that states the same
subject with a different value (:func:`other_side`), or, for a yes/no or "why" question
answered from one source, the sentence of another source that states the question best
(:func:`other_view`). It is added as a quote, so it states itself; which source says what is
left to the reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial

from briefer.core.schemas import Chunk, Citation
from briefer.core.settings import GroundingSettings
from briefer.evidence.passages import Passage
from briefer.grounding.claims import citation
from briefer.grounding.support import Support, best_sentence
from briefer.text.counting import bare_sum, counts, kind_words
from briefer.text.cues import CONDITION, CONDITION_CLAUSE
from briefer.text.dates import MONTH_PATTERN, MONTHS, earliest_named
from briefer.text.needs import (
    Needs,
    answer_numbers,
    number_mentions,
    numbers,
    plain,
    without_numbers,
)
from briefer.text.verify import in_quotes, normalise
from briefer.text.words import terms

Kept = list[tuple[str, list[Citation]]]  # (sentence, the citations it now rests on)


def another_source(need: Needs, kept: Kept, passages: Sequence[Passage],
                   chunks: dict[str, Chunk], thresholds: GroundingSettings,
                   more: Callable[[], Sequence[Passage]] | None = None,
                   confirm: Confirm | None = None) -> tuple[str, Citation] | None:
    """The sentence to add to an answer ("Another source (X) gives a different figure: “…”
    [n].") and its citation, or None. With ``confirm`` (the judge: does the sentence give what
    the question asks, about the same thing?), the best few sentences are judged in turn, and
    when none of the retrieved passages gives one, the passages ``more()`` finds (a wider
    search, asked only then) are read too (numbered after them): the other source of a
    conflict is often just beyond the passages an answer is shown (real-dev: 3 of 11
    conflicts' second documents rank 7th-12th)."""
    other, says = None, ""
    for wider in (False, True):
        extra = more() if wider and more is not None and confirm is not None else []
        if wider and not extra:
            break
        read, after = [*passages, *extra], len(passages) if wider else 0
        other = other_side(need, kept, read, chunks, thresholds.other_side, confirm, after)
        says = "gives a different date" if need.parts[0].wants == "date" else \
            "gives a different figure"
        if other is None:
            other = other_view(need, kept, read, chunks, thresholds.other_view, confirm, after)
            says = "says"
        if other is not None:
            break
    if other is None:
        return None
    return (f"Another source ({other.source}) {says}: "
            f"{in_quotes(other.shown().rstrip('.'))} [{other.n}].", other)


OTHER_SIDE = "another source's side of the question, quoted"
def other_side(need: Needs, kept: Kept, passages: Sequence[Passage],
               chunks: dict[str, Chunk], minimum: float, confirm: Confirm | None = None,
               after: int = 0) -> Citation | None:
    """For a question that asks one number or one date: the sentence of another source (a
    retrieved passage of a document that does not give the answer's value) that states the
    subject of the kept claims, or of the question, with a different value — "65,000 troops"
    beside "40,000 troops", "26 February" beside "3 March". It is added as a quote, so it states
    itself; lexical support (the claims without their values, or the question) finds it,
    stating at least ``minimum`` (``grounding.other_side``) of them; the sentence must also
    hold a new number, next to the counted noun when the question names one."""
    part = need.parts[0]
    if len(need.parts) != 1 or part.wants not in ("number", "date") or not kept or not passages:
        return None
    claims = " ".join(plain(s) for s, _ in kept)
    counted: frozenset[str] = frozenset()
    if part.wants == "date":
        if not (given_days := set(_days(claims))):
            return None  # answered by a period ("one year after ..."): no date to differ from
        cited = {c.source for _, own in kept for c in own if set(_days(c.quote)) & given_days}
        new_value: Callable[[str], bool] = partial(_new_day, given_days)
        subject = _DAY.sub(" ", claims)
    else:
        cited, new_value, counted = _figure_side(need, kept, claims)
        subject = without_numbers(claims)
    support = Support([u for p in passages for u in p.sentences])
    asked = _QUESTION_WORDS.sub(" ", need.question)

    def score(unit: str, context: str) -> float:
        # "if cases exceed 400": a threshold, not a figure
        if not new_value(unit) or CONDITION.strength(unit) >= CONDITION_CLAUSE:
            return 0.0
        # a new figure that counts the same thing ("34 deaths" beside "21 deaths"), or a new
        # date, is read after its document's title and the sentences before it ("a patient
        # whose illness began on 26 February" need not name the outbreak); without a counted
        # noun, a figure's sentence alone must do
        if part.wants == "number" and not counted:  # the claim's words and the question's
            return support(f"{subject} {asked}", [unit])  # together: "82% full" says little
        return in_context(support, (subject, asked), unit, context, minimum)

    return _best_elsewhere(passages, cited, chunks, minimum, score, need.question, frozenset(),
                           confirm, after)


def _new_day(given_days: set[tuple[str, str]], unit: str) -> bool:
    """``unit`` holds a day not among ``given_days`` that dates an event, not a document."""
    return bool(set(_days(unit, events_only=True)) - given_days)


def _figure_side(need: Needs, kept: Kept, claims: str) -> tuple[
        set[str], Callable[[str], bool], frozenset[str]]:
    """For :func:`other_side` on a number: the sources that give the answer's figure, whether
    a sentence holds a new figure of the same thing, and the noun counted."""
    part = need.parts[0]
    given = set(need.numbers) | {v for s, _ in kept for v in numbers(plain(s))}
    # what the figure counts when the noun is generic ("how many people died": "21 deaths")
    counted = part.counted or _measured(claims)
    cited = {c.source for _, own in kept for c in own
             if any(alts & given for alts in number_mentions(c.quote))}
    kinds = kind_words(part.text) if part.counted else frozenset()  # not "military" aid
    money = bool(_SUM.search(claims))  # a sum answers it: a bare sum is of the same thing
    return cited, lambda unit: _new_figure(unit, given, counted, kinds, money), counted


def _new_figure(unit: str, given: set[float], counted: frozenset[str], kinds: frozenset[str],
                money: bool) -> bool:
    """``unit`` holds a figure not among the ``given`` ones that counts the ``counted`` noun
    (of its ``kinds``), or, beside an answer that is a sum of money (``money``), a sum that
    counts nothing named ("we've provided $180 million since October 7th")."""
    new = [a for a in figures(unit) if not a & given]
    return bool(new) and (not counted or any(counts(unit, a, counted, kinds)
                                             or money and bare_sum(unit, a) for a in new))


# a number that names a text, not a quantity: "Executive Order 13692", "section 202(d)",
# "50 U.S.C. 1622(d)", "1601 et seq.", "Resolution 2803", "P.L. 118-47" (orders, notices and
# CRS reports cite their authorities in the sentence that states a figure or a date)
_REFERENCE = re.compile(
    r"\b(?:(?:Executive\s+)?Orders?|Proclamations?|Resolutions?|Nos?\.|[Ss]ections?|[Ss]ec\.|"
    r"[Tt]itles?|[Cc]hapters?|[Aa]rticles?|[Pp]aragraphs?|(?:Public\s+)?Laws?|P\.\s?L\.)"
    r"\s+\d[\d\-\u2013.()a-z]*|\u00a7+\s*\d[\d\-\u2013.()a-z]*"
    r"|\b\d+\s+(?:U\.S\.C\.|C\.F\.R\.|CFR)(?:\s+\d[\d\-\u2013.()a-z]*)?"
    r"|\b\d[\d\-\u2013.()a-z]*\s+et\s+seq\b")


def figures(text: str) -> list[set[float]]:
    """The numbers of ``text`` that can be a figure for "how many / how much": not the
    number of an order, a section or a law, not a day or a year of a date."""
    return answer_numbers(_DAY.sub(" ", _REFERENCE.sub(" ", text)))  # years: never figures


def _best_elsewhere(passages: Sequence[Passage], cited: set[str], chunks: dict[str, Chunk],
                    minimum: float, score: Callable[[str, str], float], question: str,
                    quoted: frozenset[str] = frozenset(), confirm: Confirm | None = None,
                    after: int = 0) -> Citation | None:
    """The best-scoring sentence (>= ``minimum``) of a retrieved passage of another source
    than the ``cited`` ones, not already ``quoted``, as a citation numbered by its passage;
    ``score`` gets each sentence and what a reader has read before it: its document's title
    and the sentences before it in its passage. A document dated before the earliest date the
    ``question`` names is passed over: it cannot tell what the question asks about ("the
    September 26, 2024 statement", "in November 2025"). With ``confirm``, the first of the
    best :data:`JUDGED` that it confirms; the first ``after`` passages are read (their titles,
    their terms' weights) but none of their sentences is taken (they were judged before)."""
    since = earliest_named(question)
    candidates = [(n, passage, i, unit) for n, passage in enumerate(passages, start=1)
                  if n > after and passage.chunk.source not in cited
                  and not (since and passage.chunk.date and passage.chunk.date < since)
                  for i, unit in enumerate(passage.sentences) if normalise(unit) not in quoted]
    def scored(c: tuple[int, Passage, int, str]) -> float:
        return score(c[3], " ".join((c[1].chunk.title, *c[1].sentences[:c[2]])))
    if confirm is None:
        best = best_sentence(candidates, scored, minimum)
        ranked = [best[0]] if best is not None else []
    else:
        marks = [scored(c) for c in candidates]  # best first, the earliest of equals first
        order = sorted(range(len(candidates)), key=lambda j: -marks[j])[:JUDGED]
        ranked = [candidates[j] for j in order if marks[j] >= minimum]
    for n, passage, i, unit in ranked:
        found = citation(n, chunks.get(passage.chunk_id, passage.chunk), unit)
        # judged as read: after its document's title and the sentences just before it
        before = " ".join((f"({passage.chunk.title})", *passage.sentences[max(0, i - 2):i]))
        if found is not None and (confirm is None or confirm(found, before)):
            return found
    return None


JUDGED = 3  # the most sentences of another source judged for one answer, best first
# the judge of another source's sentence: does it give what the question asks, about the same
# thing (``prompts/answers.md``, P(yes) >= ``grounding.other_judge``)?
Confirm = Callable[[Citation, str], bool]  # a sentence, and what is read before it


def in_context(support: Support, wanted: Sequence[str], unit: str, context: str,
               minimum: float) -> float:
    """How much of the ``wanted`` texts ``unit`` states, for :func:`_best_elsewhere`: its own
    share when that reaches ``minimum``; else, when it does read after its ``context`` (its
    document's title and the sentences before it in its passage), just ``minimum`` plus its
    own share / 100 — below every sentence that states the subject by itself (later
    sentences of a paragraph read with more context, not with more of the subject). A
    sentence that states none of it itself is about something else: 0."""
    own = max(support(w, [unit]) for w in wanted)
    if own == 0 or own >= minimum:
        return own
    read = max(support(w, [f"{context} {unit}"]) for w in wanted)
    return minimum + own / 100 if read >= minimum else own


_SUM = re.compile(r"[$\u20ac\u00a3\u00a5]\s?\d")
_QUESTION_WORDS = re.compile(r"\b(?:how (?:many|much)|what|which|when|who|did|does|do|is|are|"
                             r"was|were|have|has)\b", re.I)
_DAY = re.compile(r"\b(\d{1,2})\s+(" + MONTH_PATTERN + r")\b|\b(" + MONTH_PATTERN
                  + r")\s+(\d{1,2})\b", re.I)


# what stands before the date of a document ("the situation report of 18 March", "dated 1 May")
_OF_DOCUMENT = re.compile(r"\b(?:of|dated)\s+$", re.I)


def _days(text: str, events_only: bool = False) -> list[tuple[str, str]]:
    """The days ``text`` names, as (month, day): "3 March" and "March 3" alike; with
    ``events_only``, not the date of a document ("a report of 18 March gives 21 deaths")."""
    return [((m.group(2) or m.group(3)).lower(), m.group(1) or m.group(4))
            for m in _DAY.finditer(text)
            if not (events_only and _OF_DOCUMENT.search(text[max(0, m.start() - 8):m.start()]))]


def _measured(claims: str) -> frozenset[str]:
    """The terms of the word right after the claims' first number ("deaths" in "21 deaths
    have been reported"), when it is a noun that counts (not "%", a unit or a month)."""
    m = re.search(r"\d[\d,.]*\s+([A-Za-z][a-z]+)", claims)
    if m is None or m.group(1).lower() in _NOT_COUNTED:
        return frozenset()
    return frozenset(terms(m.group(1)))


_NOT_COUNTED = frozenset("percent per of in on to and or million billion bn km kilometres miles "
                         "days weeks months years hours".split()) | frozenset(MONTHS)


_JUDGEMENT = re.compile(r"^\s*(?:did|does|do|is|are|was|were|has|have|had|will|would|can|"
                        r"could|should)\b|\b(?:why|what (?:caused|causes|drove|drives|explains)"
                        r"|cause[sd]?|reasons?)\b", re.I)


_WHY = re.compile(r"\b(?:why|what (?:caused|causes|drove|drives|explains)|cause[sd]?|"
                  r"reasons?)\b", re.I)
_CAUSE = re.compile(r"\b(?:because|due to|owing to|driven|drove|caused?|attribut\w*|blam\w*|"
                    r"result(?:ed|s)? (?:of|from)|led to|reasons?|explain\w*|behind)\b", re.I)


def other_view(need: Needs, kept: Kept, passages: Sequence[Passage],
               chunks: dict[str, Chunk], minimum: float, confirm: Confirm | None = None,
               after: int = 0) -> Citation | None:
    """For a yes/no or "why" question answered from one source: the sentence of another
    retrieved source that states the question best (>= ``minimum``, ``grounding.other_view``:
    above ``other_side``, for no value of its own shows that it answers the question), quoted
    — sources judge
    ("the sanctions failed" / "the sanctions worked") and explain ("an outage" / "speculation")
    differently, and an answer from one of them alone reads as settled."""
    if (len(need.parts) != 1 or need.parts[0].wants or not kept or not passages
            or not _JUDGEMENT.search(need.question)):
        return None
    # the source the answer rests on: the one whose quote states its first claim best (an
    # answer may cite a second source's sentence that states little of it)
    support = Support([u for p in passages for u in p.sentences])
    first, own = kept[0]
    main = max(own, key=lambda c: support(plain(first), [c.quote])).source
    quoted = frozenset(normalise(c.quote) for _, cs in kept for c in cs)
    asked = _QUESTION_WORDS.sub(" ", need.question)
    cause = bool(_WHY.search(need.question))  # then the other source must state a cause,
    if cause:  # in its own words ("we attribute the rise to …"): the asked word is no term
        asked = _WHY.sub(" ", asked)
    # read in its paragraph: "We attribute most of the rise to an outage" follows "Gas prices
    # on the Nordhavn Hub rose sharply in October"
    def score(unit: str, context: str) -> float:
        if cause and not _CAUSE.search(unit):
            return 0.0
        return in_context(support, (asked,), unit, context, minimum)

    return _best_elsewhere(passages, {main}, chunks, minimum, score, need.question, quoted,
                           confirm, after)
