"""Helpers of the tests that SIGKILL a subprocess mid-write (test_crash.py, test_faults.py)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def kill_when(args: list[str], *, cwd: Path, env: dict[str, str],
              when: Callable[[float], bool], limit: float) -> bool:
    """Run ``python ARGS``; SIGKILL it as soon as ``when(seconds since it started)``, or after
    ``limit`` seconds; True if it was killed. A run that ends first must have succeeded."""
    proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - started < limit:
            if when(time.monotonic() - started):
                break
            time.sleep(0.001)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return proc.returncode == -signal.SIGKILL
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        assert proc.returncode == 0, err
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def read_manifest(state_dir: Path) -> dict[str, Any] | None:
    """The store's manifest as the subprocess left it; None while missing or half-written."""
    try:
        data: dict[str, Any] = json.loads((state_dir / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data
