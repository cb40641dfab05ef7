"""Grounded question answering: retrieve → constrained answer with quotes → verify → cite.

The model writes ``{"insufficient_evidence", "citations": [{"passage", "quote"}], "answer"}``
under a grammar (quotes are sentences of the passage they name); the answer text streams as it
is generated. Citations are verified again; ``[n]`` markers without a verified quote are removed.
The answer is declined — without calling the model — when retrieval is too weak, and afterwards
when the model abstains, cannot cite, never produces a valid reply, or when a short second call
(``prompts/check.md``) finds that the verified quotes do not state what the question asks for.
Then every sentence is judged against its own quotes (:mod:`briefer.grounding.claims`):
re-pointed to the sentence of its passage that states it, or removed; an answer left with
nothing, or without the number, date or name the question asks for, is declined; a part of the
question nothing answers is listed in ``Answer.unanswered``. Every decline says why
(``Answer.reason``).

Follow-ups are read in the light of the conversation (:mod:`briefer.pipeline.conversation`);
the answer streams through :mod:`briefer.pipeline.streaming`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from briefer.core.errors import ConfigError
from briefer.core.prompts import load_prompt
from briefer.core.schemas import Answer, AnswerDraft, Chunk, Citation, ClaimCheck
from briefer.corpus.workspace import Workspace
from briefer.evidence.constrain import evidence_item_schema, generation_schema
from briefer.evidence.passages import Passage, make_passages, render_text
from briefer.evidence.run import Run
from briefer.grounding.claims import Measure, Measured, citation, confirming, measure
from briefer.grounding.decide import decide
from briefer.grounding.support import shortlist
from briefer.llm.base import ChatModel, Judge, OnToken
from briefer.pipeline.conversation import Conversation, Turn, standalone_question
from briefer.pipeline.generate import Citations, ReplyError, generate, parse_reply
from briefer.pipeline.parts import answer_parts, as_question, ask_parts, open_parts
from briefer.pipeline.retrieval import retrieve_for_question
from briefer.pipeline.self_check import self_check
from briefer.pipeline.streaming import AnswerStreamer, OnText
from briefer.text.needs import NOT_STATED, Needs, markers, needs, part_needs, plain, split_claims

DECLINE = "The documents do not answer this question."
NO_ANSWER = "No grounded answer could be produced."
NEVER_VALIDATED = "the model's reply never validated"
SCHEMA_VERSION = "answer-schema-v1"
ANSWER_MAX_TOKENS = 800  # room for the longest schema-valid answer
WIDER = 12  # how much deeper the search for another source's side goes (judged sentences)
SECOND_MAX_TOKENS = 160  # the free second draft: at most three sentences
MAX_SECOND_SENTENCES = 3


def answer_question(
    question: str,
    *,
    workspace: Workspace,
    model: ChatModel,
    k: int | None = None,
    conversation: Conversation | None = None,
    on_text: OnText | None = None,
    max_retries: int | None = None,
    judge: Judge | None = None,
) -> Answer:
    """Answer ``question`` from the store with verified quotes, or decline and say why.

    ``judge`` judges each sentence against its quotes (default: ``model``, when it can; none
    when ``ask.judge`` is off)."""
    started = time.perf_counter()
    settings = workspace.settings
    k = k or settings.retrieval.k
    question = " ".join(question.split())
    if not question:
        raise ConfigError("the question is empty")
    standalone = standalone_question(question, conversation)
    chunks, similarity = retrieve_for_question(question, standalone, workspace, k)
    run = Run.begin(question, chunks, k=k, schema_version=SCHEMA_VERSION, started=started,
                    store_fingerprint=workspace.fingerprint(), alias_prefix="",
                    thresholds=workspace.settings.grounding)
    answering = _Answering(run, model, workspace, standalone, on_text)
    if _too_weak(run, similarity, workspace, standalone):
        return answering.decline(DECLINE, "retrieval found no passage close to the question")
    retries = settings.model.max_retries if max_retries is None else max_retries
    draft = answering.draft(conversation, retries)
    if draft is None:
        return answering.decline(NO_ANSWER, f"{NEVER_VALIDATED} ({len(run.attempts)} attempts;"
                                 f" last: {run.attempts[-1].problem})", validated=False)
    if judge is None and isinstance(model, Judge):
        judge = model
    return answering.settle(question, draft, judge if settings.ask.judge else None)


def _too_weak(run: Run, similarity: float, workspace: Workspace, standalone: str) -> bool:
    """Retrieval too weak to try, or nothing quotable: the best passage's cosine is under
    ``grounding.min_similarity``, or under ``grounding.weak_similarity`` while no query word
    occurs in the corpus (BM25 finds nothing). Near-miss questions (on topic, not answered)
    pass this gate; the model and the citation check decide those."""
    bar = run.thresholds
    weak = similarity < bar.min_similarity or (
        similarity < bar.weak_similarity and not workspace.lexical().search(standalone, 1))
    return not run.chunks or weak or not any(p.units for p in run.passages)


class _Answering:
    """One answer in the making: drafts, and finishes into an Answer with its manifest."""

    def __init__(self, run: Run, model: ChatModel, workspace: Workspace, standalone: str,
                 on_text: OnText | None) -> None:
        self.run, self.model, self.workspace = run, model, workspace
        self.standalone, self.on_text = standalone, on_text
        self.streamed = False
        # a search WIDER deeper, once per answer (its parts' follow-ups number its passages
        # alike): read only when another source's side needs it
        self.wider: list[Passage] | None = None

    def draft(self, conversation: Conversation | None, retries: int,
              part: str = "") -> AnswerDraft | None:
        """The model's answer to the question (streamed), or to one ``part`` of it asked as a
        follow-up after the ``conversation`` (not streamed)."""
        run = self.run
        prompt = load_prompt("ask.md")
        run.uses(prompt.version)
        context = (conversation.render() if conversation
                   and (part or self.standalone != run.request) else "")
        system, user = prompt.render(passages=render_text(run.passages),
                                     question=part or run.request, conversation=context)
        n = self.workspace.settings.ask.quote_shortlist  # off (0) by default
        quotable = shortlist(run.passages, [part] if part else [
            self.standalone, *open_parts(run.request)], n) if n else run.passages
        schema = generation_schema(AnswerDraft, evidence_item_schema(quotable), max_evidence=3)
        citations = Citations(run.passages)
        stream = self.on_text is not None and not part
        self.streamed = self.streamed or stream
        return generate(self.model, run, [{"role": "system", "content": system},
                                          {"role": "user", "content": user}],
                        parse=lambda text: self._parse(text, citations, not part), schema=schema,
                        max_tokens=ANSWER_MAX_TOKENS, retries=retries,
                        on_token=self._streamer if stream else None)

    def part_draft(self, part: str, so_far: str) -> tuple[str, list[Citation]] | None:
        """``part`` of the question asked on its own over the same passages, as a follow-up
        after the answer ``so_far`` (:mod:`briefer.pipeline.parts`): its text and verified
        citations, or None when it abstains or cites nothing that verifies."""
        turn = Conversation([Turn(self.standalone, self.standalone,
                                  so_far or "(not answered yet)")])
        draft = self.draft(turn, 0, part=as_question(part))
        if draft is None or draft.insufficient_evidence:
            return None
        citations = _citations(draft, self.run.chunks)
        text = _clean_markers(draft.answer, {c.n for c in citations})
        return (text, citations) if citations and text else None

    def settle(self, question: str, draft: AnswerDraft, judge: Judge | None) -> Answer:
        """The validated ``draft``'s verified citations and answer, declined when it abstains,
        cites nothing that verifies or fails the self-check; else grounded sentence by sentence
        (:meth:`ground`), with a second draft when the first one's quotes do not state it."""
        ask = self.workspace.settings.ask
        citations = _citations(draft, self.run.chunks)
        text = _clean_markers(draft.answer, {c.n for c in citations})
        if draft.insufficient_evidence:
            return self.decline(DECLINE, "the model found no answer in the passages")
        if not citations or not text:
            return self.decline(DECLINE, "no quote the answer cited verified against its "
                                "passage")
        if ask.self_check and not self_check(question, _MARKER.sub("", text).strip(), citations,
                                               self.model, self.run):
            return self.decline(DECLINE, "withheld: a check found that the quoted passages "
                                "do not state what the question asks")
        second = ask.second_draft and judge is not None
        parts = open_parts(question) if ask.follow_up_parts and not ask.calibrate else []
        # a decline is shown only when neither a second draft nor the parts answer
        answer = self.ground(question, text, citations, judge, quiet=second or bool(parts))
        if answer.insufficient_evidence and second and judge is not None:
            # the first draft's quotes did not state it: answer first, then cite
            answer = self.attributed(question, judge) or answer
        if answer.insufficient_evidence and parts:  # each part as a question of its own
            answer = answer_parts(answer, parts, self.part_draft, lambda p, t, c: self.ground(
                as_question(p), t, c, judge, quiet=True, aside=True,
                need=part_needs(question, p)), self.on_text)
        elif answer.unanswered and parts:  # the parts left, each with the question's names
            answer = ask_parts(answer, parts, self.part_draft, lambda p, t, c: self.ground(
                question, t, c, judge, quiet=True, aside=True,
                need=part_needs(question, p)), self.on_text)
        return self.shown(answer) if answer.insufficient_evidence and (second or parts) \
            else answer

    def _streamer(self) -> OnToken | None:
        return AnswerStreamer(self.on_text) if self.on_text else None

    def _parse(self, text: str, citations: Citations, shown: bool = True) -> AnswerDraft:
        try:
            return parse_reply(AnswerDraft, text, citations)
        except ReplyError:
            if self.on_text and shown:
                self.on_text("\n[retrying: the reply did not validate]\n")
            raise

    def ground(self, question: str, text: str, citations: list[Citation],
               judge: Judge | None, *, quiet: bool = False, aside: bool = False,
               need: Needs | None = None) -> Answer:
        """Judge each sentence against its quotes and keep, re-point, remove or decline
        (``quiet``: a decline is returned without being shown; ``aside``: the text is not the
        streamed draft's, so its revision is not shown either)."""
        ask, bar = self.workspace.settings.ask, self.run.thresholds
        measured = measure(question, text, citations, self.run, judge,
                           threshold=2.0 if ask.calibrate else bar.answer_judge,
                           ask_question=judge is not None and (ask.calibrate
                                                               or bar.answers_question > 0))
        if ask.calibrate:  # record, enforce nothing
            return self.finish(text, False, citations, claims=measured)
        def more() -> list[Passage]:
            if self.wider is None:
                self.wider = self._wider()
            return self.wider

        d = decide(question, measured, citations, self.run.chunk_map(), thresholds=bar,
                   passages=self.run.passages, opening=self.workspace.opening, more=more,
                   confirm=confirming(self.run, judge, question) if judge is not None else None,
                   need=need)
        claims = Measured(d.checks, measured.answers_question)
        if d.decline:
            return self.decline(DECLINE, d.decline, claims=claims, considered=citations,
                                quiet=quiet)
        if self.on_text and self.streamed and d.text != text and not aside:
            self.on_text("\n[checked against its quotes:]\n" + d.text)
        cited = {c.chunk_id for c in d.citations} - {c.id for c in self.run.chunks}
        self.run.chunks.extend(p.chunk for p in self.wider or () if p.chunk_id in cited)  # manifest
        return self.finish(d.text, False, d.citations, unanswered=d.unanswered, claims=claims)

    def attributed(self, question: str, judge: Judge) -> Answer | None:
        """The second draft, for an answer whose quotes did not state it: the model answers
        in free text (``prompts/attribute.md``), each sentence is given the retrieved
        sentence that states it best (:meth:`briefer.grounding.claims.Measure.attribute`: lexical
        support, its numbers and names, the passage it marked first), and the result is
        judged like the first draft. None when it says nothing or is declined too."""
        run = self.run
        prompt = load_prompt("attribute.md")
        run.uses(prompt.version)
        need = needs(question)
        # "which X", declined for naming no X: the second draft is told to name it
        system, user = prompt.render(passages=render_text(run.passages), question=run.request,
                                     name_it=any(p.wants == "name" for p in need.parts))
        reply = run.record(self.model.complete(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            max_tokens=SECOND_MAX_TOKENS)).text
        if not reply.strip() or "NOT STATED" in reply or NOT_STATED.search(reply):
            return None
        pick = Measure(run, None, need)
        sentences: list[str] = []
        cited: dict[tuple[str, str], Citation] = {}
        for sentence in split_claims(reply)[:MAX_SECOND_SENTENCES]:
            found = pick.attribute(plain(sentence), markers(sentence))
            if found is not None:
                cited.setdefault((found.chunk_id, found.quote), found)
                sentences.append(f"{plain(sentence)} [{found.n}]")
        if not sentences:
            return None
        answer = self.ground(question, " ".join(sentences), list(cited.values()), judge,
                             quiet=True, aside=True)
        if answer.insufficient_evidence:
            return None
        if self.on_text:
            self.on_text(("\n[draft withdrawn; answered again from the passages, then cited]"
                          "\n" if self.streamed else "") + answer.answer)
        return answer

    def decline(self, text: str, reason: str, validated: bool = True,
                claims: Measured | None = None, considered: Sequence[Citation] = (),
                quiet: bool = False) -> Answer:
        """The declined answer, shown unless ``quiet`` (:meth:`shown`)."""
        answer = self.finish(text, True, [], reason, validated, claims=claims)
        answer = answer.model_copy(update={"considered": list(considered)})
        return answer if quiet else self.shown(answer)

    def shown(self, answer: Answer) -> Answer:
        """``answer`` shown; a draft streamed above stays on screen, marked as withdrawn."""
        if self.on_text:
            self.on_text("\n[draft withdrawn]\n" + answer.answer if self.streamed
                         else answer.answer)
        return answer

    def _wider(self) -> list[Passage]:
        """The passages a search :data:`WIDER` deeper adds to the answer's: read for another
        source's side, each sentence judged before it is quoted."""
        found, _ = retrieve_for_question(self.run.request, self.standalone, self.workspace,
                                         self.run.k + WIDER)
        shown = {p.chunk_id for p in self.run.passages}
        return make_passages([c for c in found if c.id not in shown])

    def finish(self, text: str, insufficient: bool, citations: list[Citation],
               reason: str = "", validated: bool = True, unanswered: list[str] | None = None,
               claims: Measured | None = None) -> Answer:
        run = self.run
        checks: list[ClaimCheck] = claims.checks if claims else []
        return Answer(question=run.request, answer=text, insufficient_evidence=insufficient,
                      citations=citations, standalone_question=self.standalone, reason=reason,
                      validated=validated, unanswered=unanswered or [], claims=checks,
                      answers_question=claims.answers_question if claims else None,
                      manifest=run.manifest(self.model, self.workspace.settings))


def _citations(draft: AnswerDraft, chunks: Sequence[Chunk]) -> list[Citation]:
    by_id = {c.id: (n, c) for n, c in enumerate(chunks, start=1)}
    out: list[Citation] = []
    seen: set[tuple[str, str]] = set()
    for ev in draft.citations:
        if ev.chunk_id not in by_id or (ev.chunk_id, ev.quote) in seen:
            continue
        n, chunk = by_id[ev.chunk_id]
        cited = citation(n, chunk, ev.quote)
        if cited is not None:
            seen.add((ev.chunk_id, ev.quote))
            out.append(cited)
    return out


_MARKER = re.compile(r"\s*\[(\d+)\]")


def _clean_markers(answer: str, verified: set[int]) -> str:
    """Keep [n] markers backed by a verified citation; drop the others. Add one if none."""
    text = _MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in verified else "", answer)
    text = " ".join(text.split())
    if verified and not _MARKER.search(text) and text:
        text += " " + "".join(f"[{n}]" for n in sorted(verified))
    return text


# Conversation and Turn: re-exported for the REPL (briefer.cli.repl)
__all__ = ["answer_question", "Conversation", "Turn", "DECLINE",
           "NO_ANSWER"]
