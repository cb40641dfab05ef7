"""Fail before the work, keep the work: memo paths are checked before drafting, memos are
written atomically, and a memo that cannot be written is kept where the error line says."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_cli import run_main
from test_memo import sample

from briefer.core import fileio
from briefer.core.errors import OutputError
from briefer.pipeline import draft as draft_module
from briefer.render import memo
from briefer.render.memo import check_memo_target, memo_target, save_memo

TODAY = date.today().isoformat()


def test_memo_target_resolves_folders(tmp_path: Path) -> None:
    assert memo_target(None, "A b", tmp_path / "m", date(2025, 1, 2)) == \
        tmp_path / "m" / "2025-01-02-a-b.md"
    assert memo_target(tmp_path, "A b", Path("unused"), date(2025, 1, 2)) == \
        tmp_path / "2025-01-02-a-b.md"
    assert memo_target(tmp_path / "x.md", "A b", Path("unused")) == tmp_path / "x.md"


def test_check_memo_target_fails_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError) as err:
        check_memo_target(blocker / "memo.md")
    assert str(err.value) == (f"cannot write the memo to {blocker / 'memo.md'}: {blocker} is a "
                              "file, not a folder")
    assert "\n" not in str(err.value)
    with pytest.raises(OutputError, match="it is a folder"):
        check_memo_target(tmp_path)
    check_memo_target(tmp_path / "new" / "deeper" / "memo.md")  # folders are created
    assert (tmp_path / "new" / "deeper").is_dir()
    assert list((tmp_path / "new" / "deeper").iterdir()) == []  # the probe is gone


def test_save_memo_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text("old memo")
    assert save_memo("new memo", path, rescue=[tmp_path / "unsaved"], name="t") == path
    assert path.read_text() == "new memo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.md"]


def _fail_for(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes to ``target`` fail with ENOSPC (a full disk); every other write works."""
    real = fileio.write_atomic

    def write(path: Path, text: str | bytes, *, encoding: str = "utf-8") -> None:
        if path == target:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, text, encoding=encoding)

    monkeypatch.setattr(memo, "write_atomic", write)


def test_save_memo_keeps_an_unwritable_memo(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.md"
    _fail_for(path, monkeypatch)
    broken = tmp_path / "broken"
    broken.write_text("a file where the first rescue folder should be")
    with pytest.raises(OutputError) as err:
        save_memo("the memo", path, rescue=[broken / "unsaved", tmp_path / "unsaved"],
                  name="Red lines", brief_json='{"topic": "Red lines"}')
    message = str(err.value)
    assert message.startswith(f"cannot write the memo to {path} (No space left on device); "
                              f"it was kept in {tmp_path / 'unsaved'}/")
    kept = Path(message.rsplit(" ", 1)[1])
    assert kept.suffix == ".json" and json.loads(kept.read_text())["topic"] == "Red lines"
    assert kept.with_suffix(".md").read_text() == "the memo"
    assert not path.exists()


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """`brief` loads a fake model (each load recorded) and drafts a fixed brief."""
    from briefer.evidence.run import Run
    from briefer.llm import models
    from briefer.llm.testing import FakeModel

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "The ministry is considering sending an observer mission to the border region. "
        "Officials said sanctions on fuel exports would be expanded with partners.")
    loads: list[Any] = []

    def load(settings: Any, **kwargs: Any) -> FakeModel:
        loads.append(settings)
        return FakeModel(schema_valid=True)

    def draft(topic: str, **kwargs: Any) -> Any:  # drafting itself is tested in test_draft
        brief, chunks = sample()
        run = Run(request=topic, k=1, chunks=list(chunks.values()), passages=[],
                  schema_version="test")
        return draft_module.Drafted(brief.model_copy(update={"topic": topic}), run)

    monkeypatch.setattr(models, "load_model", load)
    monkeypatch.setattr(draft_module, "draft", draft)
    return loads


def test_unwritable_out_fails_before_any_model_call(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        fake_model: list[Any]) -> None:
    (tmp_path / "plain.txt").write_text("x")
    code, out, err = run_main(monkeypatch, capsys, "border response", "--out",
                              str(tmp_path / "plain.txt" / "memo.md"), "--store",
                              str(tmp_path / "s"))
    assert code == 1 and out == ""
    assert err.startswith(f"error: cannot write the memo to {tmp_path / 'plain.txt'}/memo.md: ")
    assert len(err.strip().splitlines()) == 1, err
    assert fake_model == [], "the model was loaded before the memo path was checked"
    assert not (tmp_path / "s" / "manifest.json").exists(), "the corpus was ingested first"


def test_out_folder_gets_a_dated_memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str],
                                      fake_model: list[Any]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    code, _, err = run_main(monkeypatch, capsys, "border response", "--out", str(folder),
                            "--store", str(tmp_path / "s"))
    assert code == 0, err
    written = folder / f"{TODAY}-border-response.md"
    assert written.is_file() and f"memo written to {written}" in err
    assert sorted(p.name for p in folder.iterdir()) == [written.name]


def test_memo_that_cannot_be_saved_is_printed_and_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        fake_model: list[Any]) -> None:
    target = tmp_path / "out.md"
    _fail_for(target, monkeypatch)  # the disk fills up while the brief is being drafted
    code, out, err = run_main(monkeypatch, capsys, "border response", "--out", str(target),
                              "--store", str(tmp_path / "s"))
    assert code == 1
    assert "Brief: border response" in out  # the brief is on the screen
    assert len(err.strip().splitlines()) == 1 + sum(  # only our line after the ingest notes
        1 for line in err.splitlines() if "ingest" in line), err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: cannot write the memo to {target} (No space left on "
                           f"device); it was kept in {tmp_path / 's' / 'unsaved'}/"), last
    kept = Path(last.rsplit(" ", 1)[1])
    assert json.loads(kept.read_text())["topic"] == "border response"
    assert not target.exists()


def test_repl_memo_uses_the_same_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      make_workspace: Callable[..., Any]) -> None:
    from briefer.cli.repl import Repl
    from briefer.llm.testing import FakeModel
    from briefer.pipeline.conversation import Turn

    ws = make_workspace()
    screen: list[str] = []
    repl = Repl(ws, FakeModel(), screen.append)
    repl.conversation.turns.append(Turn(question="What?", standalone="What?", answer="That."))
    folder = tmp_path / "memos-here"
    folder.mkdir()
    repl.handle(f"/memo {folder}")
    assert screen[-1] == f"memo written to {folder / (TODAY + '-conversation.md')}\n"
    target = tmp_path / "x.md"
    _fail_for(target, monkeypatch)
    repl.handle(f"/memo {target}")
    assert screen[-1].startswith(f"error: cannot write the memo to {target} (No space left")
    assert f"it was kept in {ws.state_dir / 'unsaved'}/" in screen[-1]


def test_a_memo_gets_the_mode_of_a_new_file_not_a_private_one(tmp_path: Path) -> None:
    from briefer.core.fileio import write_atomic

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "memo.md", "text")
        assert (tmp_path / "memo.md").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "memo.md", 0o640)
        write_atomic(tmp_path / "memo.md", "again")  # a file keeps its own mode
        assert (tmp_path / "memo.md").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
