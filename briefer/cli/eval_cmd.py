"""`brief eval`: measure retrieval, grounding, abstention and brief recall on your corpus."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from briefer.cli.common import (
    ChromaOpt,
    JsonOpt,
    KOpt,
    LlmOpt,
    ModelOpt,
    StoreOpt,
    _console,
    _fetch_with_bar,
    _model_overrides,
    _require_ingested,
    _workspace,
)


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

    from briefer.evaluation import evaluate as ev
    from briefer.evaluation.scoring import BriefItem, QuestionItem, read_jsonl

    ev.pipeline_names(baseline)  # an unknown baseline fails before any work
    ws = _workspace(store, chroma_url, **_model_overrides(model, None, None, None, llm_url))
    if ingest_path is not None:
        ws.ingest([ingest_path])
    _require_ingested(ws)
    qs = read_jsonl(questions, QuestionItem)
    bs = read_jsonl(briefs, BriefItem) if briefs else []
    llm = None if retrieval_only else _eval_model(ws, fake_model)
    kk = k or ws.settings.retrieval.k
    runs = _with_progress(partial(ev.compare, qs, bs, workspace=ws, model=llm, k=kk,
                                  baseline=baseline, retrieval_only=retrieval_only))
    if as_json:
        typer.echo(ev.as_json(runs, details=details))
        return
    _print_tables(runs, f"brief eval — {len(qs)} questions, {len(bs)} briefs, k={kk}", details)


def _eval_model(ws: Any, fake_model: bool) -> Any:
    """The schema-valid fake model with ``--fake-model``, else the workspace's model."""
    if fake_model:
        from briefer.llm.testing import smoke_model

        return smoke_model()
    from briefer.llm.models import load_model

    return load_model(ws.settings, on_fetch=_fetch_with_bar)


def _with_progress(run: Callable[..., list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``run(progress=…)``: a status line on a terminal; piped, one line per item on stderr,
    so a long run can be followed."""
    if sys.stderr.isatty():
        with _console(stderr=True).status("eval …") as status:
            return run(progress=lambda name, what: status.update(f"{name}: {what}"))
    return run(progress=lambda name, what: typer.echo(f"eval {name}: {what}", err=True))


def _print_tables(runs: list[dict[str, Any]], title: str, details: bool) -> None:
    """The metrics, one column per pipeline; with ``details``, a table of items per pipeline."""
    from rich.table import Table

    from briefer.evaluation import evaluate as ev

    out = _console()
    table = Table("metric", *[r["pipeline"] for r in runs], title=title)
    for row in ev.metric_rows(runs):
        table.add_row(*row)
    out.print(table)
    for r in runs if details else []:
        items = Table(*ev.ITEM_COLUMNS, title=f"{r['pipeline']} items")
        for row in ev.item_rows(r):
            items.add_row(*row)
        out.print(items)
