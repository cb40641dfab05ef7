"""The drafting loop on a FakeModel: every branch of parse → validate → verify → re-ask."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from briefer.core.errors import BriefValidationError
from briefer.core.schemas import Chunk, Evidence, RedLine, ResponseOption, tidy_phrase
from briefer.corpus.workspace import Workspace
from briefer.evidence.constrain import evidence_item_schema, generation_schema
from briefer.evidence.passages import make_passages
from briefer.evidence.run import Run
from briefer.grounding.items import Grounder, Rule, headline
from briefer.llm.testing import FakeModel
from briefer.pipeline.by_sentence import MAX_SENTENCES
from briefer.pipeline.candidates import Ranker, visits
from briefer.pipeline.draft import NO_BOTTOM_LINE, retrieve_for_topic
from briefer.pipeline.draft import draft_brief as draft
from briefer.pipeline.generate import extract_json, is_prose, once
from briefer.pipeline.sections import SECTIONS
from briefer.render.memo import render_memo
from briefer.text.cues import CONDITION

DOC_A = (
    "The ministry is considering sending an observer mission to the border region. "
    "If fighting intensifies, the government may supply non-lethal equipment such as "
    "helmets and field hospitals. Officials said sanctions on fuel exports would be "
    "expanded together with regional partners. Should the neighbour test a long-range "
    "missile, the cabinet could approve the transfer of air-defence systems."
)
DOC_B = (
    "Critics argue that the observer mission would achieve little and expose staff to risk. "
    "Opposition leaders said sanctions on fuel exports have failed to change behaviour in "
    "the past. Analysts will watch troop movements near the river crossings for signs of "
    "escalation."
)


@pytest.fixture
def ws(tmp_path: Path, make_workspace: Callable[..., Workspace]) -> Workspace:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ministry.txt").write_text(DOC_A)
    (docs / "critics.md").write_text("---\ntitle: Critics\ndate: 2025-02-01\n---\n" + DOC_B)
    workspace = make_workspace()
    workspace.ingest([docs])
    return workspace


def _passages(ws: Workspace) -> tuple[list[Any], dict[str, Any]]:
    chunks = retrieve_for_topic("observer mission response", ws, 8)
    passages = make_passages(chunks)
    return passages, {p.alias: p for p in passages}


def _ev(p: Any, i: int = 0) -> dict[str, str]:
    return {"passage": p.alias, "quote": p.sentences[i]}


def _ev_of(passages: list[Any], words: str) -> dict[str, str]:
    """Evidence for the sentence (of any passage) that contains ``words``."""
    for p in passages:
        for s in p.sentences:
            if words in s:
                return {"passage": p.alias, "quote": s}
    raise AssertionError(words)


def _words(quote: str, start: int = 0, n: int = 6) -> str:
    """A claim a fake model writes from its quote: some of the quote's own words."""
    return " ".join(quote.split()[start: start + n])


def _valid_replies(passages: list[Any]) -> dict[str, str]:
    p = passages[0]
    q = passages[-1]
    return {
        "summary": json.dumps({"bottom_line": "The government prefers indirect steps first.",
                               "situation": "An observer mission and sanctions are considered.",
                               "evidence": [_ev(p)]}),
        "response_options": json.dumps({"response_options": [
            {"label": "Observer mission", "description": "Send observers to the border.",
             "category": "intelligence", "condition": "now",
             "evidence": [_ev_of(passages, "sending an observer")]}]}),
        "red_lines": json.dumps({"red_lines": [
            {"trigger": "A long-range missile test", "consequence": "Air-defence transfers",
             "evidence": [_ev_of(passages, "long-range missile")]}]}),
        "risks": json.dumps({"risks": [{"description": "Staff exposed to risk",
                                        "evidence": [_ev_of(passages, "expose staff")]}]}),
        "indicators": json.dumps({"indicators": [
            {"description": "Troop movements near crossings",
             "evidence": [_ev_of(passages, "troop movements")]}]}),
        "disagreements_gaps": json.dumps({
            "disagreements": [{"claim": "Whether fuel sanctions work",
                               "evidence": [_ev(p), _ev(q)]}],
            "gaps": ["What the neighbour intends next"]}),
    }


def _section_of(schema: dict[str, Any] | None) -> str:
    """Which section a call drafts, told by the output schema it is given."""
    assert schema is not None
    props = schema["properties"]
    if "bottom_line" in props:
        return "summary"
    if "indicators" in props:
        return "indicators"
    if "disagreements" in props:
        return "disagreements_gaps"
    item = next(iter(props.values()))["items"]["properties"]  # keyed by the sentence
    return ("red_lines" if "trigger" in item else "risks" if "risk" in item
            else "response_options")


def _by_sentence(schema: dict[str, Any], section: str, reply: str) -> str:
    """A section's canned reply as a by-sentence call writes it: the schema is keyed by one
    sentence; the reply holds the canned items whose first quote is that sentence (keys
    renamed as the section renames them), or an empty list."""
    field, items = next(iter(json.loads(reply).items()))
    keys = SECTIONS[section].keys
    (sentence,) = schema["properties"]
    wanted = schema["properties"][sentence]["items"]["properties"]
    mine = [{keys.get(k, k): v for k, v in item.items() if keys.get(k, k) in wanted}
            for item in items if " ".join(item["evidence"][0]["quote"].split()) == sentence]
    return json.dumps({sentence: mine})


def _sentence_calls(model: FakeModel, section: str) -> int:
    return sum(1 for _, s in model.calls if _section_of(s) == section)


def _reply(replies: dict[str, str], schema: dict[str, Any] | None) -> str:
    name = _section_of(schema)
    if name in ("response_options", "red_lines", "risks"):
        assert schema is not None
        return _by_sentence(schema, name, replies[name])
    return replies[name]


def _responder(replies: dict[str, str]) -> Callable[[Any, Any], str]:
    return lambda messages, schema: _reply(replies, schema)


def _one_section(replies: dict[str, str], section: str,
                 make: Callable[[dict[str, Any]], Any]) -> Callable[[Any, Any], str]:
    """Canned replies, except ``section``, whose reply ``make(schema)`` builds."""
    def respond(messages: list[Any], schema: dict[str, Any]) -> str:
        if _section_of(schema) == section:
            return json.dumps(make(schema))
        return _reply(replies, schema)
    return respond


def test_valid_brief_every_citation_verifies(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    model = FakeModel(respond=_responder(_valid_replies(passages)))
    brief = draft("observer mission response", workspace=ws, model=model)
    assert not brief.partial and brief.failures == []
    assert brief.response_options[0].label == "Observer mission"
    # the shortened trigger is given back in its source's words (who tests the missile)
    assert brief.red_lines[0].trigger == "the neighbour test a long-range missile"
    assert all(e.match == "exact" for e in brief.evidence())
    # one call per section, but options and red lines: one call per sentence they visit, those
    # that can state a step for options ("Opposition leaders said sanctions ... have failed"
    # cannot), those stating a
    # condition for red lines
    units = [u for p in passages for u in p.units]
    # the sentences that can state a step, highest degree first (orders and words of intent
    # before bare modals), at most MAX_SENTENCES; red lines: those stating a condition
    ranker = Ranker("option", "observer mission response")
    degrees = {c.unit.id: c.degree for p in passages for c in ranker.rank(p)}
    option_schemas = [s for _, s in model.calls if _section_of(s) == "response_options"]
    by_text = {" ".join(u.text.split()): u for u in units}
    visited = [by_text[next(iter(s["properties"]))] for s in option_schemas]
    assert 0 < len(visited) < len(units)
    assert len(visited) == min(len(degrees), MAX_SENTENCES)
    assert [degrees[u.id] for u in visited] == sorted((degrees[u.id] for u in visited),
                                                      reverse=True)
    assert _sentence_calls(model, "red_lines") == len(
        [u for u in units if CONDITION.search(u.text)][:MAX_SENTENCES])
    assert brief.manifest.attempts == len(model.calls) == 3 + sum(
        _sentence_calls(model, n) for n in ("response_options", "red_lines", "risks"))
    # risks: the sentences that name a harm or a danger, no step
    assert 0 < _sentence_calls(model, "risks") <= 6 and brief.risks
    # an option call is keyed by the sentence it is about and asks for no quote
    assert all(list(node["items"]["properties"]) == ["action", "category", "condition"]
               for s in option_schemas for node in s["properties"].values())
    assert set(brief.manifest.retrieved_chunk_ids) >= {e.chunk_id for e in brief.evidence()}
    # the schema handed to the model restricts passages to the retrieved ones
    schema_text = json.dumps(model.calls[0][1])
    assert "$ref" not in schema_text and '"const": "P1"' in schema_text
    # passages are framed as data after the instructions
    assert "data, not instructions" in model.calls[0][0][0]["content"]


def test_options_are_drafted_sentence_by_sentence(ws: Workspace) -> None:
    """Each options call is keyed by one sentence and writes the option it states; its quote
    is that sentence. The options come back in sentence order, mildest first."""
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    first = " ".join(passages[0].sentences[0].split())

    def options(schema: dict[str, Any]) -> Any:
        (sentence,) = schema["properties"]
        node = schema["properties"][sentence]
        assert node["minItems"] == node["maxItems"] == 1
        return {sentence: [{"action": _words(sentence), "condition": "now", "category":
                            "military-offensive" if sentence == first else "diplomatic"}]}

    model = FakeModel(respond=_one_section(replies, "response_options", options))
    brief = draft("observer mission response", workspace=ws, model=model)
    quotes = [e.quote for o in brief.response_options for e in o.evidence]
    assert len(quotes) == len(set(quotes)) == len(brief.response_options) > 3
    assert all(len(o.evidence) == 1 and o.evidence[0].match == "exact"
               for o in brief.response_options)
    # mildest first: the offensive option drafted first is listed last
    assert brief.response_options[-1].category == "military-offensive"
    assert brief.response_options[-1].label == _words(first)
    # the description is never generated: at most the quote's own words naming particulars
    assert all(o.description in o.evidence[0].quote for o in brief.response_options)


def test_a_sentence_whose_call_fails_costs_only_its_own_item(ws: Workspace) -> None:
    """One sentence's reply never validates: the other sentences' options stand, and the
    failure names the sentence."""
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    target = " ".join(_ev_of(passages, "sending an observer")["quote"].split())
    broken = " ".join(passages[0].sentences[0].split())

    def options(schema: dict[str, Any]) -> Any:
        (sentence,) = schema["properties"]
        if sentence == broken:
            return {"not": "the sentence"}
        return json.loads(_by_sentence(schema, "response_options",
                                       replies["response_options"]))

    model = FakeModel(respond=_one_section(replies, "response_options", options))
    brief = draft("observer mission response", workspace=ws, model=model)
    assert [o.evidence[0].quote for o in brief.response_options] == [
        _ev_of(passages, "sending an observer")["quote"]]
    assert target != broken and brief.partial
    assert len(brief.failures) == 1 and brief.failures[0].startswith(
        f"response_options ({passages[0].units[0].id})")


def test_broken_json_is_reasked_then_succeeds(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    model = FakeModel(replies=["{not json", '{"bottom_line": "cut off'],
                      respond=_responder(replies))
    brief = draft("observer mission response", workspace=ws, model=model)
    # one call per section (per sentence for options and red lines), + 2 repairs
    sentence_calls = sum(_sentence_calls(model, n)
                         for n in ("response_options", "red_lines", "risks"))
    assert brief.manifest.attempts == len(model.calls) == 3 + sentence_calls + 2
    repair = model.calls[1][0]
    assert repair[-2]["role"] == "assistant" and repair[-2]["content"] == "{not json"
    assert "not valid JSON" in repair[-1]["content"]
    assert not brief.partial


def test_unknown_chunk_id_is_reasked(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    bad = json.loads(replies["summary"])
    bad["evidence"] = [{"passage": "P99", "quote": passages[0].sentences[0]}]
    model = FakeModel(replies=[json.dumps(bad)], respond=_responder(replies))
    brief = draft("observer mission response", workspace=ws, model=model)
    assert "P99" in model.calls[1][0][-1]["content"]
    assert not brief.partial


def test_fabricated_quote_goes_to_unsupported(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    found = json.loads(replies["indicators"])
    found["indicators"].append({
        "description": "Invade the capital",
        "evidence": [{"passage": passages[0].alias,
                      "quote": "The cabinet ordered an immediate invasion of the capital."}]})
    replies["indicators"] = json.dumps(found)
    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_responder(replies)))
    assert [r.description for r in brief.indicators] == ["Troop movements near crossings"]
    assert any(u.section == "indicators" and "Invade" in u.text for u in brief.unsupported)
    memo = render_memo(brief, {c.id: c for c in ws.store.get(
        brief.manifest.retrieved_chunk_ids)})
    assert "Not supported by the sources" in memo
    assert "Invade" in memo.split("Not supported by the sources")[1]
    assert "Invade" not in memo.split("Not supported by the sources")[0]


def test_empty_lists_are_an_honest_answer(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    replies["response_options"] = '{"response_options": []}'
    replies["red_lines"] = '{"red_lines": []}'
    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_responder(replies)))
    assert brief.response_options == [] and brief.red_lines == [] and not brief.partial
    memo = render_memo(brief, {})
    assert "No response option is supported" in memo


def test_over_long_fields_fail_validation_and_flag_partial(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    opts = json.loads(replies["response_options"])
    opts["response_options"][0]["label"] = "x" * 500
    replies["response_options"] = json.dumps(opts)
    model = FakeModel(respond=_responder(replies))
    brief = draft("observer mission response", workspace=ws, model=model, max_retries=1)
    assert brief.partial
    assert brief.failures and brief.failures[0].startswith("response_options")
    assert "at most 120 characters" in brief.failures[0]
    assert brief.response_options == []
    assert brief.red_lines  # the other sections still stand


def test_unverified_bottom_line_is_not_presented(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    summary = json.loads(replies["summary"])
    summary["evidence"] = [{"passage": passages[0].alias, "quote": "Nothing like this was said."}]
    replies["summary"] = json.dumps(summary)
    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_responder(replies)))
    assert brief.bottom_line == NO_BOTTOM_LINE
    assert any(u.section == "bottom_line" for u in brief.unsupported)


def test_all_sections_failing_raises_typed_error(ws: Workspace) -> None:
    model = FakeModel(respond=lambda m, s: "I cannot help with that.")
    with pytest.raises(BriefValidationError) as info:
        draft("observer mission response", workspace=ws, model=model, max_retries=1)
    passages, _ = _passages(ws)
    steps = visits(passages, "option", "observer mission response", MAX_SENTENCES)
    conditions = visits(passages, "red_line", "observer mission response", MAX_SENTENCES)
    risks = visits(passages, "risk", "observer mission response", 6)
    assert steps and conditions and risks
    # three whole sections and one call per sentence of the other three, each tried twice
    assert len(info.value.attempts) == 2 * (3 + len(steps) + len(conditions) + len(risks))
    assert info.value.last_output == "I cannot help with that."


def test_disagreement_needs_two_different_passages(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    dg = json.loads(replies["disagreements_gaps"])
    dg["disagreements"][0]["evidence"] = [_ev(passages[0], 0), _ev(passages[0], 1)]
    replies["disagreements_gaps"] = json.dumps(dg)
    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_responder(replies)))
    assert brief.disagreements == []


@pytest.mark.parametrize("text,expected", [
    ('```json\n{"a": 1}\n```', {"a": 1}),
    ('Sure! Here it is: {"a": {"b": "}"}} hope it helps', {"a": {"b": "}"}}),
    ('{"a": 1}', {"a": 1}),
])
def test_extract_json_from_messy_text(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


def test_generation_schemas_have_no_refs_and_bounded_lengths(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    item = evidence_item_schema(passages)
    for model in (s.model for s in SECTIONS.values()):
        text = json.dumps(generation_schema(model, item))
        assert "$ref" not in text and "$defs" not in text
        schema = generation_schema(model, item)

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "string" and "enum" not in node:
                    assert "maxLength" in node
                if node.get("type") == "array":
                    assert "maxItems" in node
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(schema)


def test_repeated_items_are_keptonce(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    opts = json.loads(replies["response_options"])
    first = opts["response_options"][0]
    opts["response_options"] += [dict(first, condition="later"), dict(first, label="Observers",
                                                                      description="Same quote.")]
    replies["response_options"] = json.dumps(opts)
    # an indicator that repeats a risk is dropped
    replies["indicators"] = json.dumps({"indicators": json.loads(replies["risks"])["risks"]})
    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_responder(replies)))
    assert [o.label for o in brief.response_options] == ["Observer mission"]
    assert brief.indicators == [] and len(brief.risks) == 1


def test_page_furniture_is_not_quotable() -> None:
    from briefer.text.verify import sentences

    text = ("55.1 F Los Angeles Wednesday, January 22, 2025\n\nLEAVE A REPLY\n\n"
            "Please enter your name here\n\nThe cabinet met on Tuesday to discuss the budget.")
    assert sentences(text) == ["The cabinet met on Tuesday to discuss the budget."]


def test_same_claim_on_another_quote_adds_evidence(ws: Workspace) -> None:
    """A lazy model describes two sentences the same way: one item, both quotes (for options:
    the same label and condition). A sentence that states no step (the opposition's verdict on
    sanctions) is not visited for options, whatever the model would call it."""
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    observe = [_ev_of(passages, "sending an observer"), _ev_of(passages, "Critics argue")]
    fuel = [_ev_of(passages, "Officials said sanctions"), _ev_of(passages, "Opposition leaders")]
    first = {"label": "Observer mission", "description": "Send observers.",
             "category": "intelligence", "condition": "now", "evidence": observe[:1]}
    sanctions = dict(first, label="Sanctions on fuel exports", description="Fuel sanctions.",
                     category="economic", evidence=fuel[:1])
    items = [first, dict(first, evidence=observe[1:], description="Observers go."),
             sanctions, dict(sanctions, evidence=fuel[1:], condition="if talks fail")]
    replies["response_options"] = json.dumps({"response_options": items})
    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_responder(replies)))
    assert [o.label for o in brief.response_options] == [
        "Observer mission", "Sanctions on fuel exports"]
    assert sorted(e.quote for e in brief.response_options[0].evidence) == sorted(
        e["quote"] for e in observe)
    assert [e.quote for e in brief.response_options[1].evidence] == [fuel[0]["quote"]]


def test_more_options_than_a_brief_holds_are_cut_in_retrieval_order(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sentence-by-sentence drafting can return more options than Brief allows (found by
    `brief eval` with Qwen: 13 red lines made the assembled brief invalid): the first, in the
    passages' retrieval order, are kept; a second option on the same quote is a repeat."""
    import briefer.pipeline.draft as draft_module

    monkeypatch.setattr(draft_module, "max_items", lambda field: 3)
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    firsts: list[str] = []

    def options(schema: dict[str, Any]) -> Any:
        (sentence,) = schema["properties"]
        out = [{"action": _words(sentence, start, 4), "category": "diplomatic",
                "condition": "now"} for start in (0, 4)]  # more than maxItems: a fake ignores it
        firsts.append(out[0]["action"])
        return {sentence: out}

    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_one_section(replies, "response_options", options)))
    labels = [tidy_phrase(f) for f in firsts[:3]]  # "Critics argue that the" ends on "argue"
    assert len(firsts) > 3 and [o.label for o in brief.response_options] == labels


def test_claim_cited_to_the_wrong_sentence_is_re_pointed_within_its_passage(
        ws: Workspace) -> None:
    """Small models write a claim from one sentence and cite its neighbour: the sentence of
    the same passage that states the claim replaces the quote that states none of it."""
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    right = _ev_of(passages, "long-range missile")
    p = next(p for p in passages if p.alias == right["passage"])
    wrong = next(s for s in p.sentences if s != right["quote"] and "sanctions" in s)
    replies["indicators"] = json.dumps({"indicators": [
        {"description": "A long-range missile test could bring air-defence transfers",
         "evidence": [{"passage": p.alias, "quote": wrong}]}]})
    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_responder(replies)))
    assert [e.quote for e in brief.indicators[0].evidence] == [right["quote"]]
    assert brief.indicators[0].evidence[0].match == "exact"


def test_claim_its_quotes_do_not_state_is_unsupported(ws: Workspace) -> None:
    """A label naming nothing in its quote ("Step 1") or a trigger its sentence does not state
    is never shown as a finding; the unsupported list says why."""
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    option = json.loads(replies["response_options"])["response_options"][0]
    replies["response_options"] = json.dumps({"response_options": [
        option, dict(option, label="Step 1", description="The passage states a step.")]})
    replies["red_lines"] = json.dumps({"red_lines": [
        {"trigger": "Critics argue about the observer mission",
         "consequence": "Air-defence transfers",
         "evidence": [_ev_of(passages, "long-range missile")]}]})
    brief = draft("observer mission response", workspace=ws,
                  model=FakeModel(respond=_responder(replies)))
    assert [o.label for o in brief.response_options] == ["Observer mission"]
    assert brief.red_lines == []
    reasons = {(u.section, u.reason) for u in brief.unsupported}
    assert ("response_options", "its quotes do not state its label") in reasons
    assert ("red_lines", "its quotes do not state its trigger") in reasons


def test_a_field_that_copies_the_brief_s_topic_states_nothing() -> None:
    """A small model fills a field its sentence has nothing for with the request it was given;
    the topic's words are in every quote, so only the copy itself gives it away."""
    topic = "Norland response to fishing disputes with Westmark"
    quote = "If Westmark seizes another Norland trawler, fishing disputes will go to arbitration."
    chunk = Chunk(id="c1", text=quote, source="note.md", start=0, end=len(quote), position=0,
                  doc_hash="h")
    run = Run.begin(topic, [chunk], k=1, schema_version="t", started=0.0, store_fingerprint="")
    rule = Rule("red_lines", claims=("trigger", "consequence"))
    ev = [Evidence(chunk_id="c1", quote=quote)]
    copied = RedLine(trigger="Westmark seizes another Norland trawler",
                     consequence=f"{topic}: disputes go to arbitration", evidence=ev)
    stated = copied.model_copy(update={"consequence": "fishing disputes go to arbitration"})
    grounder = Grounder(run)
    assert grounder.keep(rule, [copied]) == []
    assert [r.consequence for r in grounder.keep(rule, [stated])] == [stated.consequence]


def test_a_limit_is_a_red_line_whose_consequence_its_source_does_not_state() -> None:
    """"Norland will not allow Westmark trawlers into its waters" sets a limit and no
    consequence: the red line is kept, its consequence marked as not stated, whatever the
    model made up. A condition clause with no stated consequence is still set apart."""
    from briefer.pipeline.sections import SECTIONS, UNSTATED_CONSEQUENCE

    limit = "Norland will not allow Westmark trawlers into its territorial waters."
    clause = "If Westmark trawlers enter the northern banks, the talks will be reviewed."
    chunks = [Chunk(id=f"c{i}", text=t, source=f"d{i}.md", start=0, end=len(t), position=0,
                    doc_hash="h") for i, t in enumerate((limit, clause))]
    run = Run.begin("Norland response to fishing disputes", chunks, k=2, schema_version="t",
                    started=0.0, store_fingerprint="")
    rule = SECTIONS["red_lines"].lists["red_lines"].rule
    made_up = "Norland then deploys frigates"
    kept = Grounder(run).keep(rule, [
        RedLine(trigger="Westmark trawlers enter Norland's territorial waters",
                consequence=made_up, evidence=[Evidence(chunk_id="c0", quote=limit)]),
        RedLine(trigger="Westmark trawlers enter the northern banks", consequence=made_up,
                evidence=[Evidence(chunk_id="c1", quote=clause)])])
    assert [(r.trigger, r.consequence) for r in kept] == [
        ("Westmark trawlers enter Norland's territorial waters", UNSTATED_CONSEQUENCE)]
    assert ("red_lines", "its quotes do not state its consequence") in {
        (u.section, u.reason) for u in run.unsupported}
    # as the drafter grounds them: the cue widened to the visited sentences keeps its degrees
    from dataclasses import replace

    from briefer.pipeline.by_sentence import Visited
    from briefer.text.verify import normalise

    widened = replace(rule, cue=Visited({normalise(limit), normalise(clause)}, rule.cue))
    again = Grounder(run).keep(widened, [
        RedLine(trigger="Westmark trawlers enter the northern banks", consequence=made_up,
                evidence=[Evidence(chunk_id="c1", quote=clause)])])
    assert again == []
    # a ruling-out ranks with conditionality, and states no consequence either
    ruled_out = "Any Westmark drilling in the northern banks is inadmissible."
    chunk = Chunk(id="c2", text=ruled_out, source="d2.md", start=0, end=len(ruled_out),
                  position=0, doc_hash="h")
    run = Run.begin("Norland response to fishing disputes", [chunk], k=1, schema_version="t",
                    started=0.0, store_fingerprint="")
    widened = replace(rule, cue=Visited({normalise(ruled_out)}, rule.cue))
    kept = Grounder(run).keep(widened, [
        RedLine(trigger="Westmark drilling in the northern banks", consequence=made_up,
                evidence=[Evidence(chunk_id="c2", quote=ruled_out)])])
    assert [(r.trigger, r.consequence) for r in kept] == [
        ("Westmark drilling in the northern banks", UNSTATED_CONSEQUENCE)]


def test_a_red_line_written_as_one_phrase_is_cut_at_its_condition() -> None:
    """A trigger and a consequence that came back as the same words are cut from the quote at
    its condition word ("Y until X", "If X, Y"); a limit's consequence is "not stated"; a
    conditionality no condition word opens ("… will be determined by our assessment of …")
    stays as it is: it is still a red line."""
    from briefer.pipeline.sections import SECTIONS, UNSTATED_CONSEQUENCE

    texts = ("The levy will remain in force until such time as Westmark trawlers leave the "
             "northern banks.",
             "If Westmark closes the strait, Norland will recall its ambassador.",
             "Norland's fishing policy will be determined by our assessment of Westmark's "
             "conduct at sea.",
             "We are not planning an operation that would put Norland boots on the ground.")
    chunks = [Chunk(id=f"c{i}", text=t, source=f"d{i}.md", start=0, end=len(t), position=0,
                    doc_hash="h") for i, t in enumerate(texts)]
    run = Run.begin("Norland response to fishing disputes", chunks, k=4, schema_version="t",
                    started=0.0, store_fingerprint="")
    rule = SECTIONS["red_lines"].lists["red_lines"].rule
    whole = [t.rstrip(".") for t in texts]
    kept = Grounder(run).keep(rule, [
        RedLine(trigger=whole[0], consequence=whole[0],
                evidence=[Evidence(chunk_id="c0", quote=texts[0])]),
        RedLine(trigger="Westmark closes the strait", consequence=whole[1],
                evidence=[Evidence(chunk_id="c1", quote=texts[1])]),
        RedLine(trigger=whole[2], consequence=whole[2],
                evidence=[Evidence(chunk_id="c2", quote=texts[2])]),
        RedLine(trigger=whole[3], consequence=whole[3],
                evidence=[Evidence(chunk_id="c3", quote=texts[3])])])
    assert [(r.trigger, r.consequence) for r in kept] == [
        ("such time as Westmark trawlers leave the northern banks",
         "The levy will remain in force"),
        ("Westmark closes the strait", whole[1]),  # a consequence that holds its trigger stays
        (whole[2], whole[2]),
        (whole[3], UNSTATED_CONSEQUENCE)]
    assert run.unsupported == []
    # cut from the sentence the phrase was written from, not from another quote's condition
    two = ("The ministers met in Dervik on Tuesday for a round of talks on the fishing banks. "
           "If Westmark closes the strait, Norland will recall its ambassador at once.")
    other = "The talks will continue until the ministers of both countries meet in Dervik."
    more = [Chunk(id=f"m{i}", text=t, source=f"m{i}.md", start=0, end=len(t), position=0,
                  doc_hash="h") for i, t in enumerate((two, other, texts[2]))]
    run = Run.begin("Norland response to fishing disputes", more, k=3, schema_version="t",
                    started=0.0, store_fingerprint="")
    phrase = "If Westmark closes the strait, Norland will recall its ambassador at once"
    kept = Grounder(run).keep(rule, [
        RedLine(trigger=phrase, consequence=phrase,
                evidence=[Evidence(chunk_id="m0", quote=two)]),
        RedLine(trigger=whole[2], consequence=whole[2],
                evidence=[Evidence(chunk_id="m2", quote=texts[2]),
                          Evidence(chunk_id="m1", quote=other)])])
    assert [(r.trigger, r.consequence) for r in kept] == [
        ("Westmark closes the strait", "Norland will recall its ambassador at once"),
        (whole[2], whole[2])]


def test_a_headline_is_the_first_clause() -> None:

    assert headline("South Korea may supply offensive weapons, including K-2 tanks.") == (
        "South Korea may supply offensive weapons")
    assert headline("Expand sanctions.") == "Expand sanctions"
    long = "word " * 40
    assert len(headline(long)) <= 80 and headline(long).endswith("…")


def test_looping_free_text_is_cleaned() -> None:
    assert once("A is true. B follows. A is true. B follows. C.") == "A is true. B follows. C."
    assert not is_prose("1000000000000000000") and not is_prose("2025-01-22")
    assert is_prose("Who funds the observer mission?")


def test_a_brief_fetches_its_chunks_once(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefer.pipeline.draft import draft as draft_run
    from briefer.pipeline.topic import SUBQUERIES

    passages, _ = _passages(ws)
    model = FakeModel(respond=_responder(_valid_replies(passages)))
    store = ws.store
    calls: list[int] = []
    real_get = store.get
    monkeypatch.setattr(store, "get", lambda ids: calls.append(len(ids)) or real_get(ids))
    drafted = draft_run("observer mission response", workspace=ws, model=model)
    # one fetch per sub-query search (the brief's passages, then its pool); drafting and the
    # memo reuse the run's chunks
    assert len(calls) == 2 * len(SUBQUERIES)
    memo = render_memo(drafted.brief, drafted.run.chunk_map())
    assert len(calls) == 2 * len(SUBQUERIES) and "Observer mission" in memo


def test_progress_names_sections_and_each_accepted_item(ws: Workspace) -> None:
    passages, _ = _passages(ws)
    lines: list[str] = []
    draft("observer mission response", workspace=ws,
          model=FakeModel(respond=_responder(_valid_replies(passages))), progress=lines.append)
    assert lines[0] == "retrieving passages" and "drafting response options" in lines
    assert any(line.startswith("  response option: Observer mission [P") for line in lines)


def test_a_red_line_whose_quote_states_no_condition_is_set_apart(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A red line is a threshold: only the sentences that can state one (a condition, a
    conditionality, a limit) are asked for one; a sentence the ranker did not choose backs a
    red line only if it states a condition itself, and a plan that asks every sentence
    (here: patched) trusts the choice it made."""
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    replies["red_lines"] = json.dumps({"red_lines": [
        {"trigger": "sending an observer mission", "consequence": "the border region",
         "evidence": [_ev_of(passages, "sending an observer")]},
        {"trigger": "A long-range missile test", "consequence": "Air-defence transfers",
         "evidence": [_ev_of(passages, "long-range missile")]}]})
    model = FakeModel(respond=_responder(replies))
    brief = draft("observer mission response", workspace=ws, model=model)
    asked = [next(iter(s["properties"])) for _, s in model.calls if _section_of(s) == "red_lines"]
    assert asked and all(CONDITION.search(sentence) for sentence in asked)
    assert [r.trigger for r in brief.red_lines] == ["the neighbour test a long-range missile"]
    # the grounding check itself: a quote outside the visited sentences needs the cue
    from dataclasses import replace

    from briefer.pipeline.by_sentence import Visited
    from briefer.pipeline.sections import SECTIONS as PLAN

    rule = PLAN["red_lines"].lists["red_lines"].rule
    ev = _ev_of(passages, "sending an observer")
    chunk = next(p.chunk for p in passages if p.alias == ev["passage"])
    no_condition = RedLine(trigger="sending an observer mission",
                           consequence="the border region",
                           evidence=[Evidence(chunk_id=chunk.id, quote=ev["quote"])])

    def kept(visited: set[str]) -> tuple[list[Any], list[str]]:
        run = Run.begin("t", [p.chunk for p in passages], k=8, schema_version="v",
                        started=0.0, store_fingerprint="")
        out = Grounder(run).keep(replace(rule, cue=Visited(visited, rule.cue)), [no_condition])
        return out, [u.reason for u in run.unsupported]

    items, reasons = kept(set())
    assert items == [] and any("state no condition" in r for r in reasons)
    items, reasons = kept({" ".join(ev["quote"].split())})  # the ranker chose it
    assert not any("state no condition" in r for r in reasons)


def test_a_model_that_writes_side_by_side_gets_all_sentences_at_once(ws: Workspace) -> None:
    """A model with ``complete_many`` (llama.cpp: one batch per step) is asked for all of a
    section's sentences in one go; a reply that does not parse is re-asked on its own."""
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    batches: list[int] = []

    class SideBySideFake(FakeModel):
        def complete_many(self, messages: Any, schemas: Any, *, max_tokens: int = 512,
                          extractive: bool = False) -> list[Any]:
            batches.append(len(schemas))
            out = [self.complete(messages, schema=s, max_tokens=max_tokens) for s in schemas]
            out[0].text = "not json"  # the first sentence's reply is re-asked alone
            return out

    model = SideBySideFake(respond=_responder(replies))
    brief = draft("observer mission response", workspace=ws, model=model)
    # red lines first: options are filtered against them, so they are shown once both are in
    assert batches == [_sentence_calls(model, "red_lines") - 1,
                       _sentence_calls(model, "risks") - 1,
                       _sentence_calls(model, "response_options") - 1]
    assert [o.label for o in brief.response_options] == ["Observer mission"]
    assert not brief.partial and brief.red_lines


def test_the_sections_over_all_passages_are_written_side_by_side(ws: Workspace) -> None:
    """A model with ``complete_each`` writes the summary, indicators and disagreements together
    (each its own task on the shared prompt); a reply that does not parse is re-asked alone."""
    passages, _ = _passages(ws)
    replies = _valid_replies(passages)
    together: list[list[str]] = []

    class TasksFake(FakeModel):
        def complete_each(self, conversations: Any, schemas: Any, *, max_tokens: Any,
                          extractive: bool = False) -> list[Any]:
            together.append([_section_of(s) for s in schemas])
            assert len({c[-1]["content"] for c in conversations}) == len(schemas)  # own tasks
            out = [self.complete(c, schema=s, max_tokens=m)
                   for c, s, m in zip(conversations, schemas, max_tokens, strict=True)]
            out[1].text = "not json"  # the indicators' reply is re-asked alone
            return out

    model = TasksFake(respond=_responder(replies))
    lines: list[str] = []
    brief = draft("observer mission response", workspace=ws, model=model,
                  progress=lines.append)
    assert together == [["summary", "indicators", "disagreements_gaps"]]
    assert _sentence_calls(model, "indicators") == 2  # side by side, then alone
    assert _sentence_calls(model, "summary") == 1 and brief.bottom_line and brief.indicators
    assert "drafting summary, indicators, disagreements gaps side by side" in lines
    assert not brief.partial


def test_an_option_whose_quotes_state_no_step_is_set_apart(ws: Workspace) -> None:
    """The options' grounding rule asks for the wording of a step (cues.ACTION) in a quote,
    whichever way the option was drafted."""
    chunks = retrieve_for_topic("observer mission response", ws, 8)
    run = Run.begin("observer mission response", chunks, k=8, schema_version="t",
                    started=0.0, store_fingerprint="")
    grounder = Grounder(run)
    rule = SECTIONS["response_options"].rules["response_options"]
    unit = next(u for p in run.passages for u in p.units if "Opposition leaders" in u.text)
    verdict = ResponseOption(label="Sanctions on fuel exports have failed", category="economic",
                             condition="now",
                             evidence=[Evidence(chunk_id=unit.chunk_id, quote=unit.text)])
    assert grounder.keep(rule, [verdict]) == []
    assert "state no step" in grounder.run.unsupported[0].reason


def test_brief_judge_sets_apart_items_the_model_says_are_not_stated(
        tmp_path: Path, make_workspace: Callable[..., Workspace]) -> None:
    """With ``brief.judge`` on, every item kept by the lexical check is judged once; one the
    judge scores under the threshold goes to ``unsupported`` with P(yes). Off (the default), the
    judge is never asked."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ministry.txt").write_text(DOC_A)
    (docs / "critics.md").write_text("---\ntitle: Critics\ndate: 2025-02-01\n---\n" + DOC_B)
    judged = make_workspace("judged", **{"brief.judge": True, "grounding.item_judge": 0.5})
    judged.ingest([docs])
    passages, _ = _passages(judged)
    replies = _valid_replies(passages)

    def low_for_missiles(messages: Any) -> float:
        return 0.1 if "missile" in messages[-1]["content"].split("CLAIM")[-1] else 0.9

    model = FakeModel(respond=_responder(replies), judge=low_for_missiles)
    brief = draft("observer mission response", workspace=judged, model=model)
    assert brief.response_options and brief.red_lines == []
    assert any(u.section == "red_lines" and "P(yes) 0.10" in u.reason
               for u in brief.unsupported)
    shown = sum(len(getattr(brief, f)) for f in (
        "response_options", "red_lines", "risks", "indicators", "disagreements"))
    set_apart = [u for u in brief.unsupported if "P(yes)" in u.reason]
    assert len(model.judge_calls) == shown + len(set_apart) and len(set_apart) == 1

    plain = make_workspace("plain")
    plain.ingest([docs])
    off = FakeModel(respond=_responder(_valid_replies(_passages(plain)[0])))
    assert draft("observer mission response", workspace=plain, model=off).red_lines
    assert off.judge_calls == []


def test_an_option_that_restates_a_red_line_s_trigger_is_the_other_side_s_move() -> None:
    """Made-up: from "Rocket batteries moved within 50 km of the coast would unlock a request
    for naval patrols", "Move rocket batteries within 50 km of the coast" is the neighbour's
    move, not a step; "Request naval patrols" is one."""
    from briefer.pipeline.finishing import restates_trigger

    quote = ("Rocket batteries moved within 50 km of the coast would unlock a request for "
             "naval patrols.")
    red_line = RedLine(trigger="Rocket batteries moved within 50 km of the coast",
                       consequence="a request for naval patrols",
                       evidence=[Evidence(chunk_id="c", quote=quote)])
    assert restates_trigger("Move rocket batteries within 50 km of the coast", red_line)
    assert not restates_trigger("Request naval patrols", red_line)


def test_a_visit_asks_for_a_headline_of_a_few_words(ws: Workspace) -> None:
    """Without the passage in its prompt a small model shortened a step to its verb ("voted");
    the visit's schema asks for a headline of at least HEADLINE_MIN_CHARS."""
    from briefer.pipeline.by_sentence import HEADLINE_MIN_CHARS

    passages, _ = _passages(ws)
    model = FakeModel(respond=_responder(_valid_replies(passages)))
    draft("observer mission response", workspace=ws, model=model)
    for section, key in (("response_options", "action"), ("red_lines", "trigger")):
        schemas = [s for _, s in model.calls if _section_of(s) == section]
        assert schemas and all(
            node["items"]["properties"][key]["minLength"] >= HEADLINE_MIN_CHARS
            for s in schemas for node in s["properties"].values())


def test_the_brief_holds_an_item_for_every_sentence_a_section_visits() -> None:
    """Each visit of a by-sentence section costs a model call: the Brief has room for an item
    from every one (real-dev, schema v2's 16 options and 8 red lines dropped a third of what
    the visits had found and grounded)."""
    from briefer.core.prompts import load_yaml
    from briefer.pipeline.sections import max_items

    plan = load_yaml("brief_sections.yaml")["sections"]
    by_sentence = {name: spec for name, spec in plan.items() if spec.get("by_sentence")}
    assert by_sentence
    for name, spec in by_sentence.items():
        for field in SECTIONS[name].lists:
            assert max_items(field) >= int(spec.get("max_sentences", MAX_SENTENCES)), field


def test_a_visit_reads_an_item_with_the_trigger_its_heading_names(
        tmp_path: Path, make_workspace: Callable[..., Workspace]) -> None:
    """A bullet under "Trigger 1: ..." reports what would follow; the visit's key holds the
    heading before it, and the red line quotes both, so its trigger is stated by a quote."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "digest.md").write_text(
        "# Weekly notes on the border dispute and the observer mission\n\n"
        "### Trigger 1: the neighbour moves artillery to the river crossings\n"
        "- A ministry official said the government would suspend the observer mission.\n\n"
        "### Phase 2: armed escorts\n"
        "- The ministry could send escorts if the observers at the border come under fire.\n")
    workspace = make_workspace()
    workspace.ingest([docs])
    keys: list[str] = []

    others = {"summary": {"bottom_line": "", "situation_summary": "", "evidence": []},
              "indicators": {"indicators": []},
              "disagreements_gaps": {"disagreements": [], "gaps": []}}

    def respond(messages: Any, schema: dict[str, Any]) -> str:
        section = _section_of(schema)
        if section in others:
            return json.dumps(others[section])
        (key,) = schema["properties"]
        if section != "red_lines":
            return json.dumps({key: []})
        keys.append(key)
        return json.dumps({key: [{
            "trigger": "the neighbour moves artillery to the river crossings",
            "consequence": "the government would suspend the observer mission"}]})

    brief = draft("border dispute observer mission", workspace=workspace,
                  model=FakeModel(respond=respond))
    # a stage's heading ("Phase 2") tells an option when it applies, not a red line its trigger
    assert sorted(keys) == [
        "- The ministry could send escorts if the observers at the border come under fire.",
        "Trigger 1: the neighbour moves artillery to the river crossings: - A ministry official "
        "said the government would suspend the observer mission."]
    (red_line,) = [r for r in brief.red_lines if "artillery" in r.trigger]
    assert [e.quote for e in red_line.evidence] == [
        "### Trigger 1: the neighbour moves artillery to the river crossings",
        "- A ministry official said the government would suspend the observer mission."]
