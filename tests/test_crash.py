"""Crash safety: SIGKILL an ingest subprocess mid-run, re-ingest, and the store must be whole."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from docgen import write_docs
from killing import kill_when, read_manifest

from briefer.corpus.workspace import Workspace

N_DOCS = 30
# small chunks keep the run short while every document still makes several of them
OVERRIDES = {"ingest.chunk_tokens": 32, "ingest.overlap_tokens": 4, "ingest.batch_size": 2}

# batch_size 2: a document's chunks go to the store in several writes, so kills land mid-document
SCRIPT = """
import json, sys
from pathlib import Path
from briefer.core.settings import load_settings
from briefer.corpus.workspace import Workspace

ws = Workspace.open(load_settings(**json.loads(sys.argv[3])), state_dir=Path(sys.argv[2]))
ws.ingest([Path(sys.argv[1])])
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_docs(tmp_path_factory.mktemp("crash") / "docs", N_DOCS,
                      title="Crash Test Document Number", seed=500)


# a kill point: called with (state folder, seconds since the subprocess started)
When = Callable[[Path, float], bool]


def _pending(state_dir: Path, elapsed: float) -> bool:
    m = read_manifest(state_dir)
    return bool(m and m.get("pending"))


def _committed(n: int) -> When:
    """While document n+1 is being written (n committed, one pending)."""

    def check(state_dir: Path, elapsed: float) -> bool:
        m = read_manifest(state_dir)
        return bool(m and len(m.get("docs", {})) >= n and m.get("pending"))

    return check


def _after(seconds: float) -> When:
    def check(state_dir: Path, elapsed: float) -> bool:
        return elapsed >= seconds

    return check


def _run_and_kill(folder: Path, state_dir: Path, cwd: Path,
                  when: When, limit: float = 30.0) -> bool:
    """Start an ingest subprocess and SIGKILL it once ``when(state_dir)``; True if it was killed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFER_")}
    return kill_when(["-c", SCRIPT, str(folder), str(state_dir), json.dumps(OVERRIDES)],
                     cwd=cwd, env=env, when=lambda elapsed: when(state_dir, elapsed), limit=limit)


def _check_whole(ws: Workspace, folder: Path) -> None:
    manifest = ws.manifest
    assert manifest.pending == []
    chunks = list(ws.store.iter_chunks())
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    assert ws.store.count() == len(chunks)
    assert max(Counter((c.source, c.position) for c in chunks).values()) == 1
    for c in chunks:
        assert c.source in manifest.docs, f"orphan chunk of {c.source}"
        assert c.doc_hash == manifest.docs[c.source]["sha256"], c.source
    per_source = Counter(c.source for c in chunks)
    for source, entry in manifest.docs.items():
        assert per_source[source] == entry["chunks"], source
        assert entry["chunks"] >= 3, "the corpus should make several chunks per document"
    files = sorted(p.name for p in folder.iterdir())
    assert sorted(manifest.docs) == files
    assert set(ws.lexical().ids) == set(ids)


def test_killed_ingest_recovers(corpus: Path, tmp_path: Path,
                                make_workspace: Callable[..., Workspace]) -> None:
    kill_points: list[tuple[str, list[When]]] = [
        ("first pending write", [_pending]),
        ("mid-document after 10 committed", [_committed(10)]),
        ("twice in a row, then recover", [_committed(4), _committed(20)]),
        ("after 2.0 s", [_after(2.0)]),
    ]
    killed_any = False
    for number, (label, kills) in enumerate(kill_points):
        state_dir = tmp_path / f"store{number}"
        for when in kills:
            killed = _run_and_kill(corpus, state_dir, tmp_path, when)
            killed_any = killed_any or killed
        interrupted = (read_manifest(state_dir) or {}).get("pending", [])

        ws = make_workspace(f"store{number}", **OVERRIDES)
        summary = ws.ingest([corpus])
        assert sorted(summary.added + summary.unchanged) == sorted(
            p.name for p in corpus.iterdir()), label
        assert summary.updated == [] and summary.skipped == [], label
        for source in interrupted:
            assert any(source in w and "interrupted" in w for w in summary.warnings), label
            assert source in summary.added, label
        _check_whole(ws, corpus)
        assert summary.chunks_total == ws.store.count()

        again = ws.ingest([corpus])
        assert again.chunks_added == 0 and len(again.unchanged) == N_DOCS, label
    assert killed_any, "every ingest finished before it could be killed"
