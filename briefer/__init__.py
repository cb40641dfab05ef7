"""Briefer: local, offline, LLM-backed analytic briefs with verified citations.

The library API; the `brief` CLI is a thin layer over it::

    from briefer import Workspace, load_settings, load_model, draft_brief
    ws = Workspace.open(load_settings())
    brief = draft_brief("South Korea response", workspace=ws, model=load_model(ws.settings))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from .draft import draft_brief
    from .errors import BrieferError
    from .schemas import Brief
    from .settings import Settings, load_settings
    from .workspace import Workspace

_LAZY = {
    "draft_brief": "draft",
    "BrieferError": "errors",
    "Brief": "schemas",
    "Settings": "settings",
    "load_settings": "settings",
    "Workspace": "workspace",
    "load_model": "models",
}


def __getattr__(name: str) -> Any:
    """Import lazily so that `import briefer` stays cheap (no chromadb, no llama_cpp)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)


__all__ = ["draft_brief", "BrieferError", "Brief", "Settings", "load_settings", "Workspace",
           "load_model"]
