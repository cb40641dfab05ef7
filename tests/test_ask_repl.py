"""`brief ask` and the REPL as whole transcripts on a FakeModel."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from briefer.cli.repl import Repl, sources_line
from briefer.core.schemas import Citation
from briefer.corpus.workspace import Workspace
from briefer.llm.testing import FakeModel
from briefer.pipeline.ask import DECLINE, NO_ANSWER, answer_question
from briefer.pipeline.streaming import AnswerStreamer

DOC = (
    "The ministry is considering sending an observer mission to the border region. "
    "Officials said sanctions on fuel exports would be expanded together with regional partners. "
    "Should the neighbour test a long-range missile, the cabinet could approve the transfer of "
    "air-defence systems."
)
OTHER = ("The harvest festival draws visitors from across the valley every autumn. "
         "Local bakers prepare bread from heritage grains for the market stalls.")


@pytest.fixture
def ws(tmp_path: Path, make_workspace: Callable[..., Workspace]) -> Workspace:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ministry.txt").write_text(DOC)
    (docs / "festival.txt").write_text(OTHER)
    workspace = make_workspace()
    workspace.ingest([docs])
    return workspace


def first_quote(schema: dict[str, Any], containing: str = "") -> tuple[str, str]:
    """(passage number, a sentence) from the answer schema's evidence branches."""
    item = schema["properties"]["citations"]["items"]
    for branch in item.get("anyOf", [item]):
        for sentence in branch["properties"]["quote"]["enum"]:
            if containing in sentence:
                return branch["properties"]["passage"]["const"], sentence
    raise AssertionError(f"no sentence containing {containing!r}")


def answering(text: str, containing: str) -> Callable[[Any, Any], str]:
    def respond(messages: Any, schema: Any) -> str:
        if "verdict" in (schema or {}).get("properties", {}):
            return json.dumps({"verdict": "yes"})  # the answer check (see judged())
        if schema is None:  # the free second draft (prompts/attribute.md)
            return text.replace("[n]", "[1]")
        n, quote = first_quote(schema, containing)
        return json.dumps({"insufficient_evidence": False,
                           "citations": [{"passage": n, "quote": quote}],
                           "answer": text.replace("[n]", f"[{n}]")})
    return respond


def judged(respond: Callable[[Any, Any], str], verdict: str) -> Callable[[Any, Any], str]:
    """``respond`` for the answer; ``verdict`` for the check call that follows it."""
    def both(messages: Any, schema: Any) -> str:
        if "verdict" in (schema or {}).get("properties", {}):
            return json.dumps({"verdict": verdict})
        return respond(messages, schema)
    return both


def test_answer_the_check_rejects_is_withheld(
        make_workspace: Callable[..., Workspace], ws: Workspace) -> None:
    ws = make_workspace(**{"ask.self_check": True})  # the same store folder, check on
    streamed: list[str] = []
    model = FakeModel(respond=judged(answering("Sixty stewards [n].", "bakers"), "no"))
    a = answer_question("Which sanctions are planned?", workspace=ws, model=model,
                        on_text=streamed.append)
    assert a.insufficient_evidence and a.answer == DECLINE and a.citations == []
    assert a.reason.startswith("withheld")
    check_messages, check_schema = model.calls[-1]
    assert check_schema is not None and "verdict" in check_schema["properties"]
    user = check_messages[-1]["content"]
    assert "Which sanctions are planned?" in user and "Local bakers prepare bread" in user
    assert "Sixty stewards." in user  # the answer without its [n] markers
    assert "".join(streamed).endswith("\n" + DECLINE)  # the streamed draft, then the verdict
    assert a.manifest.attempts == 2 and a.manifest.prompt_version.endswith("+check-v1")


def test_answer_the_check_accepts_is_kept_and_check_is_off_by_default(
        ws: Workspace, make_workspace: Callable[..., Workspace]) -> None:
    on = make_workspace(**{"ask.self_check": True})
    model = FakeModel(respond=judged(answering("Fuel sanctions [n].", "sanctions"), "yes"))
    a = answer_question("Which sanctions are planned?", workspace=on, model=model)
    assert not a.insufficient_evidence and a.reason == "" and len(model.calls) == 2
    model = FakeModel(respond=judged(answering("Fuel sanctions [n].", "sanctions"), "no"))
    b = answer_question("Which sanctions are planned?", workspace=ws, model=model)
    assert not b.insufficient_evidence and len(model.calls) == 1


def test_reply_that_never_validates_is_declined_with_the_reason(ws: Workspace) -> None:
    model = FakeModel(respond=lambda m, s: '{"citations": [{"passage": "1", "quo')
    a = answer_question("Which sanctions are planned?", workspace=ws, model=model,
                        max_retries=1)
    assert a.insufficient_evidence and a.answer == NO_ANSWER and a.citations == []
    assert "never validated (2 attempts" in a.reason and len(model.calls) == 2


def test_answer_cites_verified_quote_and_streams(ws: Workspace) -> None:
    streamed: list[str] = []
    model = FakeModel(respond=answering("Sanctions on fuel will expand [n] [9].", "sanctions"))
    answer = answer_question("Which sanctions are planned?", workspace=ws, model=model,
                             on_text=streamed.append)
    assert not answer.insufficient_evidence
    assert answer.citations and answer.citations[0].match == "exact"
    c = answer.citations[0]
    assert f"[{c.n}]" in answer.answer and "[9]" not in answer.answer  # unbacked marker dropped
    assert "Sanctions on fuel will expand" in "".join(streamed)
    original = DOC
    assert original[c.start:c.end].startswith("Officials said sanctions")


def test_weak_retrieval_declines_without_calling_the_model(ws: Workspace) -> None:
    model = FakeModel()  # any call would fail loudly
    answer = answer_question("What is the boiling point of tungsten in kelvin?", workspace=ws,
                             model=model)
    assert answer.insufficient_evidence and answer.answer == DECLINE
    assert model.calls == [] and answer.citations == []


def test_model_abstention_and_uncitable_answers_are_declined(ws: Workspace) -> None:
    def abstaining(messages: Any, schema: Any) -> str:
        n, quote = first_quote(schema)
        return json.dumps({"citations": [{"passage": n, "quote": quote}],
                           "answer": "Not in the documents.", "insufficient_evidence": True})

    abstain = FakeModel(respond=abstaining)
    a = answer_question("Which sanctions are planned?", workspace=ws, model=abstain)
    assert a.insufficient_evidence and a.answer == DECLINE
    fabricated = FakeModel(replies=[json.dumps({
        "insufficient_evidence": False,
        "citations": [{"passage": "1", "quote": "Sanctions were lifted entirely last year."}],
        "answer": "They were lifted [1]."})])
    b = answer_question("Which sanctions are planned?", workspace=ws, model=fabricated)
    assert b.insufficient_evidence and b.citations == []


def test_answer_streamer_unescapes_and_stops_at_the_closing_quote() -> None:
    out: list[str] = []
    s = AnswerStreamer(out.append)
    for piece in ['{"insufficient_evidence": false, "citations": [], "ans', 'wer": "He said ',
                  '\\"no\\"', ' twice.\\nEnd', '", "x": "y"}']:
        s(piece)
    assert "".join(out) == 'He said "no" twice.\nEnd'


def test_cli_ask_json_shape(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from briefer.cli.app import app
    from briefer.llm import models

    monkeypatch.setattr(models, "load_model", lambda s, **_: FakeModel(
        respond=answering("An observer mission [n].", "observer")))
    result = CliRunner().invoke(app, ["ask", "Will they send observers?", "--store",
                                      str(ws.state_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"question", "answer", "insufficient_evidence", "unanswered", "reason",
                         "citations", "manifest"}
    assert set(data["citations"][0]) == {"n", "chunk_id", "source", "quote", "display", "start",
                                         "end"}
    assert data["citations"][0]["source"] == "ministry.txt"


# --------------------------------------------------------------------------- REPL transcripts


def transcript(ws: Workspace, model: FakeModel, lines: list[str],
               tmp_path: Path) -> tuple[str, Repl]:
    screen: list[str] = []
    repl = Repl(ws, model, screen.append, k=4)
    for line in lines:
        screen.append(f"brief> {line}\n")
        if not repl.handle(line):
            break
    return "".join(screen), repl


def test_repl_session_commands_followup_and_memo(ws: Workspace, tmp_path: Path) -> None:
    model = FakeModel(respond=answering("They may send observers [n].", "observer"))
    screen, repl = transcript(ws, model, [
        "/help",
        "Will the ministry send observers?",
        "and where would they go?",
        "/sources",
        "/show 1",
        "/k 3",
        "/frobnicate",
        "/model",
        f"/memo {tmp_path / 'conv.md'}",
        "/clear",
        "/quit",
        "never reached",
    ], tmp_path)
    assert "/brief TOPIC" in screen  # help
    assert screen.count("They may send observers") >= 2  # streamed twice
    # the follow-up was retrieved in the light of the first question
    assert repl.last_answer is None  # cleared
    second_prompt = model.calls[1][0][1]["content"]
    assert "CONVERSATION SO FAR" in second_prompt and "Will the ministry" in second_prompt
    assert "observer mission" in screen  # /sources and /show print the quote / passage
    assert "k = 3" in screen
    assert "unknown command /frobnicate" in screen
    assert "model: fake-model" in screen
    assert (tmp_path / "conv.md").read_text().startswith("# Conversation")
    assert "conversation cleared" in screen
    assert "never reached" not in screen


def test_repl_lists_each_cited_passage_once() -> None:
    def cited(n: int, source: str, quote: str) -> Citation:
        return Citation(n=n, chunk_id=f"c{n}", source=source, quote=quote, start=0,
                        end=len(quote))

    line = sources_line([cited(3, "ministry.txt", "They may send observers."),
                         cited(3, "ministry.txt", "The mission would report weekly."),
                         cited(1, "brief.md", "Talks resume in May."),
                         cited(3, "ministry.txt", "Observers would not be armed.")])
    assert line == "sources: [3] ministry.txt, [1] brief.md"


def test_repl_ctrl_c_stops_generation_and_keeps_session(ws: Workspace, tmp_path: Path) -> None:
    def interrupted(messages: Any, schema: Any) -> str:
        raise KeyboardInterrupt

    model = FakeModel(respond=interrupted)
    screen, repl = transcript(ws, model, ["Will the ministry send observers?", "/k 2"], tmp_path)
    assert "(stopped)" in screen and "k = 2" in screen


def test_repl_declines_unanswerable(ws: Workspace, tmp_path: Path) -> None:
    screen, _ = transcript(ws, FakeModel(), ["What is the boiling point of tungsten?"],
                           tmp_path)
    assert DECLINE in screen and "(retrieval found no passage close to the question)" in screen


def test_repl_brief_then_memo(ws: Workspace, tmp_path: Path) -> None:
    def respond(messages: Any, schema: Any) -> str:
        props = schema["properties"]
        if "bottom_line" in props:
            ev = props["evidence"]["items"]
            branch = ev.get("anyOf", [ev])[0]["properties"]
            return json.dumps({"bottom_line": "Observers first, sanctions next.",
                               "situation": "A mission is considered.",
                               "evidence": [{"passage": branch["passage"]["const"],
                                             "quote": branch["quote"]["enum"][0]}]})
        return json.dumps({key: [] for key in props})

    memo = tmp_path / "b.md"
    screen, _ = transcript(ws, FakeModel(respond=respond),
                           ["/brief", "/brief border response", f"/memo {memo}"], tmp_path)
    assert "usage: /brief TOPIC" in screen
    assert "BOTTOM LINE: Observers first" in screen
    assert memo.exists() and "# Brief: border response" in memo.read_text()


def test_follow_up_detection() -> None:
    from briefer.pipeline.conversation import is_follow_up

    assert is_follow_up("and where would they go?")
    assert is_follow_up("Why?")
    assert not is_follow_up("Who would be on the monitoring team?")


def test_empty_question_is_a_config_error(ws: Workspace) -> None:
    from briefer.core.errors import ConfigError

    with pytest.raises(ConfigError, match="question is empty"):
        answer_question("  ", workspace=ws, model=FakeModel())


# --------------------------------------------------------------------------- support judgement


def test_a_sentence_its_quote_does_not_state_is_removed_and_the_rest_kept(ws: Workspace) -> None:
    model = FakeModel(respond=answering("Sanctions on fuel will expand [n]. Exports fell by "
                                        "half last year [n].", "sanctions"))
    model.judgements = [0.95, 0.04]  # the first sentence is stated, the second is not
    streamed: list[str] = []
    a = answer_question("Which sanctions are planned?", workspace=ws, model=model,
                        on_text=streamed.append)
    assert not a.insufficient_evidence and "fell by half" not in a.answer
    assert a.answer.startswith("Sanctions on fuel will expand [")
    assert [c.kept for c in a.claims] == [True, False]
    assert "do not state it" in a.claims[1].reason and a.manifest.timings.judgements == 2
    assert "[checked against its quotes:]" in "".join(streamed)  # the revision is shown


def test_a_how_many_question_answered_without_a_number_is_declined_with_the_reason(
        ws: Workspace) -> None:
    model = FakeModel(respond=answering("An observer mission will go to the border [n].",
                                        "observer"))
    streamed: list[str] = []
    a = answer_question("How many observers will the ministry send to the border region?",
                        workspace=ws, model=model, on_text=streamed.append)
    assert a.insufficient_evidence and a.answer == DECLINE
    assert a.reason.startswith("the documents mention") and "number asked for" in a.reason
    # the streamed draft stays on the screen: it is marked as withdrawn (the reason follows)
    assert f"[1].\n[draft withdrawn]\n{DECLINE}" in "".join(streamed)


def test_a_partial_answer_lists_what_is_not_stated(ws: Workspace) -> None:
    model = FakeModel(respond=answering("Sanctions on fuel exports will be expanded [n]. The "
                                        "documents do not say when.", "sanctions"))
    a = answer_question("Which sanctions are planned, and when will they start?", workspace=ws,
                        model=model)
    assert not a.insufficient_evidence and a.unanswered == ["The documents do not say when."]


def test_judgement_off_keeps_what_the_model_wrote(make_workspace: Callable[..., Workspace],
                                                  ws: Workspace) -> None:
    ws = make_workspace(**{"ask.judge": False})
    model = FakeModel(respond=answering("Sanctions on fuel will expand [n].", "sanctions"),
                      support=0.0)
    a = answer_question("Which sanctions are planned?", workspace=ws, model=model)
    assert not a.insufficient_evidence and model.judge_calls == []


def test_citations_are_shown_as_prose(tmp_path: Path,
                                      make_workspace: Callable[..., Workspace]) -> None:
    docs = tmp_path / "md"
    docs.mkdir()
    (docs / "plan.md").write_text("# Plan\n\n**Phase 2.** The ministry will call up twelve "
                                  "thousand reservists for border duty.\n")
    ws = make_workspace("md")
    ws.ingest([docs])
    model = FakeModel(respond=answering("It will call up reservists [n].", "reservists"))
    a = answer_question("Will the ministry call up reservists?", workspace=ws, model=model)
    c = a.citations[0]
    assert "**" in c.quote and "**" not in c.display and c.shown() == c.display
    assert c.display.startswith("Phase 2.") and c.display.endswith("border duty.")


def test_a_heading_is_shown_apart_from_the_line_under_it() -> None:
    """A Markdown heading has no full stop: shown as prose, it is not one sentence with the
    bullet under it (the answer judge reads what is shown)."""
    from briefer.evidence.passages import as_prose

    text = ("## Triggers\n\n### Trigger 1: the neighbour moves artillery to the river\n"
            "- An official said the ministry would suspend the observer mission.\n"
            "- A second official said the talks would end.")
    assert as_prose("### Trigger 1: the neighbour moves artillery to the river", text) == \
        "Trigger 1: the neighbour moves artillery to the river"
    assert as_prose("- An official said the ministry would suspend the observer mission.",
                    text) == "An official said the ministry would suspend the observer mission."
    # a lead-in line and its list still read as one (no heading between them)
    assert as_prose("a register of trawlers", "The steps include:\n- a register of trawlers") \
        == "The steps include: a register of trawlers"


def test_a_table_row_is_shown_with_its_headers_labels_not_as_the_whole_table() -> None:
    """A row has no full stop: widened to a sentence it ran over the whole table; alone, its
    cells do not say what they are ("Low" what?)."""
    from briefer.evidence.passages import as_prose

    text = ("## Options\n\n| Option | Cost |\n|---|---|\n"
            "| Expand sanctions on Westmark banks | Low |\n| Send a naval task force | High |\n")
    assert as_prose("| Expand sanctions on Westmark banks | Low |", text) == \
        "Option: Expand sanctions on Westmark banks; Cost: Low"
    assert as_prose("| Expand sanctions on Westmark banks | Low |") == \
        "Expand sanctions on Westmark banks, Low"  # no header to read it with
    # a piece of a row is shown as its whole row; a passage cut from the table's body reads its
    # rows with the header its chunk carries
    assert as_prose("Send a naval task force", text) == \
        "Option: Send a naval task force; Cost: High"
    assert as_prose("| Send a naval task force | High |", "| Send a naval task force | High |",
                    "| Option | Cost |") == "Option: Send a naval task force; Cost: High"


def _two_drafts(first: str, containing: str, second: str) -> Callable[[Any, Any], str]:
    """The schema'd first draft cites the sentence ``containing``; the free second draft
    replies ``second``."""
    quoted = answering(first, containing)
    return lambda messages, schema: second if schema is None else quoted(messages, schema)


def test_a_declined_first_draft_gets_a_free_second_draft_cited_to_the_sentence_stating_it(
        ws: Workspace) -> None:
    """The first draft's claim no sentence states is declined. The second,
    written freely, is given the ministry's sentence that states it, and judged again."""
    model = FakeModel(respond=_two_drafts(
        "Bakers will strike over the fuel sanctions next week [n].", "bakers",
        "Officials said sanctions on fuel exports would be expanded together with regional "
        "partners [2]."), judge=lambda m: 0.05 if "bakers" in m[-1]["content"] else 0.9)
    streamed: list[str] = []
    a = answer_question("Which sanctions would be expanded?", workspace=ws, model=model,
                        on_text=streamed.append)
    assert not a.insufficient_evidence, a.reason
    # on screen: the first draft, withdrawn, then the second; no decline in between
    shown = "".join(streamed)
    assert "[draft withdrawn; answered again from the passages, then cited]\nOfficials" in shown
    assert DECLINE not in shown
    assert [c.quote for c in a.citations] == [
        "Officials said sanctions on fuel exports would be expanded together with regional "
        "partners."]
    assert "attribute-v2" in a.manifest.prompt_version
    second = next(m for m, schema in model.calls if schema is None)
    assert "give its name or number" in second[-1]["content"]  # "which X": told to name it


def test_a_second_draft_that_says_nothing_leaves_the_first_decline(
        make_workspace: Callable[..., Workspace], ws: Workspace) -> None:
    model = FakeModel(respond=_two_drafts("An observer mission will go to the border [n].",
                                          "observer", "NOT STATED"))
    q = "How many observers will the ministry send to the border region?"
    streamed: list[str] = []
    a = answer_question(q, workspace=ws, model=model, on_text=streamed.append)
    assert a.insufficient_evidence and "number asked for" in a.reason
    assert "".join(streamed).endswith(f"[draft withdrawn]\n{DECLINE}")  # shown once, last
    assert sum(1 for _, schema in model.calls if schema is None) == 1
    second = next(m for m, schema in model.calls if schema is None)
    assert "give its name" not in second[-1]["content"]  # "how many" asks no name
    off = FakeModel(respond=_two_drafts("An observer mission will go to the border [n].",
                                        "observer", "NOT STATED"))
    a = answer_question(q, workspace=make_workspace(**{"ask.second_draft": False}), model=off)
    assert a.insufficient_evidence and all(schema is not None for _, schema in off.calls)


def test_another_sources_side_from_a_wider_search_is_in_the_manifest(
        tmp_path: Path, make_workspace: Callable[..., Workspace]) -> None:
    """Shown one passage (k=1), the answer gives one source's figure; the judge confirms the
    other source's figure found in the wider search, which is quoted beside it, and its
    passage is listed in the manifest with the passages the answer was shown."""
    docs = tmp_path / "troops"
    docs.mkdir()
    (docs / "paper.txt").write_text("Imagery shows that Kestria has moved an estimated 40,000 "
                                    "troops to the river border.")
    (docs / "news.txt").write_text("The minister told parliament that Kestria has massed 65,000 "
                                   "troops along the river border.")
    ws = make_workspace("troops")
    ws.ingest([docs])

    def respond(messages: Any, schema: Any) -> str:
        n, quote = first_quote(schema, "troops")
        figure = "40,000" if "40,000" in quote else "65,000"
        return json.dumps({"insufficient_evidence": False,
                           "citations": [{"passage": n, "quote": quote}],
                           "answer": f"Kestria has {figure} troops at the river border [{n}]."})

    a = answer_question("How many Kestrian troops are at the river border?", workspace=ws,
                        model=FakeModel(respond=respond), k=1)
    assert not a.insufficient_evidence and "Another source (" in a.answer
    assert len(a.citations) == 2 and a.citations[1].n == 2
    assert [c.chunk_id for c in a.citations] == a.manifest.retrieved_chunk_ids
