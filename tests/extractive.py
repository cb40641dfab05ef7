"""A fake model that writes every item from its sentence's own words, for tests of what Briefer
does around the model (kept briefs, changes, pins, exclusions, redone sections, streaming).

Options, red lines and risks are visited one sentence at a time: the fake writes an option or a
risk from the sentence's first words, a red line from its two halves (the trigger, then the
consequence); every claim is therefore stated by its quote. The bottom line is the first
sentence it is offered; indicators, disagreements and gaps are left empty. Deterministic: the same
sentence always gives the same item.
"""

from __future__ import annotations

import json
from typing import Any

from briefer.llm.testing import FakeModel

CONDITIONS = ("if ", "should ", "unless ", "were ")


def _option(sentence: str) -> dict[str, str]:
    words = sentence.split()
    return {"action": " ".join(words[:10]).rstrip(".,;:"), "category": "diplomatic",
            "condition": "now"}


def _red_line(sentence: str) -> dict[str, str] | None:
    low = sentence.lower()
    if not any(c in low for c in CONDITIONS):
        return None
    words = sentence.split()
    half = max(len(words) // 2, 3)
    return {"trigger": " ".join(words[:half]).rstrip(".,;:"),
            "consequence": " ".join(words[half:]).rstrip(".,;:")}


def respond(messages: Any, schema: dict[str, Any] | None) -> str:
    assert schema is not None
    props = schema["properties"]
    if "verdict" in props:
        return json.dumps({"verdict": "yes"})
    if "bottom_line" in props:
        item = props["evidence"]["items"]
        branch = item.get("anyOf", [item])[0]["properties"]
        quote = branch["quote"]["enum"][0]
        return json.dumps({"bottom_line": quote[:390], "situation": quote[:590],
                           "evidence": [{"passage": branch["passage"]["const"],
                                         "quote": quote}]})
    (first,) = list(props)[:1]
    item = props[first].get("items", {}).get("properties", {})
    if len(props) == 1 and "evidence" not in item:  # a by-sentence visit: keyed by its sentence
        sentence = first
        if "trigger" in item:
            red = _red_line(sentence)
            return json.dumps({sentence: [red] if red else []})
        if "risk" in item:
            return json.dumps({sentence: [{"risk": " ".join(sentence.split()[:12])}]})
        return json.dumps({sentence: [_option(sentence)]})
    return json.dumps({key: [] for key in props})


def extractive_model() -> FakeModel:
    return FakeModel(respond=respond)
