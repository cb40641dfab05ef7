"""The subset of JSON Schema that :class:`briefer.llm.structured.Writer` walks, and Briefer's own
key.

The writer walks only the part of JSON Schema that
:func:`briefer.evidence.constrain.generation_schema`
produces: objects whose keys are all required (written in their order), arrays of objects,
strings or enums, ``anyOf`` of objects told apart by a constant first property,
``enum``/``const`` of strings, booleans or integers, strings without ``pattern``/``format``, and
booleans. :func:`supports` says whether a schema stays inside it.
:data:`LEAN` is Briefer's one key of its own in a schema; :func:`plain` removes it before a
schema goes to a grammar or a server.
"""

from __future__ import annotations

from typing import Any

# An array's "x-more": a logit bias toward listing another item (a recall knob: small models
# stop early; what they list is grounded afterwards). Not JSON Schema: removed before a schema
# goes to a server (:func:`plain`).
LEAN = "x-more"


def plain(schema: Any) -> Any:
    """``schema`` without Briefer's own keys."""
    if isinstance(schema, dict):
        return {k: plain(v) for k, v in schema.items() if k != LEAN}
    if isinstance(schema, list):
        return [plain(v) for v in schema]
    return schema


def supports(schema: dict[str, Any]) -> bool:
    """Whether :class:`Writer` can walk ``schema``."""
    try:
        _check(schema)
    except ValueError:
        return False
    return True


def _check(node: dict[str, Any]) -> None:
    if "const" in node or "enum" in node:
        values = [node["const"]] if "const" in node else node["enum"]
        if not values or not all(isinstance(v, (str, bool, int)) for v in values):
            raise ValueError("enum")
        return
    if "anyOf" in node:
        keys = set()
        for branch in node["anyOf"]:
            if branch.get("type") != "object" or not branch.get("properties"):
                raise ValueError("anyOf")
            key, first = next(iter(branch["properties"].items()))
            if "const" not in first and "enum" not in first:
                raise ValueError("anyOf without a constant first property")
            keys.add(key)
            _check(branch)
        if len(keys) != 1:
            raise ValueError("anyOf branches with different first keys")
        return
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        if set(node.get("required", [])) != set(props) or not props:
            raise ValueError("object")
        for sub in props.values():
            _check(sub)
    elif kind == "array":
        items = node["items"]
        if not ("enum" in items or "anyOf" in items or items.get("type") in ("object", "string")):
            raise ValueError("array items")
        _check(items)
    elif kind not in ("string", "boolean"):
        raise ValueError(str(kind))
    elif kind == "string" and ("pattern" in node or "format" in node):
        raise ValueError("pattern")
