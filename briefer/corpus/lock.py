"""One writer per store at a time; readers never wait.

``brief ingest`` (and ``--prune``) hold the writer lock for the whole run; search, ask and
briefs never take it (the manifest is replaced atomically, so a reader sees the old corpus or
the new one).

- A local store: ``fcntl.flock`` on ``<store>/ingest.lock``. The kernel drops the lock when its
  process dies, so a killed writer never blocks the next one; the file's content (pid, host,
  since) only names the holder in messages.
- A Chroma server store: a lease record ``writer.lease`` in the ``<collection>_state``
  collection, renewed while the writer runs and ignored once expired, so a writer that crashed
  blocks others for at most ``ttl`` seconds. Chroma has no compare-and-set: two writers that
  start within the same fraction of a second can both read a free lease; each re-reads its
  record after a short pause and only the one whose record stands goes on.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from briefer.core.errors import StoreError
from briefer.store.chroma import ChunkStore

LOCK_FILE = "ingest.lock"
LEASE = "writer.lease"
Notice = Callable[[str], None]


class StoreBusy(StoreError):
    """Another writer holds the store; ``holder`` describes it."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


def _me() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}


def describe(record: dict[str, Any] | None) -> str:
    """'pid 123 on host since 2026-12-03 11:52:07', or a vaguer phrase without a record."""
    if not record or "pid" not in record:
        return "another process"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(record.get("since", 0))))
    host = f" on {record['host']}" if record.get("host") else ""
    return f"pid {record['pid']}{host} since {since}"


def _busy(location: str, holder: str) -> StoreBusy:
    return StoreBusy(f"the store at {location} is being written by {holder}; run again when it "
                     "has finished, or add --wait", holder)


@contextlib.contextmanager
def file_lock(folder: Path, *, wait: bool = False,
              on_wait: Notice | None = None) -> Iterator[None]:
    """Hold ``<folder>/ingest.lock`` exclusively (``wait``: block until it is free)."""
    import fcntl

    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        why = ("it is a file, not a folder" if folder.is_file()
               else exc.strerror or str(exc))
        raise StoreError(f"cannot lock the store at {folder}: {why}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = describe(_read_record(folder / LOCK_FILE))
            if not wait:
                raise _busy(str(folder), holder) from None
            if on_wait:
                on_wait(f"waiting for {holder} to finish writing the store at {folder} …")
            fcntl.flock(fd, fcntl.LOCK_EX)
        with contextlib.suppress(OSError):  # the record only names us in others' messages
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(_me()).encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def lease_lock(store: ChunkStore, *, wait: bool = False, on_wait: Notice | None = None,
               ttl: float = 120.0, poll: float = 2.0, settle: float = 0.5,
               clock: Callable[[], float] = time.time) -> Iterator[None]:
    """Hold the store's ``writer.lease`` record, renewed every ``ttl / 3`` seconds."""
    owner = uuid.uuid4().hex
    record = {**_me(), "owner": owner}
    notified = False
    while True:
        current = _lease(store)
        now = clock()
        if current is None or float(current.get("expires", 0)) < now:
            record.update(since=now, expires=now + ttl)
            store.write_state(LEASE, json.dumps(record))
            time.sleep(settle)  # a writer that raced us has written its record by now
            standing = _lease(store)
            if standing is not None and standing.get("owner") == owner:
                break
            continue
        if not wait:
            raise _busy(store.location, describe(current))
        if on_wait and not notified:
            on_wait(f"waiting for {describe(current)} to finish writing the store at "
                    f"{store.location} …")
            notified = True
        time.sleep(poll)

    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl / 3):
            record["expires"] = clock() + ttl
            with contextlib.suppress(StoreError):
                store.write_state(LEASE, json.dumps(record))

    renewer = threading.Thread(target=renew, name="briefer-lease", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        with contextlib.suppress(StoreError):
            standing = _lease(store)
            if standing is not None and standing.get("owner") == owner:
                store.write_state(LEASE, json.dumps({"owner": None, "expires": 0}))


def _lease(store: ChunkStore) -> dict[str, Any] | None:
    text = store.read_state(LEASE)
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
