"""A brief keeps the passages of documents that name what its topic names."""

from __future__ import annotations

from briefer.core.schemas import Chunk
from briefer.pipeline.topic import on_topic, topic_names


def _chunk(i: int, source: str, text: str, title: str = "") -> Chunk:
    return Chunk(id=f"c{i}", text=text, source=source, title=title, start=0, end=len(text),
                 position=i, doc_hash="h")


# made-up crises, best-ranked first
CHUNKS = [
    _chunk(0, "ferry.md", "Harbour officials recommend closing the ferry route for a week."),
    _chunk(1, "ostrava-floods.txt", "Ostravan engineers may open the spillway tonight."),
    _chunk(2, "ostrava-floods.txt", "Evacuate the lower districts by bus."),
    _chunk(3, "memo.docx", "Send two pumping teams to the old town.", title="Ostrava flood memo"),
    _chunk(4, "ferry.md", "Strikes could halt the ferries."),
]


def test_topic_names_are_its_names_not_its_common_words() -> None:
    assert topic_names("Ostrava flood response") == ["Ostrava"]  # first word, not English
    assert topic_names("Response to the flood") == []
    assert topic_names("GRAINSTORM ransomware response") == ["GRAINSTORM"]
    assert topic_names("Options for the Valdorian cabinet") == ["Valdorian"]


def test_documents_that_name_the_topic_are_kept_best_first() -> None:
    kept = on_topic(CHUNKS, "Ostrava flood response", k=3)
    # "Ostravan" in one passage names its document; the memo is named by its title
    assert [c.id for c in kept] == ["c1", "c2", "c3"]


def test_retrieval_stands_when_nothing_or_nobody_is_named() -> None:
    assert on_topic(CHUNKS, "Response to the flood", k=2) == CHUNKS[:2]
    assert on_topic(CHUNKS, "Quillon flood response", k=2) == CHUNKS[:2]


def test_a_capital_finds_its_country() -> None:
    chunks = [_chunk(0, "a.txt", "Markets fell."), _chunk(1, "b.txt", "South Korea may act.")]
    assert [c.id for c in on_topic(chunks, "Seoul's options", k=2)] == ["c1"]


def _named(topic: str, *texts: str) -> list[str]:
    """The ids of the made-up one-passage documents ``texts`` that on_topic keeps for ``topic``."""
    chunks = [_chunk(i, f"d{i}.txt", text) for i, text in enumerate(texts)]
    return [c.id for c in on_topic(chunks, topic, k=len(chunks))]


def test_an_acronym_or_formal_name_names_its_country() -> None:
    assert _named("Options on China export controls", "The PRC tightened licensing rules.",
                  "Port fees rose.", "The People's Republic of China objected.") == ["c0", "c2"]
    assert _named("PRC licensing rules", "Beijing's customs office will not comment.",
                  "China may retaliate.", "Ferries were cancelled.") == ["c0", "c1"]


def test_an_adjective_names_its_country() -> None:
    assert _named("France energy options", "French regulators may cap prices.",
                  "Wind output fell.") == ["c0"]
    assert _named("Options for the Dutch cabinet", "The Netherlands may delay the vote.",
                  "Turnout was low.") == ["c0"]


def test_a_country_finds_its_capital_and_a_capital_its_countrys_other_names() -> None:
    assert _named("Japan response", "Tokyo may send a frigate.", "Rain is due.") == ["c0"]
    assert _named("Seoul's options", "ROK forces are on alert.", "Markets fell.") == ["c0"]


def test_other_names_match_as_written() -> None:
    # "US" is a name, "us" is a word; "Polish" the adjective, not the verb
    assert _named("Washington's options", "Let us use the time well.",
                  "U.S. officials met.") == ["c1"]
    assert _named("Poland response", "Polish troops moved.", "We polish the draft.") == ["c0"]
    # a North Korean acronym does not name South Korea
    assert _named("South Korea response", "The ROK may respond.", "The DPRK fired.") == ["c0"]


def test_a_leading_us_widens_nothing() -> None:
    # the topic's "US" is too short to name anything, so "American" does not name the floods
    assert _named("US response to the Ostrava floods", "American engineers offered pumps.",
                  "Ostravan crews opened the spillway.") == ["c1"]
