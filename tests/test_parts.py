"""A several-part question's unanswered parts, asked again on their own (FakeModel, real store)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from briefer.corpus.workspace import Workspace
from briefer.llm.base import Message
from briefer.llm.testing import FakeModel
from briefer.pipeline.ask import answer_question
from briefer.pipeline.parts import open_parts
from briefer.text.needs import part_needs

CHARTER = (
    "The regional water charter was signed by the four river states in the spring. "
    "The charter stays in force for 12 years from its signature. "
    "Either member may withdraw by giving written notice to the secretariat. "
    "A withdrawal takes effect 9 months after the secretariat receives the notice."
)
QUESTION = "How long does the water charter stay in force, and when does a withdrawal take effect?"
FIRST = "The charter stays in force for 12 years [n]."
SECOND = "A withdrawal takes effect 9 months after the secretariat receives the notice [n]."


@pytest.fixture
def ws(tmp_path: Path, make_workspace: Callable[..., Workspace]) -> Workspace:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "charter.txt").write_text(CHARTER)
    workspace = make_workspace()
    workspace.ingest([docs])
    return workspace


def _cite(schema: dict[str, Any], containing: str, text: str) -> str:
    item = schema["properties"]["citations"]["items"]
    for branch in item.get("anyOf", [item]):
        for sentence in branch["properties"]["quote"]["enum"]:
            if containing in sentence:
                n = branch["properties"]["passage"]["const"]
                return json.dumps({"insufficient_evidence": False,
                                   "citations": [{"passage": n, "quote": sentence}],
                                   "answer": text.replace("[n]", f"[{n}]")})
    raise AssertionError(f"no sentence containing {containing!r}")


def model_answering(follow_up: str | None) -> FakeModel:
    """The first draft answers the first part only; a follow-up (its question is one part,
    after the conversation) answers ``follow_up`` from the withdrawal sentence, or abstains."""
    def respond(messages: Sequence[Message], schema: Any) -> str:
        user = messages[-1]["content"]
        if "CONVERSATION SO FAR" not in user:
            return _cite(schema, "12 years", FIRST)
        if follow_up is None:
            return json.dumps({"insufficient_evidence": True, "citations": [
                json.loads(_cite(schema, "12 years", FIRST))["citations"][0]],
                "answer": "The documents do not say."})
        return _cite(schema, "withdrawal takes effect", follow_up)
    return FakeModel(respond=respond)


def test_a_part_the_first_draft_left_is_asked_on_its_own_and_added(ws: Workspace) -> None:
    model = model_answering(SECOND)
    shown: list[str] = []
    answer = answer_question(QUESTION, workspace=ws, model=model, on_text=shown.append)
    assert not answer.insufficient_evidence
    assert "12 years" in answer.answer and "9 months" in answer.answer
    assert answer.unanswered == []
    assert {c.quote for c in answer.citations} == {
        "The charter stays in force for 12 years from its signature.",
        "A withdrawal takes effect 9 months after the secretariat receives the notice."}
    follow_up = model.calls[1][0][-1]["content"]  # the part, after the answer so far
    assert "QUESTION: When does a withdrawal take effect?" in follow_up
    assert "A: The charter stays in force for 12 years" in follow_up
    assert "[asked on its own: when does a withdrawal take effect]" in "".join(shown)


def test_a_part_the_follow_up_does_not_state_stays_unanswered(ws: Workspace) -> None:
    answer = answer_question(QUESTION, workspace=ws, model=model_answering(None))
    assert not answer.insufficient_evidence and "12 years" in answer.answer
    assert answer.unanswered == ["when does a withdrawal take effect"]
    # a follow-up that restates the first part answers nothing new: the part stays open
    answer = answer_question(QUESTION, workspace=ws, model=model_answering(FIRST))
    assert answer.answer.count("12 years") == 1
    assert answer.unanswered == ["when does a withdrawal take effect"]


def test_follow_ups_can_be_turned_off(tmp_path: Path, ws: Workspace,
                                      make_workspace: Callable[..., Workspace]) -> None:
    off = make_workspace("off", **{"ask.follow_up_parts": False})
    off.ingest([tmp_path / "docs"])
    model = model_answering(SECOND)
    answer = answer_question(QUESTION, workspace=off, model=model)
    assert answer.unanswered == ["when does a withdrawal take effect"]
    assert len(model.calls) == 1


def test_only_a_several_part_question_has_parts_to_ask() -> None:
    assert open_parts("How long does the charter stay in force?") == []
    assert open_parts(QUESTION) == ["how long does the water charter stay in force",
                                    "when does a withdrawal take effect"]


def model_declined_whole(answer_parts: bool) -> FakeModel:
    """The first draft joins both parts in one sentence its quote does not state (its "3
    weeks" is in no quote), the free second draft says nothing; asked part by part, each part
    is answered from its own sentence (or, without ``answer_parts``, abstained on)."""
    def respond(messages: Sequence[Message], schema: Any) -> str:
        user = messages[-1]["content"]
        if schema is None:
            return "NOT STATED"  # the free second draft (prompts/attribute.md)
        if "CONVERSATION SO FAR" not in user:
            return _cite(schema, "12 years", "The charter stays in force for 12 years and a "
                         "withdrawal takes effect after 3 weeks [n].")
        if not answer_parts:
            return json.dumps({"insufficient_evidence": True, "citations": [
                json.loads(_cite(schema, "12 years", FIRST))["citations"][0]],
                "answer": "The documents do not say."})
        if "QUESTION: When does a withdrawal" in user:
            return _cite(schema, "withdrawal takes effect", SECOND)
        return _cite(schema, "12 years", FIRST)
    return FakeModel(respond=respond)


def test_a_several_part_answer_declined_as_a_whole_is_asked_part_by_part(ws: Workspace) -> None:
    shown: list[str] = []
    answer = answer_question(QUESTION, workspace=ws, model=model_declined_whole(True),
                             on_text=shown.append)
    assert not answer.insufficient_evidence, answer.reason
    assert "12 years" in answer.answer and "9 months" in answer.answer
    assert "3 weeks" not in answer.answer and answer.unanswered == []
    screen = "".join(shown)
    assert "[declined as a whole; asked on its own: how long does the water charter" in screen
    assert "The documents do not answer this question." not in screen
    # the first draft's judged claim is kept in the record, beside the parts'
    assert [c.kept for c in answer.claims][0] is False


def test_a_declined_answer_whose_parts_are_not_answered_stays_declined(ws: Workspace) -> None:
    shown: list[str] = []
    answer = answer_question(QUESTION, workspace=ws, model=model_declined_whole(False),
                             on_text=shown.append)
    assert answer.insufficient_evidence and "not in its quotes" in answer.reason
    assert "".join(shown).endswith("[draft withdrawn]\nThe documents do not answer this "
                                   "question.")  # shown once, when nothing answered


def test_a_part_that_names_nothing_keeps_the_question_s_names() -> None:
    """"... reported in Vardo" is said once and qualifies both parts; a part with a name of
    its own keeps only its own."""
    q = "How many cholera cases and how many deaths were reported in Vardo?"
    first, second = open_parts(q)
    assert part_needs(q, first).names == ("Vardo",)
    assert part_needs(q, second).names == ("Vardo",)
    q = "Who leads the Harbour Council, and who commands the Coast Guard?"
    assert part_needs(q, open_parts(q)[1]).names == ("Coast Guard",)


def _cites(schema: dict[str, Any], pairs: list[tuple[str, str]]) -> str:
    """A draft whose sentences each cite the sentence containing their key."""
    item = schema["properties"]["citations"]["items"]
    found = {}
    for branch in item.get("anyOf", [item]):
        for sentence in branch["properties"]["quote"]["enum"]:
            for key, _ in pairs:
                if key in sentence:
                    found[key] = (branch["properties"]["passage"]["const"], sentence)
    text = " ".join(t.replace("[n]", f"[{found[k][0]}]") for k, t in pairs)
    return json.dumps({"insufficient_evidence": False, "answer": text, "citations": [
        {"passage": n, "quote": q} for n, q in (found[k] for k, _ in pairs)]})


def test_a_follow_up_needs_only_its_own_part_s_names_and_brings_only_its_new_quotes(
        tmp_path: Path, make_workspace: Callable[..., Workspace]) -> None:
    """The answer names the council's head (its quote names both bodies); the follow-up
    answering "who commands the Coast Guard" quotes a document that does not name the Harbour
    Council (the other part's name): it is kept. Its restatement of the first part is
    dropped, and so is that restatement's quote."""
    docs = tmp_path / "harbour"
    docs.mkdir()
    (docs / "council.txt").write_text(
        "The Harbour Council, which sets the Coast Guard's budget, is led by Mayor Anna Berg. "
        "Anna Berg was elected mayor of the port town in May after a long count.")
    (docs / "coastguard.txt").write_text(
        "Admiral Petr Holm commands the Coast Guard and its twelve patrol cutters.")
    ws = make_workspace("harbour-store")
    ws.ingest([docs])
    berg = "The Harbour Council is led by Mayor Anna Berg [n]."

    def respond(messages: Sequence[Message], schema: Any) -> str:
        user = messages[-1]["content"]
        if schema is None:
            return "NOT STATED"  # the free second draft
        if "QUESTION: Who commands the Coast Guard?" not in user:
            return _cites(schema, [("is led by Mayor", berg)])  # the whole question
        return _cites(schema, [("elected mayor", berg), (
            "commands the Coast Guard", "Admiral Petr Holm commands the Coast Guard [n].")])
    q = "Who leads the Harbour Council, and who commands the Coast Guard?"
    answer = answer_question(q, workspace=ws, model=FakeModel(respond=respond))
    assert not answer.insufficient_evidence, answer.reason
    assert "Petr Holm" in answer.answer and answer.answer.count("Anna Berg") == 1
    assert answer.unanswered == []
    quotes = [c.quote for c in answer.citations]
    assert any("commands the Coast Guard" in quote for quote in quotes)
    assert not any("elected mayor" in quote for quote in quotes)  # the dropped sentence's


def test_a_follow_up_is_grounded_with_its_own_part_s_names(
        tmp_path: Path, make_workspace: Callable[..., Workspace]) -> None:
    """The follow-up answering "who commands the Coast Guard" quotes only a document that
    does not name the Harbour Council, the other part's name: it is kept all the same."""
    docs = tmp_path / "harbour2"
    docs.mkdir()
    (docs / "council.txt").write_text(
        "The Harbour Council, which sets the Coast Guard's budget, is led by Mayor Anna Berg.")
    (docs / "coastguard.txt").write_text(
        "Admiral Petr Holm commands the Coast Guard and its twelve patrol cutters.")
    ws = make_workspace("harbour2-store")
    ws.ingest([docs])

    def respond(messages: Sequence[Message], schema: Any) -> str:
        if "QUESTION: Who commands the Coast Guard?" not in messages[-1]["content"]:
            return _cites(schema, [("is led by Mayor",
                                    "The Harbour Council is led by Mayor Anna Berg [n].")])
        return _cites(schema, [("commands the Coast Guard",
                                "Admiral Petr Holm commands the Coast Guard [n].")])
    q = "Who leads the Harbour Council, and who commands the Coast Guard?"
    answer = answer_question(q, workspace=ws, model=FakeModel(respond=respond))
    assert "Anna Berg" in answer.answer and "Petr Holm" in answer.answer
    assert answer.unanswered == []
