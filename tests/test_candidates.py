"""Which sentences a brief's options and red lines visit: structure and wording, on made-up
sentences of each class."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from briefer.core.schemas import Chunk
from briefer.evidence.passages import make_passages, render_text
from briefer.pipeline.by_sentence import _key, stage_lead_ins, table_headers
from briefer.pipeline.candidates import Ranker, conditions_for_topic, particulars, visits
from briefer.pipeline.topic import parties
from briefer.text.rows import header_role, labelled
from briefer.text.structure import (
    body_of,
    item_leads,
    lead_in_role,
    names_stage,
    names_when,
    not_an_item,
    opens_with_stage,
    own_voice,
)

TOPIC = "Norland response to fishing disputes with Westmark"


def _passages(*texts: str, section: str = "") -> list:
    chunks = [Chunk(id=f"c{i}", text=t, source=f"doc{i}.md", section=section, start=0,
                    end=len(t), position=0, doc_hash="h") for i, t in enumerate(texts)]
    return make_passages(chunks)


def _degrees(role: str, *texts: str, section: str = "") -> dict[str, int]:
    ranker = Ranker(role, TOPIC)
    return {c.unit.text: c.degree for p in _passages(*texts, section=section)
            for c in ranker.rank(p)}


def test_list_items_under_a_lead_in_of_steps_rank_with_words_of_intent() -> None:
    text = ("The ministry's measures against illegal trawling include:\n"
            "- a register of licensed trawlers for the northern banks\n"
            "- joint patrols with coast guard vessels from the southern ports\n\n"
            "Catches in the northern banks fell by a third over the decade.")
    degrees = _degrees("option", text)
    assert degrees["- a register of licensed trawlers for the northern banks"] == 2
    assert degrees["- joint patrols with coast guard vessels from the southern ports"] == 2
    assert "Catches in the northern banks fell by a third over the decade." not in degrees
    assert not any(t.endswith("include:") for t in degrees)  # the lead-in is no item


def test_a_lead_in_whose_subject_is_the_other_party_announces_its_steps_not_ours() -> None:
    text = ("Westmark is taking the following steps against our fleet:\n"
            "- impounding two trawlers registered in the eastern ports\n"
            "- closing its harbours to vessels flying the Norland flag")
    assert _degrees("option", text) == {}


def test_a_step_in_the_authors_voice_or_by_the_acting_party_is_an_option() -> None:
    degrees = _degrees("option", "Today, Norland imposed quotas on cod landed in its ports. "
                       "We launched a fisheries dialogue with three neighbouring states. "
                       "Cod stocks in the region are at a record low this season.")
    assert degrees["Today, Norland imposed quotas on cod landed in its ports."] == 2
    assert degrees["We launched a fisheries dialogue with three neighbouring states."] == 2
    assert "Cod stocks in the region are at a record low this season." not in degrees
    assert own_voice("The Administration") and own_voice("we") and not own_voice("Analysts")


def test_a_step_after_an_opening_clause_is_still_the_acting_partys() -> None:
    """A temporal or conditional clause before the subject ("Until …, the President is
    imposing", "Soon after …, the Minister appointed") does not hide whose step it is."""
    degrees = _degrees("option", "Until the quotas are respected, the Norland government is "
                       "suspending licences for Westmark trawlers in its waters. "
                       "Soon after the collision, the Minister appointed a special envoy to "
                       "the fisheries talks.")
    assert degrees["Until the quotas are respected, the Norland government is suspending "
                   "licences for Westmark trawlers in its waters."] == 2
    assert degrees["Soon after the collision, the Minister appointed a special envoy to the "
                   "fisheries talks."] == 2


def test_a_long_opening_clause_does_not_hide_the_other_partys_step() -> None:
    """An opening clause of up to 100 characters is passed over to find the subject ("While
    Norland previously offered ... licences, Westmark enforces ...", "In 2019, in response to
    concerns expressed by the Norland government, Westmark ...")."""
    degrees = _degrees("option", "While Norland previously offered generous seasonal licences "
                       "to foreign trawlers, Westmark enforces strict quotas on its banks. "
                       "In 2019, in response to concerns expressed by the Norland fisheries "
                       "ministry, Westmark closed its harbours to night trawling.")
    assert degrees == {}
    # a long clause that does not open with an adverbial word is the main clause
    step = ("And today, I'm announcing that Norland will be sending two patrol cutters to the "
            "northern banks, the largest deployment in a decade.")
    assert _degrees("option", step) == {step: 2}


def test_we_on_the_talk_or_how_we_are_is_no_step() -> None:
    """The speaker's "we", like "I", on the talk ("We just wanted to share ...", "We welcome
    ...") or on how the speaker is ("We are grateful to ...") is no step; "we" with a verb of
    doing is."""
    talk = ["We just wanted to share the latest news on the fisheries talks.",
            "We welcome the steps announced by the coast guard tonight.",
            "We are grateful to the harbour masters for their help with the quotas."]
    step = "We launched joint patrols with the coast guard on the northern banks."
    degrees = _degrees("option", " ".join([*talk, step]))
    assert all(degrees.get(t, 0) < 2 for t in talk)
    assert degrees[step] == 2


def test_the_author_in_the_first_person_takes_steps_a_speaker_on_the_talk_does_not() -> None:
    """A statement's or an order's "I" is the acting party ("I have directed the Ministry to
    ...", "I hereby declare ..."); a briefing speaker's "I" mostly talks about the talk ("I'll
    turn it over to ...", "I know the ...", "I'm grateful to ...")."""
    steps = ["I have directed the Fisheries Ministry to suspend all Westmark licences.",
             "I hereby declare a fisheries emergency in the northern banks.",
             "And today, I'm announcing patrols by two coast guard cutters."]
    talk = ["I'll turn it over to my colleague for the details on the quotas.",
            "I know the Westmark delegation raised the landing fees with us.",
            "I'm grateful to the coast guard for its work on the banks.",
            "I would just add that the talks went well."]
    degrees = _degrees("option", " ".join(steps + talk))
    assert [degrees.get(s) for s in steps] == [2, 2, 2]
    assert all(degrees.get(t, 0) < 2 for t in talk)


def test_a_line_that_announces_what_follows_is_no_option() -> None:
    """"I hereby order:" (an order's formula), "The ministers agreed to the following:" state
    no step of their own: the items after them do."""
    degrees = _degrees("option", "Norland Fisheries Act, section 2: I hereby determine and "
                       "order:\n\n(a) Norland will close its ports to Westmark trawlers.")
    assert not any(t.endswith("order:") for t in degrees)
    assert degrees["(a) Norland will close its ports to Westmark trawlers."] >= 1


def test_what_the_speaker_saw_or_was_told_is_an_observation_not_a_step() -> None:
    degrees = _degrees("option", "So we saw two Westmark trawlers leave the banks. "
                       "We have information that Westmark has recalled its fleet. "
                       "We launched joint patrols with the coast guard.")
    assert list(degrees) == ["We launched joint patrols with the coast guard."]


def test_the_other_partys_steps_are_not_options() -> None:
    degrees = _degrees("option", "Westmark will impose a levy on Norland's fish exports. "
                       "Norland and Westmark agreed to set up a joint fisheries commission.")
    assert "Westmark will impose a levy on Norland's fish exports." not in degrees
    assert degrees["Norland and Westmark agreed to set up a joint fisheries commission."] == 2
    assert len(parties(TOPIC)) == 2 and not parties("Response to the fishing disputes")


def test_questions_hand_overs_and_counterfactuals_are_no_items() -> None:
    assert not_an_item("Will the ministry send more patrol boats to the banks?") == "a question"
    assert not_an_item("I wanted to know if the quotas will be raised next year.") == "a question"
    assert not_an_item("And with that, I will turn it over to the minister.") is not None
    assert not_an_item("If not for the patrols, the trawlers would have emptied the banks.") \
        == "a counterfactual"
    assert not_an_item("If Westmark seizes another trawler, Norland will recall its envoy.") \
        is None


def test_a_reporters_request_put_as_a_clause_is_a_question() -> None:
    # no question mark, and an "if" that reads like a condition: a red-line candidate before
    assert not_an_item("And if there's anything you could say about how long the patrols "
                       "will last in the northern banks.") == "a question"
    assert not_an_item("Just if you could say a little more about the quota talks.") \
        == "a question"
    assert not_an_item("I'm wondering if you can share the number of boats seized.") \
        == "a question"
    assert not_an_item("If the talks fail, you can expect Norland to close its ports.") is None
    assert _degrees("red_line", "And if there's anything you could say about the extent to "
                    "which the patrols will go.") == {}


def test_a_heading_of_triggers_makes_its_items_red_line_candidates() -> None:
    assert lead_in_role("## Triggers for escalation") == "red_line"
    assert lead_in_role("**Response options**") == "option"
    assert lead_in_role("The weather in the region was calm over the summer months.") is None
    text = ("Tripwires the cabinet has named:\n"
            "- a second trawler seized inside the twelve-mile zone\n"
            "- any shots fired at a fisheries inspection vessel")
    assert set(_degrees("red_line", text).values()) == {3}


def test_visits_go_highest_degree_first_and_one_document_after_another() -> None:
    passages = _passages(
        "Catches in the banks may fall again next year. We launched patrols along the banks. "
        "The harbour was rebuilt after the storm of last winter.",
        "We opened talks with the harbour authorities of the eastern ports.")
    seen = [u.text for u in visits(passages, "option", TOPIC, 4)]  # at most 1 bare modal
    assert seen == ["We launched patrols along the banks.",
                    "We opened talks with the harbour authorities of the eastern ports.",
                    "Catches in the banks may fall again next year."]
    assert particulars("A 25% levy on Westmark cod, from 1 May.") >= 3



def test_a_sentence_cut_by_the_passage_start_is_no_option() -> None:
    degrees = _degrees("option", "has imposed a levy on every trawler landing cod in the "
                       "eastern ports. We launched patrols along the northern banks.")
    assert list(degrees) == ["We launched patrols along the northern banks."]


def test_a_view_in_the_authors_voice_is_no_step() -> None:
    degrees = _degrees("option", "We consider the harbour figure more reliable than the "
                       "ministry's. We launched patrols along the northern banks.")
    assert list(degrees) == ["We launched patrols along the northern banks."]


def test_a_sentence_repeated_by_overlapping_passages_is_visited_once() -> None:
    text = "If Westmark boats enter the banks, we will escort our fleet."
    passages = _passages(text, text)
    assert [u.text for u in visits(passages, "red_line", TOPIC, 4)] == [text]


def test_a_participle_or_a_date_opening_the_sentence_does_not_hide_the_acting_party() -> None:
    """"Working with X and Westmark, Norland launched ..." is Norland's step, though the opening
    phrase names the other party; after "Since March," the subject is "we", not the words
    after the main clause's first comma."""
    launched = ("Working with regional partners and Westmark, Norland also launched a joint "
                "patrol group for the northern banks.")
    imposed = ("Since March 2024, we have imposed licence limits, port bans, and other measures "
               "on trawlers that fish the northern banks.")
    degrees = _degrees("option", f"{launched} {imposed}")
    assert degrees[launched] == 2 and degrees[imposed] == 2


def test_a_spoken_conjunction_or_partners_beside_the_subject_do_not_hide_it() -> None:
    """Speech sets a conjunction off with a comma ("And, together with 40 nations, we
    launched ..."); partners named beside the subject ("The Minister, together with the
    Westmark envoy, opened ...") leave the subject first: both are the acting party's steps."""
    launched = ("And, together with more than 40 nations, we launched a coalition to patrol "
                "the northern banks.")
    opened = ("In early 2030, the Minister, together with the Westmark envoy and the harbour "
              "board, opened a joint inspection office.")
    announced = "Now, while in Havenport, the Minister also announced new quotas."
    degrees = _degrees("option", launched, opened, announced)
    assert degrees[launched] == 2 and degrees[opened] == 2 and degrees[announced] == 2


def test_a_dateline_before_the_first_sentence_is_not_its_subject() -> None:
    """A release's dateline ("HAVENPORT—", "HAVENPORT, Norland (Wire) –") stands before the
    subject: the minister's step after it is the acting party's; an acronym, an abbreviation
    or a spaced hyphen inside a sentence is no dateline."""
    designated = ("HAVENPORT\u2014Minister of Fisheries Ana Holm is designating the northern "
                  "banks a protected zone for 18 months.")
    wire = ("HAVENPORT, Norland (Wire) \u2013 Today, the Minister announced new quotas for "
            "the northern banks.")
    degrees = _degrees("option", designated, wire)
    assert degrees[designated] == 2 and degrees[wire] == 2
    assert body_of("NATO \u2014 the alliance met") == "NATO \u2014 the alliance met"
    assert body_of("N.B. - Westmark talks resumed") == "N.B. - Westmark talks resumed"


def test_the_acting_party_s_legislature_or_law_officer_takes_its_steps() -> None:
    """A report on a government's response names its legislature or its law officer as the
    subject of a step ("Congress has sought to address ...", "The Attorney General is
    directed to ...")."""
    passed = ("Parliament has sought to curb night trawling through provisions in the Coastal "
              "Fisheries Act of 2024.")
    directed = "The Attorney General is directed to prosecute trawler owners who fake catches."
    degrees = _degrees("option", f"{passed} {directed}")
    assert degrees[passed] == 2 and degrees[directed] >= 2


def test_passages_left_out_are_read_for_conditions_then_for_limits() -> None:
    """The pool's documents are read again for red lines: their passages with a condition or
    a ruling-out first, then those with only a limit ("will not"), never those with neither."""
    texts = {"c0": "Norland opened talks with Westmark on quotas.",
             "c1": "Norland will not send patrol boats this season.",
             "c2": "Norland ships grain to the islands every week.",
             "c3": "If Westmark seizes another trawler, Norland will recall its envoy."}
    chunks = [Chunk(id=i, text=t, source="doc.md", section="", start=0, end=len(t),
                    position=n, doc_hash="h") for n, (i, t) in enumerate(texts.items())]
    store: Any = SimpleNamespace(of_sources=lambda sources: chunks)
    workspace: Any = SimpleNamespace(store=store)
    assert [c.id for c in conditions_for_topic(TOPIC, workspace, chunks[:1], 1)] == ["c3"]
    assert [c.id for c in conditions_for_topic(TOPIC, workspace, chunks[:1], 5)] == ["c3", "c1"]


def test_a_harm_named_outright_is_a_risk_before_a_modal_and_a_step_is_none() -> None:
    """Risks: a sentence that names a harm or a danger ranks above one that only holds a
    modal's "could"; a step taken or intended against the harm is an option, not a risk."""
    degrees = _degrees("risk", "Illegal trawling threatens the cod stocks of the northern "
                       "banks. Prices at the harbour could rise next spring. We will deploy "
                       "two patrol vessels to counter the danger to the fleet. The harbour "
                       "opened in 1921.")
    assert degrees == {
        "Illegal trawling threatens the cod stocks of the northern banks.": 2,
        "Prices at the harbour could rise next spring.": 1}
    # only a harm named is visited: a modal alone reads the same in forecasts and steps; a
    # harm in a condition is a trigger; an order is a step
    passages = _passages("Prices at the harbour could rise next spring. If the dispute "
                         "escalates, the fleet may stay in port. Patrol the banks to prevent "
                         "damage to the nets. Storms damaged half of the eastern harbour.")
    assert [u.text for u in visits(passages, "risk", TOPIC, 6)] == [
        "Storms damaged half of the eastern harbour."]


def test_items_under_a_heading_of_risks_are_risk_candidates() -> None:
    assert lead_in_role("**Risks**") == "risk"
    assert lead_in_role("## Response options and risks") == "option"  # the first role named
    text = ("Main concerns for the coastal towns:\n"
            "- a second season of closed harbours\n"
            "- fewer boats registered in the eastern ports")
    assert set(_degrees("risk", text).values()) == {3}
    assert _degrees("option", text) == {}


STAGED = ("# Notes on the fishing dispute\n\n"
          "### Phase 2: armed escorts\n"
          "- The navy could escort the trawlers through the northern banks.\n"
          "- Ministers are weighing a second frigate for the southern ports.\n\n"
          "### Trigger 1: Westmark boards a Norland trawler\n"
          "- A cabinet official said Norland would recall its ambassador.\n\n"
          "## Risks\n"
          "- Escorting the trawlers could provoke clashes with the Westmark coast guard.\n\n"
          "Catch quotas under review:\n"
          "- a cut of one fifth in the northern banks from next spring\n\n"
          "If talks collapse:\n"
          "- a ban on Westmark vessels in Norland ports for six months.\n\n"
          "The talks resume in the first week of May in the capital city.\n")


def test_a_lead_in_that_names_a_stage_or_a_condition_tells_when_its_items_apply() -> None:
    for line in ("### Phase 2: armed escorts", "**Stage B**", "**Step two: port bans**",
                 "### Trigger 1: Westmark boards a Norland trawler", "If talks collapse:",
                 "Should the talks fail:"):
        assert names_when(line) and names_stage(line), line
    for line in ("## Triggers to watch", "The measures include:", "## Option 2: port bans",
                 "should include the following:", "Next step a priority:",
                 "The navy could escort the trawlers through the northern banks."):
        assert not names_stage(line), line


def test_an_item_is_read_with_the_stage_or_trigger_its_lead_in_names() -> None:
    """A heading's stage covers the lines to the next heading (a heading of risks ends it); a
    lead-in line's condition covers its list only; a short stage heading is a unit to quote."""
    (passage,) = _passages(STAGED)
    units = {u.text: u for u in passage.units}
    assert "### Phase 2: armed escorts" in units  # four words, quotable as a stage
    leads = {units_text: lead.text for units_text, lead in (
        (next(u.text for u in passage.units if u.id == uid), lead)
        for uid, lead in stage_lead_ins([passage]).items())}
    assert leads["- The navy could escort the trawlers through the northern banks."] == \
        "### Phase 2: armed escorts"
    assert leads["- Ministers are weighing a second frigate for the southern ports."] == \
        "### Phase 2: armed escorts"
    assert leads["- A cabinet official said Norland would recall its ambassador."] == \
        "### Trigger 1: Westmark boards a Norland trawler"
    assert leads["- a ban on Westmark vessels in Norland ports for six months."] == \
        "If talks collapse:"
    for text in ("- Escorting the trawlers could provoke clashes with the Westmark coast guard.",
                 "- a cut of one fifth in the northern banks from next spring",
                 "The talks resume in the first week of May in the capital city."):
        assert text not in leads, text


def test_an_item_under_a_heading_of_risks_is_no_option() -> None:
    degrees = _degrees("option", STAGED)
    assert "- Escorting the trawlers could provoke clashes with the Westmark coast guard." \
        not in degrees
    assert degrees["- The navy could escort the trawlers through the northern banks."] >= 1


def test_a_line_that_opens_with_a_stage_label_is_a_heading_without_marks() -> None:
    """A PDF or a plain text has no heading marks: "Trigger 2: ..." on its own line still
    heads the paragraphs after it; a sentence that merely begins with a stage is none."""
    text = ("Trigger 2: Westmark closes the straits to Norland trawlers\n\n"
            "The cabinet secretary said Norland would suspend the fishing treaty.\n\n"
            "Phase 2 of the talks began in March, the ministry said in a statement.\n")
    (passage,) = _passages(text)
    assert opens_with_stage("Trigger 2: Westmark closes the straits to Norland trawlers")
    assert not opens_with_stage(
        "Phase 2 of the talks began in March, the ministry said in a statement.")
    leads = {u.text: stage_lead_ins([passage]).get(u.id) for u in passage.units}
    lead = leads["The cabinet secretary said Norland would suspend the fishing treaty."]
    assert lead is not None and lead.text.startswith("Trigger 2:")


def test_a_stage_heading_with_quotation_marks_still_heads_its_items() -> None:
    """A unit's ASCII quotes become typographic ones (the grammar holds them): the heading is
    still found among the units."""
    text = ('### Trigger 1: Westmark declares the "northern banks" closed\n'
            "- A cabinet official said Norland would recall its ambassador.\n")
    (passage,) = _passages(text)
    leads = {u.text: stage_lead_ins([passage]).get(u.id) for u in passage.units}
    lead = leads["- A cabinet official said Norland would recall its ambassador."]
    assert lead is not None and lead.text.startswith("### Trigger 1:")


TABLES = ("## Escalation matrix\n\n"
          "| Trigger | Likely response |\n|---|---|\n"
          "| Westmark boards a second Norland trawler | Norland recalls its ambassador to Westmark"
          " |\n| Westmark fires on a fisheries inspection vessel | Norland sends two frigates north"
          " |\n\n"
          "## Measures under review\n\n"
          "| Option | Cost | Timing |\n|---|---|---|\n"
          "| Close Norland ports to Westmark trawlers | Low | Immediate |\n"
          "| Fund a register of licensed trawlers for the northern banks | High | Phase 2 |\n\n"
          "| Risk | Mitigation |\n|---|---|\n"
          "| Clashes at sea could injure crews on both sides of the line | Escorts keep away |\n")


def test_a_table_row_is_a_unit_and_its_header_names_its_role() -> None:
    """A table's rows are quotable one by one; a header whose first column names triggers,
    options or risks makes its rows candidates of that role, as a lead-in does a list's."""
    (passage,) = _passages(TABLES)
    assert [u.text for u in passage.units][:2] == [
        "| Westmark boards a second Norland trawler | Norland recalls its ambassador to Westmark |",
        "| Westmark fires on a fisheries inspection vessel | Norland sends two frigates north |"]
    assert header_role("| Trigger | Likely response |") == "red_line"
    assert header_role("| Risk | Mitigation |") == "risk"  # the first column's
    assert header_role("| Scenario | Trigger | Response |") == "red_line"  # a trigger column
    for none in ("| Name | Role | Location |", "| Date | Event | Response |",
                 "| Country | Risk level |", "| Patient | Condition | Beds |"):
        assert header_role(none) is None, none
    red_lines = _degrees("red_line", TABLES)
    assert red_lines["| Westmark boards a second Norland trawler | Norland recalls its "
                     "ambassador to Westmark |"] == 3
    options = _degrees("option", TABLES)
    # a row that opens with the step names no other party as its subject, though it names one
    assert options["| Close Norland ports to Westmark trawlers | Low | Immediate |"] == 2
    assert options["| Fund a register of licensed trawlers for the northern banks | High | "
                   "Phase 2 |"] == 2
    assert not any(t.startswith("| Clashes") for t in options)  # a risk's row: no option
    assert body_of("| Close Norland ports | Low |") == "Close Norland ports; Low"


def test_a_visit_reads_a_table_row_with_its_headers_labels() -> None:
    (passage,) = _passages(TABLES)
    headers = table_headers([passage])
    keys = {u.text: _key(u, None, headers.get(u.id)) for u in passage.units}
    assert keys["| Close Norland ports to Westmark trawlers | Low | Immediate |"] == \
        "Option: Close Norland ports to Westmark trawlers; Cost: Low; Timing: Immediate"
    assert keys["| Westmark fires on a fisheries inspection vessel | Norland sends two frigates "
                "north |"] == ("Trigger: Westmark fires on a fisheries inspection vessel; "
                               "Likely response: Norland sends two frigates north")


def test_a_tables_role_ends_with_the_table_and_a_long_table_keeps_its_header() -> None:
    """After a table of risks, the bullets under the heading of options are options again; a
    passage cut from a table's body reads its rows with the header its chunk carries."""
    text = ("## Options\n\n| Risk | Mitigation |\n|---|---|\n"
            "| Clashes at sea could injure crews | Escorts stay back |\n"
            "- Norland will compensate idle trawler crews from its fund\n")
    leads = item_leads(text)
    assert leads["| Clashes at sea could injure crews | Escorts stay back |"][1] == "risk"
    assert leads["- Norland will compensate idle trawler crews from its fund"] == (
        "## Options", "option")
    rest = "| Westmark fires on a fisheries inspection vessel | Norland sends two frigates |"
    (cut,) = [Chunk(id="c9", text=rest, source="m.md", start=0, end=len(rest), position=3,
                    doc_hash="h", table_header="| Trigger | Likely response |")]
    (passage,) = make_passages([cut])
    assert _key(passage.units[0], None, table_headers([passage]).get(passage.units[0].id)) == (
        "Trigger: Westmark fires on a fisheries inspection vessel; Likely response: Norland "
        "sends two frigates")
    assert set(_degrees_of(passage, "red_line").values()) == {3}
    # the model is shown the header above the rows it carries (not a quotable unit)
    assert render_text([passage]).split("\n", 1)[1].startswith(
        "| Trigger | Likely response | | Westmark fires")
    assert [u.text for u in passage.units] == [rest]
    assert labelled("| a row | past | the header |", "| One | Two |") == \
        "One: a row; Two: past; the header"
    assert labelled("| Ban imports | Low \\| rising |", "| Option | Cost |") == \
        "Option: Ban imports; Cost: Low | rising"  # Markdown's escaped pipe is in its cell
    # a passage cut inside a row: its first line ends the row, the table goes on
    piece = ("recalls its envoy. | Low |\n"
             "| Westmark fires on a fisheries inspection vessel | Norland sends two frigates |")
    assert item_leads(piece, "| Trigger | Likely response |")[
        "| Westmark fires on a fisheries inspection vessel | Norland sends two frigates |"] == (
        "| Trigger | Likely response |", "red_line")


def _degrees_of(passage: Any, role: str) -> dict[str, int]:
    return {c.unit.text: c.degree for c in Ranker(role, TOPIC).rank(passage)}


def test_an_option_from_a_trigger_rows_response_applies_when_its_trigger_happens() -> None:
    from briefer.core.schemas import ResponseOption
    from briefer.pipeline.by_sentence import _when

    (passage,) = _passages(TABLES)
    unit = next(u for u in passage.units if u.text.startswith("| Westmark fires"))
    header = table_headers([passage])[unit.id]
    evidence = [{"chunk_id": "c0", "quote": unit.text}]
    now = ResponseOption(label="send two frigates north", category="military-defensive",
                         condition="now", evidence=evidence)
    assert _when(now, unit, header).condition == \
        "Westmark fires on a fisheries inspection vessel"
    said = now.model_copy(update={"condition": "if Westmark fires on a vessel"})
    assert _when(said, unit, header).condition == "if Westmark fires on a vessel"  # kept
    option_row = next(u for u in passage.units if u.text.startswith("| Close Norland"))
    assert _when(now, option_row, table_headers([passage])[option_row.id]).condition == "now"


def test_a_measure_named_by_a_demonstrative_takes_a_step_unless_its_verb_only_relates_it() -> None:
    """"This agreement establishes ...", "that package will contain ...": the document's own
    measure does something (a step, as the author's voice is); "This designation is due to
    ...", "This action follows ...": what it is or what came before, no step."""
    degrees = _degrees(
        "option",
        "This partnership between Norland and its coastal towns establishes a fund for boats.",
        "This action targets unlicensed trawlers, such as the Blue Fin fleet.",
        "That package will contain patrol boats and radar for the northern banks.",
        "This designation is due to extraordinary conditions on the banks.",
        "This action follows last week's meeting of the fisheries council.",
        "This storm targets the coast every winter.")
    assert degrees["This partnership between Norland and its coastal towns establishes a fund "
                   "for boats."] == 2
    assert degrees["This action targets unlicensed trawlers, such as the Blue Fin fleet."] == 2
    assert degrees["That package will contain patrol boats and radar for the northern "
                   "banks."] == 2
    assert "This designation is due to extraordinary conditions on the banks." not in degrees
    assert "This action follows last week's meeting of the fisheries council." not in degrees
    assert "This storm targets the coast every winter." not in degrees


def test_how_the_acting_party_is_is_no_step_what_it_does_is() -> None:
    """"Norland will be steadfast ...", "Norland has been the largest donor ...": a form of
    "be" with no verb of its own after it says how the subject is; "is designating", "will be
    sending", "is hereby directed to" say what it does."""
    ranker = Ranker("option", TOPIC)
    assert not ranker._own_step("But Norland will be steadfast in its support of the fishers.")
    assert not ranker._own_step("Norland has been the largest donor to the coastal towns.")
    assert not ranker._own_step("Norland is also clearly the main buyer of the catch.")
    assert ranker._own_step("Norland is designating the northern banks a protected zone.")
    assert ranker._own_step("Norland will be sending two patrol boats to the banks.")
    assert ranker._own_step("Norland has been closely monitoring the trawlers' catches.")
    assert ranker._own_step("The Minister of Fisheries is hereby directed to close the banks.")


def test_a_measure_after_an_opener_or_of_another_party_is_read_by_its_own_verb() -> None:
    """The verb a measure's step is read by comes after the words that open the sentence
    ("And", "Today,") and its auxiliaries ("will follow"); a measure another party takes
    ("This action by Westmark") or a participle after it ("imposed by Westmark") is no step
    of ours."""
    ranker = Ranker("option", TOPIC)
    assert not ranker._own_step("And this action follows last week's council meeting.")
    assert not ranker._own_step("Today, this action will follow the council's meeting.")
    assert not ranker._own_step("This action by Westmark threatens the Norland boats.")
    assert not ranker._own_step("These tariffs imposed by Westmark target Norland fishers.")
    assert ranker._own_step("And this action closes the northern banks to trawlers.")
    assert ranker._own_step("Today, this partnership between Norland and the coastal towns of "
                            "the north establishes a fund.")
