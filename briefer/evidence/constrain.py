"""Grammar-friendly JSON schemas derived from the Pydantic models.

llama.cpp's schema-to-grammar converter handles ``$ref``/``$defs`` and nullable ``anyOf`` poorly,
so :func:`generation_schema` inlines every reference, turns ``X | None`` into ``X``, makes every
property required (fixed key order, nothing to forget), forbids extra keys, and swaps each
``Evidence`` for an ``anyOf`` with one branch per retrieved passage: ``passage`` is that
passage's id and ``quote`` one of its sentences. An id outside the retrieved set, or a quote not
in the passage it names, cannot be produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from briefer.evidence.passages import Passage

_DROP = {"title", "description", "default", "$defs", "examples", "generation_order",
         "generation_skip"}


def evidence_item_schema(passages: Sequence[Passage]) -> dict[str, Any]:
    branches = [
        {
            "type": "object",
            "properties": {"passage": {"const": p.alias}, "quote": {"enum": list(p.sentences)}},
            "required": ["passage", "quote"],
            "additionalProperties": False,
        }
        for p in passages
        if p.sentences
    ]
    if not branches:
        raise ValueError("no passage has a quotable sentence")
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


def generation_schema(model: type[BaseModel], evidence_item: dict[str, Any],
                      max_evidence: int = 2) -> dict[str, Any]:
    raw = model.model_json_schema()
    defs: dict[str, Any] = raw.get("$defs", {})

    def walk(node: dict[str, Any], name: str = "") -> dict[str, Any]:
        if "$ref" in node:
            ref = node["$ref"].rsplit("/", 1)[-1]
            if ref == "Evidence":
                return evidence_item
            return walk(defs[ref], name)
        if "anyOf" in node:
            options = [n for n in node["anyOf"] if n.get("type") != "null"]
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            if len(options) == 1:
                return walk({**rest, **options[0]}, name)
            return {"anyOf": [walk(o, name) for o in options]}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP:
                continue
            if key == "properties":
                skip = {"match", "score", *node.get("generation_skip", ())}
                out[key] = {k: walk(v, k) for k, v in value.items() if k not in skip}
            elif key == "items":
                out[key] = walk(value, name)
            else:
                out[key] = value
        if out.get("type") == "object" and "properties" in out:
            props = out["properties"]
            order = [k for k in node.get("generation_order", ()) if k in props]
            if "evidence" in props and "evidence" not in order:
                order.insert(0, "evidence")  # quote first, then the claim written from it
            if order:
                out["properties"] = props = {**{k: props[k] for k in order},
                                             **{k: v for k, v in props.items()
                                                if k not in order}}
            out["required"] = list(props)
            out["additionalProperties"] = False
        if name == "evidence" and out.get("type") == "array":
            out["maxItems"] = min(int(out.get("maxItems", max_evidence)), max_evidence)
        return out

    return walk(raw)
