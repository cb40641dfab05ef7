"""What an answer keeps of its measured claims, and whether it is declined (pure, no model).

:func:`decide` keeps the claims its quotes (or the re-pointed sentence) state: P(yes) >= the
threshold, and every number, month and weekday it names in them (the judgements come from
:func:`briefer.grounding.claims.measure`). Then it checks the question's needs on what is left: a
"how
many / how much / what share" part needs a number the question does not already hold (not a
year; for "how many X", one a quote puts next to X), a "when" part a date, and every name the
question asks about must be in a kept quote (or just before it, in its paragraph) or a cited
document's title — a name of the dated occasion it asks about ("the March 2025 talks in
Riyadh") in a cited document's opening, too (what a question asks is read in
:mod:`briefer.text.needs`). A part nothing answers
goes to ``unanswered``; an answer left with no claim, or answering no part, or missing a name,
is declined with the reason. A question asking one number also gets the different figure
another source gives for the same thing, or another source's view, quoted
(:mod:`briefer.grounding.sides`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from briefer.core.schemas import Chunk, Citation, ClaimCheck
from briefer.core.settings import GroundingSettings
from briefer.evidence.passages import Passage
from briefer.grounding.claims import DOES_NOT_STATE, Measured
from briefer.grounding.dating import months_stated, window
from briefer.grounding.shown import in_its_sentence, with_its_quote
from briefer.grounding.sides import OTHER_SIDE, Confirm, Kept, another_source
from briefer.text.counting import counts
from briefer.text.events import EVENTS, event_stated
from briefer.text.names import inside_a_longer_name, names_missing, occasion_names
from briefer.text.needs import (
    Needs,
    Part,
    answer_numbers,
    claim_names,
    dated_event,
    has_date,
    markers,
    needs,
    numbers,
    plain,
    report_dated,
    when_by_rule,
)
from briefer.text.rows import is_table_row
from briefer.text.verify import in_quotes
from briefer.text.which import identifies
from briefer.text.words import terms


@dataclass
class Decision:
    text: str
    citations: list[Citation]
    checks: list[ClaimCheck]
    unanswered: list[str] = field(default_factory=list)
    decline: str = ""  # the reason, when the answer is declined


def decide(question: str, measured: Measured, citations: Sequence[Citation],
           chunks: dict[str, Chunk], *, thresholds: GroundingSettings,
           passages: Sequence[Passage] = (),
           opening: Callable[[str], str] | None = None,
           more: Callable[[], Sequence[Passage]] | None = None,
           confirm: Confirm | None = None, need: Needs | None = None) -> Decision:
    """Keep what the quotes state; decline, or list what is not stated, from what is left.
    With the retrieved ``passages``, a figure another source gives for the same thing is
    added, quoted (:func:`briefer.grounding.sides.another_source`; ``confirm`` judges it,
    ``more()`` finds a wider search's passages). ``opening(source)``: the opening of a document
    (its first passage), asked only for a name still missing. ``need``: what the question
    needs, when not read from it (a part asked on its own: :func:`part_needs`)."""
    need = need or needs(question)
    by_n: dict[int, list[Citation]] = {}
    for c in citations:
        by_n.setdefault(c.n, []).append(c)
    checks: list[ClaimCheck] = []
    kept: Kept = []
    sentences: list[str] = []
    not_stated: list[str] = []
    for check in (c.model_copy() for c in measured.checks):
        checks.append(check)
        if check.reason == DOES_NOT_STATE:
            not_stated.append(plain(check.sentence))
            sentences.append(plain(check.sentence))
            continue
        cited = [c for n in dict.fromkeys(markers(check.sentence)) for c in by_n.get(n, [])]
        own = _judge_claim(check, cited or list(citations), thresholds.answer_judge, chunks,
                          need)
        if own:
            kept.append((check.sentence, own))
            sentences.append(check.sentence if check.repointed_to is None or not check.reason
                             else _with_markers(plain(check.sentence), own))
    decision = Decision(" ".join(sentences), _union(c for _, own in kept for c in own), checks)
    decision.decline = _why_not(need, kept, decision.citations, chunks, checks, opening)
    if (not decision.decline and measured.answers_question is not None
            and measured.answers_question < thresholds.answers_question):
        decision.decline = ("a check found that the quotes do not give what the question "
                            f"asks (P(yes) {measured.answers_question:.2f})")
    if not decision.decline:
        decision.text = in_its_sentence(with_its_quote(
            decision.text, kept, question, [u for p in passages for u in p.sentences]), kept)
        decision.unanswered = _unanswered(need, kept, not_stated, chunks)
        found = another_source(need, kept, passages, chunks, thresholds, more, confirm)
        if found is not None:
            sentence, other = found
            decision.text = f"{decision.text} {sentence}"
            decision.citations = _union([*decision.citations, other])
            checks.append(ClaimCheck(sentence=sentence, reason=OTHER_SIDE))
    return decision


def _judge_claim(check: ClaimCheck, own: list[Citation], threshold: float,
                 chunks: dict[str, Chunk], need: Needs) -> list[Citation]:
    """The citations ``check``'s claim rests on (its own, or the re-pointed sentence), or []
    when it is removed; sets ``kept`` and ``reason``."""
    support = 1.0 if check.support is None else check.support
    alt = 1.0 if check.repointed_support is None else check.repointed_support
    asked = need.names
    dated = months_stated(check.sentence, own, chunks, need)
    check.kept, check.reason = True, ""
    # own quotes that miss a name the question asks about give way to a re-pointed sentence
    # that holds it
    unnamed = check.repointed_to is not None and bool(
        names_missing(asked, _quoted_text(own, chunks))) and not names_missing(
        asked, _quoted_text([check.repointed_to], chunks))
    if (check.numbers_ok and check.names_ok and dated and support >= threshold and not unnamed
            and not check.headings_only):
        return own
    if (check.repointed_to is not None and alt >= threshold
            and months_stated(check.sentence, [check.repointed_to], chunks, need)):
        check.reason = "re-pointed to the sentence of its passage that states it"
        return [check.repointed_to]
    check.kept = False
    check.reason = ("a number it states is not in its quotes" if not check.numbers_ok
                    else "a name it states is not in its quotes" if not check.names_ok
                    else "a year, month or day it names is not in its quotes" if not dated
                    else "its quotes are headings, which name a topic, not a finding"
                    if check.headings_only and support >= threshold
                    else f"its quotes do not state it (P(yes) {support:.2f})")
    return []


def _with_markers(text: str, cited: Sequence[Citation]) -> str:
    body = text.rstrip()
    end = body[-1] if body[-1:] in (".", "!", "?") else ""
    body = body[:-1] if end else body
    return body + " " + "".join(f"[{n}]" for n in sorted({c.n for c in cited})) + end


def _union(cited: Iterable[Citation]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for c in cited:
        seen.setdefault((c.chunk_id, c.quote), c)
    return sorted(seen.values(), key=lambda c: c.n)


def _gives(part: Part, sentence: str, own: Sequence[Citation], need: Needs,
           chunks: dict[str, Chunk]) -> bool:
    """``sentence`` gives the kind of value ``part`` wants: a date; a number the question does
    not hold — for "how many X", one its quote puts next to X ("14 operators" does not say how
    many water utilities); for "which X", what says which X (:func:`identifies`): "the three
    chemicals" or "all countries that import it" restates what is asked."""
    text = plain(sentence)
    if part.wants == "date":  # asked when something happened: not when it is due
        return (has_date(text) and (not part.past or any(dated_event(c.quote) for c in own))
                and not _only_reported(own) and _dates_what_is_asked(part, own)
                or when_by_rule(part.text, text, past=part.past))
    if part.wants == "name":  # "which countries ...": a country named, not "the countries"
        # named as itself, not only as "the United States Trade Representative"
        quoted = "\n".join(c.quote for c in own)
        return identifies(sentence, need.question, part.counted) and not any(
            inside_a_longer_name(n, quoted) for n in claim_names(sentence, need.question))
    if part.wants != "number":
        return True
    new = [alts for alts in answer_numbers(text) if not alts & need.numbers]
    if not part.counted:
        return bool(new)
    return any(counts(_read(c), alts, part.counted) or _listed(c, alts, part.counted, chunks)
               for alts in new for c in own)


def _read(c: Citation) -> str:
    """What a quote states: a table's row with its header's labels, as it is shown ("Option:
    Ban imports; Cost: Low": the column says what a cell is), else the quote itself."""
    return c.shown() if is_table_row(c.quote) else c.quote


def _dates_what_is_asked(part: Part, own: Sequence[Citation]) -> bool:
    """A quote that gives a date names what the question dates, when that is a thing named
    by a common noun ("when did the temporary pier begin ...": a date "since October 7th" of
    a sentence about aid in general dates something else)."""
    return not part.dated or any(part.dated & terms(c.quote) for c in own if has_date(c.quote))


def _only_reported(own: Sequence[Citation]) -> bool:
    """Every date the quotes give dates a report ("according to sources on Tuesday"), not the
    event asked about."""
    dated = [c.quote for c in own if has_date(c.quote)]
    return bool(dated) and all(report_dated(q) for q in dated)


def _listed(c: Citation, values: set[float], nouns: frozenset[str],
            chunks: dict[str, Chunk]) -> bool:
    """A list item ("Temmen: 47") whose list is headed by the noun ("Cases by district:")."""
    if len(c.quote.split()) > 6 or not any(numbers(w) & values for w in c.quote.split()):
        return False
    before = window(c, chunks)[: -len(c.quote)]
    heading = next((line for line in reversed(before.splitlines())
                    if line.rstrip().endswith(":")), "")
    return bool(terms(heading) & nouns)


def _answered(part: Part, kept: Kept, need: Needs, chunks: dict[str, Chunk]) -> bool:
    """Some kept claim gives what ``part`` wants; when the question asks several things, a
    claim about that part's own noun ("deaths" in "how many cases and how many deaths")."""
    several = len(need.parts) > 1
    if part.events and not any(_event_stated(part, own) for _, own in kept):
        return False  # "who commands": no quote states a command
    if part.wants is None and (not several or len(part.nouns) < 2):
        return True  # cannot tell: an untyped single question, or too few words to match
    return any(_gives(part, s, own, need, chunks)
               and (not several or bool(part.nouns & terms(plain(s)))) for s, own in kept)


def _event_stated(part: Part, own: Sequence[Citation]) -> bool:
    """A quote states every event ``part`` asks about (as having happened, when it asks so)."""
    return all(any(event_stated(e, _read(c), happened=part.past) for c in own)
               for e in part.events)


def _why_not(need: Needs, kept: Kept, cited: list[Citation], chunks: dict[str, Chunk],
             checks: list[ClaimCheck], opening: Callable[[str], str] | None = None) -> str:
    if not kept:
        judged = [c for c in checks if c.reason != DOES_NOT_STATE]
        if not judged:
            return "the model found no answer in the passages"
        return "no sentence of the answer is stated by its quotes: " + "; ".join(
            f"{in_quotes(plain(c.sentence)[:80])} ({c.reason})" for c in judged[:2])
    text = _quoted_text(cited, chunks)
    quoted = terms(text)
    missing = names_missing(need.names, text)
    occasion = set(occasion_names(need.question)) & set(missing)
    if occasion and opening is not None:  # the event's names, where a report gives them
        openings = "\n".join(opening(s) for s in dict.fromkeys(c.source for c in cited))
        missing = [n for n in missing if n not in occasion or names_missing([n], openings)]
    if missing:
        return f"the quoted passages do not mention {', '.join(missing)}"
    typed = [p for p in need.parts if p.wants or p.events]
    if typed and len(typed) == len(need.parts) and not any(
            _answered(p, kept, need, chunks) for p in typed):
        asked = " or ".join(dict.fromkeys(
            f"the {p.wants} asked for" if p.wants and not p.events
            else f"what it asks ({_asked_word(p)})" for p in typed))
        topic = _mentioned(need.question, quoted)
        return (f"the documents mention {topic} but not {asked}" if topic
                else f"the quoted passages do not give {asked}")
    return ""


def _asked_word(part: Part) -> str:
    """The question's own word for the event it asks ("manufactured", "commands")."""
    m = EVENTS[part.events[0]][0].search(part.text)
    return m.group(0) if m else part.events[0]


def _quoted_text(cited: list[Citation], chunks: dict[str, Chunk]) -> str:
    """The kept quotes, the text just before each in its passage, and the titles and headings
    of the cited documents: what the answer's evidence is about."""
    out: list[str] = []
    for c in cited:
        out.append(window(c, chunks))
        chunk = chunks.get(c.chunk_id)
        if chunk is not None:
            out.append(f"{chunk.title} {chunk.section}")
    return "\n".join(out)


def _mentioned(question: str, quoted: set[str]) -> str:
    """The longest run of the question's words that the quotes mention ("monitoring team")."""
    best: list[str] = []
    run: list[str] = []
    for word in question.rstrip("?").split():
        t = terms(word)
        if t and t <= quoted:
            run.append(word)
            if len(run) > len(best):
                best = list(run)
        elif not t and run:  # a stop word inside a run ("Ministry of Health")
            run.append(word)
        else:
            run = []
    return re.sub(r"['\u2019]s$", "", " ".join(best).strip(",;:"))  # "South Korea's" -> name


def _unanswered(need: Needs, kept: Kept, not_stated: list[str],
                chunks: dict[str, Chunk]) -> list[str]:
    """The model's own "not stated" sentences, then the parts of a several-part question that
    no kept claim answers (unless such a sentence already names them)."""
    out = list(not_stated)
    if len(need.parts) < 2:
        return out
    for part in need.parts:
        if _answered(part, kept, need, chunks):
            continue
        if not any(_covers(s, part) for s in not_stated):
            out.append(part.text[:1].lower() + part.text[1:])
    return out


_KIND_WORDS = {"date": re.compile(r"\b(?:when|date|day|month|year|time)\b", re.I),
               "name": re.compile(r"\b(?:which|names?|named|identi\w+)\b", re.I),
               "number": re.compile(r"\b(?:how (?:many|much)|number|figure|size|amount|total|"
                                    r"count|cost|share)\b", re.I)}


def _covers(sentence: str, part: Part) -> bool:
    """A "not stated" sentence that names the part: its noun, or the kind of value it wants."""
    if part.nouns and part.nouns <= terms(sentence):
        return True
    return part.wants is not None and bool(_KIND_WORDS[part.wants].search(sentence))
