"""The analyst's workflow on a temporary copy of evalset/ (issue 26): briefs kept, "Changes
since", `brief diff` without a model, pins, exclusions and a redone section in the REPL, a brief
shown section by section. The model is :mod:`tests.extractive` (items from their sentences'
own words), so what changes between two briefs is what changed in the documents."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefer.cli import app as app_mod
from briefer.cli.repl import Repl
from briefer.core.errors import ConfigError, HistoryError
from briefer.corpus.history import BriefArchive
from briefer.corpus.workspace import Workspace
from briefer.pipeline.changes import compare, diff, in_store, remember
from briefer.pipeline.draft import Steering, draft

sys.path.insert(0, str(Path(__file__).parent))
from extractive import extractive_model  # noqa: E402

EVALSET = Path(__file__).parents[1] / "evalset" / "docs"
TOPIC = "Lusara cholera outbreak response"
ADDS_AN_OPTION = (
    "LUSARA: REGIONAL WATER AGENCY OFFER\n\n"
    "The regional water agency will send four mobile chlorination units to Brennick this week "
    "to restore safe water in the eastern wards of Lusara province.\n")
UNRELATED = ("ALLOTMENT NOTES\n\nThe tomato seedlings went into the raised beds on Saturday. "
             "Slugs remain the main pest; copper tape around the beds helps.\n")


def _reissue_with_new_figure(memo: Path) -> None:
    """The response memo re-issued: the threshold of its first red line lowered (400 → 300)."""
    import docx

    document = docx.Document(str(memo))
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            if "exceed 400" in run.text:
                run.text = run.text.replace("exceed 400", "exceed 300")
    document.save(str(memo))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(EVALSET, docs)
    return docs


def _brief(ws: Workspace, **kw: Any) -> Any:
    drafted = draft(TOPIC, workspace=ws, model=extractive_model(), **kw)
    return remember(drafted.brief, drafted.run.chunk_map(), ws), drafted


def test_changes_since_the_last_brief_are_exactly_what_the_documents_changed(
        corpus: Path, make_workspace: Any, tmp_path: Path) -> None:
    ws = make_workspace()
    ws.ingest([corpus])
    first, _ = _brief(ws)
    assert first.changes is None  # a first brief has nothing to compare with
    assert any("exceed 400" in r.evidence[0].quote for r in first.red_lines)

    (corpus / "lusara-water-agency-offer.txt").write_text(ADDS_AN_OPTION)
    (corpus / "allotment-notes.txt").write_text(UNRELATED)
    _reissue_with_new_figure(corpus / "lusara-response-memo.docx")
    ws.ingest([corpus])
    second, _ = _brief(ws)

    changes = second.changes
    assert changes is not None and changes.previous_id
    got = sorted((c.kind, c.section) for c in changes.items if c.kind in ("new", "changed",
                                                                          "dropped"))
    assert got == [("changed", "red_lines"), ("new", "response_options")], changes.items
    # what moved without a change in its documents is told apart: the new document took one
    # of the options' visits to bare-modal sentences (``candidates.WEAKEST_SHARE``)
    steady = [c for c in changes.items if c.kind in ("shown", "left_out")]
    assert all(q.source in ("lusara-outbreak-sitrep.txt", "lusara-response-memo.docx")
               for c in steady for q in c.quotes), steady
    assert len(steady) <= 1, steady
    new = next(c for c in changes.items if c.kind == "new")
    assert "mobile chlorination units" in new.text
    assert new.quotes[0].source == "lusara-water-agency-offer.txt"
    changed = next(c for c in changes.items if c.kind == "changed")
    assert "300" in changed.text and "400" in changed.before
    assert changed.matched_by == "wording"
    assert changes.sources_added == ["allotment-notes.txt", "lusara-water-agency-offer.txt"]
    assert changes.sources_updated == ["lusara-response-memo.docx"]

    # the memo shows them; `brief diff` prints the same from the kept briefs, with no model
    from briefer.render.memo import render_memo

    memo = render_memo(second, {})
    assert "## Changes since" in memo and "mobile chlorination units" in memo
    assert "**changed** (red lines)" in memo and "_was:_" in memo
    assert diff(ws, TOPIC) == changes
    archive = BriefArchive(ws.store)
    old, new = (archive.load(e) for e in archive.entries(TOPIC))
    assert compare(old, new, in_store(ws)) == changes  # the same from the records alone
    assert diff(ws, TOPIC.upper() + " ") == changes  # case and spacing aside

    runner = CliRunner()
    store = ["--store", str(ws.state_dir)]
    result = runner.invoke(app_mod.app, ["diff", TOPIC, *store, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["items"] == json.loads(changes.model_dump_json())["items"]
    text = runner.invoke(app_mod.app, ["diff", TOPIC, *store]).output
    assert "mobile chlorination units" in text and "lusara-response-memo.docx" in text
    listed = json.loads(runner.invoke(app_mod.app, ["history", *store, "--json"]).output)
    assert [e["topic"] for e in listed] == [TOPIC, TOPIC]
    assert "Lusara" in runner.invoke(app_mod.app, ["history", TOPIC, *store]).output


@pytest.fixture
def briefed(corpus: Path, make_workspace: Any) -> Workspace:
    """A store of the evalset copy with one brief on TOPIC kept."""
    ws = make_workspace()
    ws.ingest([corpus])
    _brief(ws)
    return ws


def _fails_in_one_line(ws: Workspace, args: list[str], words: str, code: int) -> None:
    exit_code, err = _main([*args, "--store", str(ws.state_dir)])
    assert exit_code == code and words in err, (args, exit_code, err)
    assert err.count("\n") == 1 and "Traceback" not in err


def test_diff_and_history_bad_input_is_one_line(briefed: Workspace) -> None:
    with pytest.raises(HistoryError, match="no brief on 'Atlantis' has been kept"):
        diff(briefed, "Atlantis")
    with pytest.raises(HistoryError, match="only one brief"):
        diff(briefed, TOPIC)
    _fails_in_one_line(briefed, ["diff", "Atlantis"], "no brief on 'Atlantis'", 1)
    _fails_in_one_line(briefed, ["diff", TOPIC, "--since", "last week"], "not a date", 2)
    assert BriefArchive(briefed.store).entries("nothing") == []


def test_pin_of_an_unknown_passage_is_one_line(briefed: Workspace) -> None:
    _fails_in_one_line(briefed, ["draft", TOPIC, "--pin", "nope"], "unknown passage id 'nope'",
                       2)


def test_exclusion_that_matches_nothing_is_one_line(briefed: Workspace) -> None:
    _fails_in_one_line(briefed, ["draft", TOPIC, "--exclude", "*.xls"], "no ingested document",
                       2)


def test_memo_in_an_unwritable_place_or_format_is_one_line(briefed: Workspace) -> None:
    _fails_in_one_line(briefed, ["draft", TOPIC, "--format", "pdf"], "unknown memo format", 2)
    _fails_in_one_line(briefed, ["draft", TOPIC, "--out", "/proc/briefer/memo.docx"],
                       "cannot write the memo to /proc/briefer/memo.docx", 1)
    _fails_in_one_line(briefed, ["draft", TOPIC, "--out", "memo.pdf"],
                       "cannot write a .pdf memo", 1)


def _main(args: list[str]) -> tuple[int, str]:
    """`brief ARGS` as a user runs it: exit code and stderr (one line for an error)."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "briefer.cli.app", *args], capture_output=True,
                          text=True, timeout=300)
    return done.returncode, done.stderr


def test_pins_and_exclusions_steer_the_brief_and_the_manifest_says_so(
        corpus: Path, make_workspace: Any) -> None:
    ws = make_workspace()
    ws.ingest([corpus])
    plain = draft(TOPIC, workspace=ws, model=extractive_model())
    sources = {c.source for c in plain.run.chunks}
    assert "lusara-response-memo.docx" in sources
    other = next(c for c in ws.store.iter_chunks() if c.source == "energy-outlook.md")
    steered = draft(TOPIC, workspace=ws, model=extractive_model(), steering=Steering(
        pins=(other.id,), exclude=("*memo*",)))
    used = {c.source for c in steered.run.chunks}
    assert "lusara-response-memo.docx" not in used  # excluded: never retrieved
    assert steered.run.chunks[0].id == other.id  # pinned: shown to every section
    assert not any("exceed 400" in r.evidence[0].quote for r in steered.brief.red_lines)
    m = steered.brief.manifest
    assert m.pinned == [other.id] and m.excluded == ["*memo*"]
    from briefer.render.memo import render_memo

    assert "Steered by the analyst" in render_memo(steered.brief, steered.run.chunk_map())
    with pytest.raises(ConfigError, match="unknown passage id"):
        draft(TOPIC, workspace=ws, model=extractive_model(), steering=Steering(pins=("x",)))


def test_repl_pins_excludes_redoes_a_section_and_explains_an_item(
        corpus: Path, make_workspace: Any, tmp_path: Path) -> None:
    ws = make_workspace()
    ws.ingest([corpus])
    screen: list[str] = []
    repl = Repl(ws, extractive_model(), screen.append, k=4)

    def say(line: str) -> str:
        start = len(screen)
        screen.append(f"brief> {line}\n")
        assert repl.handle(line)
        return "".join(screen[start:])

    shown = say(f"/brief {TOPIC}")
    assert "#1 option:" in shown and "red line:" in shown
    before = repl.last_brief
    assert before is not None
    red = [n for n, (kind, _) in enumerate(repl.items(), start=1) if kind == "red line"]
    why = say(f"/why {red[0]}")
    assert "trigger: support" in why and "exact match" in why and "passage" in why
    assert "usage: /why N" in say("/why 999")

    sources = say("/sources")
    assert "[1]" in sources
    pinned = say("/pin 1")
    assert "pinned passage" in pinned
    assert "unknown passage id" in say("/pin not-an-id")
    assert "excluded 1 document" in say("/exclude lusara-response-memo.docx")
    assert "no ingested document matches" in say("/exclude nothing-like-this*")
    assert "unknown section" in say("/redo footnotes")

    redone = say("/redo red-lines")
    after = repl.last_brief
    assert after is not None and "the rest of the brief is unchanged" in redone
    # the red lines were drafted again without the excluded memo; the options stayed as they were
    assert not any("exceed 400" in r.evidence[0].quote for r in after.red_lines)
    assert after.response_options == before.response_options
    assert after.bottom_line == before.bottom_line
    assert after.manifest.redone == ["red_lines"]
    assert after.manifest.excluded == ["lusara-response-memo.docx"]
    assert after.manifest.pinned == [repl.pins[0]]
    # with the red lines back, options redone are filtered against the red lines kept
    assert "exclusions cleared" in say("/exclude clear")
    say("/redo red-lines")
    assert repl.last_brief is not None and repl.last_brief.red_lines
    redone_options = say("/redo options")
    assert "#1 option:" in redone_options and "internal error" not in redone_options
    assert repl.last_brief.manifest.redone == ["red_lines", "response_options"]
    say("/exclude lusara-response-memo.docx")
    say("/redo red-lines")
    memo = tmp_path / "steered.md"
    assert "memo written" in say(f"/memo {memo}")
    assert "cannot write the memo" in say("/memo /proc/briefer/steered.html")
    assert "cannot write a .pdf memo" in say(f"/memo {tmp_path / 'steered.pdf'}")
    assert "memo written" in say(f"/memo {tmp_path / 'steered.docx'}")
    assert (tmp_path / "steered.docx").read_bytes()[:2] == b"PK"
    text = memo.read_text()
    assert "Sections redone: red_lines, response_options" in text
    assert "lusara-response-memo.docx" in text
    assert "internal error" not in "".join(screen)


def test_sections_are_handed_over_as_they_are_grounded_bottom_line_first(
        corpus: Path, make_workspace: Any) -> None:
    ws = make_workspace()
    ws.ingest([corpus])
    order: list[str] = []
    got: dict[str, Any] = {}

    def on_section(name: str, fields: dict[str, Any], chunks: dict[str, Any]) -> None:
        order.append(name)
        got.update(fields)

    drafted = draft(TOPIC, workspace=ws, model=extractive_model(), on_section=on_section)
    assert order[0] == "summary"
    assert order.index("red_lines") < order.index("response_options")
    assert set(order) == {"summary", "response_options", "red_lines", "risks", "indicators",
                          "disagreements_gaps"}
    brief = drafted.brief  # what was shown is what the brief holds
    assert got["response_options"] == brief.response_options
    assert got["red_lines"] == brief.red_lines and got["bottom_line"] == brief.bottom_line
    # the terminal renders each section as it comes, numbering sources as shown
    from briefer.render.stream import SectionStream

    stream = SectionStream(TOPIC)
    text = "".join(stream.section(n, {k: v for k, v in got.items()
                                      if k in _fields(n)}, drafted.run.chunk_map())
                   for n in order)
    assert "## Bottom line" in text and "## Red lines" in text and "[1]" in text
    assert "## Sources" in stream.end(brief, drafted.run.chunk_map())


def _fields(name: str) -> set[str]:
    from briefer.pipeline.steering import fields_of

    return set(fields_of(name))
