"""Deterministic checks on quotes: self-contained sentences, and what a quote states."""

from __future__ import annotations

from briefer.grounding.support import Support
from briefer.text.verify import in_quotes, sentences
from briefer.text.words import terms


def test_a_sentence_pointing_back_is_quoted_with_its_antecedent() -> None:
    text = ("Suppose the talks collapse without any agreement. In that case, the ministry may "
            "recall its ambassador for consultations. The weather was mild all week long.")
    assert sentences(text) == [
        "Suppose the talks collapse without any agreement. In that case, the ministry may "
        "recall its ambassador for consultations.",
        "The weather was mild all week long."]


def test_a_continuation_too_long_to_join_stays_on_its_own() -> None:
    first = "The council met to discuss the new budget proposal in great detail today."
    second = "This could delay the reforms that were planned for the next fiscal year."
    assert sentences(f"{first} {second}", max_chars=100) == [first, second]
    assert sentences(f"{first} {second}", max_chars=200) == [f"{first} {second}"]


def test_terms_stem_plurals_and_split_hyphens_but_keep_model_numbers() -> None:
    assert terms("Sanctions on the K-2 tanks") == {"sanct", "k-2", "tank"}
    assert terms("sanction") == {"sanct"}
    assert terms("sending troops across lines") == terms("send troop across line")
    assert terms("it crossed") == terms("crosses") == {"cross"}
    assert terms("non-lethal aid") == terms("aid that is non lethal")
    assert terms("the of and if") == set()


def test_support_weighs_distinctive_words_over_the_topics_names() -> None:
    units = ["North Korea may expand sanctions on oil exports.",
             "North Korea could send a monitoring team to Kursk.",
             "North Korea tested a missile near the coast.",
             "Seoul weighs an air-defence transfer if North Korea escalates."]
    support = Support(units)
    assert support("Expand oil sanctions", [units[0]]) == 1.0
    assert support("Monitoring team", [units[0]]) == 0.0
    # sharing only the names every passage mentions is almost no support
    assert support("North Korea monitoring team in Kursk", [units[0]]) < 0.2
    assert support("North Korea monitoring team in Kursk", [units[1]]) == 1.0
    assert support("step 1", units) == 0.0
    assert support("", units) == 0.0


def test_a_sentence_with_a_link_longer_than_a_quote_is_cut_and_the_split_ends() -> None:
    # a scraped page's Markdown link: no space in the first max_chars characters
    link = ("https://example.gov/briefing-room/" + "statement-on-the-strategy-" * 20
            + "#:~:text=a%20b")
    text = f"The plan]({link}) and helps deliver on the call to beat the epidemic by cracking down."
    units = sentences(text, max_chars=120)
    assert units and all(len(u) <= 120 for u in units)
    assert "".join(units).replace(" ", "") == " ".join(text.split()).replace(" ", "")


def test_a_quote_that_holds_quoted_speech_nests_its_marks() -> None:
    assert in_quotes("\u201cThey will never join,\u201d the minister said") == \
        "\u201c\u2018They will never join,\u2019 the minister said\u201d"
    assert in_quotes('Officials called it "a pause" on Monday') == \
        "\u201cOfficials called it \u2018a pause\u2019 on Monday\u201d"
    assert in_quotes("The plain sentence it's in.") == "\u201cThe plain sentence it's in.\u201d"
    assert in_quotes('He said:"wait" and ordered a 12" pipe') == \
        "\u201cHe said:\u2018wait\u2019 and ordered a 12\" pipe\u201d"


def test_a_table_row_is_one_unit_and_its_header_none() -> None:
    """A cell's full stop does not end a row; the header row labels the rows, it is no quote."""
    text = ("| Option under review by the cabinet | What it involves for the ports |\n"
            "|---|---|\n"
            "| Ban fish imports at the ports. Review in May | A customs order from next week |\n"
            "The cabinet meets again on Friday to decide on the ban.")
    assert sentences(text) == [
        "| Ban fish imports at the ports. Review in May | A customs order from next week |",
        "The cabinet meets again on Friday to decide on the ban."]
