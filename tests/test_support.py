"""The one support measure and the one best-sentence search (briefer.grounding.support), and
the word lists they and the rules read (briefer.text.words): made-up sentences of each class."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from briefer.core.settings import GroundingSettings, load_settings
from briefer.grounding.support import Support, best_sentence
from briefer.text import words

UNITS = [
    "The ministry will send two patrol boats to the northern banks.",
    "Patrol boats of the coast guard were sighted near the northern banks.",
    "The ministry opened talks on fishing quotas with its neighbour.",
]


def test_the_best_sentence_is_the_one_that_states_the_claim_and_none_under_the_bar() -> None:
    support = Support(UNITS)
    found = best_sentence(UNITS, lambda u: support("talks on fishing quotas opened", [u]), 0.5)
    assert found is not None and found[0] == UNITS[2]
    assert best_sentence(UNITS, lambda u: support("a levy on imported grain", [u]), 0.5) is None


def test_equal_scores_keep_the_first_sentence_and_tuples_rank_by_their_parts() -> None:
    assert best_sentence(["a", "b", "c"], lambda u: 0.7, 0.5) == ("a", 0.7)
    scores = {"a": (0.6, 1), "b": (0.6, 3), "c": (0.4, 9)}
    assert best_sentence(scores, scores.__getitem__, 0.5) == ("b", (0.6, 3))


def test_every_grounding_threshold_is_one_setting_of_one_group() -> None:
    bar = load_settings(**{"grounding.item_support": 0.4}).grounding
    assert isinstance(bar, GroundingSettings) and bar.item_support == 0.4
    for name, field in GroundingSettings.model_fields.items():
        assert field.description, f"grounding.{name} says what it means"
    with pytest.raises(ValidationError):
        GroundingSettings(item_support=1.5)


def test_word_lists_are_data_read_by_one_module() -> None:
    assert "the" in words.stop_words() and "sanctions" not in words.stop_words()
    assert words.word_list("words.yaml", "months")[0] == "january"
    arms = words.pattern("words.yaml", "arms", "defensive", plural=True)
    assert arms.search("two air-defence systems") and arms.search("more interceptors")
    assert not arms.search("an undefended border")
    with pytest.raises(KeyError):
        words.data("secrets.yaml")


def test_terms_read_words_the_way_words_read_says() -> None:
    assert words.terms("Sanctions were sanctioned") == {"sanct"}
    assert words.lemma("sanctions") == "sanction" and words.lemma("fentanyl") == "fentanyl"
    assert words.suffix_cut("crossed") == "cross" and words.stem5("crossing") == "cross"
