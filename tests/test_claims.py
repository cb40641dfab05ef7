"""Claims of an answer judged against their quotes (briefer.grounding.claims, briefer.text.needs),
on
hand-made runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from briefer.core.schemas import Chunk, Citation
from briefer.core.settings import GroundingSettings
from briefer.evidence.run import Run
from briefer.grounding.claims import Measured, citation, measure
from briefer.grounding.decide import _mentioned, decide
from briefer.grounding.sides import figures
from briefer.llm.base import Message
from briefer.llm.testing import FakeModel
from briefer.text.counting import counts
from briefer.text.dates import earliest_named
from briefer.text.names import name_in, names, occasion_names
from briefer.text.needs import needs, numbers, numbers_stated, split_claims
from briefer.text.which import identifies
from briefer.text.words import terms

SITREP = ("As of 18 March 2025, a cumulative total of 1,046 suspected cases and 21 deaths have "
          "been reported in the province. Three treatment centres are open, with a combined "
          "140 beds. The first case was reported on 3 March 2025 from the town of Brennick. "
          "Cases by district were 771 in Brennick and 47 in Temmen, the smallest district.")
TEAM = ("The ministry is considering sending a monitoring team to the border region. The team "
        "will consist of military personnel and intelligence agents who study the region.")


def chunk(text: str, cid: str, source: str, title: str = "") -> Chunk:
    return Chunk(id=cid, text=text, source=source, title=title, start=0, end=len(text),
                 position=0, doc_hash="0" * 64)


def make_run(*chunks: Chunk) -> Run:
    return Run.begin("q", list(chunks), k=len(chunks), schema_version="t", started=0.0,
                     store_fingerprint="", alias_prefix="")


def cite(run: Run, n: int, containing: str) -> Citation:
    c = run.chunks[n - 1]
    unit = next(u for u in run.passages[n - 1].sentences if containing in u)
    got = citation(n, c, unit)
    assert got is not None
    return got


def by_claim(table: dict[str, float]) -> FakeModel:
    """A judge that gives P(yes) by a word of the claim (default 0.9)."""
    def judge(messages: Sequence[Message]) -> float:
        claim = messages[-1]["content"].split("CLAIM:", 1)[-1]
        return next((p for word, p in table.items() if word in claim), 0.9)
    return FakeModel(judge=judge)


# --------------------------------------------------------------------------- reading


def test_split_claims_keeps_markers_with_their_sentence() -> None:
    text = "Sources disagree: 40,000 [1]. The minister says 65,000 [2][3]. No more."
    assert split_claims(text) == ["Sources disagree: 40,000 [1].",
                                  "The minister says 65,000 [2][3].", "No more."]
    assert split_claims("It is 41.20 EUR/MWh [1]") == ["It is 41.20 EUR/MWh [1]"]


def test_an_inline_numbered_list_is_cut_into_its_items_without_their_numbers() -> None:
    text = ("The levy was split as follows: 1. Roads: $4 million 2. Schools: $2.5 million "
            "3. flood defences: $900,000 [1][2]")
    claims = split_claims(text)
    assert claims == ["The levy was split as follows:", "Roads: $4 million",
                      "Schools: $2.5 million", "flood defences: $900,000 [1][2]"]
    quote = "Roads get $4 million, schools $2.5 million and flood defences $900,000."
    assert all(numbers_stated(c, quote, set()) for c in claims)
    # a figure ending a sentence is no list: one number alone does not make a run
    assert split_claims("Arrests fell to 3. Then they rose to 12 [1].") == [
        "Arrests fell to 3.", "Then they rose to 12 [1]."]


def test_numbers_are_values_and_markers_are_not_numbers() -> None:
    assert numbers("1,250,000 tonnes [2]") == {1250000.0}
    assert 1250000.0 in numbers("1.25 million tonnes") and 48.0 in numbers("48 million m3")
    assert numbers("78% of EUR 41.20") == {78.0, 41.2}
    assert numbers_stated("1.25 million tonnes [1]", "1,250,000 tonnes")
    assert numbers_stated("12,000 in Phase 2", "call up 12,000", given=[2.0])
    assert not numbers_stated("12,000 in Phase 2", "call up 12,000")


def test_numbers_written_as_words_are_numbers() -> None:
    """News style spells small numbers out ("seven families", "eight cartels"): they are values
    a claim must find in its quotes and a "how many" can be answered by; "one" is not (it is
    mostly "one of the", "no one")."""
    assert numbers("seven families and twenty-five states") == {7.0, 25.0}
    assert numbers("one of the ports, no one else") == set()
    assert 40e6 in numbers("forty million tonnes")
    assert numbers_stated("Ten trawlers were seized [1].", "the coast guard seized 10 trawlers")
    assert not numbers_stated("Ten trawlers were seized [1].", "nine trawlers were seized")
    run = make_run(chunk("Today eight Westmark trawlers were released from Norland ports.",
                         "t", "statement.md"))
    c = cite(run, 1, "eight Westmark trawlers were released")
    assert not grounded("How many trawlers were released?", "Eight trawlers were released [1].",
                        [c], run, FakeModel()).decline


def test_needs_reads_parts_kinds_and_names() -> None:
    n = needs("How many suspected cholera cases and how many deaths were reported in Temmen?")
    assert [p.wants for p in n.parts] == ["number", "number"]
    assert "death" in n.parts[1].nouns and "death" not in n.parts[0].nouns
    assert needs("When did the first case occur?").parts[0].wants == "date"
    assert needs("What was the wage-to-revenue ratio of the club?").parts[0].wants == "number"
    assert needs("Who sponsors the club?").parts[0].wants is None
    # a figure asked for without a copula: "what <noun> rate/fee share ... did/applied"
    assert needs("What landing fee rate did Norland charge after the ruling?").parts[0].wants \
        == "number"
    assert needs("What additional duty rate applied to Westmark fish?").parts[0].wants \
        == "number"
    assert needs("What rate cuts did the bank announce?").parts[0].wants is None
    assert names("According to the Sava Institute paper, what should the Ministry of Health "
                 "do in Vessen in October?") == ["Sava Institute", "Ministry of Health",
                                                 "Vessen"]
    assert needs("How many reservists, and how much would the call-up cost?").sub_questions


def bar(threshold: float) -> GroundingSettings:
    """The grounding thresholds with the judge's at ``threshold``."""
    return GroundingSettings(answer_judge=threshold)


BAR = bar(0.5)


# --------------------------------------------------------------------------- measure + decide


def grounded(question: str, answer: str, cited: list[Citation], run: Run, judge: FakeModel,
             threshold: float = 0.5, openings: dict[str, str] | None = None
             ):  # type: ignore[no-untyped-def]
    measured = measure(question, answer, cited, run, judge, threshold=threshold,
                       ask_question=False)
    return decide(question, measured, cited, run.chunk_map(), thresholds=bar(threshold),
                  passages=run.passages, opening=lambda s: (openings or {}).get(s, ""))


def test_a_rate_asked_for_is_not_answered_by_the_event_alone() -> None:
    run = make_run(chunk("In March 2025 the court struck down the landing fees Norland had "
                         "charged since 2019.", "r", "ruling.md"))
    c = cite(run, 1, "struck down")
    question = "What landing fee rate did Norland charge after the court ruling in March 2025?"
    d = grounded(question, "The court struck down Norland's landing fees in March 2025 [1].",
                 [c], run, FakeModel())
    assert d.decline  # the event restated, no rate: the question is not answered


def test_a_date_is_taken_from_a_quote_that_names_what_is_dated() -> None:
    question = "On what date did the new ferry off Brennick begin carrying passengers?"
    assert needs(question).parts[0].dated == terms("new ferry")
    run = make_run(chunk("Since 3 March the port of Brennick has carried more than 40,000 "
                         "passengers on its routes.", "p", "port.md"))
    answer = "The new ferry off Brennick began carrying passengers on 3 March [1]."
    # the date of the port's traffic, not of the ferry (a judge may still say yes)
    assert grounded(question, answer, [cite(run, 1, "Since 3 March")], run,
                    FakeModel()).decline
    run = make_run(chunk("The new ferry off Brennick began carrying passengers on 3 March.",
                         "f", "ferry.md"))
    assert not grounded(question, answer, [cite(run, 1, "new ferry")], run,
                        FakeModel()).decline
    # a name is what is dated, or the part ends on its verb: nothing to look for / the noun
    assert needs("When did Norland close the border?").parts[0].dated == frozenset()
    assert needs("When does the sponsorship deal end?").parts[0].dated == terms(
        "sponsorship deal")


def test_supported_claim_is_kept_and_judged_once() -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt", "Lusara outbreak"))
    c = cite(run, 1, "1,046")
    judge = FakeModel(judgements=[0.97])
    d = grounded("How many suspected cases were reported?", "1,046 suspected cases [1].", [c],
                 run, judge)
    # a bare value is shown in the sentence that states it (its date, its place)
    assert not d.decline and d.citations == [c]
    assert d.text == ("1,046 suspected cases: \u201cAs of 18 March 2025, a cumulative total of "
                      "1,046 suspected cases and 21 deaths have been reported in the "
                      "province\u201d [1].")
    assert len(judge.judge_calls) == 1 and "1,046" in judge.judge_calls[0][-1]["content"]
    assert d.checks[0].support == 0.97 and run.judge_calls == 1


def test_claim_cited_to_the_wrong_sentence_is_repointed_within_its_passage() -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt"))
    wrong = cite(run, 1, "treatment centres")
    judge = FakeModel(judgements=[0.9])  # only the re-pointed sentence is judged
    d = grounded("How many suspected cases were reported?",
                 "A cumulative total of 1,046 suspected cases have been reported [1].", [wrong],
                 run, judge)
    assert not d.decline
    assert [c.quote for c in d.citations] == [run.passages[0].sentences[0]]
    assert d.checks[0].numbers_ok is False and "re-pointed" in d.checks[0].reason
    assert len(judge.judge_calls) == 1  # numbers missing: the cited quote is not judged


def test_a_claim_cited_only_to_a_heading_is_repointed_to_the_line_that_states_it() -> None:
    """A heading names a topic or a stage ("Trigger 1: ..."); the finding is in the lines under
    it. A judge that says yes to the heading does not keep it as the claim's evidence."""
    text = ("### Trigger 1: the neighbour moves artillery to the river crossings\n"
            "- A ministry official said the government would suspend the observer mission.\n")
    run = make_run(chunk(text, "a", "digest.md"))
    heading = cite(run, 1, "Trigger 1")
    judge = FakeModel(judgements=[0.9, 0.9])
    d = grounded("What would the government do if the neighbour moves artillery?",
                 "The government would suspend the observer mission [1].", [heading], run, judge)
    assert not d.decline and d.checks[0].headings_only
    assert [c.quote for c in d.citations] == [
        "- A ministry official said the government would suspend the observer mission."]
    # a heading that holds what the claim adds is evidence enough
    d = grounded("What is the first trigger?", "The neighbour moves artillery to the river "
                 "crossings [1].", [heading], run, FakeModel(judgements=[0.9]))
    assert not d.decline and not d.checks[0].headings_only and d.citations == [heading]


def test_unsupported_claim_is_removed_and_an_empty_answer_declined() -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt"))
    c = cite(run, 1, "1,046")
    d = grounded("How many suspected cases were reported?",
                 "1,046 suspected cases [1]. Most were children [1].", [c], run,
                 by_claim({"children": 0.1}))
    assert not d.decline and "children" not in d.text
    assert d.text.startswith("1,046 suspected cases: \u201cAs of 18 March 2025")
    assert [k.kept for k in d.checks] == [True, False]
    d = grounded("Who treats the cases?", "Doctors from abroad treat them [1].", [c], run,
                 by_claim({"Doctors": 0.05}))
    assert d.decline.startswith("no sentence of the answer is stated by its quotes")


def test_how_many_without_a_number_is_declined_naming_what_is_mentioned() -> None:
    run = make_run(chunk(TEAM, "t", "team.txt"))
    c = cite(run, 1, "consist of")
    d = grounded("How many people would serve on the monitoring team?",
                 "The team will consist of military personnel and intelligence agents [1].",
                 [c], run, FakeModel())
    assert d.decline == "the documents mention monitoring team but not the number asked for"


PIERS = ("The Harbour Authority announced that it will close four piers to cargo traffic from "
         "May. The closures follow an inspection of the quay walls. Piers 3, 7, 9 and 12 will "
         "be closed first. The inspectors confirmed corrosion in the sheet piling.")


def test_which_x_answered_by_naming_x_again_is_declined() -> None:
    """"Which four piers ...?" answered "four piers will close" restates the question: the
    answer must name them (a name, a number) or say something that is no pier at all."""
    run = make_run(chunk(PIERS, "p", "harbour.txt"))
    vague = cite(run, 1, "close four piers")
    d = grounded("Which four piers will the Harbour Authority close to cargo traffic?",
                 "The Harbour Authority will close four piers to cargo traffic from May [1].",
                 [vague], run, FakeModel())
    assert d.decline.endswith("but not the name asked for")
    named = cite(run, 1, "Piers 3, 7, 9 and 12")
    d = grounded("Which four piers will the Harbour Authority close to cargo traffic?",
                 "Piers 3, 7, 9 and 12 will be closed first [1].", [named], run, FakeModel())
    assert not d.decline
    found = cite(run, 1, "confirmed corrosion")
    d = grounded("Which defect did the inspectors confirm in the quay walls?",
                 "The inspectors confirmed corrosion in the sheet piling [1].", [found], run,
                 FakeModel())
    assert not d.decline


def test_which_x_answered_by_a_name_its_quote_holds_only_inside_a_longer_name_is_declined(
        ) -> None:
    """"Which countries ...?" answered "Westmark" from a quote that names only "the Westmark
    Fisheries Council": the quote names the council, not the country; a quote that names
    Westmark on its own states it."""
    text = ("The ban shall expire one year after the last catch, or earlier if the Westmark "
            "Fisheries Council so determines. Westmark and Eastmark were made subject to the "
            "ban on the northern banks.")
    run = make_run(chunk(text, "b", "ban-order.txt"))
    council = cite(run, 1, "Westmark Fisheries Council")
    d = grounded("Which countries were made subject to the fishing ban?", "Westmark [1].",
                 [council], run, FakeModel())
    assert d.decline.endswith("but not the name asked for")
    named = cite(run, 1, "Westmark and Eastmark were made subject")
    d = grounded("Which countries were made subject to the fishing ban?",
                 "Westmark and Eastmark [1].", [named], run, FakeModel())
    assert not d.decline


def test_which_reads_the_noun_it_asks_to_identify() -> None:
    part = needs("Which firm supplies Ostrava Harbour's cranes?").parts[0]
    assert (part.wants, part.counted) == ("name", terms("firm"))
    part = needs("Which three container terminals did the port open in 2031?").parts[0]
    assert (part.wants, part.counted) == ("name", terms("terminals"))
    assert needs("Which of the two ports is larger?").parts[0].wants is None
    assert needs("Which year did the port open?").parts[0].wants == "date"


@pytest.mark.parametrize(("answer", "says_which"), [
    ("The agency will close the piers on the north quay.", True),  # a phrase after the noun
    ("The agency will close the grain piers first.", True),  # a word before it
    ("The agency will close Piers 3 and 7.", True),  # numbers right after the noun
    ("The EU agency will close two piers.", False),  # who closes them, not which
    ("The agency will close the three key piers.", False),  # how many, how important
    ("The agency will close all piers that handle cargo.", False),  # a clause describes them
    ("The agency will close the ferry terminal instead.", True),  # no pier: something else
    ("Cargo from all three piers moves on 4 May 2031.", False),  # a date says when, not which
    ("Cranes from the grain piers move first.", True),
    ("Trucks from any pier will be turned away.", False),  # "from any": nothing of the pier
])
def test_an_answer_says_which_by_a_name_or_a_word_the_question_lacks(answer: str,
                                                                      says_which: bool) -> None:
    question = "Which three piers will the agency close to cargo?"
    assert identifies(answer, question, needs(question).parts[0].counted) is says_which


def test_a_name_the_quotes_never_mention_declines() -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt", "Lusara outbreak"))
    c = cite(run, 1, "Three treatment centres")
    d = grounded("How many treatment centres are open in Vessen?",
                 "Three treatment centres are open, with 140 beds [1].", [c], run, FakeModel())
    assert d.decline == "the quoted passages do not mention Vessen"
    # the document's title counts: the passage is about Lusara
    d = grounded("How many beds do the Lusara treatment centres have?",
                 "They have a combined 140 beds [1].", [c], run, FakeModel())
    assert not d.decline


def test_the_dated_occasion_a_question_names_may_be_named_in_the_documents_opening() -> None:
    """"... in the June 2031 harbour talks in Sorvik": which talks, and where, a report says
    once in its opening (title block, first paragraph), not in the list of outcomes it quotes;
    a name the question asks about otherwise ("Vessen's harbour") must still be quoted."""
    outcomes = ("- The two delegations agreed to reopen the northern channel to grain ships.\n"
                "- They also agreed to share tide and mine-clearance data weekly.")
    opening = ("Outcomes of the Harbour Expert Talks\n\nHeld in Sorvik, June 3-5, 2031. "
               "Following those discussions:")
    run = make_run(chunk(outcomes, "a", "outcomes.txt", "Outcomes of the Harbour Expert Talks"))
    c = cite(run, 1, "northern channel")
    answer = "The delegations agreed to reopen the northern channel to grain ships [1]."
    asked = "What did the delegations agree in the June 2031 harbour talks in Sorvik?"
    assert grounded(asked, answer, [c], run, FakeModel()).decline == (
        "the quoted passages do not mention Sorvik")
    assert not grounded(asked, answer, [c], run, FakeModel(),
                        openings={"outcomes.txt": opening}).decline
    d = grounded("What did the delegations agree in the June 2031 harbour talks in Tallvik?",
                 answer, [c], run, FakeModel(), openings={"outcomes.txt": opening})
    assert d.decline == "the quoted passages do not mention Tallvik"
    d = grounded("Who reopened Sorvik's northern channel in 2031?", answer, [c], run,
                 FakeModel(), openings={"outcomes.txt": opening})
    assert d.decline == "the quoted passages do not mention Sorvik"


def test_occasion_names_are_the_names_of_a_dated_noun_phrase() -> None:
    assert occasion_names("What did they agree in the March 2030 Lake Orin talks in "
                          "Pellam?") == ["Lake Orin", "Pellam"]
    assert occasion_names("What did Kestria say after the May 4, 2031 Vale-Orsk call?") == [
        "Vale-Orsk"]
    assert occasion_names("What share of Valdoria's power came from wind in 2025?") == []
    assert occasion_names("How many votes did Ana Lind receive in the 2024 election?") == []


def test_a_capital_counts_as_its_country_but_not_as_another() -> None:
    """"Seoul's red lines" asks about South Korea: quotes naming the country answer it; a
    capital whose country the quotes never name is still a missing name."""
    text = ("Should the North test a long-range missile, South Korea could supply air-defence "
            "systems. The ministry is considering sending a monitoring team.")
    run = make_run(chunk(text, "a", "news.txt"))
    c = cite(run, 1, "long-range missile")
    answer = "South Korea could supply air-defence systems if the North tests a missile [1]."
    assert not grounded("What are Seoul's red lines?", answer, [c], run, FakeModel()).decline
    d = grounded("What are Tokyo's red lines?", answer, [c], run, FakeModel())
    assert d.decline.startswith("the quoted passages do not mention Tokyo")


def test_partial_answer_lists_the_part_nothing_answers() -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt"))
    c = cite(run, 1, "Temmen")
    d = grounded("How many suspected cases and how many deaths were reported in Temmen?",
                 "47 cases were reported in Temmen [1].", [c], run, FakeModel())
    assert not d.decline and d.unanswered == ["how many deaths were reported in Temmen"]
    said = grounded("How many suspected cases and how many deaths were reported in Temmen?",
                    "47 cases were reported in Temmen [1]. The documents do not give deaths "
                    "by district.", [c], run, FakeModel())
    assert said.unanswered == ["The documents do not give deaths by district."]
    assert said.text.endswith("deaths by district.")


def test_not_stated_sentences_alone_are_a_decline() -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt"))
    c = cite(run, 1, "1,046")
    d = grounded("Who manufactured the vaccine?", "The documents do not say [1].", [c], run,
                 FakeModel())
    assert d.decline == "the model found no answer in the passages"


def test_conflict_claims_on_two_sources_are_both_kept() -> None:
    run = make_run(chunk("Imagery shows that Kestria has moved an estimated 40,000 troops to "
                         "the river border.", "a", "paper.md"),
                   chunk("The minister told parliament that Kestria has massed 65,000 troops "
                         "along the river.", "b", "news.html"))
    a, b = cite(run, 1, "40,000"), cite(run, 2, "65,000")
    d = grounded("How many Kestrian troops are massed on the border?",
                 "The paper estimates 40,000 troops [1], while the minister says 65,000 [2].",
                 [a, b], run, FakeModel(judgements=[0.8]))
    assert not d.decline and d.citations == [a, b]


def test_calibration_threshold_judges_repointing_for_every_claim() -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt"))
    c = cite(run, 1, "treatment centres")
    judge = FakeModel(judgements=[0.95])
    m = measure("How many beds?", "Three treatment centres have 140 beds [1].", [c], run, judge,
                threshold=2.0, ask_question=True)
    assert m.checks[0].support == 0.95 and m.answers_question == 1.0
    assert len(judge.judge_calls) == 2  # the claim, then the question (no other sentence fits)
    assert isinstance(m, Measured)


@pytest.mark.parametrize("threshold,kept", [(0.3, True), (0.7, False)])
def test_threshold_decides_on_recorded_judgements(threshold: float, kept: bool) -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt"))
    c = cite(run, 1, "1,046")
    m = measure("How many cases?", "1,046 cases [1].", [c], run, FakeModel(judgements=[0.5]),
                threshold=2.0, ask_question=False)
    d = decide("How many cases?", m, [c], run.chunk_map(), thresholds=bar(threshold))
    assert d.checks[0].kept is kept and bool(d.decline) is not kept


def test_brief_items_under_the_threshold_are_set_apart_with_the_probability() -> None:
    from briefer.core.schemas import Evidence, RedLine
    from briefer.grounding.items import Grounder, Rule

    text = ("If the neighbour tests a missile, the cabinet will approve air-defence transfers. "
            "The festival opens on Saturday with a parade through the old town.")
    run = make_run(chunk(text, "a", "a.txt"))
    g = Grounder(run)
    rule = Rule("red_lines", claims=("trigger", "consequence"))
    good = RedLine(trigger="the neighbour tests a missile", consequence="air-defence transfers",
                   evidence=[Evidence(chunk_id="a", quote=run.passages[0].sentences[0])])
    bad = RedLine(trigger="a parade", consequence="sanctions",
                  evidence=[Evidence(chunk_id="a", quote=run.passages[0].sentences[1])])
    judge = FakeModel(judgements=[0.9, 0.2])
    assert g.judged(rule, [good, bad], None, 0.5) == [good, bad]  # off: nothing judged
    assert g.judged(rule, [good, bad], judge, 0.5) == [good]
    assert "a parade \u2014 sanctions" in judge.judge_calls[1][-1]["content"]
    assert run.unsupported[-1].reason.endswith("(P(yes) 0.20)") and run.judge_calls == 2


def test_repointing_prefers_the_cited_passage_then_tries_the_others() -> None:
    run = make_run(chunk(TEAM, "t", "team.txt"), chunk(SITREP, "a", "sitrep.txt"))
    wrong = cite(run, 1, "consist of")
    d = grounded("How many suspected cases were reported?",
                 "A cumulative total of 1,046 suspected cases have been reported [1].", [wrong],
                 run, FakeModel())
    assert not d.decline and [c.n for c in d.citations] == [2]
    assert d.text.endswith("have been reported [2].")


def test_repointing_breaks_stem_ties_by_whole_words() -> None:
    text = ("Advisory on GRAINSTORM ransomware targeting grain and water operators today. "
            "A scheduled task named GrainSync runs a script from a temporary folder.")
    run = make_run(chunk(text, "g", "advisory.html"))
    other = make_run(chunk(SITREP, "a", "sitrep.txt"))  # a quote from elsewhere
    wrong = cite(other, 1, "1,046")
    d = grounded("Which scheduled task is an indicator?", "GrainSync [1].",
                 [wrong.model_copy(update={"chunk_id": "g"})], run, FakeModel(judge=lambda m: (
                     0.9 if "GrainSync runs" in m[-1]["content"] else 0.1)))
    assert not d.decline and "GrainSync runs" in d.citations[0].quote


def test_a_month_the_quotes_do_not_name_removes_the_claim() -> None:
    text = ("Gas prices rose sharply in October. The front-month contract averaged 41.20 per "
            "megawatt hour over the month.")
    run = make_run(chunk(text, "e", "outlook.md"))
    c = cite(run, 1, "41.20")
    ok = grounded("What was the average gas price in October?",
                  "The price averaged 41.20 in October [1].", [c], run, FakeModel())
    assert not ok.decline  # October is just before the quote
    d = grounded("What was the average gas price in November?",
                 "The price averaged 41.20 in November [1].", [c], run, FakeModel())
    assert d.decline and "a year, month or day it names is not in its quotes" in d.decline


def test_how_many_x_needs_the_number_next_to_x_in_the_quote() -> None:
    text = ("So far 14 operators have been affected by the campaign this spring. Water "
            "utilities, grain stores and food processors were all targeted by the actors.")
    run = make_run(chunk(text, "g", "advisory.html"))
    c = cite(run, 1, "14 operators")
    d = grounded("How many water utilities were affected?",
                 "14 water utilities were affected [1].", [c], run, FakeModel())
    assert d.decline.endswith("but not the number asked for")
    ok = grounded("How many operators were affected?", "14 operators were affected [1].", [c],
                  run, FakeModel())
    assert not ok.decline
    people = make_run(chunk(SITREP, "a", "sitrep.txt"))
    deaths = cite(people, 1, "21 deaths")
    assert not grounded("How many people have died?", "21 deaths were reported [1].", [deaths],
                        people, FakeModel()).decline  # "people" is too generic to look for


def test_a_different_figure_from_another_source_is_added_as_a_quote() -> None:
    run = make_run(chunk("Imagery shows that Kestria has moved an estimated 40,000 troops to "
                         "the river border.", "a", "paper.md"),
                   chunk("The minister told parliament that Kestria has massed 65,000 troops "
                         "along the river border.", "b", "news.html"),
                   chunk(SITREP, "c", "sitrep.txt"))
    a = cite(run, 1, "40,000")
    q = "How many Kestrian troops are on the border?"
    m = measure(q, "Kestria has moved 40,000 troops to the border [1].", [a], run, FakeModel(),
                threshold=0.5, ask_question=False)
    d = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages)
    assert "Another source (news.html) gives a different figure" in d.text
    assert "65,000 troops" in d.text and [c.n for c in d.citations] == [1, 2]
    alone = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages[::2])
    assert "Another source" not in alone.text  # the sitrep's numbers are not about troops


def test_a_judged_other_side_is_read_in_a_wider_search_when_the_passages_give_none() -> None:
    """With a judge, another source's sentence is quoted only when the judge says it gives what
    the question asks (read after its title); when the answer's passages give none, the
    passages of a wider search are read too, numbered after them."""
    paper = chunk("Imagery shows that Kestria has moved an estimated 40,000 troops to the river "
                  "border.", "a", "paper.md")
    news = chunk("The minister told parliament that Kestria has massed 65,000 troops along the "
                 "river border.", "b", "news.html", "Minister: 65,000 Kestrian troops")
    run = make_run(paper, chunk(SITREP, "c", "sitrep.txt"))
    wider = make_run(news).passages
    a = cite(run, 1, "40,000")
    q = "How many Kestrian troops are on the border?"
    m = measure(q, "Kestria has moved 40,000 troops to the border [1].", [a], run, FakeModel(),
                threshold=0.5, ask_question=False)
    judged: list[tuple[str, str]] = []

    def judge(says: bool) -> Callable[[Citation, str], bool]:
        def confirm(c: Citation, before: str) -> bool:
            judged.append((c.quote, before))
            return says
        return confirm

    d = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages,
               more=lambda: wider, confirm=judge(True))
    assert "Another source (news.html) gives a different figure" in d.text
    assert [c.n for c in d.citations] == [1, 3] and "65,000 troops" in d.text
    assert judged == [(news.text, "(Minister: 65,000 Kestrian troops)")]
    d = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages,
               more=lambda: wider, confirm=judge(False))
    assert "Another source" not in d.text
    d = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages,
               more=lambda: wider)
    assert "Another source" not in d.text  # no judge: no wider search


def test_the_other_figure_states_the_question_not_just_the_claims_one_word() -> None:
    """"82% full": the claim's words without its figure are one word, which a sentence about
    something else can hold; the other source's figure must state the question's subject too.
    A share is no count: "2.0%" after "21 deaths" counts no deaths."""
    run = make_run(chunk("Harbour storage was 82% full on 1 May.", "a", "outlook.md"),
                   chunk("The agency asks ports to publish how full their storage really is, "
                         "and to cut use by 5% by June. Grain storage across the harbour region "
                         "stood at 74% of capacity on 1 May.", "b", "bulletin.md"))
    a = cite(run, 1, "82% full")
    q = "How full was harbour grain storage on 1 May?"
    m = measure(q, "82% full [1].", [a], run, FakeModel(), threshold=0.5,
                ask_question=False)
    d = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages)
    assert "74% of capacity" in d.text and "5% by June" not in d.text
    assert not counts("21 deaths have been reported (case fatality ratio 2.0%)", {2.0},
                      frozenset(terms("deaths")))
    assert counts("at least 34 deaths in the community", {34.0}, frozenset(terms("deaths")))


def test_a_year_is_not_an_answer_to_how_much() -> None:
    run = make_run(chunk("The minister said the sanctions imposed on the neighbour in 2022 had "
                         "worked well for everyone.", "k", "news.html"))
    c = cite(run, 1, "2022")
    d = grounded("What is the neighbour's defence budget?",
                 "The sanctions were imposed in 2022 [1].", [c], run, FakeModel())
    assert d.decline.endswith("not the number asked for")


def test_the_other_figure_is_added_when_the_claim_cites_both_sources() -> None:
    """A claim that gives one source's figure but cites both: the other figure is stated."""
    run = make_run(chunk("Imagery shows that Kestria has moved an estimated 40,000 troops to "
                         "the river border.", "a", "paper.md"),
                   chunk("The minister told parliament that Kestria has massed 65,000 troops "
                         "along the river border.", "b", "news.html"))
    a, b = cite(run, 1, "40,000"), cite(run, 2, "65,000")
    q = "How many Kestrian troops are on the border?"
    m = measure(q, "Kestria has moved 40,000 troops to the border [1][2].", [a, b], run,
                FakeModel(), threshold=0.5, ask_question=False)
    d = decide(q, m, [a, b], run.chunk_map(), thresholds=BAR, passages=run.passages)
    assert "Another source (news.html) gives a different figure" in d.text


# Made-up texts for the near-miss rules below (not from corpus/ or evalset/).
CLINICS = ("The valley's field clinic network has a combined 90 beds. The brigade is commanded "
           "by Colonel Varga. Colonel Imre Sol told reporters that the brigade had moved north. "
           "Organisers expect up to 9,000 visitors at the autumn fair. Maintenance at the "
           "terminal overran by 12 days. The council is due to meet on Monday to discuss a "
           "proposal to close the ferry.")


def test_how_many_counts_the_head_noun_not_its_modifiers() -> None:
    run = make_run(chunk(CLINICS, "v", "valley.md"))
    c = cite(run, 1, "90 beds")
    d = grounded("How many field clinics operate in the valley?", "90 beds [1].", [c], run,
                 FakeModel())
    assert d.decline.endswith("not the number asked for")  # "field" is not what is counted
    assert needs("How many suspected cholera cases were seen?").parts[0].counted == {"case"}


@pytest.mark.parametrize(("question", "answer", "quote", "declined"), [
    ("Who commands the brigade?", "Colonel Imre Sol [1].", "Imre Sol", True),
    ("Who commands the brigade?", "Colonel Varga [1].", "commanded by", False),
    ("How many visitors attended the autumn fair?", "9,000 visitors [1].", "9,000", True),
    ("What did the council decide about the ferry?", "The council decided to close the "
     "ferry [1].", "ferry", True),
    ("How much did the terminal outage cost?", "It cost €12 million [1].", "12 days", True),
    ("On what date did the council close the ferry?", "On Monday [1].", "due to meet", True),
])
def test_an_asked_event_needs_a_quote_that_states_it(question: str, answer: str, quote: str,
                                                     declined: bool) -> None:
    """Near misses: the quote names the person, the visitors, the meeting or a 12, but not
    the command, an attendance, a decision or a cost."""
    run = make_run(chunk(CLINICS, "v", "valley.md"))
    d = grounded(question, answer, [cite(run, 1, quote)], run, FakeModel())
    assert bool(d.decline) is declined, d.decline


def test_another_source_s_date_and_generic_count_are_added() -> None:
    run = make_run(chunk("The first case was reported on 3 March from the port town. So far 21 "
                         "deaths have been reported by the clinics.", "a", "sitrep.txt"),
                   chunk("A port patient whose illness began on 26 February may have been the "
                         "first case. District officers report at least 34 deaths in all.",
                         "b", "memo.docx"))
    q = "When did the first case occur?"
    a = cite(run, 1, "3 March")
    m = measure(q, "The first case was reported on 3 March [1].", [a], run, FakeModel(),
                threshold=0.5, ask_question=False)
    d = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages)
    assert "Another source (memo.docx) gives a different date" in d.text and "26 February" in d.text
    q = "How many people have died?"
    a = cite(run, 1, "21 deaths")
    m = measure(q, "21 deaths have been reported [1].", [a], run, FakeModel(), threshold=0.5,
                ask_question=False)
    d = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages)
    assert "Another source (memo.docx) gives a different figure" in d.text and "34" in d.text


def test_a_name_the_claim_adds_must_be_in_its_quotes_or_it_is_repointed() -> None:
    """"Hallsund Shipping [1]" cited to a sentence that never names the sponsor is re-pointed to
    the sentence that does; a name no sentence states removes the claim."""
    text = ("The club's shirts carry a new sponsor this season. The deal is with Orvik Freight "
            "and runs for three years.")
    run = make_run(chunk(text, "c", "club.txt"))
    first = cite(run, 1, "new sponsor")
    d = grounded("Which company sponsors the club's shirts?", "Orvik Freight [1].", [first],
                 run, FakeModel())
    assert not d.decline and d.checks[0].names_ok is False
    assert [c.quote for c in d.citations] == [
        "The deal is with Orvik Freight and runs for three years."]
    gone = grounded("Which company sponsors the club's shirts?", "Tessel Bank [1].", [first],
                    run, FakeModel())
    assert gone.decline and "a name it states is not in its quotes" in gone.decline


def test_a_yes_no_answer_from_one_source_gets_the_other_source_s_view() -> None:
    run = make_run(chunk("The levy imposed on the port in 2021 largely failed: shipping "
                         "volumes rose 4% the next year.", "a", "institute.md"),
                   chunk("The minister said the levy imposed on the port in 2021 had worked, "
                         "citing a sharp fall in traffic.", "b", "news.html"),
                   chunk("Rainfall in the hills was above average.", "c", "weather.txt"))
    q = "Did the 2021 levy on the port work?"
    a = cite(run, 1, "largely failed")
    m = measure(q, "The levy largely failed: volumes rose 4% [1].", [a], run, FakeModel(),
                threshold=0.5, ask_question=False)
    d = decide(q, m, [a], run.chunk_map(), thresholds=BAR, passages=run.passages)
    assert "Another source (news.html) says: \u201cThe minister said the levy" in d.text
    assert [c.n for c in d.citations] == [1, 2]
    m = measure("Which port had a levy?", "The port had a levy [1].", [a], run, FakeModel(),
                threshold=0.5, ask_question=False)
    plain_q = decide("Which port had a levy?", m, [a], run.chunk_map(), thresholds=BAR,
                     passages=run.passages)
    assert "Another source" not in plain_q.text  # a plain fact question: no other view added


def test_a_yes_or_a_no_is_shown_with_the_quote_that_states_the_question() -> None:
    """"Yes, …" restates the question: the sentence of its quotes that states the question best
    follows it, quoted, so the reader weighs the yes by what the document says."""
    run = make_run(chunk("The council met on Tuesday. The council reaffirms that the Tarn "
                         "valley's future is in the customs union.", "a", "communique.md"),
                   chunk("Trade through the Tarn valley rose last year.", "b", "stats.txt"))
    q = "Does the council see the Tarn valley joining the customs union?"
    cited = [cite(run, 2, "Trade"), cite(run, 1, "reaffirms")]
    d = grounded(q, "Yes, the council sees the Tarn valley joining the customs union [1][2].",
                 cited, run, FakeModel())
    assert not d.decline
    assert d.text == ("Yes, the council sees the Tarn valley joining the customs union [2]: "
                      "\u201cThe council reaffirms that the Tarn valley's future is in the "
                      "customs union\u201d [1].")
    no = grounded(q, "No, the council does not see it joining the customs union [1].",
                  [cite(run, 1, "reaffirms")], run, FakeModel())
    assert no.text.startswith("No, the council does not see it joining the customs union: "
                              "\u201cThe council reaffirms")
    # a question that is not yes/no, or an answer that already shows its quote: as written
    what = grounded("What does the council see for the Tarn valley?",
                    "Yes, its future is in the customs union [1].",
                    [cite(run, 1, "reaffirms")], run, FakeModel())
    assert what.text == "Yes, its future is in the customs union [1]."
    shown = ("Yes: \u201cThe council reaffirms that the Tarn valley's future is in the customs "
             "union\u201d [1].")
    assert grounded(q, shown, [cite(run, 1, "reaffirms")], run, FakeModel()).text == shown


def test_a_short_quote_or_one_that_states_none_of_the_question_is_shown_safely() -> None:
    """A quote too short to be a quotable sentence is shown whole; a "No one …" is no "No";
    a quote that states none of the question is not shown."""
    run = make_run(chunk("Norland joins the union. Rainfall in the hills was above average "
                         "this spring, the weather office said.", "a", "memo.md"))
    short = Citation(n=1, chunk_id=run.chunks[0].id, source="memo.md",
                     quote="Norland joins the union.", start=0, end=24, match="exact")
    q = "Does the council see Norland joining the union?"
    d = grounded(q, "Yes, it sees Norland joining the union [1].", [short], run, FakeModel())
    assert d.text == ("Yes, it sees Norland joining the union: \u201cNorland joins the "
                      "union\u201d [1].")
    rain = cite(run, 1, "Rainfall")
    nothing = grounded("Does the council see Tarn joining the league?",
                       "Yes, the council sees Tarn joining the league [1].", [rain], run,
                       FakeModel())
    assert "\u201c" not in nothing.text
    no_one = grounded(q, "No one in the council sees Norland joining the union [1].", [short],
                      run, FakeModel())
    assert "\u201c" not in no_one.text


def test_an_answer_on_what_someone_said_is_shown_with_their_words() -> None:
    """"What did X call on Y to do?" asks for X's words: a paraphrase ("to accept the deal")
    is followed by the sentence of its quotes that says it ("to accept this deal")."""
    run = make_run(chunk("The ministers met in Dervik on Tuesday for a second round of talks on "
                         "the border. We call on the Kestrian government to accept this deal "
                         "without delay.", "a", "communique.md"))
    q = "What did the ministers call on the Kestrian government to do?"
    d = grounded(q, "They called on the Kestrian government to accept the deal [1].",
                 [cite(run, 1, "We call on")], run, FakeModel())
    assert d.text == ("They called on the Kestrian government to accept the deal: \u201cWe call "
                      "on the Kestrian government to accept this deal without delay\u201d [1].")
    # a question that asks for a fact, not for words: as written
    fact = grounded("What did the ministers do in Dervik?", "They met in Dervik for talks [1].",
                    [cite(run, 1, "met in")], run, FakeModel())
    assert fact.text == "They met in Dervik for talks [1]."


def test_a_threshold_in_another_source_is_not_a_different_figure() -> None:
    """"If weekly cases exceed 400, …" states a condition, not another count of the cases."""
    run = make_run(chunk("A total of 1,046 suspected cases have been reported.", "a", "sitrep.txt"),
                   chunk("If weekly suspected cases exceed 400, the Minister should declare an "
                         "emergency.", "b", "memo.docx"))
    q = "How many suspected cases have been reported?"
    a = cite(run, 1, "1,046")
    d = grounded(q, "1,046 suspected cases [1].", [a], run, FakeModel())
    assert not d.decline and "Another source" not in d.text


def test_an_order_s_authorities_and_dates_are_no_different_figure() -> None:
    """An order cites its authorities in the sentence that states its subject ("section 202(d)
    of the Act (50 U.S.C. 1622(d))", "Order 4471 of March 8, 2015"): numbers of texts, days
    and years, not another count."""
    run = make_run(chunk("The Harbour Authority has closed 12 fishing zones since the spill.",
                         "a", "notice.md"),
                   chunk("By the authority vested in me by section 202(d) of the Fisheries Act "
                         "(50 U.S.C. 1601 et seq.) and in view of the fishing zones closed "
                         "under Harbour Order 4471 of March 8, 2015, as continued on February 27,",
                         "b", "order.md"))
    q = "How many fishing zones has the Harbour Authority closed?"
    a = cite(run, 1, "12 fishing")
    d = grounded(q, "The Harbour Authority has closed 12 fishing zones [1].", [a], run,
                 FakeModel())
    assert not d.decline and "Another source" not in d.text
    assert figures("50 U.S.C. 1601 et seq., Order 4471 of March 8, 2015, P.L. 118-47") == []
    assert figures("closed 14 zones, up from 9 in 2023") == [{14.0}, {9.0}]


def test_a_document_dated_before_what_the_question_dates_is_no_other_source() -> None:
    """"the March 3, 2025 notice", "in November 2025": a source dated before that cannot tell
    it, however close its figure's words."""
    older = chunk("The Harbour Authority has closed 9 fishing zones.", "b", "old.md")
    older = older.model_copy(update={"date": "2023-05-02"})
    newer = older.model_copy(update={"id": "c", "source": "new.md", "date": "2025-12-04"})
    q = "How many fishing zones did the Harbour Authority close in November 2025?"
    for other, added in ((older, False), (newer, True)):
        run = make_run(chunk("In November 2025 the Harbour Authority closed 12 fishing zones.",
                             "a", "notice.md"), other)
        a = cite(run, 1, "12 fishing")
        d = grounded(q, "The Harbour Authority closed 12 fishing zones in November 2025 [1].",
                     [a], run, FakeModel())
        assert not d.decline and ("Another source" in d.text) is added
    assert earliest_named("the September 26, 2024 statement, or 2023") == "2023-01-01"
    assert earliest_named("the 3 March 2025 notice") == "2025-03-03"
    assert earliest_named("since the war began") is None


def test_another_count_is_read_with_its_document_s_title() -> None:
    """A memo's "at least 34 deaths" does not name the outbreak; its title does."""
    run = make_run(chunk("In the Lusara cholera outbreak 21 deaths have been reported so far.",
                         "a", "sitrep.txt"),
                   chunk("District officers report at least 34 deaths, including deaths at home.",
                         "b", "memo.docx", title="Options for the Minister: Lusara Cholera "
                         "Outbreak"),
                   chunk("Harvest fair organisers report 34 stalls this year.", "c", "fair.md"))
    q = "How many people have died in the Lusara cholera outbreak?"
    a = cite(run, 1, "21 deaths")
    d = grounded(q, "21 deaths have been reported [1].", [a], run, FakeModel())
    assert "Another source (memo.docx) gives a different figure" in d.text


def test_a_why_answer_gets_another_source_s_cause_not_its_restatement() -> None:
    run = make_run(chunk("The October rise in hub gas prices was driven by speculation after "
                         "the pipeline warnings.", "a", "bulletin.pdf"),
                   chunk("Hub gas prices rose sharply in October 2025. We attribute the October "
                         "rise in hub gas prices to an outage at the terminal.", "b",
                         "outlook.md"))
    q = "What caused the October rise in hub gas prices?"
    a = cite(run, 1, "speculation")
    d = grounded(q, "Speculation after the pipeline warnings [1].", [a], run, FakeModel())
    assert "Another source (outlook.md) says: \u201cWe attribute" in d.text


def test_a_claim_whose_quote_misses_the_asked_name_is_repointed_to_one_that_names_it() -> None:
    """The model cited an unrelated sentence for a claim the retrieved memo states with the
    place the question asks about: the claim is re-pointed there instead of declined."""
    run = make_run(chunk("The next report is due on 25 March.", "a", "sitrep.txt"),
                   chunk("If confirmed cases are reported in the capital, Vessen, the ministry "
                         "should request emergency medical teams.", "b", "memo.docx"))
    q = "What should the ministry do if cases are reported in Vessen?"
    wrong = cite(run, 1, "next report")
    d = grounded(q, "The ministry should request emergency medical teams [1].", [wrong], run,
                 FakeModel())
    assert not d.decline, d.decline
    assert [c.quote[:31] for c in d.citations] == ["If confirmed cases are reported"]


def test_another_source_s_sentence_is_read_in_its_paragraph() -> None:
    """"We attribute most of the rise to an outage" names neither the hub nor the month: the
    sentence before it does, and a reader reads them together. A later sentence of the same
    paragraph that states nothing of the question itself is not taken for it."""
    run = make_run(chunk("The October rise in hub gas prices was driven by speculation after "
                         "the pipeline warnings.", "a", "bulletin.pdf"),
                   chunk("Gas prices on the northern hub rose sharply in October. We attribute "
                         "most of the rise to an outage at the terminal. Power demand fell "
                         "because the weather was mild.", "b", "outlook.md"))
    q = "What caused the October rise in hub gas prices?"
    a = cite(run, 1, "speculation")
    d = grounded(q, "Speculation after the pipeline warnings [1].", [a], run, FakeModel())
    assert "Another source (outlook.md) says: \u201cWe attribute most of the rise" in d.text
    alone = make_run(run.passages[0].chunk,
                     chunk("We attribute most of the rise to an outage at the terminal.", "b",
                           "outlook.md"))
    d = grounded(q, "Speculation after the pipeline warnings [1].", [cite(alone, 1, "specul")],
                 alone, FakeModel())
    assert "Another source" not in d.text  # out of its paragraph, the sentence says too little


def test_another_date_is_read_in_its_paragraph_but_must_touch_the_subject() -> None:
    run = make_run(chunk("The first case of the Tavor fever outbreak was reported on 3 March "
                         "from Elm town.", "a", "sitrep.txt"),
                   chunk("The Tavor fever outbreak is still growing. Cases are concentrated in "
                         "the eastern wards of Elm. A report of 18 March gives 21 deaths. "
                         "A review of clinic records in Elm found a patient whose "
                         "fever began on 26 February.", "b", "memo.docx",
                         title="Options for the Minister: Tavor Fever Outbreak"))
    q = "When did the first case of the Tavor fever outbreak occur?"
    a = cite(run, 1, "3 March")
    d = grounded(q, "The first case was reported on 3 March from Elm town [1].", [a], run,
                 FakeModel())
    assert "gives a different date" in d.text and "26 February" in d.text
    assert "18 March" not in d.text  # dated, in the paragraph, but about the deaths


# --------------------------------------------------------------------------- names and dates


def test_an_initial_does_not_end_a_claim() -> None:
    assert split_claims("Seoul will coordinate with the incoming U. S. administration [1]. "
                        "Donald J. Trump agreed [2].") == [
        "Seoul will coordinate with the incoming U. S. administration [1].",
        "Donald J. Trump agreed [2]."]


def test_a_dotted_acronym_is_one_name_found_by_any_of_its_names() -> None:
    """"U.S." is one name, not "U" and "S"; a quote that says "the United States" names it,
    a quote that says "us" does not."""
    from briefer.text.names import names_missing

    assert names("What limits did U.S. officials set on Norland?") == ["U.S.", "Norland"]
    # a title alone names a role, not someone; with a name it is part of the name
    assert names("What may the President do if Westmark retaliates?") == ["Westmark"]
    assert names("What did Prime Minister Lund say?") == ["Prime Minister Lund"]
    assert names_missing(["U.S."], "The United States will not send troops to Norland.") == []
    assert names_missing(["U.S."], "Officials told us they will not send troops.") == ["U.S."]
    assert names_missing(["U.K."], "UK officials agreed.") == []


def test_a_claim_opening_with_yes_names_nothing_by_that_word() -> None:
    text = "The United States reaffirms that Norland's future is in the Northern Compact."
    run = make_run(chunk(text, "n", "statement.md"))
    c = cite(run, 1, "reaffirms")
    d = grounded("Does U.S. policy see Norland joining the Northern Compact?",
                 "Yes, U.S. policy sees Norland joining the Northern Compact [1].", [c], run,
                 FakeModel())
    assert not d.decline, d.decline


def test_a_month_is_stated_by_the_date_of_the_remarks_that_say_today() -> None:
    text = "Today, I am announcing that we will send 31 patrol boats to Norland."
    dated = chunk(text, "r", "remarks.md").model_copy(update={"date": "2023-01-25"})
    run = make_run(dated)
    c = cite(run, 1, "patrol boats")
    ok = grounded("How many patrol boats did the government announce in January 2023?",
                  "It announced 31 patrol boats in January 2023 [1].", [c], run, FakeModel())
    assert not ok.decline, ok.decline
    later = grounded("How many patrol boats did the government announce in March 2023?",
                     "It announced 31 patrol boats in March 2023 [1].", [c], run, FakeModel())
    assert later.decline
    plain_text = "The government will send 31 patrol boats to Norland."
    undated = make_run(chunk(plain_text, "s", "statement.md").model_copy(
        update={"date": "2023-01-25"}))
    asked = grounded("How many patrol boats did the government announce in January 2023?",
                     "It announced 31 patrol boats in January 2023 [1].",
                     [cite(undated, 1, "patrol boats")], undated, FakeModel())
    assert not asked.decline  # the month the question gives, and the document is dated in it
    not_asked = grounded("How many patrol boats will the government send?",
                         "It announced 31 patrol boats in January 2023 [1].",
                         [cite(undated, 1, "patrol boats")], undated, FakeModel())
    assert not_asked.decline  # the claim's own month: only "today" is dated by the document


def test_a_month_the_question_gives_needs_a_document_of_that_month_with_the_figures() -> None:
    """"What did the March remarks announce?": the month is the question's premise; a document
    dated in it states it, unless its quote names another month or the figure comes from a
    document of another month."""
    march = chunk("We will send 12 patrol boats to the northern banks.", "m", "remarks.md"
                  ).model_copy(update={"date": "2025-03-25"})
    october = chunk("Norland agreed to release 20 trawlers held in its ports.", "o",
                    "statement.md").model_copy(update={"date": "2023-10-18"})
    named = chunk("In December the government will send 12 patrol boats to the banks.", "d",
                  "call.md").model_copy(update={"date": "2025-03-25"})
    run = make_run(march, october, named)
    boats, trawlers = cite(run, 1, "12 patrol boats"), cite(run, 2, "20 trawlers")
    q = "How many patrol boats did the government announce in March 2025?"
    assert not grounded(q, "It announced 12 patrol boats in March 2025 [1].", [boats], run,
                        FakeModel()).decline
    assert grounded("How many trawlers were released after the March 2025 talks?",
                    "20 trawlers were released after the March 2025 talks [1][2].",
                    [boats, trawlers], run, FakeModel()).decline
    # cited to the passage that names December, it is re-pointed to the March remarks
    d = grounded(q, "It announced 12 patrol boats in March 2025 [3].",
                 [cite(run, 3, "12 patrol boats")], run, FakeModel())
    assert not d.decline and d.citations[0].chunk_id == "m", d.decline
    alone = make_run(named)
    assert grounded(q, "It announced 12 patrol boats in March 2025 [1].",
                    [cite(alone, 1, "12 patrol boats")], alone, FakeModel()).decline


def test_a_year_needs_quotes_that_state_it_and_hold_the_figures() -> None:
    """A year the claim names is stated by a quote that names it, or by a quote of a document
    dated in it that names none; the figure must come from those quotes, not from a quote of
    another year's document beside a title of the asked year."""
    title = chunk("Statement on the Return of Norland Trawler Crews", "t", "statement-a.md"
                  ).model_copy(update={"date": "2022-10-01"})
    later = chunk("Today, ten crew members have been released, including all six captains.",
                  "l", "statement-b.md").model_copy(update={"date": "2023-12-20"})
    named = chunk("In 2022, Westmark released six captains held in its ports.", "n",
                  "report.md").model_copy(update={"date": "2024-05-02"})
    run = make_run(title, later, named)
    q = "How many captains did Westmark release in 2022?"
    mixed = grounded(q, "Six captains were released in 2022 [1][2].",
                     [cite(run, 1, "Return of Norland"), cite(run, 2, "six captains")], run,
                     FakeModel())
    # re-pointed to the sentence that states the year and the figure together
    assert not mixed.decline and [c.chunk_id for c in mixed.citations] == ["n"], mixed.text
    alone = make_run(title, later)
    assert grounded(q, "Six captains were released in 2022 [1][2].",
                    [cite(alone, 1, "Return of Norland"), cite(alone, 2, "six captains")],
                    alone, FakeModel()).decline
    # a season names both its years (accounts for 2024/25 published in 2025); "next year"
    # in a statement of 2024 names 2025
    for text, date, question, answer, phrase in [
            ("The wage bill grew to 48 million euros.", "2025-08-01",
             "What was the wage bill in 2024/25?",
             "The wage bill in 2024/25 was 48 million euros [1].", "48 million"),
            ("We will train an additional 18 pilots next year.", "2024-09-26",
             "How many pilots will be trained in 2025?",
             "18 pilots will be trained in 2025 [1].", "18 pilots")]:
        alone = make_run(chunk(text, "x", "doc.md").model_copy(update={"date": date}))
        assert not grounded(question, answer, [cite(alone, 1, phrase)], alone,
                            FakeModel()).decline, answer
    assert not grounded("How many crew members were released in December 2023?",
                        "Ten crew members were released in 2023 [2].",
                        [cite(run, 2, "ten crew")], run, FakeModel()).decline


def test_an_acronym_is_named_by_the_words_it_stands_for() -> None:
    """"According to the FRA fact sheet": the cited document's title spells the acronym out;
    a people is named by its country."""
    sheet = chunk("Norland designated eight cartels as terrorist organizations.", "f",
                  "sheet.md", title="Fact Sheet: Fisheries Recovery Act")
    run = make_run(sheet)
    c = cite(run, 1, "eight cartels")
    assert not grounded("How many cartels did Norland designate, according to the FRA fact "
                        "sheet?", "Norland designated eight cartels [1].", [c], run,
                        FakeModel()).decline
    assert grounded("How many cartels did Norland designate, according to the MFA?",
                    "Norland designated eight cartels [1].", [c], run, FakeModel()).decline
    assert name_in("Americans", "people die in the United States every year")
    assert name_in("WMD", "a Weapon of Mass Destruction") and not name_in("WMD", "Weapons Mass")


def test_an_event_word_inside_a_name_is_not_an_asked_event() -> None:
    assert needs("What does the Bilateral Security Agreement say about frozen assets?"
                 ).parts[0].events == ()
    assert needs("What did the two governments agree about frozen assets?").parts[0].events == (
        "agree",)


def test_a_claim_restating_the_question_s_year_is_repointed_by_what_it_adds() -> None:
    """The answer repeats the question's year; the sentence that states it says "yesterday"
    (a statement dated the day after). Found by what the claim adds ("seven"), the year aside."""
    statement = ("Statement on the Deaths of Relief Workers\n\nI am saddened by the deaths of "
                 "seven relief workers from the convoy, including one citizen, yesterday. "
                 "We will continue to press for the safe passage of aid convoys in the province.")
    run = make_run(chunk(statement, "s", "statement.txt"), chunk(SITREP, "a", "sitrep.txt"))
    wrong = cite(run, 1, "continue to press")
    d = grounded("How many relief workers were killed in the convoy strike of 2026?",
                 "Seven relief workers were killed in the convoy strike of 2026 [1].", [wrong],
                 run, FakeModel())
    assert not d.decline, d.decline
    assert "seven relief workers" in d.citations[0].quote


def test_an_agreement_the_question_cites_is_a_text_not_an_asked_event() -> None:
    """"under the 2019 Harbour Fund agreement" asks what the text says; "reach an agreement"
    and "the decision of the council" still ask whether one was made."""
    assert needs("Who may not bid for contracts under the 2019 Harbour Fund agreement?"
                 ).parts[0].events == ()
    assert needs("Did the two ports reach an agreement on pilots?").parts[0].events == ("agree",)
    assert needs("What was the decision of the council on Tuesday?").parts[0].events == (
        "decide",)


DUTIES = ("The additional duties apply from 1 May. The duties lapse one year after the "
          "exporting country ceases shipping the listed goods, or sooner if the minister so "
          "decides. The accord remains in force for ten years after its signature.")


@pytest.mark.parametrize(("question", "answer", "quote", "declined"), [
    ("When do the additional duties lapse?", "They lapse one year after the exporting country "
     "ceases shipping the listed goods [1].", "lapse one year", False),
    ("On what date does the accord expire?", "It remains in force for ten years after its "
     "signature [1].", "ten years", True),
    ("When did the additional duties lapse?", "They lapse one year after the exporting "
     "country ceases shipping the listed goods [1].", "lapse one year", True),
])
def test_when_a_rule_takes_effect_is_answered_by_a_period_from_an_event(
        question: str, answer: str, quote: str, declined: bool) -> None:
    """"When does X lapse" asks about a rule: a period from an event answers it. "On what
    date" asks for a date, and "when did" for when something happened."""
    run = make_run(chunk(DUTIES, "d", "duties.md"))
    d = grounded(question, answer, [cite(run, 1, quote)], run, FakeModel())
    assert bool(d.decline) is declined, d.decline


def test_a_title_before_a_name_does_not_end_a_claim() -> None:
    assert split_claims("Dr. Ana Ruiz leads the committee [1]. Maj. Gen. Ivo Lind commands "
                        "the force [2].") == ["Dr. Ana Ruiz leads the committee [1].",
                                              "Maj. Gen. Ivo Lind commands the force [2]."]


def test_a_month_its_quote_does_not_state_is_looked_for_in_the_passage() -> None:
    """The claim is cited to the sentence about the designation; the month it adds stands in
    the next sentence of the same passage."""
    text = ("The minister designated the valley for relief status last spring. Relief status "
            "lasts until September for residents of the valley and its farms.")
    run = make_run(chunk(text, "r", "relief.md"))
    d = grounded("Until when did the designation give relief status?",
                 "Relief status lasted until September [1].",
                 [cite(run, 1, "designated the valley")], run, FakeModel())
    assert not d.decline, d.decline
    assert "until September" in d.citations[0].quote


def test_a_scale_word_belongs_to_its_number_and_a_sum_names_what_it_pays_for() -> None:
    assistance = frozenset(terms("assistance"))
    assert counts("we provided $300 million in humanitarian assistance to the region",
                  {300e6, 300.0}, assistance)
    assert counts("providing more than $1.9 billion to Ukrainians in need of assistance",
                  {1.9e9, 1.9}, assistance)
    # 13 million counts people, not assistance
    assert not counts("in need of assistance, including more than 13 million people",
                      {13e6, 13.0}, assistance)


def test_the_other_figure_counts_the_asked_kind_of_the_noun() -> None:
    """"How much humanitarian assistance": a sum of military assistance is another thing; a
    sum of humanitarian assistance from another source is the other side."""
    run = make_run(chunk("Norland has provided more than $1.9 billion in humanitarian assistance "
                         "to people in the valley.", "a", "fact-sheet.md"),
                   chunk("Norland has also provided more than $650 million in military "
                         "assistance to people in the valley, as well as humanitarian aid.",
                         "b", "request.md"),
                   chunk("In the past few weeks, we have provided $300 million in humanitarian "
                         "assistance to the people in the valley.", "c", "remarks.md"))
    a = cite(run, 1, "$1.9 billion")
    q = "How much humanitarian assistance has Norland provided to the valley?"
    d = grounded(q, "Norland has provided more than $1.9 billion in humanitarian assistance "
                 "to people in the valley [1].", [a], run, FakeModel())
    assert "Another source (remarks.md)" in d.text and "$650 million" not in d.text, d.text


def test_a_sum_with_no_kind_of_its_own_is_the_other_side() -> None:
    """"How much humanitarian assistance": another source's "$300 million in assistance" (the
    noun with no kind word of its own), or a bare "$300 million" beside an answer that is a
    sum of money, is the other side; "$650 million in military assistance" is not."""
    for other in ("In the past few weeks, Norland has provided more than $300 million in "
                  "assistance to the people in the valley.",
                  "Norland's humanitarian assistance to the valley goes on. Thus far, we've "
                  "provided $300 million since the floods began."):
        run = make_run(chunk("Norland has provided more than $1.9 billion in humanitarian "
                             "assistance to people in the valley.", "a", "fact-sheet.md"),
                       chunk("Norland has also provided more than $650 million in military "
                             "assistance to people in the valley.", "b", "request.md"),
                       chunk(other, "c", "remarks.md"))
        q = "How much humanitarian assistance has Norland provided to the valley?"
        d = grounded(q, "Norland has provided more than $1.9 billion in humanitarian assistance "
                     "to people in the valley [1].", [cite(run, 1, "$1.9 billion")], run,
                     FakeModel())
        assert "Another source (remarks.md)" in d.text and "$650 million" not in d.text, d.text


def test_a_bare_sum_is_no_other_side_of_a_count() -> None:
    """A bare sum of money is another figure only beside an answer that is a sum: "how many
    trucks" answered "120 trucks" gets no "$300 million"."""
    run = make_run(chunk("Norland sent 120 trucks of aid to the valley last week.", "a", "a.md"),
                   chunk("Norland has sent $300 million of aid to the valley this year.", "c",
                         "remarks.md"))
    d = grounded("How many trucks of aid did Norland send to the valley?",
                 "Norland sent 120 trucks of aid to the valley [1].",
                 [cite(run, 1, "120 trucks")], run, FakeModel())
    assert "Another source" not in d.text, d.text


def test_an_answer_by_a_period_gets_no_other_date() -> None:
    """No date in the answer ("one year after ..."): another source's date differs from
    nothing."""
    run = make_run(chunk(DUTIES, "d", "duties.md"),
                   chunk("The duties were first imposed on 2 April 2025 on all listed goods.",
                         "e", "order.md"))
    d = grounded("When do the additional duties lapse?", "They lapse one year after the "
                 "exporting country ceases shipping the listed goods [1].",
                 [cite(run, 1, "lapse one year")], run, FakeModel())
    assert not d.decline and "Another source" not in d.text, d.text


def test_the_question_s_month_stands_beside_the_month_the_quote_gives_as_the_answer() -> None:
    """The quote names September (the answer); the claim restates the question's March,
    which the notice's date states. A quote that names another month than the claim's is
    still read by its own month (the December boats above)."""
    notice = chunk("The minister designated the valley for relief status for 18 months, until "
                   "September 2022, for residents of the valley.", "n", "notice.md"
                   ).model_copy(update={"date": "2021-03-08"})
    run = make_run(notice)
    d = grounded("Until when did the March 2021 designation give relief status?",
                 "The March 2021 designation gave relief status until September 2022 [1].",
                 [cite(run, 1, "until September")], run, FakeModel())
    assert not d.decline, d.decline


def test_a_date_that_dates_a_report_does_not_answer_when() -> None:
    """"According to officials on Tuesday, Norland is considering sending a team": Tuesday
    dates the report, not the sending; a quote that dates the event answers."""
    run = make_run(chunk("According to government sources on Tuesday, Norland is considering "
                         "sending a survey team to the northern banks. The survey team will "
                         "sail to the banks on 3 May, the ministry said.", "s", "news.md"))
    q = "When does Norland plan to send the survey team?"
    reported = grounded(q, "Norland plans to send the survey team on Tuesday [1].",
                        [cite(run, 1, "According to")], run, FakeModel())
    assert reported.decline
    sailed = grounded(q, "The survey team will sail to the banks on 3 May [1].",
                      [cite(run, 1, "3 May")], run, FakeModel())
    assert not sailed.decline, sailed.decline


def test_a_sentence_or_several_claims_are_not_restated_from_their_quotes() -> None:
    run = make_run(chunk(SITREP, "a", "sitrep.txt", "Lusara outbreak"))
    c, beds = cite(run, 1, "1,046"), cite(run, 1, "140 beds")
    sentence = "By 18 March 2025 the province had reported 1,046 suspected cases [1]."
    d = grounded("How many suspected cases were reported?", sentence, [c], run,
                 FakeModel(judgements=[0.97]))
    assert d.text == sentence
    two = "1,046 suspected cases [1]. 140 beds [2]."
    d = grounded("How many cases and beds?", two, [c, beds], run,
                 FakeModel(judgements=[0.97, 0.97]))
    assert "\u201c" not in d.text



def test_a_decline_names_what_the_quotes_mention_without_its_possessive() -> None:
    quoted = terms("South Korea is considering a monitoring team")
    assert _mentioned("What did South Korea's security council decide?", quoted) == "South Korea"
    assert _mentioned("Who would staff the monitoring team?", quoted) == "monitoring team"


def test_a_table_row_states_what_its_header_names() -> None:
    """"Who pays …?": the row "| Compensate the idle trawler crews | The emergency fund |"
    says who pays only under its header's "Paid by"; read with its labels, the quote states
    the payment (an asked event: it must be stated in so many words)."""
    table = ("## Options\n\n| Option | Paid by | Timing |\n|---|---|---|\n"
             "| Compensate the idle trawler crews of the north | The emergency fund | Now |\n"
             "| Ban fish imports at the ports of the north | Nobody | Within a month |\n")
    run = make_run(chunk(table, "t", "options.md"))
    quote = cite(run, 1, "Compensate the idle")
    assert quote.shown() == ("Option: Compensate the idle trawler crews of the north; Paid by: "
                             "The emergency fund; Timing: Now")
    d = grounded("Who would pay to compensate the idle trawler crews?",
                 "The emergency fund would pay to compensate the idle trawler crews [1].",
                 [quote], run, FakeModel())
    assert not d.decline, d.decline
