"""`brief history` and `brief diff`: the briefs kept in the store, and what changed between
them, without a model (:mod:`briefer.corpus.history`, :mod:`briefer.pipeline.changes`)."""

from __future__ import annotations

import json
from datetime import datetime, time, timezone
from typing import Annotated

import typer

from briefer.cli.common import ChromaOpt, JsonOpt, StoreOpt, _console, _workspace
from briefer.core.errors import ConfigError


def history(
    topic: Annotated[str | None, typer.Argument(help="Only the briefs on this topic.",
                                                show_default=False)] = None,
    store: StoreOpt = None,
    chroma_url: ChromaOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the briefs kept in the store (all, or on TOPIC), oldest first."""
    from briefer.corpus.history import BriefArchive

    ws = _workspace(store, chroma_url)
    entries = BriefArchive(ws.store).entries(topic)
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    out = _console()
    if not entries:
        where = f" on {topic!r}" if topic else ""
        out.print(f"no brief{where} has been kept in the store at {ws.store.location}",
                  markup=False)
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    table.add_column("drafted (UTC)", no_wrap=True)
    table.add_column("topic", ratio=1)
    for head in ("options", "red lines", "risks", "indicators", "documents"):
        table.add_column(head, justify="right", no_wrap=True)
    for e in entries:
        table.add_row(f"{e.created_at:%Y-%m-%d %H:%M}", e.topic, str(e.options),
                      str(e.red_lines), str(e.risks), str(e.indicators), str(e.documents))
    out.print(table)  # the ids: --json


def _date(text: str) -> datetime:
    """``YYYY-MM-DD`` (the end of that day, UTC) or an ISO date and time."""
    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time.max,
                                    tzinfo=timezone.utc)
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"not a date: {text!r} (YYYY-MM-DD, or YYYY-MM-DDTHH:MM)") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def diff(
    topic: Annotated[str, typer.Argument(help="A topic briefed before.", show_default=False)],
    since: Annotated[str | None, typer.Option("--since", help="Compare the latest brief with "
                     "the last one kept on or before this date (YYYY-MM-DD) instead of the one "
                     "before it.", show_default=False)] = None,
    store: StoreOpt = None,
    chroma_url: ChromaOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed between the last two briefs kept on TOPIC (no model is loaded)."""
    from briefer.pipeline.changes import diff as compare
    from briefer.render.stream import render_changes

    when = _date(since) if since else None
    ws = _workspace(store, chroma_url)
    changes = compare(ws, topic, when)
    if as_json:
        typer.echo(changes.model_dump_json(indent=2))
        return
    from rich.markdown import Markdown

    _console().print(Markdown(render_changes(changes, topic)))
