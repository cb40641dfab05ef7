"""Brief → Markdown memo, and saving it without losing it.

:func:`render_memo` is pure (no I/O beyond reading the versioned template). :func:`memo_target`
and :func:`check_memo_target` settle where a memo goes before any drafting starts;
:func:`save_memo` writes it atomically and, when that fails, keeps it in an ``unsaved/`` folder
that the error names. The CLI and the REPL both save through here.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from briefer.core.errors import OutputError
from briefer.core.fileio import write_atomic
from briefer.core.prompts import read_text
from briefer.core.schemas import Brief, Chunk, Evidence
from briefer.evidence.passages import as_prose

TEMPLATE = "memo.md.j2"


@dataclass(frozen=True)
class SourceRef:
    n: int
    chunk_id: str
    source: str
    page: int | None
    start: int
    end: int
    quote: str  # as prose (passages.as_prose); the verified raw quote is `raw`
    match: str
    raw: str = ""


def number_sources(evidence: Sequence[Evidence], chunks: dict[str, Chunk]) -> list[SourceRef]:
    """One number per distinct (passage, quote), in order of first citation."""
    refs: dict[tuple[str, str], SourceRef] = {}
    for ev in evidence:
        key = (ev.chunk_id, " ".join(ev.quote.split()))
        if key in refs:
            continue
        chunk = chunks.get(ev.chunk_id)
        refs[key] = SourceRef(
            n=len(refs) + 1, chunk_id=ev.chunk_id, source=chunk.source if chunk else "?",
            page=chunk.page if chunk else None, start=chunk.start if chunk else 0,
            end=chunk.end if chunk else 0, match=ev.match, raw=key[1],
            quote=as_prose(ev.quote, chunk.text if chunk else None),
        )
    return list(refs.values())


def render_memo(brief: Brief, chunks: dict[str, Chunk]) -> str:
    from jinja2 import Environment, StrictUndefined

    sources = number_sources(brief.evidence(), chunks)
    index = {(s.chunk_id, s.raw): s.n for s in sources}

    def cite(evidence: Sequence[Evidence]) -> str:
        numbers = sorted({index[(e.chunk_id, " ".join(e.quote.split()))] for e in evidence})
        return "".join(f"[{n}]" for n in numbers)

    env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=False)
    env.filters["cell"] = lambda s: " ".join(str(s).replace("|", "\\|").split())
    env.filters["code"] = lambda s: " ".join(str(s).replace("`", "'").replace("|", "\\|").split())
    text = env.from_string(read_text(TEMPLATE)).render(brief=brief, sources=sources, cite=cite,
                                                       m=brief.manifest)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "brief"


def memo_path(topic: str, folder: Path, today: date | None = None) -> Path:
    return folder / f"{(today or date.today()).isoformat()}-{slugify(topic)}.md"


def memo_target(out: Path | None, topic: str, memo_dir: Path,
                today: date | None = None) -> Path:
    """Where a memo goes: ``out`` as given, ``<out>/<date>-<slug>.md`` when ``out`` is a
    folder, else ``<memo_dir>/<date>-<slug>.md``."""
    if out is None:
        return memo_path(topic, memo_dir, today)
    out = out.expanduser()
    return memo_path(topic, out, today) if out.is_dir() else out


def check_memo_target(path: Path) -> None:
    """Fail now, before any drafting, if a memo cannot be created at ``path``.

    Creates the folder, then proves a file can be created in it (a probe file, removed at
    once): the folder's permissions, a read-only disk and a missing mount all show up here.
    """
    where = f"cannot write the memo to {path}"
    if path.is_dir():
        raise OutputError(f"{where}: it is a folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{where}: the file is read-only")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{where}: {parent} is a file, not a folder")
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{where}: {exc.strerror or exc}") from None


def rescue_dirs(state_dir: Path) -> list[Path]:
    """Where an unsaved memo is kept, first that works: the store's folder, the per-user data
    folder, the system temp folder (each under ``unsaved/``)."""
    from platformdirs import user_data_path

    return [state_dir / "unsaved", user_data_path("briefer", appauthor=False) / "unsaved",
            Path(tempfile.gettempdir()) / "briefer-unsaved"]


def save_memo(text: str, path: Path, *, rescue: Sequence[Path], name: str,
              brief_json: str | None = None) -> Path:
    """Write ``text`` to ``path`` atomically (temp file + fsync + rename) and return ``path``.

    If that fails, the memo (``<stamp>-<name>.md``) and, when given, the brief's JSON
    (``.json``) go to the first ``rescue`` folder that takes them, and :class:`OutputError`
    names it. The file under ``path`` is never left half written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
        return path
    except OSError as exc:
        why = exc.strerror or str(exc)
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{slugify(name)}"
    for folder in rescue:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / f"{stem}.md", text)
            if brief_json is not None:
                write_atomic(folder / f"{stem}.json", brief_json)
        except OSError:
            continue
        kept = folder / f"{stem}.json" if brief_json is not None else folder / f"{stem}.md"
        raise OutputError(f"cannot write the memo to {path} ({why}); it was kept in {kept}")
    raise OutputError(f"cannot write the memo to {path} ({why}), nor anywhere else; copy it "
                      "from the screen")
