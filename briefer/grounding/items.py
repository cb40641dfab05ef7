"""Grounding: which drafted items may be shown as findings, and which are set apart.

Three checks, in order, for every item the model drafted:

1. **Verification** — each quote is in the passage it cites (normalised exact match, or fuzzy
   >= ``verify.FUZZY_THRESHOLD``) as the model was shown it, instruction-like text removed
   (:func:`briefer.evidence.passages.shown_text`); a quote that is not is dropped.
2. **Support** — the item's claims (an option's label, a red line's trigger and consequence, a
   finding's description) are stated by its own quotes: IDF-weighted coverage of the claim's
   content words (:class:`briefer.grounding.support.Support`) >= ``grounding.item_support``. A
   claim its quotes do not state (under ``item_anchor``) is re-pointed at the sentence of the
   same passage that states it (>= ``item_reanchor``), never
   across passages; a label its quote does not state gives way to the head of a field that the
   quote does state (``Rule.fallbacks``).
3. **De-duplication** — a repeated claim on another quote adds that quote as evidence; a repeat
   on the same quote is dropped.

What fails goes to ``run.unsupported`` with the reason; it is never shown as a finding.

An optional fourth layer, :meth:`Grounder.judged` (setting ``brief.judge``, off by default),
asks a :class:`~briefer.llm.base.Judge` whether an item's quotes state its claims, as answers do
(:mod:`briefer.grounding.claims`), and sets apart the items under the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import annotated_types
from pydantic import BaseModel

from briefer.core.schemas import Chunk, Evidence, Unsupported
from briefer.evidence.passages import Passage, prose_in, shown_text
from briefer.evidence.run import Run
from briefer.grounding.support import Support, best_sentence
from briefer.llm.base import Judge
from briefer.text.conditions import split_at_condition
from briefer.text.cues import Cue, limits_only
from briefer.text.verify import normalise, sentences, verify_quote
from briefer.text.words import terms

HEADLINE_CHARS = 80
UNSUPPORTED_TEXT_CHARS = 400
NO_QUOTE = "no quote verified against its passage"


@dataclass(frozen=True)
class Rule:
    """How one section's items are grounded (data beside the section models)."""

    section: str
    claims: tuple[str, ...] = ()  # fields its quotes must state
    fallbacks: dict[str, str] = field(default_factory=dict)  # weak field → field to name it by
    same: tuple[str, ...] = ()  # fields that make two items the same (default: all text)
    min_evidence: int = 1
    min_sources: int = 1  # distinct documents its evidence must span
    # words one of its quotes must hold, and what the item is when none does (a red line is a
    # threshold: its source states a condition)
    cue: Cue | None = None
    cue_missing: str = ""
    # a claim field the quotes need not state when they hold the cue at degree 1 only, and what
    # the item says instead: a limit sets no consequence ("U.S. forces will not be directly
    # engaged"), and a consequence the model makes up for it is not the source's
    unstated: dict[str, str] = field(default_factory=dict)
    # two claim fields that must say different things (a red line's trigger and consequence):
    # when they come back as the same words, the quote is cut at its condition word
    # (:func:`briefer.text.conditions.split_at_condition`); a limit's second field is then
    # ``unstated``
    apart: tuple[str, str] | None = None


def verify(evidence: Sequence[Evidence], chunks: dict[str, Chunk]) -> list[Evidence]:
    """The evidence whose quotes are in their passages, each once, with its match."""
    good: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for ev in evidence:
        chunk = chunks.get(ev.chunk_id)
        if chunk is None:
            continue
        verdict = verify_quote(ev.quote, shown_text(chunk))  # never a flagged sentence
        key = (ev.chunk_id, normalise(ev.quote))
        if verdict.match == "unverified" or key in seen:
            continue
        seen.add(key)
        good.append(ev.model_copy(update={"match": verdict.match, "score": verdict.score}))
    return good


def item_text(item: BaseModel) -> str:
    data = item.model_dump(exclude={"evidence"})
    return " — ".join(str(v) for v in data.values() if v)


def max_evidence(item: BaseModel) -> int:
    for meta in type(item).model_fields["evidence"].metadata:
        if isinstance(meta, annotated_types.MaxLen):
            return int(meta.max_length)
    return 3


def headline(text: str, limit: int = HEADLINE_CHARS) -> str:
    """The first clause of ``text`` (or its first words), short enough for a label."""
    text = " ".join(text.split()).rstrip(".")
    for sep in (", ", "; ", " — ", " - ", ": "):
        head = text.split(sep, 1)[0]
        if len(head.split()) >= 3 and len(head) <= limit:
            return head
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1].rstrip(",;:") + "…"


class Grounder:
    """Grounds the items of one run against the sentences its model was shown."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.chunks = run.chunk_map()
        self.units = {p.chunk_id: p.sentences for p in run.passages}
        self.support = Support([s for p in run.passages for s in p.sentences])
        self.bar = run.thresholds

    @classmethod
    def of(cls, run: Run) -> Grounder:
        return cls(run)

    def verify(self, evidence: Sequence[Evidence]) -> list[Evidence]:
        return verify(evidence, self.chunks)

    def set_apart(self, section: str, text: str, reason: str) -> None:
        self.run.unsupported.append(Unsupported(
            section=section, text=text[:UNSUPPORTED_TEXT_CHARS], reason=reason))

    def anchor(self, item: Any, evidence: list[Evidence], rule: Rule
               ) -> tuple[Any, list[Evidence], str | None]:
        """The item and its evidence re-pointed at the sentences that state its claims, and
        the claim field that still fails, if one does."""
        support = self.support
        texts = {f: str(getattr(item, f)) for f in rule.claims}
        quotes = [e.quote for e in evidence]
        for f, stand_in in rule.fallbacks.items():
            if (support(texts[f], quotes) < self.bar.item_support
                    and support(str(getattr(item, stand_in)), quotes) >= self.bar.item_anchor):
                texts[f] = headline(str(getattr(item, stand_in)))
                item = item.model_copy(update={f: texts[f]})
        added = False
        for claim in texts.values():
            ev = self._restate(claim, evidence)
            if ev is not None:
                evidence = [*evidence, ev]
                added = True
        if added:
            relevant = [e for e in evidence if any(support(c, [e.quote]) >= self.bar.item_support
                                                   for c in texts.values())]
            evidence = relevant or evidence
        cap = max_evidence(item)
        evidence = evidence[-cap:] if len(evidence) > cap else evidence
        weak = next((f for f, claim in texts.items()
                     if support(claim, [e.quote for e in evidence]) < self.bar.item_support
                     or self._the_request(claim)), None)
        return item, evidence, weak

    def _told_apart(self, rule: Rule, item: Any, verified: Sequence[Evidence]) -> Any:
        """``item`` with its two ``rule.apart`` fields told apart when they came back as the
        same words: cut from a quote at its condition word (:func:`_cut`), or, for a limit, the
        second field as ``rule.unstated`` says; else as it is (a conditionality the wording
        rules cannot cut, "… will be determined by our assessment of …", is still a red line)."""
        if rule.apart is None:
            return item
        cut = _cut(item, verified, rule.apart)
        second = rule.apart[1]
        if cut is None and second in rule.unstated and self._a_limit(verified, rule):
            return item.model_copy(update={second: rule.unstated[second]})
        return item if cut is None else cut

    @staticmethod
    def _a_limit(evidence: Sequence[Evidence], rule: Rule) -> bool:
        """Whether the quotes state a limit, a demand or a ruling-out and no condition."""
        return rule.cue is not None and limits_only(rule.cue, [e.quote for e in evidence])

    def _the_request(self, claim: str) -> bool:
        """Whether ``claim`` holds the brief's own topic word for word: a small model fills a
        field its sentence has nothing for with the request it was given ("… -> US response to
        fentanyl and precursor chemicals from China and Mexico: using its economic position"),
        and the quotes' share of it is the topic's words, which every passage holds."""
        request = normalise(self.run.request).lower()
        return len(request.split()) >= 4 and request in normalise(claim).lower()

    def _restate(self, claim: str, evidence: list[Evidence]) -> Evidence | None:
        """The sentence of the cited passages that states ``claim``, when the quotes do not."""
        if self.support(claim, [e.quote for e in evidence]) >= self.bar.item_anchor:
            return None
        cited = dict.fromkeys(e.chunk_id for e in evidence)
        best = best_sentence(((cid, u) for cid in cited for u in self.units.get(cid, ())),
                             lambda c: self.support(claim, [c[1]]), self.bar.item_reanchor)
        if best is None:
            return None
        chunk_id, unit = best[0]
        if any(normalise(e.quote) == normalise(unit) for e in evidence):
            return None
        new = self.verify([Evidence(chunk_id=chunk_id, quote=unit)])
        return new[0] if new else None

    def judged(self, rule: Rule, items: Sequence[Any], judge: Judge | None,
               threshold: float) -> list[Any]:
        """``items`` (already kept) without those a judge says their quotes do not state;
        all of them when ``judge`` is None (``draft.Drafter.assemble`` passes the model when
        ``settings.brief.judge`` is on)."""
        return list(items) if judge is None else judge_items(self, rule, items, judge, threshold)

    def keep(self, rule: Rule, items: Sequence[Any], seen: set[str] | None = None) -> list[Any]:
        """The items that are findings, without repeats (``seen`` is shared between sibling
        sections: an indicator that repeats a risk is not an indicator)."""
        kept = _Kept(rule, set() if seen is None else seen)
        for item in items:
            verified = self.verify(item.evidence)
            if rule.claims and verified:
                item, verified, weak = self.anchor(item, verified, rule)
                if weak in rule.unstated and self._a_limit(verified, rule):
                    item, weak = item.model_copy(update={weak: rule.unstated[weak]}), None
                if weak:
                    self.set_apart(rule.section, item_text(item),
                                   f"its quotes do not state its {weak}")
                    continue
            if rule.apart and verified:
                item = self._told_apart(rule, item, verified)
            if rule.cue and verified and not any(rule.cue.search(e.quote) for e in verified):
                self.set_apart(rule.section, item_text(item), rule.cue_missing)
                continue
            sources = {self.chunks[e.chunk_id].source for e in verified}
            if len(verified) < rule.min_evidence or len(sources) < rule.min_sources:
                if not kept.repeats(item, verified):
                    self.set_apart(rule.section, item_text(item),
                                   NO_QUOTE if not verified else
                                   f"it needs quotes from {rule.min_sources} documents")
                continue
            kept.add(item, verified)
        return kept.items


SAME_SHARE = 0.8  # the fewer terms of two fields, all in the other, and at least this share of them


def _cut(item: Any, verified: Sequence[Evidence], fields: tuple[str, str]) -> Any:
    """When ``item``'s two ``fields`` are the same words ("the Barbados Agreement still
    represents the best available path … if fully implemented" as both a red line's trigger
    and its consequence), the item with them cut from its first quote that holds a condition
    word; None when no quote does. An item whose fields differ is returned as it is."""
    said, other = (set(terms(str(getattr(item, f)))) for f in fields)
    small, big = sorted((said, other), key=len)
    if not small or not small <= big or len(small) < SAME_SHARE * len(big):
        return item
    # the sentence of the quotes the phrase was written from: the one that holds most of it
    read = [u for e in verified for u in sentences(e.quote, max_chars=10_000, min_chars=1)
            ] or [e.quote for e in verified]
    best = max(read, key=lambda u: len(said & set(terms(u))), default="")
    cut = split_at_condition(best) if best else None
    if cut is None or not all(said & set(terms(part)) for part in cut):
        return None
    return item.model_copy(update={f: _fitted(item, f, text)
                                   for f, text in zip(fields, cut, strict=True)})


def _fitted(item: Any, name: str, text: str) -> str:
    """``text`` cut at a word to the longest the field ``name`` of ``item`` holds."""
    longest = next((int(m.max_length) for m in type(item).model_fields[name].metadata
                    if isinstance(m, annotated_types.MaxLen)), len(text))
    return text if len(text) <= longest else text[:longest - 1].rsplit(" ", 1)[0] + "…"


class _Kept:
    """A section's kept items, merging repeats."""

    def __init__(self, rule: Rule, seen: set[str]) -> None:
        self.rule = rule
        self.seen = seen
        self.items: list[Any] = []
        self.by_text: dict[str, int] = {}
        self.quotes: set[tuple[str, str]] = set()

    def key(self, item: Any) -> str:
        text = (" — ".join(str(getattr(item, f)) for f in self.rule.same) if self.rule.same
                else item_text(item))
        return normalise(text).lower()

    def repeats(self, item: Any, verified: list[Evidence]) -> bool:
        return self.key(item) in self.by_text

    def add(self, item: Any, verified: list[Evidence]) -> None:
        key = self.key(item)
        quotes = {(e.chunk_id, normalise(e.quote)) for e in verified}
        if key in self.by_text:  # the same claim on another quote: that quote backs it too
            i = self.by_text[key]
            extra = [e for e in verified if (e.chunk_id, normalise(e.quote)) not in self.quotes]
            room = max_evidence(self.items[i]) - len(self.items[i].evidence)
            if extra and room > 0:
                self.items[i] = self.items[i].model_copy(
                    update={"evidence": [*self.items[i].evidence, *extra[:room]]})
                self.quotes.update((e.chunk_id, normalise(e.quote)) for e in extra[:room])
            return
        # a headline repeats only with the same quote: small models reuse generic labels
        head = normalise(str(next(iter(item.model_dump(exclude={"evidence"}).values()), "")))
        keys = {key, *(f"{head.lower()}|{cid}|{q}" for cid, q in quotes)}
        if keys & self.seen or quotes <= self.quotes:
            return
        self.seen.update(keys)
        self.quotes.update(quotes)
        self.by_text[key] = len(self.items)
        self.items.append(item.model_copy(update={"evidence": verified}))


def claim_statement(item: Any, rule: Rule) -> str:
    """The item's claims as one statement for a judge ("label — description")."""
    fields = rule.claims or tuple(k for k in type(item).model_fields if k != "evidence")
    return " \u2014 ".join(str(getattr(item, f)) for f in fields if getattr(item, f, ""))


def judge_items(grounder: Grounder, rule: Rule, items: Sequence[Any], judge: Judge,
                threshold: float) -> list[Any]:
    """The items whose quotes the judge says state their claims (P(yes) >= ``threshold``);
    the others go to ``unsupported`` with the probability. One prefill per item."""
    from briefer.core.prompts import load_prompt
    from briefer.grounding.claims import judge_messages

    grounder.run.uses(load_prompt("support.md").version)
    kept = []
    chunks = grounder.chunks
    for item in items:
        quotes = [prose_in(e.quote, chunks.get(e.chunk_id)) for e in item.evidence]
        with grounder.run.judging():
            p = judge.yes_probability(judge_messages(
                "support.md", quotes, claim=claim_statement(item, rule),
                question=f"{rule.section.replace('_', ' ')} for: {grounder.run.request}"))
        if p >= threshold:
            kept.append(item)
        else:
            grounder.set_apart(rule.section, item_text(item),
                               f"the model judged that its quotes do not state it "
                               f"(P(yes) {p:.2f})")
    return kept


def passages_with_text(passages: Sequence[Passage]) -> bool:
    return any(p.units for p in passages)
