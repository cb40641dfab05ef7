"""The `brief` command line: ingest/search through typer, errors through main()."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from docgen import SAMPLE, make_text
from typer.testing import CliRunner

from briefer.cli.app import app, main
from briefer.core.errors import CorpusError, StoreError


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "one.txt").write_text("The First Plain Text Document Here\n\n"
                                    + make_text(seed=41, paragraphs=3), encoding="utf-8")
    (folder / "two.md").write_text("# The Second Document In Markdown\n\n"
                                   + make_text(seed=42, paragraphs=3), encoding="utf-8")
    return folder


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
             *args: str) -> tuple[int, str, str]:
    """Run ``brief ARGS`` the way the console script does; (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["brief", *args])
    monkeypatch.delenv("COLUMNS", raising=False)  # stderr is not a terminal: rich's default width
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_then_unchanged(docs: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(docs), "--store", str(store), "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert sorted(summary["added"]) == ["one.txt", "two.md"]
    assert summary["unchanged"] == [] and summary["skipped"] == []
    assert summary["chunks_added"] == summary["chunks_total"] > 0
    assert summary["store"] == str(store)
    assert (store / "manifest.json").is_file()

    second = runner.invoke(app, ["ingest", str(docs), "--store", str(store), "--json"])
    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    assert again["added"] == [] and again["updated"] == []
    assert sorted(again["unchanged"]) == ["one.txt", "two.md"]
    assert again["chunks_added"] == 0
    assert again["chunks_total"] == summary["chunks_total"]


def test_ingest_text_summary(docs: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    (docs / "blob.xyz").write_text("unknown", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(docs), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 updated, 0 unchanged, 0 removed, 1 skipped" in result.stdout
    assert "skipped blob.xyz" in result.stderr


def test_ingest_single_file_and_search(tmp_path: Path) -> None:
    store = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(SAMPLE), "--store", str(store)]).exit_code == 0
    result = runner.invoke(app, ["search", "monitoring team Kursk", "--store", str(store),
                                 "-k", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().startswith("1. south-korea-response-options.txt")
    assert "monitoring team" in result.stdout


def test_search_on_empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s"
    result = CliRunner().invoke(app, ["search", "anything", "--store", str(store)])
    assert result.exit_code != 0
    assert isinstance(result.exception, StoreError)
    assert "empty" in str(result.exception)

    code, out, err = run_main(monkeypatch, capsys, "search", "anything", "--store", str(store))
    assert code == 1
    assert out == ""
    assert err.startswith("error: ")
    assert "empty" in " ".join(err.split())


def test_ingest_missing_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    result = CliRunner().invoke(app, ["ingest", str(missing), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert isinstance(result.exception, CorpusError)

    code, out, err = run_main(monkeypatch, capsys, "ingest", str(missing), "--store",
                              str(tmp_path / "s"))
    assert code == 1
    assert out == ""
    assert err.startswith("error: ") and "no such file" in " ".join(err.split())


@pytest.mark.parametrize("command", ["search", "ingest"])
def test_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str], command: str) -> None:
    # "Every BrieferError becomes one line on stderr" -- also when the message is long
    deep = tmp_path / ("a-rather-long-folder-name-" * 3) / "store"
    args = (["search", "anything", "--store", str(deep)] if command == "search"
            else ["ingest", str(deep / "missing-input-folder"), "--store", str(deep)])
    code, _, err = run_main(monkeypatch, capsys, *args)
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err


def test_invalid_setting_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BRIEFER_INGEST__CHUNK_TOKENS", "5")
    code, _, err = run_main(monkeypatch, capsys, "search", "x", "--store", str(tmp_path / "s"))
    assert code == 2
    assert "chunk_tokens" in err


def test_help_and_import_stay_light(tmp_path: Path) -> None:
    probe = "print('chromadb' in sys.modules, 'llama_cpp' in sys.modules, 'torch' in sys.modules)"
    plain = subprocess.run([sys.executable, "-c", "import sys; import briefer.cli.app; " + probe],
                           capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() == "False False False"

    helped = subprocess.run(
        [sys.executable, "-c",
         "import sys\nsys.argv = ['brief', '--help']\nimport briefer.cli.app\n"
         "try:\n    briefer.cli.app.main()\nexcept SystemExit:\n    pass\n" + probe],
        capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert helped.returncode == 0, helped.stderr
    lines = helped.stdout.strip().splitlines()
    assert lines[-1] == "False False False"
    assert "ingest" in helped.stdout and "search" in helped.stdout


def test_llama_import_is_blocked_in_unit_tests() -> None:
    with pytest.raises(ImportError):
        import llama_cpp  # noqa: F401


def test_brief_command_on_empty_store_ingests_corpus_and_writes_memo(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`brief "TOPIC"` on a fresh store: ingests ./corpus, drafts (fake model), writes a memo."""
    import json as _json

    from briefer.llm import models
    from briefer.llm.testing import FakeModel

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "The ministry is considering sending an observer mission to the border region. "
        "Officials said sanctions on fuel exports would be expanded with partners.")

    def respond(messages: object, schema: dict | None) -> str:  # type: ignore[type-arg]
        text = _json.dumps(schema)
        quote = _json.loads(text)  # find the first enum of quotes in the schema
        def first_enum(node: object) -> tuple[str, str] | None:
            if isinstance(node, dict):
                props = node.get("properties", {})
                if "passage" in props and "quote" in props:
                    return props["passage"]["const"], props["quote"]["enum"][0]
                for v in node.values():
                    found = first_enum(v)
                    if found:
                        return found
            if isinstance(node, list):
                for v in node:
                    found = first_enum(v)
                    if found:
                        return found
            return None
        alias, sentence = first_enum(quote) or ("P1", "")
        ev = [{"passage": alias, "quote": sentence}]
        props = schema["properties"] if schema else {}
        if "bottom_line" in props:
            return _json.dumps({"bottom_line": "Observers first, then sanctions.",
                                "situation": "A mission is being considered.", "evidence": ev})
        return _json.dumps({key: [] for key in props})

    monkeypatch.setattr(models, "load_model", lambda settings, **_: FakeModel(respond=respond))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["South Korea response", "--store", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    memo = tmp_path / "memos"
    files = list(memo.glob("*-south-korea-response.md"))
    assert files and "Observers first" in files[0].read_text()


def test_short_env_aliases_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BRIEFER_STORE / BRIEFER_MODEL are plain paths, not JSON for the nested sections."""
    from briefer.core.settings import load_settings

    monkeypatch.setenv("BRIEFER_STORE", str(tmp_path / "s"))
    monkeypatch.setenv("BRIEFER_MODEL", str(tmp_path / "m.gguf"))
    monkeypatch.setenv("BRIEFER_CHROMA_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("BRIEFER_MODEL__N_CTX", "2048")
    s = load_settings()
    assert s.store.path == tmp_path / "s" and s.model.path == str(tmp_path / "m.gguf")
    assert s.store.url == "http://127.0.0.1:1" and s.model.n_ctx == 2048


@pytest.mark.parametrize(("content", "where"), [
    (b"this is [not toml", "briefer.toml:1:"),
    (b"[store]\npath = 'x'\n[ingest\n", "briefer.toml:3:"),
    (b"[store]\npath = \xff\xfe\n", "briefer.toml: not valid TOML: not UTF-8"),
])
def test_malformed_toml_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], content: bytes,
                                           where: str) -> None:
    (tmp_path / "briefer.toml").write_bytes(content)
    code, out, err = run_main(monkeypatch, capsys, "search", "x", "--store",
                              str(tmp_path / "s"))
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: " + where), err
    if b"not toml" in content:
        assert "line 1, column" in err


def test_unreadable_toml_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "briefer.toml").mkdir()  # a folder where the file should be
    code, _, err = run_main(monkeypatch, capsys, "search", "x", "--store", str(tmp_path / "s"))
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "briefer.toml" in err, err


def test_a_store_cut_by_an_older_briefer_is_noted_once_per_command(
        make_workspace: Any, docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from briefer.cli.app import _ensure_corpus

    ws = make_workspace()
    ws.ingest([docs])
    _ensure_corpus(ws)
    assert "older Briefer" not in capsys.readouterr().err
    for entry in ws.manifest.docs.values():
        entry["chunking"] = "chunking-v1 200/32"
    ws.manifest.save()
    _ensure_corpus(make_workspace())
    err = capsys.readouterr().err
    assert f"{len(ws.manifest.docs)} document(s)" in err and "`brief ingest`" in err
