"""Briefer: local, offline, LLM-backed analytic briefs with verified citations.

The library API; the `brief` CLI is a thin layer over it::

    from briefer import Workspace, load_settings, load_model, draft_brief, answer_question
    ws = Workspace.open(load_settings())
    model = load_model(ws.settings)
    brief = draft_brief("South Korea response", workspace=ws, model=model)
    answer = answer_question("What are Seoul's red lines?", workspace=ws, model=model)

The package map (one idea per subpackage, layers top to bottom; docs/ARCHITECTURE.md):
cli → evaluation → pipeline → grounding, render → evidence → llm, corpus → text, store → core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefer.core.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from briefer.core.errors import BrieferError
    from briefer.core.schemas import Answer, Brief
    from briefer.core.settings import Settings, load_settings
    from briefer.corpus.workspace import Workspace
    from briefer.llm.models import load_model
    from briefer.pipeline.ask import answer_question
    from briefer.pipeline.draft import draft_brief

_LAZY = {
    "draft_brief": "briefer.pipeline.draft",
    "answer_question": "briefer.pipeline.ask",
    "BrieferError": "briefer.core.errors",
    "Brief": "briefer.core.schemas",
    "Answer": "briefer.core.schemas",
    "Settings": "briefer.core.settings",
    "load_settings": "briefer.core.settings",
    "Workspace": "briefer.corpus.workspace",
    "load_model": "briefer.llm.models",
}


def __getattr__(name: str) -> Any:
    """Import lazily so that `import briefer` stays cheap (no chromadb, no llama_cpp)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = ["__version__", "draft_brief", "answer_question", "BrieferError", "Brief", "Answer",
           "Settings", "load_settings", "Workspace", "load_model"]
