"""End to end against real servers on loopback: `chroma run` and llama-cpp-python's server.

Both are started here, waited for, and stopped by their own process ids. Marked `servers`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefer.evaluation.servers import free_port, start_chroma, start_llama_server, stop, wait_for
from briefer.llm.models import packaged_smollm2

pytestmark = [pytest.mark.servers, pytest.mark.model]
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("servers")
    chroma_port, llm_port = free_port(), free_port()
    chroma = start_chroma(chroma_port, tmp / "chroma", tmp / "chroma.log")
    llm = start_llama_server(llm_port, packaged_smollm2(), tmp / "llm.log")
    try:
        wait_for(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", chroma)
        wait_for(f"http://127.0.0.1:{llm_port}/v1/models", llm)
        yield f"http://127.0.0.1:{chroma_port}", f"http://127.0.0.1:{llm_port}/v1"
    finally:
        stop(llm)
        stop(chroma)


def brief_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFER_")}
    return subprocess.run([sys.executable, "-m", "briefer.cli.app", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=900)


def test_ingest_search_ask_brief_against_servers(servers: tuple[str, str],
                                                 tmp_path: Path) -> None:
    chroma_url, llm_url = servers
    remote = ["--chroma-url", chroma_url]
    r = brief_cli("ingest", str(CORPUS), *remote, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["added"] == ["south-korea-response-options.txt"]
    again = brief_cli("ingest", str(CORPUS), *remote, "--json", cwd=tmp_path)
    assert json.loads(again.stdout)["unchanged"] == ["south-korea-response-options.txt"]

    r = brief_cli("search", "What might South Korea supply if red lines are crossed?", *remote,
                  "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    top = json.loads(r.stdout)["hits"][0]["text"]
    assert all(w in top for w in ("Cheongung II", "K-2", "K-9", "Chunmoo"))

    r = brief_cli("ask", "Who would staff the monitoring team?", *remote, "--llm-url", llm_url,
                  "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    from briefer.cli.app import ANSWER_JSON_EXCLUDE
    from briefer.core.schemas import Answer

    hidden = {k for k, v in ANSWER_JSON_EXCLUDE.items() if v is True}
    assert set(answer) == set(Answer.model_fields) - hidden
    assert {"question", "answer", "insufficient_evidence", "citations", "manifest"} <= set(answer)
    assert llm_url in answer["manifest"]["model_file"]

    r = brief_cli("South Korea response", *remote, "--llm-url", llm_url, "-k", "4", "--json",
                  cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    from briefer.core.schemas import Brief
    from briefer.text.verify import verify_quote

    brief = Brief.model_validate_json(r.stdout)
    hits = json.loads(brief_cli("search", "South Korea response", *remote, "-k", "20", "--json",
                                cwd=tmp_path).stdout)["hits"]
    texts = {h["chunk_id"]: h["text"] for h in hits}
    for ev in brief.evidence():
        assert verify_quote(ev.quote, texts[ev.chunk_id]).match != "unverified"
    # the brief is kept on the server, where another analyst's machine (another cwd, no local
    # store) lists it; `brief sources` reads the server's manifest
    other = tmp_path / "other-analyst"
    other.mkdir()
    kept = json.loads(brief_cli("history", *remote, "--json", cwd=other).stdout)
    assert [e["topic"] for e in kept] == ["South Korea response"]
    listed = json.loads(brief_cli("sources", *remote, "--json", cwd=other).stdout)
    assert [s["source"] for s in listed] == ["south-korea-response-options.txt"]


def test_server_down_is_one_line(tmp_path: Path) -> None:
    r = brief_cli("search", "x", "--chroma-url", f"http://127.0.0.1:{free_port()}",
                  cwd=tmp_path)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Chroma" in r.stderr
