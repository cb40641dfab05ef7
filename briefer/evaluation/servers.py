"""Start a Chroma server and a llama-cpp-python server on loopback, wait for them, stop them.

Used by the end-to-end tests and benchmarks/servers.py; the README shows the same commands for
running the servers by hand.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from briefer.core.errors import ConfigError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_chroma(port: int, path: Path, log: Path) -> subprocess.Popen[bytes]:
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        raise ConfigError("the `chroma` command (from the chromadb package) is not installed")
    return subprocess.Popen([exe, "run", "--host", "127.0.0.1", "--port", str(port),
                             "--path", str(path)], stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)


def start_llama_server(port: int, model: Path, log: Path, n_ctx: int = 4096
                       ) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model),
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx)],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"no answer from {url} within {seconds} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server by its own process id: SIGTERM, then SIGKILL after 20 s."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
