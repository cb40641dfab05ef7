"""A normal model run writes nothing but Briefer's own lines to stderr; --verbose shows
llama.cpp's. Runs `brief` as a user does (a subprocess) on the packaged SmolLM2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# what llama.cpp / ggml print when nobody silences them
NATIVE = ("llama_", "llm_load", "load_tensors", "print_info", "ggml_", "gguf", "n_ctx_per_seq",
          "init_tokenizer", "load:", "system_info", "AVX", "CPU_REPACK", "repack")


def _brief(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFER_")}
    return subprocess.run([sys.executable, "-m", "briefer.cli.app", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.model
def test_a_normal_ask_writes_nothing_of_llama_cpp_to_stderr(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    ingest = _brief("ingest", str(REPO / "corpus"), "--store", store, cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    asked = _brief("ask", "What are Seoul's red lines?", "--store", store, "--model", "smollm2",
                   cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.strip()
    assert asked.stderr == ""  # piped, an answer has no progress lines either
    loud = _brief("--verbose", "ask", "What are Seoul's red lines?", "--store", store,
                  "--model", "smollm2", cwd=tmp_path)
    assert loud.returncode == 0
    assert any(line.startswith(NATIVE) for line in loud.stderr.splitlines())
    assert loud.stdout == asked.stdout  # --verbose changes what is shown, not the answer
