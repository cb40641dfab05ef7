"""A several-part question's parts that the answer left unanswered, each asked on its own.

Asked "how long does the agreement stay in force, and when does a termination take effect?",
a small model answers the first part and stops, though a passage it was shown states the
second ("The termination shall take effect 6 months after …"): one draft answers the part it
meets first. So each part :func:`briefer.grounding.decide.decide` lists as unanswered (at most
:data:`FOLLOW_UPS`) is asked again, over the same passages, as a follow-up after the answer
so far (the REPL's conversation form), and the follow-up's draft is grounded like the first
one, with :func:`briefer.text.needs.part_needs` (the question's parts, so a reply is told apart
by the part it answers; the part's own names, or the question's when it names none). What it
states is added with its quotes; a part it does not state stays in ``unanswered``, so a
partial answer still says what the documents do not state.
Only the parts :func:`briefer.text.needs.needs` splits the question into are asked again, not
the model's own "the documents do not state …" sentences. A several-part answer declined as a
whole is asked part by part too (:func:`answer_parts`): one part's failure need not cost the
other part its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from briefer.core.schemas import Answer, Citation
from briefer.text.needs import markers, needs, plain, split_claims
from briefer.text.verify import normalise

FOLLOW_UPS = 2  # the most parts of one question asked again (one draft each)

# (the part, the answer so far) -> the follow-up's text and its verified citations, or None
DraftPart = Callable[[str, str], tuple[str, list[Citation]] | None]
# (the part, text, citations) -> the draft grounded with what the part needs (part_needs)
Ground = Callable[[str, str, list[Citation]], Answer]


def open_parts(question: str) -> list[str]:
    """The parts of a several-part question as :attr:`Answer.unanswered` names them."""
    need = needs(question)
    if len(need.parts) < 2:
        return []
    return [p.text[:1].lower() + p.text[1:] for p in need.parts]


def as_question(part: str) -> str:
    """A part as the question it is asked as ("when does a termination take effect" ->
    "When does a termination take effect?")."""
    return f"{part[:1].upper()}{part[1:]}?"


def ask_parts(answer: Answer, parts: Sequence[str], draft: DraftPart, ground: Ground,
              on_text: Callable[[str], None] | None = None, tried: Sequence[str] = ()
              ) -> Answer:
    """``answer`` with each of its unanswered ``parts`` asked again on its own: the follow-up's
    grounded sentences that are not already in the answer are added, with their citations,
    and the part leaves ``unanswered``; a follow-up that is declined, or that leaves its part
    unanswered, changes nothing. Parts already ``tried`` are not asked again, and at most
    :data:`FOLLOW_UPS` drafts are written in all."""
    for part in [u for u in answer.unanswered if u in parts and u not in tried][
            :FOLLOW_UPS - len(tried)]:
        drafted = draft(part, answer.answer)
        if drafted is None:
            continue
        got = ground(part, *drafted)
        if got.insufficient_evidence or part in got.unanswered:
            continue
        said = {normalise(plain(s)) for s in split_claims(answer.answer)}
        added = [s for s in split_claims(got.answer) if normalise(plain(s)) not in said]
        if not added:
            continue
        answer = answer.model_copy(update={
            "answer": " ".join([answer.answer, *added]),
            "citations": _merged(answer.citations, got.citations, added),
            "unanswered": [u for u in answer.unanswered if u != part]
            + [u for u in got.unanswered if u not in parts and u not in answer.unanswered],
            "claims": [*answer.claims, *got.claims]})
        if on_text:
            on_text(f"\n[asked on its own: {part}]\n" + " ".join(added))
    return answer


def answer_parts(declined: Answer, parts: Sequence[str], draft: DraftPart, ground: Ground,
                 on_text: Callable[[str], None] | None = None) -> Answer:
    """A several-part question whose answer was declined as a whole — one part's claim not
    stated, or a name only the other part asks about missing from its quotes — with each part
    asked on its own (at most :data:`FOLLOW_UPS`), each grounded with its own names
    (:func:`briefer.text.needs.part_needs`): the first reply that answers a part becomes the
    answer, the parts it leaves stay unanswered and are asked after it (:func:`ask_parts`).
    ``declined`` when no part is answered."""
    failed: list[str] = []  # asked on their own and not answered: unanswered, whatever the
    for k, part in enumerate(parts[:FOLLOW_UPS]):  # next reply's words seem to touch
        drafted = draft(part, "")
        got = ground(part, *drafted) if drafted is not None else None
        if got is None or got.insufficient_evidence or all(p in got.unanswered for p in parts):
            failed.append(part)
            continue
        if on_text:
            on_text(f"\n[declined as a whole; asked on its own: {part}]\n{got.answer}")
        answer = got.model_copy(update={
            "question": declined.question,
            "unanswered": [*failed, *(u for u in got.unanswered if u not in failed)],
            "claims": [*declined.claims, *got.claims]})
        return ask_parts(answer, parts, draft, ground, on_text, tried=parts[:k + 1])
    return declined


def _merged(cited: Sequence[Citation], more: Sequence[Citation],
            added: Sequence[str]) -> list[Citation]:
    """``cited``, and those of ``more`` that the ``added`` sentences mark and ``cited`` does
    not hold already (a follow-up's sentence dropped as said before takes its quotes along)."""
    marked = {n for s in added for n in markers(s)}
    have = {(c.chunk_id, c.quote) for c in cited}
    return [*cited, *(c for c in more if c.n in marked and (c.chunk_id, c.quote) not in have)]
