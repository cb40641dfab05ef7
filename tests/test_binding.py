"""The llama-cpp-python adapter's guard: tested, untested and known-crashing versions.

No model is loaded here; the version checks are plain functions of (version, cpu has AMX).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from briefer.core.errors import BrieferWarning, ModelError
from briefer.llm import binding


def test_the_tested_version_passes_silently() -> None:
    for amx in (True, False):
        assert binding.check_version("0.3.16", amx=amx) is None


@pytest.mark.parametrize("version", ["0.3.17", "0.3.25", "0.3.36"])
def test_a_release_with_the_amx_fault_is_refused_on_an_amx_cpu(version: str) -> None:
    with pytest.raises(ModelError) as err:
        binding.check_version(version, amx=True)
    message = str(err.value)
    assert version in message and "0.3.16" in message and "\n" not in message


@pytest.mark.parametrize("version", ["0.3.36", "0.3.15", "0.3.37", "0.4.0", "1.0.0rc1"])
def test_other_versions_are_warned_about_in_one_line(version: str) -> None:
    warning = binding.check_version(version, amx=False)
    assert warning is not None and version in warning and binding.TESTED_RANGE in warning
    assert "\n" not in warning


def test_a_later_release_than_those_seen_crashing_is_only_warned_about() -> None:
    assert binding.check_version("0.3.37", amx=True) is not None  # untested, not refused


def test_amx_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    flags = tmp_path / "cpuinfo"
    flags.write_text("flags\t\t: fpu vme avx512f amx_bf16 amx_tile amx_int8\n")
    assert binding.cpu_has_amx(flags)
    flags.write_text("flags\t\t: fpu vme avx2\n")
    assert not binding.cpu_has_amx(flags)
    assert not binding.cpu_has_amx(tmp_path / "missing")


def test_import_warns_once_for_an_untested_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """The warning is a BrieferWarning (the CLI prints it as one line); llama_cpp itself is
    unavailable in unit tests, so the import then fails as a ModelError, never a traceback."""
    monkeypatch.setitem(binding._state, "checked", False)
    monkeypatch.setattr(binding.metadata, "version", lambda name: "0.9.0")
    monkeypatch.setattr(binding, "cpu_has_amx", lambda: True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(ModelError, match="not installed"):
            binding.import_llama()
    assert [w.category for w in seen] == [BrieferWarning]


def test_import_refuses_a_crashing_version_before_importing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(binding._state, "checked", False)
    monkeypatch.setattr(binding.metadata, "version", lambda name: "0.3.36")
    monkeypatch.setattr(binding, "cpu_has_amx", lambda: True)
    with pytest.raises(ModelError, match="crashes on this CPU"):
        binding.import_llama()



@pytest.fixture()
def ingested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> str:
    """A store with one small document, ingested through the CLI; its path."""
    from test_cli import run_main

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "note.txt").write_text("Seoul said it would send a monitoring team "
                                                "to observe the deployment.\n" * 3)
    store = str(tmp_path / "store")
    assert run_main(monkeypatch, capsys, "ingest", str(tmp_path / "docs"), "--store", store)[0] == 0
    return store


def test_the_cli_says_which_versions_work_in_one_line_and_exits_1(
        ingested: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A user with a crashing binding sees one line, never a segfault or a traceback."""
    from test_cli import run_main

    monkeypatch.setitem(binding._state, "checked", False)
    monkeypatch.setattr(binding.metadata, "version", lambda name: "0.3.36")
    monkeypatch.setattr(binding, "cpu_has_amx", lambda: True)
    code, out, err = run_main(monkeypatch, capsys, "ask", "Will Seoul send a team?",
                              "--store", ingested, "--model", "smollm2")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("error: llama-cpp-python 0.3.36 crashes")
    assert "0.3.16" in err


def test_the_cli_prints_an_untested_version_as_one_warning_line(
        ingested: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from test_cli import run_main

    monkeypatch.setitem(binding._state, "checked", False)
    monkeypatch.setattr(binding.metadata, "version", lambda name: "0.4.0")
    code, out, err = run_main(monkeypatch, capsys, "ask", "Will Seoul send a team?",
                              "--store", ingested, "--model", "smollm2")
    # llama_cpp cannot be imported in unit tests: after the warning, a one-line error
    lines = err.splitlines()
    assert lines[0].startswith("warning: llama-cpp-python 0.4.0 is untested")
    assert code != 0 and len(lines) == 2 and lines[1].startswith("error:")
