"""One section of a brief drafted again, the rest kept (`/redo SECTION` in the REPL)."""

from __future__ import annotations

from dataclasses import replace

from briefer.corpus.workspace import Workspace
from briefer.evidence.run import Progress
from briefer.llm.base import ChatModel
from briefer.pipeline.draft import Drafted, draft
from briefer.pipeline.steering import Steering, fields_of, section_named


def redo(drafted: Drafted, section: str, *, workspace: Workspace, model: ChatModel,
         steering: Steering | None = None, k: int | None = None,
         progress: Progress | None = None) -> Drafted:
    """``drafted`` with one section drafted again (retrieval again, under ``steering``); every
    other section stays as it was. The manifest adds the section to ``redone``."""
    name = section_named(section)
    old = drafted.brief
    steering = steering or Steering()
    steering = replace(steering, redone=tuple(dict.fromkeys([*old.manifest.redone, name])))
    again = draft(old.topic, workspace=workspace, model=model, k=k or old.manifest.k,
                  progress=progress, steering=steering, only=name, base=old)
    fields = set(fields_of(name))
    kept = [u for u in old.unsupported if u.section not in fields and u.section != name]
    failures = [f for f in old.failures if not f.startswith(f"{name}:")]
    brief = again.brief.model_copy(update={
        "unsupported": kept + again.brief.unsupported,
        "failures": failures + again.brief.failures,
        "partial": bool(failures + again.brief.failures),
        "changes": old.changes})
    run = again.run
    have = {c.id for c in run.chunks}  # the memo cites passages of both runs
    run.chunks = [*run.chunks, *[c for c in drafted.run.chunks if c.id not in have]]
    return Drafted(brief, run)
