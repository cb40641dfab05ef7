"""Briefs kept: every brief the CLI or the REPL drafts, with what a later comparison needs.

A kept brief is one record (``briefs/<id>.json``) beside the store's own state: files in a local
store's folder, records of the state collection on a Chroma server (so every analyst of a shared
store sees the same history). ``briefs/index.json`` lists them, oldest first. Each record holds
the validated Brief, the document of every passage it cites (a passage can leave the store when
its document changes) and the store's documents then (source → sha256), so that two kept briefs
can be compared without the store or a model (:mod:`briefer.pipeline.changes`).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from briefer.core.errors import StoreError
from briefer.core.schemas import Brief
from briefer.store.chroma import ChunkStore
from briefer.text.verify import normalise

INDEX = "briefs/index.json"


def topic_key(topic: str) -> str:
    """What makes two topics the same: case, spacing and punctuation aside."""
    return " ".join(re.sub(r"[^\w]+", " ", normalise(topic).lower()).split())


class KeptBrief(BaseModel):
    """One line of the history: which brief, when, and how many items of each kind."""

    id: str
    topic: str
    key: str
    created_at: datetime
    options: int = 0
    red_lines: int = 0
    risks: int = 0
    indicators: int = 0
    documents: int = Field(0, description="Documents in the store when it was drafted.")
    store_fingerprint: str = ""


class KeptRecord(BaseModel):
    """A kept brief and what comparing it later needs."""

    entry: KeptBrief
    brief: Brief
    cited: dict[str, str] = Field(default_factory=dict, description="chunk id → its source.")
    documents: dict[str, str] = Field(default_factory=dict,
                                      description="source → sha256 of the store's documents.")


class BriefArchive:
    """The kept briefs of one store."""

    def __init__(self, store: ChunkStore) -> None:
        self.store = store

    def entries(self, topic: str | None = None) -> list[KeptBrief]:
        """Kept briefs, oldest first; on ``topic`` only when given."""
        text = self.store.read_state(INDEX)
        if not text:
            return []
        try:
            raw = json.loads(text)
            entries = [KeptBrief.model_validate(e) for e in raw.get("briefs", [])]
        except (ValueError, ValidationError) as exc:
            raise StoreError(f"the brief history of the store at {self.store.location} is "
                             f"unreadable ({' '.join(str(exc).split())[:120]}); remove "
                             f"{INDEX} to start it again") from None
        if topic is not None:
            key = topic_key(topic)
            entries = [e for e in entries if e.key == key]
        return sorted(entries, key=lambda e: e.created_at)

    def keep(self, brief: Brief, cited: dict[str, str],
             documents: dict[str, str]) -> KeptBrief:
        """Keep ``brief``: its record first, then its line in the index (a record without a
        line is never listed; a line always has its record)."""
        created = brief.manifest.created_at.astimezone(timezone.utc)
        body = brief.model_dump_json()
        digest = hashlib.sha256(body.encode()).hexdigest()[:6]
        slug = re.sub(r"[^a-z0-9]+", "-", topic_key(brief.topic)).strip("-")[:40] or "brief"
        entry = KeptBrief(
            id=f"{created:%Y%m%dT%H%M%S}Z-{slug}-{digest}", topic=brief.topic,
            key=topic_key(brief.topic), created_at=created,
            options=len(brief.response_options), red_lines=len(brief.red_lines),
            risks=len(brief.risks), indicators=len(brief.indicators),
            documents=len(documents), store_fingerprint=brief.manifest.store_fingerprint)
        record = KeptRecord(entry=entry, brief=brief, cited=cited, documents=documents)
        self.store.write_state(_record_name(entry.id), record.model_dump_json())
        entries = [e for e in self.entries() if e.id != entry.id] + [entry]
        self.store.write_state(INDEX, json.dumps(
            {"version": 1, "briefs": [e.model_dump(mode="json") for e in entries]}, indent=1))
        return entry

    def load(self, entry: KeptBrief | str) -> KeptRecord:
        brief_id = entry if isinstance(entry, str) else entry.id
        text = self.store.read_state(_record_name(brief_id))
        if text is None:
            raise StoreError(f"the kept brief {brief_id} is missing from the store at "
                             f"{self.store.location}")
        try:
            return KeptRecord.model_validate_json(text)
        except ValidationError as exc:
            raise StoreError(f"the kept brief {brief_id} is unreadable "
                             f"({' '.join(str(exc).split())[:120]})") from None

    def latest(self, topic: str, *, before: datetime | None = None) -> KeptBrief | None:
        """The last brief kept on ``topic`` (created at or before ``before`` when given)."""
        entries = self.entries(topic)
        if before is not None:
            entries = [e for e in entries if e.created_at <= before]
        return entries[-1] if entries else None


def _record_name(brief_id: str) -> str:
    if not re.fullmatch(r"[\w.-]+", brief_id):
        raise StoreError(f"not a kept brief id: {brief_id!r}")
    return f"briefs/{brief_id}.json"


def snapshot(docs: dict[str, dict[str, Any]]) -> dict[str, str]:
    """source → sha256, from the store's document index (``DocIndex.docs``)."""
    return {source: str(entry.get("sha256", "")) for source, entry in sorted(docs.items())}
