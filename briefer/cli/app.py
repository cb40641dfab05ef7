"""The `brief` command: a thin typer layer over the library.

This module holds the app, the entry point and the commands that load the model (draft, ask,
repl); `brief ingest` and `brief search` are in ``store_cmd.py``, `brief eval` in
``eval_cmd.py``, `brief models` in ``models_cmd.py``, what they share in ``common.py``. The
``briefer.cli`` modules are the only ones that import typer and rich.

Every BrieferError becomes one line on stderr and an exit code; nothing else is caught here
except Ctrl-C, which exits 130.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from briefer.cli.common import (
    JsonOpt,
    ModelOptions,
    _console,
    _fetch_with_bar,
    _save_memo,
    _workspace,
    with_model_options,
)
from briefer.cli.eval_cmd import eval_
from briefer.cli.history_cmd import diff, history
from briefer.cli.models_cmd import models_app
from briefer.cli.store_cmd import forget, ingest, search, sources
from briefer.core.errors import BrieferError
from briefer.text.verify import in_quotes


class _DefaultToBrief(TyperGroup):
    """`brief "TOPIC"` means `brief draft "TOPIC"`: unknown first words go to `draft`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # --verbose belongs to `brief` itself, wherever it is written
        loud = [a for a in args if a in _ROOT_FLAGS]
        args = [a for a in args if a not in _ROOT_FLAGS]
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                     "--version"):
            args = ["draft", *args]
        return super().parse_args(ctx, [*loud[:1], *args])


_ROOT_FLAGS = ("--verbose",)


app = typer.Typer(
    cls=_DefaultToBrief,
    help="Briefer: grounded analytic briefs from your own documents, offline.\n\n"
    'Run `brief ingest PATH`, then `brief "TOPIC"` for a brief.',
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(models_app, name="models")


def _print_version(value: bool) -> None:
    if value:
        from briefer.core.version import __version__

        typer.echo(f"briefer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", help="Also show llama.cpp's own log "
                                          "lines (hidden by default).")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_print_version,
                                          is_eager=True, help="Print the version.")] = False,
) -> None:
    """Briefer: grounded analytic briefs from your own documents, offline."""
    if verbose:
        from briefer.llm import binding

        binding.set_verbose(True)


app.command()(ingest)  # store_cmd.py; before draft: `brief --help` keeps this order
app.command()(search)
app.command()(sources)
app.command()(forget)


def _open_with_model(opts: ModelOptions, before: Any = None) -> tuple[Any, Any]:
    """The workspace (ingesting corpus/ into an empty store first) and its chat model;
    ``before(ws)`` runs first, before anything slow (the memo path check)."""
    from briefer.llm.models import load_model

    ws = _workspace(opts.store, opts.chroma_url, **opts.overrides())
    if before is not None:
        before(ws)
    _ensure_corpus(ws)
    return ws, load_model(ws.settings, on_fetch=_fetch_with_bar)


def _ensure_corpus(ws: Any) -> None:
    """A fresh install answers `brief "TOPIC"` in one command: ingest the corpus folder first."""
    if not ws.is_empty():
        stale = ws.cut_otherwise()
        if stale:
            _console(stderr=True).print(
                f"note: {stale} document(s) in the store were cut into passages by an older "
                "Briefer (or other chunk sizes); `brief ingest` their folders again to cut them "
                "anew (sentences whole at passage ends)", markup=False)
        return
    corpus = ws.settings.ingest.corpus
    if not corpus.is_dir():
        from briefer.core.errors import StoreError

        raise StoreError(f"the store at {ws.store.location} is empty and there is no corpus folder "
                         f"'{corpus}'; run `brief ingest PATH` first")
    err = _console(stderr=True)
    err.print(f"The store is empty: ingesting {corpus}/ first …", markup=False)
    summary = ws.ingest([corpus])
    err.print(f"ingested {len(summary.added)} files, {summary.chunks_total} chunks → "
              f"{summary.store}", markup=False)


FormatOpt = Annotated[str | None, typer.Option(
    "--format", help="Memo format: md, docx or html (default: from --out's extension, else md).",
    show_default=False)]
ExcludeOpt = Annotated[list[str] | None, typer.Option(
    "--exclude", help="Never use documents matching GLOB (source path or file name); "
    "repeatable.", metavar="GLOB", show_default=False)]
PinOpt = Annotated[list[str] | None, typer.Option(
    "--pin", help="Show passage CHUNK_ID to every section (ids: `brief search`, the memo's "
    "sources); repeatable.", metavar="CHUNK_ID", show_default=False)]


@app.command("draft")
@with_model_options
def draft(
    topic: Annotated[str, typer.Argument(help="What the brief is about.", show_default=False)],
    opts: ModelOptions,
    out: Annotated[Path | None, typer.Option("--out", help="Memo file, or a "
                   "folder to write <date>-<slug>.<format> in (default: memos/); "
                   "checked before drafting.", show_default=False)] = None,
    fmt: FormatOpt = None,
    exclude: ExcludeOpt = None,
    pin: PinOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a brief on TOPIC (same as `brief "TOPIC"`): terminal rendering + memo (Markdown,
    Word or HTML). A topic briefed before gets a "Changes since" section."""
    from briefer.pipeline.draft import Steering
    from briefer.render.memo import check_memo_target, memo_target

    steering = Steering(pins=tuple(pin or ()), exclude=tuple(exclude or ()))
    form = _memo_format(fmt, out)
    target: list[Path] = []

    def check_out(ws: Any) -> None:  # fail before the work: before the model is even loaded
        if not as_json:
            target.append(memo_target(out, topic, ws.settings.brief.memo_dir, ext=form))
            check_memo_target(target[0])
        steering.check(ws)

    ws, llm = _open_with_model(opts, before=check_out)
    streaming = sys.stdout.isatty() and not as_json
    drafted, sections = _draft_with_status(topic, ws, llm, opts.k, quiet=as_json,
                                           steering=steering, stream=streaming)
    from briefer.pipeline.changes import remember

    chunks = drafted.run.chunk_map()
    brief = remember(drafted.brief, chunks, ws)
    if as_json:
        typer.echo(brief.model_dump_json(indent=2))
        return
    from rich.markdown import Markdown

    from briefer.render.formats import render
    from briefer.render.memo import render_memo

    if streaming:
        _console().print(Markdown(sections.end(brief, chunks)))
    else:
        _console().print(Markdown(render_memo(brief, chunks)))  # first: a failed save loses
    path = _save_memo(ws, render(brief, chunks, form), target[0], name=topic,  # nothing
                      brief_json=brief.model_dump_json(indent=2))
    _console(stderr=True).print(f"memo written to {path}", markup=False)


def _memo_format(fmt: str | None, out: Path | None) -> str:
    from briefer.core.errors import ConfigError
    from briefer.render.memo import FORMATS, format_of

    if fmt is not None:
        if fmt.lower() not in FORMATS:
            raise ConfigError(f"unknown memo format {fmt!r}; one of: {', '.join(FORMATS)}")
        return fmt.lower()
    return format_of(out) if out is not None and out.suffix else "md"


def _draft_with_status(topic: str, ws: Any, llm: Any, k: int | None, quiet: bool,
                       steering: Any = None, stream: bool = False) -> tuple[Any, Any]:
    """Draft; on a terminal (and not ``quiet``) a status line of what is being drafted, and
    with ``stream`` each section printed as soon as it is grounded (the SectionStream returned
    beside the run renders what follows them); else item lines as they land."""
    from briefer.pipeline.draft import draft as draft_run
    from briefer.render.stream import SectionStream

    err = _console(stderr=True)
    sections = SectionStream(topic)
    if not sys.stderr.isatty() or quiet:
        return draft_run(topic, workspace=ws, model=llm, k=k, steering=steering), sections
    from rich.markdown import Markdown

    out = _console()
    if stream:
        out.print(Markdown(f"# Brief: {topic}"))

    with err.status("drafting …") as status:  # the status line: what is being drafted

        def show_section(name: str, fields: dict[str, Any], chunks: dict[str, Any]) -> None:
            text = sections.section(name, fields, chunks)
            if text:
                status.stop()  # the status line is cleared, the section printed, then resumed
                out.print(Markdown(text))
                status.start()

        def show(line: str) -> None:
            if line.startswith("  "):
                if not stream:
                    err.print(line, markup=False, highlight=False)
            else:
                status.update(line + " …")

        drafted = draft_run(topic, workspace=ws, model=llm, k=k, progress=show,
                            steering=steering, on_section=show_section if stream else None)
    return drafted, sections


ANSWER_JSON_EXCLUDE: Any = {"standalone_question": True, "validated": True, "claims": True,
                           "considered": True, "answers_question": True,
                           "citations": {"__all__": {"match", "page"}}}


def print_citations(out: Any, answer: Any) -> None:
    from rich.markup import escape

    for c in answer.citations:
        where = c.source + (f" p.{c.page}" if c.page else "")
        out.print(f"  [bold][{c.n}][/] [cyan]{escape(where)}[/] [dim]{c.chunk_id} "
                  f"({c.match})[/] {in_quotes(escape(c.shown()))}")


@app.command()
@with_model_options
def ask(
    question: Annotated[str, typer.Argument(help="Your question.", show_default=False)],
    opts: ModelOptions,
    as_json: JsonOpt = False,
) -> None:
    """Answer QUESTION from the documents, with verified numbered citations, or decline."""
    from rich.markup import escape

    from briefer.pipeline.ask import answer_question

    ws, llm = _open_with_model(opts)
    stream = sys.stdout.isatty() and not as_json
    result = answer_question(question, workspace=ws, model=llm, k=opts.k,
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
@with_model_options
def repl(opts: ModelOptions) -> None:
    """Interactive questions over the store: /brief, /memo, /sources, /show N, /help."""
    from briefer.cli import repl as repl_mod
    from briefer.llm.models import load_model

    ws, llm = _open_with_model(opts)

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def other_model(path: Path) -> Any:
        from briefer.core.settings import load_settings

        return load_model(load_settings(**{"model.path": path}), on_fetch=_fetch_with_bar)

    session = repl_mod.Repl(ws, llm, write, load_model=other_model,
                            k=opts.k or ws.settings.retrieval.k)
    repl_mod.run(session, ws.state_dir / "repl_history")


app.command()(history)  # after repl: `brief --help` lists the commands in this order
app.command()(diff)
app.command("eval")(eval_)


def _one_line_warning(message: Warning | str, category: type[Warning], *_: Any,
                      **__: Any) -> None:
    typer.echo(f"warning: {' '.join(str(message).split())}", err=True)


def main() -> None:
    """Entry point: typer reports usage errors; BrieferError becomes one line + exit code;
    a BrieferWarning, one "warning:" line."""
    import warnings

    from briefer.core.errors import BrieferWarning

    warnings.simplefilter("always", BrieferWarning)
    warnings.showwarning = _one_line_warning
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
