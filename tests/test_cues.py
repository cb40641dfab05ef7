"""Wording cues: which sentences can state an option, a red line or a risk."""

from __future__ import annotations

import re

import pytest

from briefer.core.schemas import tidy_phrase
from briefer.text.conditions import without_own_conditions
from briefer.text.cues import (
    ACTION,
    CONDITION,
    RISK,
    arms_category,
    condition_clause,
    named_details,
    opens_with_order,
    strength,
)

# Sentences written for this test, on made-up topics (not from corpus/ or evalset/).
STEPS = [
    "Close the harbour to foreign trawlers until the stock recovers.",
    "- Rotate the signing keys and revoke every token issued before Friday.",
    "2. **Stage two (if the levee fails).** Evacuate the lower districts by bus.",
    "**Now.** Open two more shelters in the northern suburbs.",
    "The council is considering a curfew in the old town.",
    "Ministers may impose export licences on the alloy.",
    "We recommend that the agency publish its inspection results weekly.",
    "Share the flood maps with the neighbouring provinces.",
]
FACTS = [
    "Grain exports fell 12% in the second quarter.",
    "Children under ten account for a third of admissions.",
    "Field teams and supply trucks have reached the valley.",
    "Power demand rose 3% last year.",
    "Gas-fired plants supplied half of the electricity.",
    "# Harbour closures and the fishing fleet",
    "Water samples taken on Monday showed no contamination.",
]


@pytest.mark.parametrize("sentence", STEPS)
def test_a_step_is_an_action(sentence: str) -> None:
    assert ACTION.search(sentence)


@pytest.mark.parametrize("sentence", FACTS)
def test_a_fact_or_heading_is_not_an_action(sentence: str) -> None:
    assert not ACTION.search(sentence)


def test_an_order_opens_with_a_base_verb_not_a_subject() -> None:
    assert opens_with_order("Patch the gateways tonight.")
    assert not opens_with_order("Patches were applied to the gateways.")  # not the base form
    assert not opens_with_order("Share prices have dropped sharply.")  # a noun, then a verb
    assert not opens_with_order("The minister left.")
    # a long subject: its verb further on than four words (made-up sentences)
    assert not opens_with_order("Milk output across the northern valleys fell 4% in May.")
    assert not opens_with_order("Water leaving the plant during the outage was not treated.")
    # an order whose object holds a participle is still an order
    assert opens_with_order("Raise the readiness of the 2nd Motorised Regiment at once.")


def test_a_step_done_by_others_or_no_step_named_is_no_word_of_intent() -> None:
    """Made-up sentences: "has been offered to" reports a done deed, "all options remain open"
    names no step; "offered to send", "options to widen" do."""
    assert strength(ACTION, "The school hall has been offered to the army as a depot.") == 0
    assert strength(ACTION, "The mayor declined to comment, saying all options remain "
                            "open.") == 0
    assert strength(ACTION, "The council offered to send two inspectors.") == 2
    assert strength(ACTION, "The board is weighing options to widen the levy.") == 2


def test_a_threshold_is_a_condition_and_a_forecast_is_not() -> None:
    assert CONDITION.search("If the levee fails, the army will be called in.")
    assert CONDITION.search("Crossing it would unlock a second aid package.")
    assert not CONDITION.search("Rain could continue into next week.")


def test_a_risk_speaks_of_harm_or_possibility() -> None:
    assert RISK.search("Closing the harbour could cost the fleet its season.")
    assert RISK.search("Stocks of vaccine will last little more than a week.")
    assert not RISK.search("The council is considering sending an inspection team.")


def test_arms_category_follows_the_arms_the_quote_names() -> None:
    air = ["The ministry may send the Skyguard surface-to-air missile, a defensive system."]
    strike = ["It could even supply howitzers and tanks."]
    both = ["It may send air defence batteries, and later tanks."]
    assert arms_category("military-offensive", air) == "military-defensive"
    assert arms_category("military-defensive", strike) == "military-offensive"
    assert arms_category("military-offensive", both) == "military-offensive"
    assert arms_category("diplomatic", air) == "diplomatic"


def test_orders_and_intent_rank_above_bare_modals() -> None:
    assert strength(ACTION, "Evacuate the lower districts by bus.") == 2
    assert strength(ACTION, "The council is considering a curfew.") == 2
    assert strength(ACTION, "Rainfall will peak on Thursday.") == 1  # a forecast reads the same
    assert strength(ACTION, "Grain exports fell 12%.") == 0
    assert strength(CONDITION, "If the levee fails, evacuate.") == 3


def test_conditions_rank_clauses_over_conditionality_over_limits() -> None:
    assert strength(CONDITION, "(b) Should the council default, the board may suspend it.") == 3
    assert strength(CONDITION, "Upon a finding of compliance, the levy will be lifted.") == 3
    assert strength(CONDITION, "- Until the strike ends, imports stay closed.") == 3
    assert strength(CONDITION, "The ministry calls upon donors to give more.") == 0
    assert strength(CONDITION, "Our aid will be determined by the junta's next steps.") == 2
    assert strength(CONDITION, "The board found the utility failed to file its plan.") == 2
    assert strength(CONDITION, "The operation won't require troops on the ground.") == 1
    assert strength(CONDITION, "Any inquiry must be quick and public.") == 1
    assert strength(CONDITION, "Grain exports fell 12% in May.") == 0


def test_a_ruling_out_ranks_with_conditionality() -> None:
    # a step or a claim declared excluded states a red line without a condition word
    assert strength(CONDITION, "No firm that armed the junta will be allowed to bid.") == 2
    assert strength(CONDITION, "Militias will not be tolerated near the border.") == 2
    assert strength(CONDITION, "Violators will be barred from future tenders.") == 2
    # a limit or a demand stays below it; a description of someone barred is no ruling-out
    assert strength(CONDITION, "The mission will not include combat troops.") == 1
    assert strength(CONDITION, "Minors prohibited from buying alcohol were questioned.") == 0
    assert strength(CONDITION, "Not one report said no aid could reach the port.") == 0


def test_should_is_a_condition_only_before_its_subject() -> None:
    assert CONDITION.search("However, should the levee fail, the army will be called in.")
    assert CONDITION.search("Should the levee fail, evacuate.")
    assert not CONDITION.search("The minister should declare an emergency.")
    # an inverted condition after its main clause needs no comma before it
    assert CONDITION.strength("Norland would close its ports should Westmark fire on a "
                              "fisheries vessel.") == 3
    assert CONDITION.strength("The deposit is forfeited should the lessee leave early.") == 3
    assert CONDITION.strength("Crews said the ministry should pay them for idle weeks.") == 0


def test_named_details_are_the_quote_words_a_label_leaves_out() -> None:
    quote = ("The council may send relief supplies, including water purification tablets, "
             "Model-7 field tents and 40 tonnes of grain, to the delta. Talks follow.")
    assert named_details("send relief supplies", quote) == (
        "including water purification tablets, Model-7 field tents and 40 tonnes of grain, "
        "to the delta")
    # the label already names the first example: the next one is looked at
    quote = "It could buy drones such as quadcopters, with systems like the Harrow X2 radar."
    assert named_details("buy drones such as quadcopters", quote) == (
        "like the Harrow X2 radar")
    assert named_details("buy drones", "It could buy drones.") == ""
    assert named_details("agree", "We like the plan.") == ""  # a verb, not an example


def test_condition_clause_restores_a_shortened_trigger() -> None:
    quote = ("Should Ostrava mass armour near the border and move its Vela-class missile "
             "batteries, including the mobile launchers, the alliance would close the strait.")
    assert condition_clause("Ostrava masses armour near the border",
                            "the alliance closes the strait", quote) == (
        "Ostrava mass armour near the border and move its Vela-class missile batteries, "
        "including the mobile launchers")
    # consequence first: the clause runs to the end of the sentence
    quote = "Fuel rationing starts if reserves fall below 20 days of supply at the two depots."
    assert condition_clause("reserves fall below 20 days", "fuel rationing starts", quote) == (
        "reserves fall below 20 days of supply at the two depots")
    # a trigger the clause does not hold, or one that already says it all, is left alone
    assert condition_clause("the ministry resigns", "rationing starts", quote) == ""
    assert condition_clause("reserves fall below 20 days of supply at the two depots",
                            "rationing starts", quote) == ""


def test_a_phrase_cut_at_its_length_limit_loses_its_dangling_end() -> None:
    assert tidy_phrase("move missile batteries, including radars, and") == (
        "move missile batteries, including radars")
    assert tidy_phrase("supply arms such as") == "supply arms"
    assert tidy_phrase("open the border (") == "open the border"
    assert tidy_phrase("stand by") == "stand by"  # a particle, not a cut
    assert tidy_phrase("now") == "now"


def test_formulaic_condition_words_state_no_threshold() -> None:
    # an idiom of commitment, a hedge, a date, a cause, the speaker's or listener's "if", an
    # "if" that means "whether": none is a threshold
    for sentence in ("Norland will stand with the fishers for as long as it takes.",
                     "The coastguard will act if needed.",
                     "The licence is valid until March 2027.",
                     "The glut was triggered by the warm winter.",
                     "If you could walk us through the timetable, that would help.",
                     "If I understand the rule correctly, nets are limited.",
                     "We are checking to see if the harbour can open.",
                     "I wanted a status update on if the minister has read the report.",
                     "There are no ifs, ands or buts about the quota.",
                     "Crews may register for the scheme even if they hold a licence already."):
        assert CONDITION.strength(sentence) == 0, sentence
    # the same words as a threshold still count
    assert CONDITION.strength("If Westmark boats enter the banks, the navy will escort "
                              "ours.") == 3
    assert CONDITION.strength("Until the quota is agreed, the levy stays.") == 3


def test_a_program_s_terms_for_its_users_state_no_threshold() -> None:
    """What a licensee or an applicant must meet to use a program is no line another party may
    cross; a licence in the main clause, a certification or an eligibility another party must
    reach, or a clause on another party beside it, still counts."""
    for sentence in ("Trawler owners may fish the banks so long as they meet the eligibility "
                     "requirements of the scheme.",
                     "As long as a shipment conforms with the terms of the export licence, "
                     "traders need not ask the ministry.",
                     "If a firm took on new business that needed General Licence 12 to be "
                     "lawful, it should wind that business down."):
        assert CONDITION.strength(sentence) == 0, sentence
    for sentence in ("Licence 12 will not be renewed unless Westmark releases the crews.",
                     "If Westmark seizes another trawler, the export licence of its fleet will "
                     "be revoked.",
                     "If Westmark seizes another trawler its fleet's export licences will be "
                     "revoked.",
                     "Unless the President certifies that Westmark has withdrawn its boats, the "
                     "duties shall be imposed.",
                     "The duties will snap back if Westmark is no longer eligible for the "
                     "waiver.",
                     "Goods enter duty-free only if the importer holds a licence. Should "
                     "Westmark retaliate, the duty will double."):
        assert CONDITION.strength(sentence) == 3, sentence


def test_a_sentence_is_split_at_its_condition_word_wherever_it_stands() -> None:
    from briefer.text.conditions import split_at_condition

    assert split_at_condition("The levy stays until such time as Westmark trawlers leave the "
                              "banks.") == ("such time as Westmark trawlers leave the banks",
                                            "The levy stays")
    assert split_at_condition("(c) Should Westmark retaliate, the ministry may double the "
                              "duties.") == ("Westmark retaliate", "the ministry may double the "
                                             "duties")
    assert split_at_condition("- If Westmark closes the strait, Norland will recall its "
                              "envoy.") == ("Westmark closes the strait",
                                            "Norland will recall its envoy")
    # a condition word inside a name is none; a concession and a date are no condition
    assert split_at_condition("Prime Minister Sharif warned that the navy will act if "
                              "Westmark strikes again.") == (
        "Westmark strikes again", "Prime Minister Sharif warned that the navy will act")
    assert split_at_condition("Norland will keep fishing even if Westmark objects.") is None
    assert split_at_condition("The duties stay until March 2026 unless Westmark withdraws.") == (
        "Westmark withdraws", "The duties stay until March 2026")


def test_should_and_upon_open_a_condition_only_before_a_subject() -> None:
    assert CONDITION.strength("However, should Westmark seize a trawler, talks end.") == 3
    assert CONDITION.strength("(b) Should the council object, the order lapses.") == 3
    assert CONDITION.strength("Fishers are not to blame and should not pay for it.") == 0
    assert CONDITION.strength("Upon a finding of overfishing, the levy doubles.") == 3
    assert CONDITION.strength("- Upon returning to port, crews unloaded the catch.") == 0


def test_a_state_kept_until_a_condition_and_what_is_ruled_out_are_red_line_wording() -> None:
    assert CONDITION.strength("The seized nets will remain impounded until Westmark pays "
                              "the fines.") == 2
    for limit in ("Threats against our inspectors are inadmissible.",
                  "We have decided not to send frigates at this time.",
                  "Vessels that fished illegally will not be allowed to bid for licences."):
        assert CONDITION.strength(limit) == 2, limit  # ranks with conditionality


COMMONWEALTH = re.compile(r"(?<![\w.])(?:(?i:Commonwealt)|the Commonwealth)")  # the actor
OWN_CONDITIONS = [
    "If we keep working together, a better future is within reach.",
    "Imagine if we had no such warning in time.",
    "If the Commonwealth chooses to buy the ore itself, it will name the purchaser.",
    "Unless we find the funds, the programme will slow.",
    "As long as I hold this office, the pledge stands.",
]
OTHERS_CONDITIONS = [
    "If the junta seizes the port, the Commonwealth will close its embassy.",
    "Should the rebels cross the river, sanctions follow at once.",
    "In the event of an attack on the islands, the parties shall meet within a day.",
    "As long as the shelling continues, we will keep sending shells.",
    "Unless they withdraw by Friday, talks end.",
    "If we see their divisions cross the river, the Commonwealth will close its embassy.",
    "If the Commonwealth determines that the junta has tested the device, aid stops.",
]


@pytest.mark.parametrize(("sentence", "own"), [*((s, True) for s in OWN_CONDITIONS),
                                               *((s, False) for s in OTHERS_CONDITIONS)])
def test_a_condition_on_the_speakers_own_side_is_no_trigger(sentence: str, own: bool) -> None:
    assert CONDITION.strength(sentence) == 3
    left = CONDITION.strength(without_own_conditions(sentence, COMMONWEALTH))
    assert (left < 3) is own


def test_own_conditions_without_an_actor_still_read_first_person() -> None:
    assert CONDITION.strength(without_own_conditions("If we fail, they win.", None)) == 0
    assert CONDITION.strength(without_own_conditions("If they fail, we win.", None)) == 3


def test_the_speakers_must_on_the_talk_itself_is_no_demand() -> None:
    """"I must tell you", "I have to say", "I must also remind all fishers of the warning":
    the speaker's duty to speak demands nothing of anyone; "we must ensure", "the inquiry must
    be swift" still do."""
    assert CONDITION.strength("I must tell you, because the catch is up this year.") == 0
    assert CONDITION.strength("I must also remind all fishers of the standing warning against "
                              "sailing to the northern banks.") == 0
    assert CONDITION.strength("And I have to say, the harbour looks better than ever.") == 0
    assert CONDITION.strength("We must ensure that the aid reaches the harbour towns.") == 1
    assert CONDITION.strength("The inquiry into the sinking must be swift.") == 1
