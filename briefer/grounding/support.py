"""One support measure and one "best sentence that states this" search, for brief items and
answers alike.

**Support** (:class:`Support`): how much of a claim its quotes state — the IDF-weighted share of
the claim's content terms (:func:`briefer.text.words.terms`) that the quotes hold. Quote
verification proves a quote is in its passage; support measures whether it is about the claim.
Weights come from the sentences the model was shown, so the topic's own names (in every
passage) count little and distinctive words most; a claim term found in no sentence at all
weighs the most (it is the model's own). Deterministic and lexical: a paraphrase that keeps
none of the source's words scores low.

**The search** (:func:`best_sentence`): of candidate sentences, the one a score ranks first,
if it reaches a minimum. Brief items re-point a claim to the sentence of its passages that
states it (``Grounder._restate``), answers to the sentence of the retrieved passages that
states a sentence of the answer (``claims.Measure``), and an answer's other side is the
sentence of another source that states its subject with another value (``sides``): the same
search, each with its candidates, its score and its threshold (``GroundingSettings``).

**The shortlist** (:func:`shortlist`): the sentences an answer may quote are the passages'
sentences that the same measure finds stating most of the question (or of one of its parts).
A passage holds about four sentences and an answer gets six passages, so the model chooses its
quotes among some 25; a small model reads the passage whose words look closest and quotes a
sentence of it that says something else ("the seizure of the nuclear power plant" for a
question on threats to use nuclear weapons), then writes its answer from those quotes. On
real-dev's tuning half, the eight best sentences of the question and of each of its parts hold
the answering sentence of all 33 answerable questions whose passages hold it (docs/
MEASUREMENTS.md, session 30). The passages are still shown whole; only the quote's choice is
narrowed (:func:`briefer.evidence.constrain.evidence_item_schema`). Off by default
(``ask.quote_shortlist``): measured live it helped real-dev's test half, not its tuning half,
and cost evalset answers (multi-hop ones).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from briefer.evidence.passages import Passage
from briefer.text.words import terms

T = TypeVar("T")
Score = float | tuple[float, ...]


class Support:
    """IDF-weighted coverage of a claim's terms by its quotes, weights from ``units`` (the
    sentences the model was shown)."""

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


def best_sentence(candidates: Iterable[T], score: Callable[[T], Score],
                  minimum: float) -> tuple[T, Score] | None:
    """The candidate ``score`` ranks first (the earliest of equals), with its score, when that
    score (its first part, for a tuple) reaches ``minimum``; None otherwise. A candidate is
    whatever the caller finds a sentence by (a passage and a sentence, with its context)."""
    best: tuple[T, Score] | None = None
    for candidate in candidates:
        got = score(candidate)
        head = got[0] if isinstance(got, tuple) else got
        if head >= minimum and (best is None or got > best[1]):  # type: ignore[operator]
            best = (candidate, got)
    return best


def shortlist(passages: Sequence[Passage], queries: Sequence[str], n: int) -> list[Passage]:
    """``passages`` with their units narrowed to the ``n`` that :class:`Support` finds stating
    most of each query (weights from the passages' units; the earliest of equals first), the
    union over ``queries``; a unit that shares no term is never kept, and a passage left with
    none offers none. ``n`` < 1, or no unit sharing a term: the passages as they are."""
    if n < 1:
        return list(passages)
    units = [u for p in passages for u in p.units]
    support = Support([u.text for u in units])
    keep: set[str] = set()
    for query in queries:
        scores = [support(query, [u.text]) for u in units]
        best = sorted((j for j, s in enumerate(scores) if s > 0), key=lambda j: -scores[j])
        keep.update(units[j].id for j in best[:n])
    if not keep:
        return list(passages)
    return [replace(p, units=tuple(u for u in p.units if u.id in keep)) for p in passages]


__all__ = ["Support", "best_sentence", "shortlist"]
