"""One writer at a time: the store's writer lock (local flock, server lease) and concurrent
`brief ingest` runs into one store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from docgen import make_text

from briefer.core.errors import StoreError
from briefer.core.settings import load_settings
from briefer.corpus.lock import LEASE, LOCK_FILE, StoreBusy, file_lock, lease_lock
from briefer.corpus.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SMALL = {"BRIEFER_INGEST__CHUNK_TOKENS": "32", "BRIEFER_INGEST__OVERLAP_TOKENS": "4"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return {**env, **SMALL}


def _brief(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "briefer.cli.app", *args], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- local lock file


def test_file_lock_second_writer_fails_naming_the_holder(tmp_path: Path) -> None:
    store = tmp_path / "s"
    with file_lock(store):
        record = json.loads((store / LOCK_FILE).read_text())
        assert record["pid"] == os.getpid()
        with pytest.raises(StoreBusy) as busy:
            with file_lock(store):
                pass
        message = str(busy.value)
        assert f"pid {os.getpid()}" in message and " since " in message and "--wait" in message
        assert isinstance(busy.value, StoreError)
    with file_lock(store):  # released: free again
        pass
    assert (store / LOCK_FILE).read_text() == ""


def test_file_lock_wait_queues_behind_the_holder(tmp_path: Path) -> None:
    store = tmp_path / "s"
    notices: list[str] = []
    order: list[str] = []
    held = threading.Event()

    def holder() -> None:
        with file_lock(store):
            held.set()
            time.sleep(0.5)
            order.append("first done")

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    with file_lock(store, wait=True, on_wait=notices.append):
        order.append("second in")
    thread.join()
    assert order == ["first done", "second in"]
    assert len(notices) == 1 and notices[0].startswith("waiting for pid ")


# --------------------------------------------------------------------------- server lease


class StateOnly:
    """The two state calls of a ChunkStore, as a Chroma server store keeps them."""

    location = "http://chroma.test:8000 (collection c)"

    def __init__(self) -> None:
        self.records: dict[str, str] = {}
        self.lock = threading.Lock()

    def read_state(self, name: str) -> str | None:
        with self.lock:
            return self.records.get(name)

    def write_state(self, name: str, text: str) -> None:
        with self.lock:
            self.records[name] = text


def test_lease_excludes_a_second_writer_and_is_released(tmp_path: Path) -> None:
    store = StateOnly()
    with lease_lock(store, settle=0.01):  # type: ignore[arg-type]
        lease = json.loads(store.records[LEASE])
        assert lease["pid"] == os.getpid() and lease["expires"] > time.time()
        with pytest.raises(StoreBusy, match=f"pid {os.getpid()}"):
            with lease_lock(store, settle=0.01):  # type: ignore[arg-type]
                pass
    assert json.loads(store.records[LEASE])["expires"] == 0  # released


def test_expired_lease_of_a_crashed_writer_is_taken_over() -> None:
    store = StateOnly()
    store.records[LEASE] = json.dumps({"pid": 999999, "host": "gone", "since": 0.0,
                                       "expires": time.time() - 1, "owner": "dead"})
    with lease_lock(store, settle=0.01):  # type: ignore[arg-type]
        assert json.loads(store.records[LEASE])["pid"] == os.getpid()


def test_lease_is_renewed_and_wait_queues() -> None:
    store = StateOnly()
    notices: list[str] = []
    held = threading.Event()

    def holder() -> None:
        with lease_lock(store, ttl=6.0, settle=0.01):  # type: ignore[arg-type]
            first = json.loads(store.records[LEASE])["expires"]
            held.set()
            time.sleep(2.5)  # past ttl / 3: the renewer has pushed the expiry on
            assert json.loads(store.records[LEASE])["expires"] > first

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    with lease_lock(store, wait=True, on_wait=notices.append, poll=0.1,  # type: ignore[arg-type]
                    settle=0.01):
        pass
    thread.join()
    assert len(notices) == 1 and "waiting for pid" in notices[0]


def test_workspace_on_a_server_uses_the_lease(tmp_path: Path) -> None:
    store = StateOnly()
    ws = Workspace.open(load_settings(**{"store.url": "http://chroma.test:8000"}),
                        store=store, state_dir=tmp_path / "cache")  # type: ignore[arg-type]
    with ws.writer_lock():
        assert json.loads(store.records[LEASE])["pid"] == os.getpid()
    assert not (tmp_path / "cache" / LOCK_FILE).exists()


# --------------------------------------------------------------------------- through the CLI


def _folder(root: Path, tag: str, n: int) -> Path:
    folder = root / f"in-{tag}"
    folder.mkdir()
    for j in range(n):
        (folder / f"{tag}-{j}.txt").write_text(
            f"Concurrent Document {tag} {j}\n\n" + make_text(seed=hash((tag, j)) % 1000,
                                                            paragraphs=1), encoding="utf-8")
    return folder


def test_second_ingest_fails_in_one_line_or_waits(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "a", 2)
    store = tmp_path / "store"
    with file_lock(store):
        busy = _brief("ingest", str(folder), "--store", str(store), cwd=tmp_path)
        out, err = busy.communicate(timeout=120)
        assert busy.returncode == 1, err
        assert err.count("\n") == 1 and err.startswith("error: the store at "), err
        assert f"pid {os.getpid()}" in err and "since" in err and "Traceback" not in err

        waiting = _brief("ingest", str(folder), "--store", str(store), "--wait", cwd=tmp_path)
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert line.startswith(f"waiting for pid {os.getpid()}"), line
    out, err = waiting.communicate(timeout=180)
    assert waiting.returncode == 0, err
    assert "2 added" in out


def test_concurrent_ingests_into_one_store_keep_every_document_once(tmp_path: Path) -> None:
    """Three `brief ingest --wait` of different folders at once: all documents, each once.

    Before the writer lock they crashed on manifest.json.tmp (a shared temp name) and lost
    each other's manifest entries."""
    per_folder = 4
    folders = [_folder(tmp_path, tag, per_folder) for tag in ("x", "y", "z")]
    store = tmp_path / "store"
    procs = [_brief("ingest", str(f), "--store", str(store), "--wait", "--json", cwd=tmp_path)
             for f in folders]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err
        assert len(json.loads(out)["added"]) == per_folder

    ws = Workspace.open(load_settings(**{"ingest.chunk_tokens": 32}), state_dir=store)
    manifest = ws.manifest
    expected = sorted(f"{tag}-{j}.txt" for tag in "xyz" for j in range(per_folder))
    assert sorted(manifest.docs) == expected and manifest.pending == []
    chunks = list(ws.store.iter_chunks())
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)) == ws.store.count()
    per_source = Counter(c.source for c in chunks)
    assert sorted(per_source) == expected
    for source, entry in manifest.docs.items():
        assert per_source[source] == entry["chunks"], source
    assert max(Counter((c.source, c.position) for c in chunks).values()) == 1
    assert not list(store.glob("*.tmp")), "temp files left behind"
