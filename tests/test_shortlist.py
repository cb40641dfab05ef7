"""The sentences an answer may quote (briefer.grounding.support.shortlist): made-up passages."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from briefer.core.schemas import Chunk
from briefer.corpus.workspace import Workspace
from briefer.evidence.passages import Passage, make_passages
from briefer.grounding.support import shortlist
from briefer.llm.base import Message
from briefer.llm.testing import FakeModel
from briefer.pipeline.ask import answer_question

# the passage that looks closest (ministers, chemical) quotes something else; the one that
# answers is second
NEAR = ("The ministers met in Varna on Tuesday. They condemned the seizure of the chemical plant "
        "at Ostrova by armed men.")
ANSWERS = ("The ministers said that threats to use chemical weapons are inadmissible in any "
           "circumstances. The next round of talks opens in May.")
QUESTION = "What did the ministers say about threats to use chemical weapons?"


def passages(*texts: str) -> list[Passage]:
    chunks = [Chunk(id=f"c{i}", text=t, source=f"d{i}.md", start=0, end=len(t), position=0,
                    doc_hash="0" * 64) for i, t in enumerate(texts)]
    return make_passages(chunks)


def kept(found: Sequence[Passage]) -> list[str]:
    return [u.text for p in found for u in p.units]


def test_the_sentence_sharing_the_rarest_terms_is_kept_over_the_closer_passage_s() -> None:
    found = shortlist(passages(NEAR, ANSWERS), [QUESTION], 1)
    assert kept(found) == [ANSWERS.split(". ")[0] + "."]
    # every passage stays, to be shown whole; the one with no kept sentence offers none
    assert [p.chunk_id for p in found] == ["c0", "c1"] and not found[0].units


def test_each_part_of_a_question_keeps_its_own_sentences() -> None:
    ferries = "Four ferries sail to the island each week. The harbour master is Ines Alvarado."
    whole = "How many ferries sail to the island each week, and who is the harbour master?"
    parts = ["how many ferries sail to the island each week", "who is the harbour master"]
    assert kept(shortlist(passages(ferries), [whole], 1)) == [
        "Four ferries sail to the island each week."]
    assert kept(shortlist(passages(ferries), [whole, *parts], 1)) == [
        "Four ferries sail to the island each week.", "The harbour master is Ines Alvarado."]


def test_no_shortlist_or_no_shared_term_leaves_the_passages_as_they_are() -> None:
    given = passages(NEAR, ANSWERS)
    assert kept(shortlist(given, [QUESTION], 0)) == kept(given)
    assert kept(shortlist(given, ["Quel temps fait-il à Lyon ?"], 2)) == kept(given)


def test_an_answer_may_quote_only_the_shortlisted_sentences(
        tmp_path: Path, make_workspace: Callable[..., Workspace]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "near.txt").write_text(NEAR)
    (docs / "answers.txt").write_text(ANSWERS)
    ws = make_workspace(**{"ask.quote_shortlist": 1})
    ws.ingest([docs])
    offered: list[str] = []

    def respond(messages: Sequence[Message], schema: Any) -> str:
        item = schema["properties"]["citations"]["items"]
        branches = item.get("anyOf", [item])
        offered.extend(q for b in branches for q in b["properties"]["quote"]["enum"])
        branch = branches[0]
        quote = branch["properties"]["quote"]["enum"][0]
        n = branch["properties"]["passage"]["const"]
        return json.dumps({"insufficient_evidence": False,
                           "citations": [{"passage": n, "quote": quote}],
                           "answer": f"They said such threats are inadmissible [{n}]."})

    answer = answer_question(QUESTION, workspace=ws, model=FakeModel(respond=respond))
    assert offered == [ANSWERS.split(". ")[0] + "."]
    assert not answer.insufficient_evidence and "inadmissible" in answer.citations[0].quote
