"""The claims of an answer, measured against their own quotes (model calls).

An answer's claims are its sentences, each with the ``[n]`` markers that cite passages. Two
steps, kept apart so that thresholds can be calibrated on recorded judgements:

1. :func:`measure` (here, model calls) — for every claim: are the numbers it states in its
   quotes (no model); the probability the judge gives "yes" to "do these quotes state this
   claim?"; when that is under the threshold, the sentence that states the claim best (lexical
   support, its numbers included) — of the cited passages, else of the other retrieved ones —
   and the judge's probability for it. Optionally, once per answer, "do the quotes give what the
   question asks?".
2. :func:`briefer.grounding.decide.decide` (pure) — what is kept, and whether the answer is
declined.

Sentences in which the model says the documents do not state something are not claims: they
are kept in the text, without markers, and listed as unanswered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from briefer.core.prompts import load_prompt
from briefer.core.schemas import Chunk, Citation, ClaimCheck
from briefer.evidence.passages import prose_in, shown_text
from briefer.evidence.run import Run
from briefer.grounding.dating import months_stated
from briefer.grounding.support import Support, best_sentence
from briefer.llm.base import Judge, Message
from briefer.text.names import names_missing
from briefer.text.needs import (
    NOT_STATED,
    Needs,
    markers,
    names_stated,
    needs,
    numbers_stated,
    plain,
    split_claims,
)
from briefer.text.structure import is_heading, is_lead_in
from briefer.text.verify import locate, verify_quote
from briefer.text.words import terms

DOES_NOT_STATE = "says the documents do not state it"


# --------------------------------------------------------------------------- 1. measure


@dataclass
class Measured:
    """What :func:`measure` found: one check per sentence, and the question-level judgement."""

    checks: list[ClaimCheck] = field(default_factory=list)
    answers_question: float | None = None


def judge_messages(prompt_name: str, quotes: Sequence[str], **values: str) -> list[Message]:
    """The yes/no prompt ``prompt_name`` (``support.md``: quotes, question, claim;
    ``answers.md``: quotes, question) as chat messages."""
    prompt = load_prompt(prompt_name)
    system, user = prompt.render(quotes="\n".join(f"- {q}" for q in quotes), **values)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def confirming(run: Run, judge: Judge, question: str) -> Callable[[Citation, str], bool]:
    """The judge of another source's sentence (:func:`briefer.grounding.sides.another_source`)
    read after ``before`` (its document's title, the sentences before it): does it give what
    ``question`` asks, about the same thing (``answers.md``, P(yes) >=
    ``grounding.other_judge``)? Timed on the run."""
    def confirm(c: Citation, before: str = "") -> bool:
        with run.judging():
            p = judge.yes_probability(judge_messages(
                "answers.md", [f"{before} {c.shown()}".strip()], question=question))
        return p >= run.thresholds.other_judge
    return confirm


class Measure:
    """Runs the judge over one answer's claims, recording the time on the run."""

    def __init__(self, run: Run, judge: Judge | None, need: Needs) -> None:
        self.run, self.judge, self.need = run, judge, need
        self.units = {p.chunk_id: p.sentences for p in run.passages}
        self.chunks = run.chunk_map()
        self.support = Support([s for p in run.passages for s in p.sentences])
        self.asked = terms(need.question)

    def ask(self, prompt_name: str, quotes: Sequence[str], **values: str) -> float | None:
        if self.judge is None:
            return None
        self.run.uses(load_prompt(prompt_name).version)
        with self.run.judging():
            p = self.judge.yes_probability(judge_messages(prompt_name, quotes, **values))
        return round(float(p), 4)

    def claim(self, sentence: str, cited: list[Citation], threshold: float) -> ClaimCheck:
        text = plain(sentence)
        quotes = [c.shown() for c in cited]
        ok = numbers_stated(text, " ".join(c.quote for c in cited), self.need.numbers)
        with_titles = self._with_titles(cited)
        named = names_stated(text, with_titles, self.need.question)
        check = ClaimCheck(sentence=sentence, numbers_ok=ok, names_ok=named,
                           headings_only=self._headings_only(text, cited))
        # a month its quotes do not state ("until September 2022" cited to a sentence about
        # March) is looked for in the other sentences, as a number is
        ok = ok and named and months_stated(text, cited, self.chunks, self.need)
        if ok:
            check.support = self.ask("support.md", quotes, claim=text,
                                     question=self.need.question)
        # a claim whose quotes do not hold a name the question asks about ("Vessen") is
        # re-pointed to a sentence that states it and does, when one was retrieved
        unnamed = names_missing(self.need.names, with_titles)
        if (not ok or check.support is None or check.support < threshold or unnamed
                or check.headings_only):
            alt = self.repoint(text, cited, unnamed)
            if alt is not None:
                check.repointed_to = alt
                check.repointed_support = self.ask("support.md", [alt.shown()], claim=text,
                                                   question=self.need.question)
        return check

    def _headings_only(self, claim: str, cited: Sequence[Citation]) -> bool:
        """Whether every quote is a heading or a lead-in line ("### Trigger 1: the North
        transfers missile technology") and the quotes do not hold what the claim adds to the
        question (lexical support < ``grounding.answer_repoint``): a heading names a topic or
        a stage; the finding is in the lines under it."""
        return bool(cited) and all(is_heading(c.quote) or is_lead_in(c.quote) for c in cited) \
            and self.support(self._added(claim), [c.quote for c in cited]) \
            < self.run.thresholds.answer_repoint

    def _added(self, claim: str) -> str:
        """What ``claim`` adds to the question it restates (the claim, when it adds nothing)."""
        new = " ".join(w for w in claim.split() if terms(w) and not terms(w) <= self.asked)
        return new if terms(new) else claim

    def _with_titles(self, cited: Sequence[Citation]) -> str:
        """The quotes, and the titles of their documents (a name may stand only there)."""
        titles = [self.chunks[c.chunk_id].title for c in cited if c.chunk_id in self.chunks]
        return " ".join([*(c.quote for c in cited), *titles])

    def repoint(self, claim: str, cited: list[Citation], names: Sequence[str] = ()
                ) -> Citation | None:
        """The sentence that states ``claim`` best (and holds ``names``, with its document's
        title), if not cited for it yet: of the cited passages, else of the other retrieved
        passages (the model was shown them all)."""
        own = list(dict.fromkeys(c.chunk_id for c in cited))
        return self._first(claim, own, {(c.chunk_id, c.quote) for c in cited}, names)

    def attribute(self, claim: str, marked: Sequence[int] = ()) -> Citation | None:
        """The retrieved sentence that states ``claim`` (a sentence of a free answer), of the
        passages it marked first, else of any: lexical support >= ``grounding.answer_repoint``,
        with its
        numbers and names (:meth:`_best`)."""
        ids = [p.chunk_id for p in self.run.passages]
        return self._first(claim, [ids[n - 1] for n in dict.fromkeys(marked)
                                   if 1 <= n <= len(ids)], set())

    def _first(self, claim: str, first: list[str], quoted: set[tuple[str, str]],
               names: Sequence[str] = ()) -> Citation | None:
        """:meth:`_best` of the ``first`` passages, else of the other retrieved ones."""
        others = [p.chunk_id for p in self.run.passages if p.chunk_id not in first]
        for chunk_ids in (first, others):
            best = self._best(claim, chunk_ids, quoted, names)
            if best is not None:
                n, chunk_id, unit = best
                return citation(n, self.chunks[chunk_id], unit)
        return None

    def _best(self, claim: str, chunk_ids: list[str], quoted: set[tuple[str, str]],
              names: Sequence[str] = ()) -> tuple[int, str, str] | None:
        number = {p.chunk_id: i for i, p in enumerate(self.run.passages, start=1)}
        words = _words(claim)
        # what the claim adds to the question it restates: not the question's own date or
        # figure ("Seven workers were killed on April 1, 2024" asked "how many ... on April 1,
        # 2024": the sentence that states it need not repeat the date)
        claim = self._added(claim)
        def fits(chunk_id: str, unit: str) -> bool:
            titled = f"{unit} {self.chunks[chunk_id].title}"
            return ((chunk_id, unit) not in quoted
                    and numbers_stated(claim, unit, self.need.numbers)
                    and names_stated(claim, titled, self.need.question)
                    and not names_missing(names, titled)
                    and months_stated(claim, _cited(chunk_id, unit), self.chunks))

        # lexical support first, then whole words shared ("GrainSync" is not "GRAINSTORM",
        # though both stem to "grain")
        best = best_sentence(
            ((cid, u) for cid in chunk_ids for u in self.units.get(cid, ()) if fits(cid, u)),
            lambda c: (self.support(claim, [c[1]]), len(words & _words(c[1]))),
            self.run.thresholds.answer_repoint)
        if best is None:
            return None
        chunk_id, unit = best[0]
        return number[chunk_id], chunk_id, unit


def _cited(chunk_id: str, unit: str) -> list[Citation]:
    """A sentence looked at, as a citation (no offsets: only its text and passage are read)."""
    return [Citation(n=0, chunk_id=chunk_id, source="", quote=unit, start=0, end=0)]


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z0-9][\w-]+", text)}


def citation(n: int, chunk: Chunk, quote: str) -> Citation | None:
    """A verified Citation of ``quote`` in ``chunk`` (None when it does not verify). It is
    verified against the text the model was shown: never a flagged (instruction-like) span."""
    verdict = verify_quote(quote, shown_text(chunk))
    if verdict.match == "unverified":
        return None
    span = locate(quote, chunk.text)
    start, end = (chunk.start + span[0], chunk.start + span[1]) if span else (chunk.start,
                                                                               chunk.end)
    return Citation(n=n, chunk_id=chunk.id, source=chunk.source, quote=quote, start=start,
                    end=end, page=chunk.page, display=prose_in(quote, chunk),
                    match="exact" if verdict.match == "exact" else "fuzzy")


def measure(question: str, answer: str, citations: Sequence[Citation], run: Run,
            judge: Judge | None, *, threshold: float, ask_question: bool) -> Measured:
    """Every judgement :func:`decide` needs; re-pointing is judged for claims under
    ``threshold`` (pass 1.0 or more to judge it for all, when calibrating)."""
    m = Measure(run, judge, needs(question))
    by_n: dict[int, list[Citation]] = {}
    for c in citations:
        by_n.setdefault(c.n, []).append(c)
    out = Measured()
    for sentence in split_claims(answer):
        if NOT_STATED.search(sentence):
            out.checks.append(ClaimCheck(sentence=sentence, kept=False, reason=DOES_NOT_STATE))
            continue
        cited = [c for n in dict.fromkeys(markers(sentence)) for c in by_n.get(n, [])]
        out.checks.append(m.claim(sentence, cited or list(citations), threshold))
    if ask_question and citations:
        out.answers_question = m.ask("answers.md", [c.shown() for c in citations],
                                     question=question)
    return out
