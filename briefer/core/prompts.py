"""Prompts are data files in ``prompts/`` (installed as ``briefer._prompts``).

A prompt file has YAML front matter (``version``, ``placeholders``) and a Jinja2 body, optionally
split into ``{# system #}`` and ``{# user #}`` parts. Placeholders are checked at load time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from briefer.core.errors import ConfigError

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


_CHECKOUT = Path(__file__).resolve().parents[2] / "prompts"  # briefer/core/ → the checkout


def read_text(name: str) -> str:
    """From the ``prompts/`` folder beside this code (a checkout), else from the installed
    ``briefer._prompts`` package: the code and its prompts always come from the same tree, even
    when an editable install of another checkout is on the path."""
    try:
        return (_CHECKOUT / name).read_text(encoding="utf-8")
    except OSError:
        pass
    try:
        return resources.files("briefer._prompts").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError, TypeError, OSError):
        raise ConfigError(f"prompt file '{name}' is missing from the installation") from None


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str

    def render(self, **values: Any) -> tuple[str, str]:
        from jinja2 import Environment, StrictUndefined

        env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
        return (env.from_string(self.system).render(**values).strip(),
                env.from_string(self.user).render(**values).strip())


@cache
def load_prompt(name: str) -> Prompt:
    import yaml

    text = read_text(name)
    m = _FRONT.match(text)
    if not m:
        raise ConfigError(f"prompt {name} has no front matter with a version")
    meta = yaml.safe_load(m.group(1)) or {}
    body = text[m.end():]
    for placeholder in meta.get("placeholders", []):
        if "{{ " + placeholder + " }}" not in body:
            raise ConfigError(f"prompt {name} lacks the placeholder {{{{ {placeholder} }}}}")
    system, user = "", body
    if "{# user #}" in body:
        system, user = body.split("{# user #}", 1)
        system = system.replace("{# system #}", "")
    return Prompt(name, str(meta["version"]), system, user)


@cache
def load_yaml(name: str) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(read_text(name))
    if not isinstance(data, dict) or "version" not in data:
        raise ConfigError(f"{name} must be a mapping with a version")
    return data
