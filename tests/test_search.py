"""Hybrid retrieval on the sample corpus, filters, the CLI's JSON, reciprocal-rank fusion, and
each ranking's best kept among a question's passages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from docgen import CORPUS, SAMPLE
from typer.testing import CliRunner

from briefer.cli.app import app
from briefer.core.errors import ConfigError
from briefer.core.settings import load_settings
from briefer.corpus.workspace import Workspace
from briefer.pipeline.retrieval import retrieve_for_question
from briefer.store.embed import MiniLMEmbedder
from briefer.store.retrieve import Filters, rrf, with_heads
from briefer.text.structure import opening_only

SOURCE = SAMPLE.name


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("search") / "store"


@pytest.fixture(scope="module")
def ws(store: Path, embedder: MiniLMEmbedder) -> Workspace:
    with pytest.MonkeyPatch.context() as mp:  # module scope: the autouse isolation is not on yet
        for name in [n for n in os.environ if n.startswith("BRIEFER_")]:
            mp.delenv(name)
        mp.chdir(store.parent)
        settings = load_settings()
    workspace = Workspace.open(settings, state_dir=store, embedder=embedder)
    summary = workspace.ingest([CORPUS])
    assert summary.added == [SOURCE]
    return workspace


def test_red_lines_query_finds_the_weapons_passage(ws: Workspace) -> None:
    result = ws.search("What might South Korea supply if red lines are crossed?")
    assert result.hits
    top = result.hits[0]
    for name in ("Cheongung II", "K-2", "K-9", "Chunmoo"):
        assert name in top.text
    assert top.rank == 1 and top.source == SOURCE
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_monitoring_team_query(ws: Workspace) -> None:
    result = ws.search("monitoring team Kursk")
    assert "monitoring team" in result.hits[0].text


def test_hits_point_into_the_document(ws: Workspace) -> None:
    from briefer.corpus.loaders import load

    doc = load(SAMPLE)
    result = ws.search("sanctions price cap on Russian oil", k=3)
    assert result.query == "sanctions price cap on Russian oil"
    assert 1 <= len(result.hits) <= 3
    for hit in result.hits:
        assert doc.text[hit.start:hit.end] == hit.text
        assert hit.date == "2025-01-22"
        assert hit.page is None
    assert "price cap" in result.hits[0].text


def test_k_limits_hits(ws: Workspace) -> None:
    assert len(ws.search("North Korea", k=1).hits) == 1
    total = ws.store.count()
    assert len(ws.search("North Korea", k=50).hits) == total


def test_source_filter(ws: Workspace) -> None:
    assert ws.search("North Korea", filters=Filters(sources=("nomatch*",))).hits == []
    hits = ws.search("North Korea", filters=Filters(sources=("south-korea-*",))).hits
    assert hits and all(h.source == SOURCE for h in hits)


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        (Filters(date_from="2025-01-01"), True),
        (Filters(date_from="2025-01-22"), True),
        (Filters(date_from="2026-01-01"), False),
        (Filters(date_to="2025-01-22"), True),
        (Filters(date_to="2025-01-21"), False),
        (Filters(date_from="2025-01-01", date_to="2025-12-31"), True),
    ],
)
def test_date_filter(ws: Workspace, filters: Filters, kept: bool) -> None:
    hits = ws.search("monitoring team Kursk", filters=filters).hits
    assert bool(hits) is kept
    if kept:
        assert "monitoring team" in hits[0].text


def test_filters_accepts_undated_chunks_only_without_date_bounds() -> None:
    from briefer.core.schemas import Chunk

    chunk = Chunk(id="x", text="t", source="a/b.txt", start=0, end=1, position=0, doc_hash="h")
    assert Filters().accepts(chunk)
    assert not Filters().active()
    assert Filters(sources=("a/*",)).accepts(chunk)
    assert not Filters(sources=("c/*",)).accepts(chunk)
    assert not Filters(date_from="2000-01-01").accepts(chunk)


def test_cli_search_json(ws: Workspace, store: Path) -> None:
    query = "What might South Korea supply if red lines are crossed?"
    result = CliRunner().invoke(app, ["search", query, "--store", str(store), "--json", "-k",
                                      "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"query", "hits"}
    assert data["query"] == query
    assert 1 <= len(data["hits"]) <= 3
    for hit in data["hits"]:
        assert set(hit) == {"rank", "chunk_id", "source", "title", "score", "start", "end",
                            "text"}
        assert hit["source"] == SOURCE
    assert "Chunmoo" in data["hits"][0]["text"]
    # the CLI returns what the library returns
    assert [h["chunk_id"] for h in data["hits"]] == [h.chunk_id for h in ws.search(query,
                                                                                     k=3).hits]


def test_cli_search_filters(ws: Workspace, store: Path) -> None:
    runner = CliRunner()
    base = ["search", "monitoring team", "--store", str(store), "--json"]
    late = runner.invoke(app, [*base, "--since", "2026-01-01"])
    assert late.exit_code == 0, late.output
    assert json.loads(late.stdout)["hits"] == []
    early = runner.invoke(app, [*base, "--since", "2025-01-01", "--until", "2025-01-31"])
    assert json.loads(early.stdout)["hits"]
    other = runner.invoke(app, [*base, "--source", "nomatch*"])
    assert json.loads(other.stdout)["hits"] == []
    bad = runner.invoke(app, [*base, "--since", "yesterday"])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, ConfigError)  # main() turns it into exit code 2
    assert "yesterday" in str(bad.exception)


# --------------------------------------------------------------------------- rrf


def test_rrf_scores_and_order() -> None:
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert [cid for cid, _ in fused] == ["b", "c", "a", "d"]
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 62)
    assert scores["d"] == pytest.approx(1 / 63)


def test_rrf_ties_break_by_id_and_k_matters() -> None:
    assert rrf([["z"], ["a"]]) == [("a", 1 / 61), ("z", 1 / 61)]
    assert rrf([["x", "y"]], k=1) == [("x", 1 / 2), ("y", 1 / 3)]
    # one ranking's top beats another's second place, but agreement beats both
    fused = rrf([["p", "q"], ["r", "q"]], k=1)
    assert fused[0][0] == "q"


def test_rrf_empty() -> None:
    assert rrf([]) == []
    assert rrf([[], []]) == []
    assert rrf([["only"], []]) == [("only", 1 / 61)]


def test_a_rankings_best_is_kept_among_the_first_k() -> None:
    # "x" is the lexical ranking's best but far down the dense one; "a".."f" sit fairly high
    # in both, so fusion by rank alone puts all six above "x"
    dense = ["a", "b", "c", "d", "e", "f", *(f"n{i}" for i in range(50)), "x"]
    lexical = ["x", "f", "e", "d", "c", "b", "a"]
    fused = rrf([dense, lexical])
    assert "x" not in [cid for cid, _ in fused[:6]]
    kept = with_heads(fused, [dense, lexical], keep=1, k=6)
    first = [cid for cid, _ in kept[:6]]
    assert "x" in first and "a" in first  # both rankings' best
    assert first == [cid for cid, _ in fused if cid in first]  # in fused order
    assert sorted(kept) == sorted(fused)  # the same candidates, only reordered
    assert with_heads(fused, [dense, lexical], keep=0, k=6) == fused


def test_heads_fill_no_more_than_k_when_they_overflow() -> None:
    dense, lexical = ["a", "b", "c"], ["x", "y", "z"]
    fused = rrf([dense, lexical])
    kept = with_heads(fused, [dense, lexical], keep=3, k=4)
    assert {cid for cid, _ in kept[:6]} == {"a", "b", "c", "x", "y", "z"}
    assert len(kept) == len(fused)


_NOTICES = [  # one list of unrelated notices; one item holds the question's words verbatim
    "The bakery on Mill Lane raises bread prices by ten pence from Monday.",
    "The under-twelves football fixtures move to Saturday mornings.",
    "The library opens until eight on Thursdays during the exam season.",
    "To widen the harbour's reach, the council has decided to buy two dredgers.",
    "Allotment holders must clear their plots of bindweed by the end of May.",
    "The swimming pool closes for retiling in the second week of August.",
    "Choir rehearsals return to the chapel hall after the summer break.",
]
_HARBOUR = [  # near the question in meaning, none states the decision
    "The council's harbour plan sets out how the port could handle larger ships. Officials "
    "said expanding the harbour would bring trade to the town, and the council discussed "
    "deepening the channel and lengthening the quay. The council will decide on the harbour "
    "expansion after the consultation.",
    "Trade through the port has grown for three years. Harbour officials told the council "
    "that larger vessels are turning away because the harbour is too shallow, and the council "
    "weighed options to extend the harbour's capacity.",
    "Works on the quay wall continue. The harbour master reported to the council that the "
    "expansion of berths would let the port receive bigger cargo ships, and councillors "
    "debated the cost of enlarging the harbour.",
    "A study of the shipping channel found silt building up near the harbour mouth. The "
    "council asked engineers how the harbour could be extended so that the port serves more "
    "ships.",
    "The harbour budget for next year includes money for maintenance. Councillors said any "
    "expansion of the harbour would need a loan, and the council will decide how to grow the "
    "port's capacity in spring.",
    "The council decided to hold a consultation on how the port might grow.",
    "What the council did about the harbour in March was to commission a survey of the "
    "quays.",
]


def test_a_questions_passages_hold_the_passage_that_repeats_its_words(
        tmp_path: Path, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notices.md").write_text("# Parish notices\n\n" + "\n".join(
        f"- {item}" for item in _NOTICES) + "\n")
    for i, text in enumerate(_HARBOUR):
        (docs / f"harbour-{i}.md").write_text(f"# Harbour report {i}\n\n{text}\n")
    monkeypatch.chdir(tmp_path)
    workspace = Workspace.open(load_settings(), state_dir=tmp_path / "store", embedder=embedder)
    workspace.ingest([docs])
    question = "What did the council decide in order to widen the harbour's reach?"
    sources = {}
    for keep in (0, 1):
        workspace.settings.retrieval.keep_best = keep
        chunks, _ = retrieve_for_question(question, question, workspace, 3)
        sources[keep] = [c.source for c in chunks]
    # the lexical ranking's best, last by meaning: fused away by rank alone, kept with keep 1
    assert "notices.md" not in sources[0]
    assert "notices.md" in sources[1] and len(sources[1]) == 3


def test_a_documents_opening_is_its_first_passage(ws: Workspace) -> None:
    """``Workspace.opening``: the first passage of a document (where a report says which event
    it covers), whichever passage was retrieved; "" for a document the store does not hold."""
    hits = ws.search("monitoring team", k=3).hits
    later = next(h for h in hits if h.start > 0)
    opening = ws.opening(later.source)
    assert opening and 0 <= SAMPLE.read_text(encoding="utf-8").find(opening[:60]) < later.start
    assert ws.opening("no-such-file.txt") == ""


def test_a_documents_opening_alone_gives_way_to_its_next_passage(
        tmp_path: Path, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    """A statement's title says what a question asks, and its opening (title, date, source
    lines) is searched up first; it holds nothing to answer from, so the statement's next
    passage stands in for it (``past_openings``)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    body = " ".join(["The harbour board released four fishing crews held since spring, and "
                     "the crews reached Norport on Tuesday evening."] * 12)
    (docs / "statement.md").write_text(
        "Statement of the Harbour Board on the Release of Detained Fishing Crews\n\n"
        "Published: 2024-05-02\nSource: https://example.org/statements/crews\n\n"
        + body + "\n")
    (docs / "other.md").write_text("# Weather\n\nRain is expected over the northern banks on "
                                   "Thursday, with winds from the west.\n")
    monkeypatch.chdir(tmp_path)
    workspace = Workspace.open(load_settings(), state_dir=tmp_path / "store", embedder=embedder)
    workspace.ingest([docs])
    first = workspace.store.of_sources(["statement.md"])
    assert first[0].position == 0 and "Published:" in first[0].text and len(first) > 1
    question = "Statement on the release of detained fishing crews"
    chunks, _ = retrieve_for_question(question, question, workspace, 2)
    assert all("Published:" not in c.text for c in chunks)
    assert any("four fishing crews" in c.text for c in chunks)


def test_an_opening_is_a_title_and_labelled_lines_not_a_first_paragraph() -> None:
    """``opening_only``: a title, short labelled lines, links and a few words ("East Room");
    not a first passage that is one long paragraph, nor a speaker's long first turn."""
    title = "Remarks on the Northern Banks"
    assert opening_only(f"{title}\n\nPublished: 2024-05-02\nSource: https://example.org/r\n\n"
                        "East Room\n\n3:26 P.M. EDT\n\nTHE MINISTER:  Well, good to see you.",
                        title)
    assert not opening_only("The harbour board released four fishing crews held since spring, "
                            "and the crews reached Norport on Tuesday evening after a long "
                            "voyage home.", "")
    assert not opening_only(f"{title}\n\nMR. HALL: We are closing the northern banks to "
                            "trawlers today, and more measures will follow next week.", title)
