"""Faults that used to lose work or hang: a kill mid-prune, a kill mid-memo, a full disk under
the store, a store folder deleted between commands. Each ends in one line and an exit code, and
the store is whole (or whole again after the next ingest)."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from docgen import write_docs
from killing import kill_when, read_manifest
from test_cli import run_main

from briefer.core.settings import load_settings
from briefer.corpus.workspace import Workspace
from briefer.store import chroma as store_module

REPO = Path(__file__).resolve().parents[1]
N_DOCS = 24
SMALL = {"ingest.chunk_tokens": 32, "ingest.overlap_tokens": 4, "ingest.batch_size": 2}
SMALL_ENV = {"BRIEFER_INGEST__CHUNK_TOKENS": "32", "BRIEFER_INGEST__OVERLAP_TOKENS": "4",
             "BRIEFER_INGEST__BATCH_SIZE": "2"}

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "docs", N_DOCS, title="Fault Test Document Number", seed=700)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return {**env, **SMALL_ENV}


def _kill_when(args: list[str], cwd: Path, when: Callable[[], bool]) -> bool:
    """Run ``python ARGS`` (small ingest settings); SIGKILL it as soon as ``when()``."""
    return kill_when(args, cwd=cwd, env=_env(), when=lambda _elapsed: when(), limit=120.0)


def _whole(store: Path) -> tuple[dict, Counter[str]]:  # type: ignore[type-arg]
    """The store agrees with its manifest: no pending source, no orphan or missing chunk."""
    ws = Workspace.open(load_settings(**SMALL), state_dir=store)
    manifest = ws.manifest
    assert manifest.pending == []
    chunks = list(ws.store.iter_chunks())
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)) == ws.store.count()
    per_source = Counter(c.source for c in chunks)
    assert set(per_source) == set(manifest.docs), "orphan chunks or empty entries"
    for source, entry in manifest.docs.items():
        assert per_source[source] == entry["chunks"], source
        assert {c.doc_hash for c in chunks if c.source == source} == {entry["sha256"]}
    return manifest.docs, per_source


def _one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --------------------------------------------------------------------------- kill mid-prune


def test_kill_during_prune_is_repaired_by_the_next_ingest(
        docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    for name, value in SMALL_ENV.items():  # the killed run's settings: files cut another way
        monkeypatch.setenv(name, value)    # would be cut again, not kept as unchanged
    code, _, err = run_main(monkeypatch, capsys, "ingest", str(docs), "--store", str(store))
    assert code == 0, err
    for path in sorted(docs.iterdir())[4:]:  # 20 of 24 files are gone: prune has work to do
        path.unlink()
    killed = _kill_when(["-m", "briefer.cli.app", "ingest", str(docs), "--store", str(store),
                         "--prune"], tmp_path,
                        lambda: bool((read_manifest(store) or {}).get("pending")))
    assert killed, "the prune finished before it could be killed"
    interrupted = read_manifest(store)["pending"]  # type: ignore[index]
    assert len(interrupted) == 1

    code, out, err = run_main(monkeypatch, capsys, "ingest", str(docs), "--store", str(store))
    assert code == 0, err
    assert f"warning: {interrupted[0]}: an earlier ingest was interrupted" in err
    assert "4 unchanged" in out
    remaining, _ = _whole(store)
    assert interrupted[0] not in remaining and len(remaining) < N_DOCS

    code, out, err = run_main(monkeypatch, capsys, "ingest", str(docs), "--store", str(store),
                              "--prune")
    assert code == 0, err
    after, _ = _whole(store)
    assert sorted(after) == sorted(p.name for p in docs.iterdir())


# --------------------------------------------------------------------------- kill mid-memo

MEMO_SCRIPT = """
import os, sys, time
from pathlib import Path
from briefer.render.memo import save_memo

if sys.argv[3] == "stall":  # stop inside fsync: the new memo is fully in its temp file
    def stall(fd):
        Path(sys.argv[2]).write_text("stalled")
        time.sleep(120)
    os.fsync = stall
text = "# New memo\\n" + "the new memo's line\\n" * 2_000_000  # ~40 MB: writing takes a while
save_memo(text, Path(sys.argv[1]), rescue=[Path(sys.argv[2]).parent / "unsaved"], name="t")
"""


@pytest.mark.parametrize("old", [True, False], ids=["over-old-memo", "new-memo"])
@pytest.mark.parametrize("moment", ["stall", "mid-write"])
def test_kill_during_memo_writing_leaves_no_half_memo(tmp_path: Path, old: bool,
                                                      moment: str) -> None:
    folder = tmp_path / "memos"
    folder.mkdir()
    memo = folder / "2026-01-01-t.md"
    if old:
        memo.write_text("# Old memo\nintact\n")
    marker = tmp_path / "marker"

    def writing() -> bool:
        if moment == "stall":
            return marker.exists()
        temps = list(folder.glob(".*.tmp"))
        return bool(temps) and temps[0].stat().st_size > 1_000_000

    killed = _kill_when(["-c", MEMO_SCRIPT, str(memo), str(marker), moment], tmp_path, writing)
    assert killed, "the memo was written before it could be killed"
    if old:
        assert memo.read_text() == "# Old memo\nintact\n"
    else:
        assert not memo.exists()
    leftovers = [p.name for p in folder.iterdir() if p != memo]
    assert all(n.startswith(f".{memo.name}.") and n.endswith(".tmp") for n in leftovers)


# --------------------------------------------------------------------------- disk full


def _disk_full_after(writes: int, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The store's state writes fail with ENOSPC after ``writes`` successful ones."""
    real = store_module.write_atomic
    calls = [0]

    def write(path: Path, text: str | bytes, *, encoding: str = "utf-8") -> None:
        calls[0] += 1
        if calls[0] > writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, text, encoding=encoding)

    monkeypatch.setattr(store_module, "write_atomic", write)
    return calls


@pytest.mark.parametrize("writes", [0, 5])
def test_disk_full_on_the_manifest_is_one_line_and_the_store_recovers(
        docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], writes: int) -> None:
    store = tmp_path / "store"
    with monkeypatch.context() as patch:
        _disk_full_after(writes, patch)
        code, out, err = run_main(patch, capsys, "ingest", str(docs), "--store", str(store))
    assert code == 1 and out == ""
    assert _one_line(err) == (f"error: cannot write manifest.json in the store at {store}: "
                              "No space left on device")
    assert not list(store.glob("*.tmp")) and not list(store.glob(".*.tmp"))
    if writes:  # docs 1-2 committed; doc 3 pending with its chunks written
        assert len(read_manifest(store)["docs"]) == 2  # type: ignore[index]
        assert read_manifest(store)["pending"] == ["doc02.txt"]  # type: ignore[index]

    code, out, err = run_main(monkeypatch, capsys, "search", "fault test document",
                              "--store", str(store))
    assert code == (0 if writes else 1), err

    code, out, err = run_main(monkeypatch, capsys, "ingest", str(docs), "--store", str(store))
    assert code == 0, err
    assert f"{N_DOCS - 2 * bool(writes)} added" in out
    after, _ = _whole(store)
    assert len(after) == N_DOCS


def test_disk_full_inside_chroma_is_one_line_and_the_store_recovers(
        docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from chromadb.api.models.Collection import Collection

    store = tmp_path / "store"
    real = Collection.upsert
    calls = [0]

    def upsert(self: Collection, *args: object, **kwargs: object) -> None:
        calls[0] += 1
        if calls[0] > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(Collection, "upsert", upsert)
        code, out, err = run_main(patch, capsys, "ingest", str(docs), "--store", str(store))
    assert code == 1 and out == ""
    assert _one_line(err) == (f"error: cannot write to the store at {store}: [Errno 28] No "
                              "space left on device")
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(docs), "--store", str(store))
    assert code == 0, err
    assert "an earlier ingest was interrupted" in err
    after, _ = _whole(store)
    assert len(after) == N_DOCS


# --------------------------------------------------------------------------- store deleted


def _brief(*args: str, cwd: Path) -> tuple[int, str, str]:
    """``brief ARGS`` as its own process (Chroma caches open stores within one process)."""
    done = subprocess.run([sys.executable, "-m", "briefer.cli.app", *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("deleted", ["store folder", "chroma folder", "manifest"])
def test_store_deleted_between_commands(docs: Path, tmp_path: Path, deleted: str) -> None:
    store = tmp_path / "store"
    code, _, err = _brief("ingest", str(docs), "--store", str(store), cwd=tmp_path)
    assert code == 0, err
    if deleted == "store folder":
        shutil.rmtree(store)
    elif deleted == "chroma folder":
        shutil.rmtree(store / "chroma")
    else:
        (store / "manifest.json").unlink()

    code, out, err = _brief("search", "fault test document", "--store", str(store),
                            cwd=tmp_path)
    if deleted == "chroma folder":  # the manifest still lists documents: nothing is found
        assert code == 0 and "no passages found" in out, err
    else:
        assert code == 1
        assert _one_line(err) == (f"error: the store at {store} is empty; run `brief ingest "
                                  "PATH` first")

    code, out, err = _brief("ingest", str(docs), "--store", str(store), cwd=tmp_path)
    assert code == 0, err
    assert f"{N_DOCS} added" in out, out
    if deleted == "chroma folder":
        assert err.count("did not match the manifest") == N_DOCS, err
    after, _ = _whole(store)
    assert len(after) == N_DOCS
    code, out, err = _brief("search", "fault test document", "--store", str(store),
                            cwd=tmp_path)
    assert code == 0 and "doc" in out, err
