"""What changed between two briefs on one topic: part of the contract (``Brief.changes``);
computed by :mod:`briefer.pipeline.changes`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ChangeSection = Literal["response_options", "red_lines", "risks", "indicators"]


class QuoteRef(BaseModel):
    """A quote with its document, standing on its own (the passage may be gone from the store)."""

    source: str
    quote: str


class ItemChange(BaseModel):
    """One item of a brief that is new, dropped or changed since an earlier brief."""

    section: ChangeSection
    # new / dropped / changed: its documents changed (added, re-issued, removed); shown /
    # left_out: listed now, or no longer, though its documents did not change (the brief's
    # ranking or budget moved, e.g. a new document took a visit)
    kind: Literal["new", "dropped", "changed", "shown", "left_out"]
    text: str = Field(description="The item as now (as before, when dropped).")
    before: str = Field("", description="The item as before, when changed.")
    matched_by: Literal["evidence", "wording", ""] = Field(
        "", description="How a changed item was matched to its earlier self: the same sentence "
        "of the same document, else its wording.")
    quotes: list[QuoteRef] = Field(default_factory=list)
    quotes_before: list[QuoteRef] = Field(default_factory=list)

    def kind_label(self) -> str:
        """The kind as a reader reads it ("left out", "now listed")."""
        return {"left_out": "left out", "shown": "now listed"}.get(self.kind, self.kind)


class Changes(BaseModel):
    """What changed since an earlier brief on the same topic (``briefer.pipeline.history``)."""

    since: datetime = Field(description="When the earlier brief was drafted.")
    previous_id: str
    items: list[ItemChange] = Field(default_factory=list)
    sources_added: list[str] = Field(default_factory=list)
    sources_updated: list[str] = Field(default_factory=list)
    sources_removed: list[str] = Field(default_factory=list)

    def empty(self) -> bool:
        return not (self.items or self.sources_added or self.sources_updated
                    or self.sources_removed)
