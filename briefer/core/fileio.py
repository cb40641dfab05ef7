"""Atomic file replacement: a uniquely named temp file in the same folder, fsync, os.replace.

Two writers never share a temp name, a reader sees the old file or the new one and never half of
either, and a process killed mid-write leaves at most a ``.NAME.*.tmp`` file behind, never a
truncated file under the final name. This module imports nothing from Briefer.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _mode_for(path: Path) -> int:
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str | bytes, *, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text``; raises OSError (the temp file is removed) on failure."""
    data = text.encode(encoding) if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600): give it the mode the file had, else the one a
        # new file gets here (umask), so a memo can be shared like any file the user writes
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform opens folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
