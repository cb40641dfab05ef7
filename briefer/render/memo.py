"""Brief → memo (Markdown, DOCX or HTML), and saving it without losing it.

:func:`render_memo` is pure (no I/O beyond reading the versioned template); :func:`render`
picks the format (:data:`FORMATS`, :func:`format_of` reads it from a file name) and the DOCX
and HTML renderers (``briefer.render.docx``, ``briefer.render.html``) share the numbering and
the lines here. :func:`memo_target`
and :func:`check_memo_target` settle where a memo goes before any drafting starts;
:func:`save_memo` writes it atomically and, when that fails, keeps it in an ``unsaved/`` folder
that the error names. The CLI and the REPL both save through here.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from briefer.core.errors import OutputError
from briefer.core.fileio import write_atomic
from briefer.core.prompts import read_text
from briefer.core.schemas import Brief, Chunk, Evidence, Manifest
from briefer.evidence.passages import prose_in

TEMPLATE = "memo.md.j2"
FORMATS = ("md", "docx", "html")
_SUFFIXES = {".md": "md", ".markdown": "md", ".docx": "docx", ".html": "html", ".htm": "html"}


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
            quote=prose_in(ev.quote, chunk),
        )
    return list(refs.values())


def citer(brief: Brief, chunks: dict[str, Chunk]
          ) -> tuple[list[SourceRef], Callable[[Sequence[Evidence]], list[int]]]:
    """The brief's numbered sources, and a function giving the numbers a list of evidence
    cites (sorted, each once): the same numbers in every format."""
    sources = number_sources(brief.evidence(), chunks)
    index = {(s.chunk_id, s.raw): s.n for s in sources}

    def numbers(evidence: Sequence[Evidence]) -> list[int]:
        return sorted({index[(e.chunk_id, " ".join(e.quote.split()))] for e in evidence})

    return sources, numbers


def steering(m: Manifest) -> list[tuple[str, list[str]]]:
    """What the analyst steered, as (what, items) pairs; empty when nothing was."""
    parts = [("Pinned passages", m.pinned), ("Excluded documents", m.excluded),
             ("Sections redone", m.redone)]
    return [(what, list(items)) for what, items in parts if items]


def manifest_line(m: Manifest) -> str:
    """The manifest footer as one plain line (the Markdown template writes its own)."""
    t = m.timings
    return (f"Manifest: model {m.model_file.split('/')[-1]} (sha256 {m.model_sha256[:12]}…), "
            f"prompt {m.prompt_version}, schema {m.schema_version}, store "
            f"{m.store_fingerprint}, k={m.k}, temperature {m.temperature}, seed {m.seed}; "
            f"{m.prompt_tokens} prompt tokens ({m.prompt_tokens_evaluated} evaluated), "
            f"{m.completion_tokens} generated, {m.attempts} model calls; retrieval "
            f"{t.retrieval_s:.1f} s, generation {t.generation_s:.1f} s, total {t.total_s:.1f} s; "
            f"created {m.created_at.strftime('%Y-%m-%d %H:%M UTC')}; retrieved "
            f"{len(m.retrieved_chunk_ids)} passages; briefer {m.briefer_version}.")


def format_of(path: Path, default: str = "md") -> str:
    """The memo format a file name asks for; ``default`` when it has no extension."""
    if not path.suffix:
        return default
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(f"cannot write a {path.suffix} memo ({path.name}): the formats are "
                          "md (.md, .markdown), docx (.docx) and html (.html, .htm)")
    return fmt


def render_memo(brief: Brief, chunks: dict[str, Chunk]) -> str:
    sources, numbers = citer(brief, chunks)

    def cite(evidence: Sequence[Evidence]) -> str:
        return "".join(f"[{n}]" for n in numbers(evidence))

    text = template().render(brief=brief, sources=sources, cite=cite, m=brief.manifest)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def template() -> Any:
    """The memo's Jinja template (``prompts/memo.md.j2``): one block per section, so that
    :mod:`briefer.render.stream` can render a section alone."""
    from jinja2 import Environment, StrictUndefined

    env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=False)
    env.filters["cell"] = lambda s: " ".join(str(s).replace("|", "\\|").split())
    env.filters["code"] = lambda s: " ".join(str(s).replace("`", "'").replace("|", "\\|").split())
    return env.from_string(read_text(TEMPLATE))


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "brief"


def memo_path(topic: str, folder: Path, today: date | None = None, ext: str = "md") -> Path:
    return folder / f"{(today or date.today()).isoformat()}-{slugify(topic)}.{ext.lstrip('.')}"


def memo_target(out: Path | None, topic: str, memo_dir: Path,
                today: date | None = None, ext: str = "md") -> Path:
    """Where a memo goes: ``out`` as given, ``<out>/<date>-<slug>.<ext>`` when ``out`` is a
    folder, else ``<memo_dir>/<date>-<slug>.<ext>``."""
    if out is None:
        return memo_path(topic, memo_dir, today, ext)
    out = out.expanduser()
    return memo_path(topic, out, today, ext) if out.is_dir() else out


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


def save_memo(text: str | bytes, path: Path, *, rescue: Sequence[Path], name: str,
              brief_json: str | None = None) -> Path:
    """Write ``text`` (bytes for DOCX) to ``path`` atomically (temp file + fsync + rename) and
    return ``path``.

    If that fails, the memo (``<stamp>-<name>.md``, or ``.docx`` / ``.html`` / ... as ``path``
    has it) and, when given, the brief's JSON
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
    suffix = path.suffix.lower() if path.suffix.lower() in _SUFFIXES else ".md"
    for folder in rescue:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / f"{stem}{suffix}", text)
            if brief_json is not None:
                write_atomic(folder / f"{stem}.json", brief_json)
        except OSError:
            continue
        kept = folder / f"{stem}.json" if brief_json is not None else folder / f"{stem}{suffix}"
        raise OutputError(f"cannot write the memo to {path} ({why}); it was kept in {kept}")
    raise OutputError(f"cannot write the memo to {path} ({why}), nor anywhere else; copy it "
                      "from the screen")
