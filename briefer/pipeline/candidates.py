"""Which sentences the by-sentence sections (options, red lines) visit, and from which passages.

A brief on a real corpus spreads its options over many documents (fact sheets, orders, press
calls), so these sections draw from a wider **pool** than the ``k`` passages the other sections
are shown: the brief's own passages first, then more from the documents that name the topic,
a few per document, so that no single long document fills it (:func:`pool_for_topic`).

Each sentence of the pool gets a **degree** for the section (:func:`rank`):

- its wording (:data:`~briefer.text.cues.ACTION`, :data:`~briefer.text.conditions.CONDITION`,
  :data:`~briefer.text.cues.RISK`: a harm or a danger named outright above a modal's "could");
- its place (:mod:`briefer.text.structure`): a list item under a lead-in that announces the
  section's role ("The actions include:", "**Triggers**"), a table row under a header that
  names it ("| Trigger | Likely response |"), or a sentence in a section so headed ranks as a
  word of intent (options) or a condition clause (red lines);
- its voice: a step reported by the author ("We launched ...", "I have directed ...") or with
  the acting party as its subject ("Today, the United States airlifted ...") is a step taken;
  a speaker's "I" on the talk itself ("I'll turn it over to ...", "I know ...") is not;
- and what it is not: a question, a speaker handing over the floor, a counterfactual, and, for
  options, a step whose subject (or whose lead-in's subject) is another party the topic names
  and not the acting one ("The PRC is issuing a notice ..." in a brief on the US response);
  for risks, a step the acting party took or an order ("Patrol the banks ...": options).

The sentences visited are the highest degree first; within a degree, one document after another
(each document's sentences in order), so the visits cover the pool's documents first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.evidence.passages import Passage, Sentence, make_passages
from briefer.pipeline.retrieval import past_openings
from briefer.pipeline.topic import SUBQUERIES, on_topic, parties
from briefer.store.retrieve import Filters, fuse
from briefer.text.conditions import without_own_conditions
from briefer.text.cues import ACTION, CONDITION, RISK, opens_with_order, strength
from briefer.text.rows import is_table_row
from briefer.text.structure import (
    body_of,
    is_list_item,
    item_leads,
    judgement,
    lead_in_role,
    not_an_item,
    own_measure,
    own_voice,
)
from briefer.text.subjects import (
    FIRST_PERSON,
    RELATION,
    first_verb,
    split_subject,
    states_a_state,
    subject,
    talk,
)
from briefer.text.verify import normalise

PER_DOCUMENT = 3  # the most passages of one document in the pool
DEPTH = 4  # the pool's sub-queries search DEPTH x pool passages deep
STRONGEST = 3  # the degree of a list item under a lead-in of the section's role
CUES = {"option": ACTION, "red_line": CONDITION, "risk": RISK}
WEAKEST_SHARE = 0.25  # of an options section's visits, the most at degree 1 (a bare modal)
# of a risks section's: none (a modal alone is a forecast or a step: "South Korea may increase
# its supply of non-lethal equipment", "Putin thought he could quickly topple Ukraine")
RISK_WEAKEST_SHARE = 0.0
CONDITION_DEGREE = 2  # a passage the pool left out is read for red lines from this degree on


def pool_for_topic(topic: str, workspace: Workspace, first: Sequence[Chunk],
                   size: int, filters: Filters | None = None) -> list[Chunk]:
    """``first`` (the brief's passages), then passages of the documents that name the topic,
    one document after another (each document's best passage, then each one's second ...,
    documents in the order of their best passage), at most :data:`PER_DOCUMENT` per document,
    up to ``size`` in all. The sub-queries search ``DEPTH`` times ``size`` deep: a long
    document (a press call) holds many passages that read like a response."""
    if size <= len(first):
        return list(first)
    results = [workspace.search(q.format(topic=topic), k=DEPTH * size, filters=filters)
               for q in SUBQUERIES]
    ranked = past_openings(on_topic(fuse(results, DEPTH * size,
                                         workspace.settings.retrieval.rrf_k), topic,
                                    DEPTH * size), workspace)
    seen = {c.id for c in first}
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in first:
        by_doc.setdefault(chunk.source, [])
    for chunk in ranked:
        if chunk.id not in seen:
            by_doc.setdefault(chunk.source, []).append(chunk)
    taken = {source: sum(c.source == source for c in first) for source in by_doc}
    out = list(first)
    while len(out) < size and any(by_doc.values()):
        for source, queue in by_doc.items():
            if queue and len(out) < size and taken[source] < PER_DOCUMENT:
                out.append(queue.pop(0))
                taken[source] += 1
            elif taken[source] >= PER_DOCUMENT:
                queue.clear()
    return out


def conditions_for_topic(topic: str, workspace: Workspace, pool: Sequence[Chunk],
                         size: int, filters: Filters | None = None) -> list[Chunk]:
    """Passages of the pool's documents that the pool left out and that hold a sentence stating
    a condition or a conditionality (red-line degree >= :data:`CONDITION_DEGREE`): each
    document's in turn (documents in pool order, a document's passages in its own order), up to
    ``size``. An order's conditions, a statement's "until" or "in exchange for", sit in passages
    that do not read like the topic: reading the documents that name it reaches them."""
    if size <= 0 or not pool:
        return []
    have = {c.id for c in pool}
    ranker = Ranker("red_line", topic)
    sources = list(dict.fromkeys(c.source for c in pool))
    tiers: list[dict[str, list[Chunk]]] = [{s: [] for s in sources} for _ in range(2)]
    for chunk in workspace.store.of_sources(sources):
        if chunk.id in have or (filters is not None and not filters.accepts(chunk)):
            continue  # a pinned passage of an excluded document brings no other one
        degree = max((c.degree for c in ranker.rank(make_passages([chunk])[0])), default=0)
        if degree >= CONDITION_DEGREE:
            tiers[0][chunk.source].append(chunk)
        elif degree > 0:
            tiers[1][chunk.source].append(chunk)
    out: list[Chunk] = []
    for by_doc in tiers:
        while len(out) < size and any(by_doc.values()):
            for queue in by_doc.values():
                if queue and len(out) < size:
                    out.append(queue.pop(0))
    return out


@dataclass(frozen=True)
class Candidate:
    unit: Sentence
    source: str
    degree: int


class Ranker:
    """Degrees of the pool's sentences for one section (``role``: "option", "red_line" or
    "risk") of a brief on ``topic``."""

    def __init__(self, role: str, topic: str) -> None:
        self.role, self.cue = role, CUES[role]
        found = parties(topic)
        self.actor, self.others = found[0] if found else None, found[1:] if found else []

    def rank(self, passage: Passage) -> list[Candidate]:
        """The passage's sentences that can state an item of the section, with their degree."""
        section = passage.chunk.section
        heading = lead_in_role(f"## {section}") == self.role if section else False
        leads = self._leads(passage.chunk.text, passage.chunk.table_header)
        out = []
        for i, unit in enumerate(passage.units):
            if lead_in_role(unit.text) is not None or announces(unit.text):
                continue  # a lead-in announces items, it is none
            if self.role == "option" and i == 0 and unit.text[:1].islower():
                continue  # cut by the passage's start: whose step it is was said before it
            lead = leads.get(_key(unit.text), (None, False)) if is_list_item(unit.text) \
                else (None, False)
            degree = self.degree(unit.text, lead, heading)
            if degree > 0:
                out.append(Candidate(unit, passage.chunk.source, degree))
        return out

    def _leads(self, text: str, carried: str = "") -> dict[str, tuple[str | None, bool]]:
        """Each list item or table row of ``text`` (by :func:`_key`) -> the role its lead-in
        line or table header gives it (:func:`item_leads`) and whether that line's subject is
        another party; ``carried``: the header of the table ``text`` opens inside."""
        return {_key(line): (role, self._another_party(lead))
                for line, (lead, role) in item_leads(text, carried).items()}

    def degree(self, text: str, lead: tuple[str | None, bool], heading: bool) -> int:
        """0 (no item of the section) to :data:`STRONGEST`."""
        if not_an_item(text) is not None:
            return 0
        if self.role == "option" and (lead[1] or lead[0] == "risk"
                                      or self._another_party(text) or judgement(text)):
            return 0  # the other side's step, a danger listed, or a view: no option
        if self.role == "risk" and (self._own_step(text) or opens_with_order(text)):
            return 0  # a step ordered or taken by the acting party (against a harm, often)
        degree = strength(self.cue, text if self.role != "red_line"
                          else without_own_conditions(text, self.actor))
        if self.role == "option" and self._own_step(text):
            degree = max(degree, 2)
        if lead[0] == self.role or (heading and degree):
            # an item under a heading of steps is as strong as a word of intent; under one of
            # triggers or conditions (or of risks), above any wording
            degree = STRONGEST if self.role != "option" else max(degree, 2)
        return degree

    def _own_step(self, text: str) -> bool:
        """A step the acting party took: the subject names it, or is the document's own voice
        ("We", "The Administration", "This order"), and a verb follows."""
        who, after, verb = split_subject(body_of(text))
        if not who or not verb:
            return False  # no verb found
        if FIRST_PERSON.match(who) and talk(body_of(text)):
            return False  # the speaker on the talk: "I'll turn it over to ...", "I know ..."
        if states_a_state(after):
            return False  # how it is, not what it does: "the American people will be steadfast"
        if own_measure(who):  # what the measure does, not what it is or comes after, and ours
            return not (RELATION & first_verb(after) or any(p.search(who) for p in self.others))
        return own_voice(who) or (self.actor is not None and self.actor.search(who) is not None)

    def _another_party(self, text: str) -> bool:
        """Whether the subject of ``text`` names another party of the topic and not the acting
        one (a table row that opens with an order has none: "| Expand sanctions on X | Low |")."""
        if self.actor is None or not self.others or (is_table_row(text)
                                                     and opens_with_order(body_of(text))):
            return False
        who = subject(body_of(text))
        return (any(p.search(who) for p in self.others)
                and not self.actor.search(who))


def announces(text: str) -> bool:
    """A line that ends with a colon announces what follows it ("I hereby determine and
    order:", "The Coalition's members agreed to the following:"): it states no item itself."""
    return body_of(text).rstrip().endswith(":")


def _key(text: str) -> str:
    """What a list item is looked up by: its first words, markers and spacing aside."""
    return " ".join(body_of(text).split()[:8]).lower()


_NAMED = re.compile(r"(?<=[\s(])[A-Z][\w'\u2019.-]*|\$?\d[\d,.]*%?")


def particulars(text: str) -> int:
    """How many particular things ``text`` names (names after its first word, figures): a
    step is named by what it is and how much ("a 25% tariff", "the Trilateral Fentanyl
    Committee"); a sentence about the situation names fewer. At most 6."""
    return min(6, len(set(_NAMED.findall(body_of(text)))))


def visits(passages: Sequence[Passage], role: str, topic: str, limit: int) -> list[Sentence]:
    """The sentences a by-sentence section visits: highest degree first; within a degree,
    a sentence of each document in turn (documents in retrieval order). Options visit at most
    :data:`WEAKEST_SHARE` of their sentences at degree 1 (a bare modal: mostly forecasts and
    worries, "could hand them a pretext", "may be under-reported"); risks none
    (:data:`RISK_WEAKEST_SHARE`)."""
    ranker = Ranker(role, topic)
    found = [c for p in passages for c in ranker.rank(p)]
    order = {s: i for i, s in enumerate(dict.fromkeys(p.chunk.source for p in passages))}
    out: list[Sentence] = []
    # overlapping passages repeat a sentence: it is visited once
    found = list({normalise(c.unit.text): c for c in reversed(found)}.values())[::-1]
    for degree in sorted({c.degree for c in found}, reverse=True):
        by_doc: dict[str, list[Sentence]] = {}
        for c in sorted(found, key=lambda c: -particulars(c.unit.text)):
            if c.degree == degree:
                by_doc.setdefault(c.source, []).append(c.unit)
        queues = [by_doc[s] for s in sorted(by_doc, key=order.__getitem__)]
        share = {"option": WEAKEST_SHARE, "risk": RISK_WEAKEST_SHARE}.get(role, 1.0)
        room = limit if degree > 1 else len(out) + int(limit * share)
        room = min(room, limit)
        while any(queues) and len(out) < room:
            for queue in queues:
                if queue and len(out) < room:
                    out.append(queue.pop(0))
    return out[:limit]


__all__ = ["PER_DOCUMENT", "Candidate", "Ranker", "pool_for_topic", "visits"]
