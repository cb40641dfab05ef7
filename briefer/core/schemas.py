"""The contract: every object Briefer stores, returns or renders. Pydantic only."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from briefer.core.changes import Changes as Changes  # re-exported: part of the contract
from briefer.core.changes import ChangeSection as ChangeSection
from briefer.core.changes import ItemChange as ItemChange
from briefer.core.changes import QuoteRef as QuoteRef

# --------------------------------------------------------------------------- corpus


class Flag(BaseModel):
    """A span of a chunk that addresses the model instead of the reader (prompt injection)."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(description="Offset of the span in Chunk.text.")
    end: int
    reason: str = Field(description="The rule that found it (briefer.corpus.injection.RULES).")


class Chunk(BaseModel):
    """A passage of one document. ``text == extracted_text[start:end]`` of its document."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    source: str = Field(description="Path relative to the ingest root, with forward slashes.")
    title: str = ""
    date: str | None = Field(None, description="ISO date (YYYY-MM-DD) when the document has one.")
    page: int | None = Field(None, description="1-based PDF page.")
    section: str = Field("", description="Heading path above the passage, if any.")
    table_header: str = Field("", description="Header row of the table it opens inside.")
    start: int
    end: int
    position: int = Field(description="Index of the chunk within its document.")
    doc_hash: str = Field(description="sha256 of the source file's bytes.")
    flags: tuple[Flag, ...] | None = Field(None, description="Instruction-like spans found at "
                                           "ingest (corpus.injection); None: never screened.")


class Hit(BaseModel):
    rank: int
    chunk_id: str
    source: str
    title: str
    score: float
    start: int
    end: int
    text: str
    page: int | None = None
    date: str | None = None
    similarity: float | None = Field(None, description="Dense cosine similarity, if ranked.")
    chunk: Chunk | None = Field(None, exclude=True,
                                description="The chunk itself (not serialised): what the "
                                "pipeline drafts from, so it is fetched from the store once.")


class SearchResult(BaseModel):
    query: str
    hits: list[Hit]


class SkippedFile(BaseModel):
    path: str
    reason: str


class IngestSummary(BaseModel):
    store: str
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    seconds: float = 0.0


# --------------------------------------------------------------------------- briefs

Gap = Annotated[str, Field(min_length=5, max_length=200)]

# Words a phrase cannot end on: a phrase that does was cut (the grammar stops a field at its
# length limit mid-sentence: "... ballistic missiles (ICBMs), and").
_DANGLING = re.compile(
    r"(?:[\s,;:(\u2014\u2013-]+|\s+(?:and|or|but|nor|with|of|to|for|from|"
    r"the|a|an|such as|including|like|via|than|that|which|who|whose|if|when|while))+$", re.I)


def tidy_phrase(text: str) -> str:
    """``text`` without a dangling end ("…, and", "… including", "… (")."""
    tidied = _DANGLING.sub("", text.strip())
    return tidied if len(tidied) >= 2 else text.strip()


# A short generated phrase (a label, a trigger): its words, never a cut-off end.
Phrase = Annotated[str, AfterValidator(tidy_phrase)]

Category = Literal[
    "diplomatic",
    "economic",
    "humanitarian",
    "intelligence",
    "military-defensive",
    "military-offensive",
    "other",
]


# The longest quote a piece of evidence holds (a quotable unit is at most
# passages.UNIT_MAX_CHARS; a quote the model writes out may run a little longer).
QUOTE_MAX_CHARS = 400


class Evidence(BaseModel):
    chunk_id: str = Field(description="Id of a retrieved passage.")
    quote: str = Field(min_length=8, max_length=QUOTE_MAX_CHARS,
                       description="Verbatim words from it.")
    match: Literal["exact", "fuzzy", "unverified"] = "unverified"
    score: float = Field(0.0, description="Similarity of the quote to the passage, 0..1.")


class ResponseOption(BaseModel):
    # generated in this order: the quote, the step it names (written as "action"), its
    # category, then when it applies — with the condition before the action, Qwen2.5-1.5B's
    # actions drifted from their quotes
    # the description is not generated: the label and the quote say it (and every token the
    # model writes costs a decode step)
    model_config = ConfigDict(json_schema_extra={
        "generation_order": ["evidence", "label", "category", "condition"],
        "generation_skip": ["description"]})

    label: Phrase = Field(min_length=2, max_length=120)
    description: str = Field("", max_length=200)
    category: Category
    condition: Phrase = Field(
        min_length=2, max_length=120, description="Phase or condition under which it applies."
    )
    evidence: list[Evidence] = Field(min_length=1, max_length=3)


class RedLine(BaseModel):
    trigger: Phrase = Field(min_length=2, max_length=240)
    consequence: Phrase = Field(
        min_length=2, max_length=200, description="What crossing it would unlock."
    )
    evidence: list[Evidence] = Field(min_length=1, max_length=3)


class Finding(BaseModel):
    description: str = Field(min_length=2, max_length=300)
    evidence: list[Evidence] = Field(min_length=1, max_length=3)


class Disagreement(BaseModel):
    claim: str = Field(min_length=2, max_length=300)
    evidence: list[Evidence] = Field(min_length=2, max_length=4,
                                     description="Passages (from different sources) that differ.")


class Unsupported(BaseModel):
    """An item the model wrote whose evidence did not verify; never shown as a finding."""

    section: str
    text: str
    reason: str


class Timings(BaseModel):
    retrieval_s: float = 0.0
    generation_s: float = 0.0
    judgement_s: float = Field(0.0, description="Yes/no judgements of claims (prefill only).")
    judgements: int = 0
    total_s: float = 0.0


class FlaggedPassage(BaseModel):
    """Retrieved text that addresses the model (prompt injection): kept out of the prompt and
    the quotes, listed so that a reader can check the document."""

    chunk_id: str
    source: str
    page: int | None = None
    text: str = Field(description="The flagged text, shortened to one line.")
    reason: str = Field(description="The rule that flagged it (briefer.corpus.injection.RULES).")


class Manifest(BaseModel):
    """Everything needed to reproduce (or distrust) a brief or an answer."""

    briefer_version: str
    model_file: str
    model_sha256: str
    prompt_version: str
    schema_version: str
    retrieved_chunk_ids: list[str]
    store_fingerprint: str
    k: int
    temperature: float
    seed: int
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    completion_tokens: int = Field(0, description="Tokens the model chose, one decode step each.")
    forced_tokens: int = Field(0, description="Tokens the output schema left no choice for, "
                               "evaluated in batches (structure, the rest of a chosen quote).")
    attempts: int = 0
    timings: Timings = Field(default_factory=Timings)
    flagged_passages: list[FlaggedPassage] = Field(
        default_factory=list, description="Retrieved text that addresses the model; none of it "
        "was shown to the model or could be cited.")
    pinned: list[str] = Field(default_factory=list, description="Chunks shown to every section.")
    excluded: list[str] = Field(default_factory=list, description="Source globs the analyst "
                                "excluded: none of their passages was retrieved.")
    redone: list[str] = Field(default_factory=list, description="Sections re-drafted after the "
                              "brief (with the pins and exclusions then in force).")
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class Brief(BaseModel):
    topic: str
    bottom_line: str = Field(max_length=600)
    situation: str = Field("", max_length=1200)
    bottom_line_evidence: list[Evidence] = Field(default_factory=list, max_length=3)
    response_options: list[ResponseOption] = Field(default_factory=list, max_length=24)
    red_lines: list[RedLine] = Field(default_factory=list, max_length=24)
    risks: list[Finding] = Field(default_factory=list, max_length=6)
    indicators: list[Finding] = Field(default_factory=list, max_length=6)
    disagreements: list[Disagreement] = Field(default_factory=list, max_length=4)
    gaps: list[Gap] = Field(default_factory=list, max_length=6)
    unsupported: list[Unsupported] = Field(default_factory=list)
    partial: bool = False
    failures: list[str] = Field(default_factory=list, description="Sections that never validated.")
    changes: Changes | None = Field(None, description="What changed since the last brief kept "
                                    "on this topic; None for a first brief.")
    manifest: Manifest

    def evidence(self) -> list[Evidence]:
        """Every citation in display order (bottom line, options, red lines, ...)."""
        out: list[Evidence] = list(self.bottom_line_evidence)
        for section in (self.response_options, self.red_lines, self.risks, self.indicators,
                        self.disagreements):
            for item in section:
                out.extend(item.evidence)
        return out


# ------------------------------------------------------- what the model writes for each section
# (evidence verified afterwards; the schema handed to the decoder is derived from these models)


class SummarySection(BaseModel):
    bottom_line: str = Field(min_length=10, max_length=400)
    situation: str = Field(min_length=10, max_length=600)
    evidence: list[Evidence] = Field(min_length=1, max_length=2)


class OptionsSection(BaseModel):
    response_options: list[ResponseOption] = Field(max_length=5)


class RedLinesSection(BaseModel):
    red_lines: list[RedLine] = Field(max_length=4)


class RisksSection(BaseModel):
    risks: list[Finding] = Field(max_length=3)


class IndicatorsSection(BaseModel):
    indicators: list[Finding] = Field(max_length=3)


class DisagreementsGapsSection(BaseModel):
    disagreements: list[Disagreement] = Field(max_length=2)
    gaps: list[Gap] = Field(max_length=3)


# --------------------------------------------------------------------------- answers


class Citation(BaseModel):
    n: int = Field(description="The [n] marker in the answer: the passage's number.")
    chunk_id: str
    source: str
    quote: str = Field(description="The sentence as verified: raw text of the passage.")
    start: int = Field(description="Offset of the quote in the document's extracted text.")
    end: int
    match: Literal["exact", "fuzzy"] = "exact"
    page: int | None = None
    display: str = Field("", description="The quote as prose: whole sentences, no list "
                         "markers, emphasis or table pipes (start/end point at `quote`).")

    def shown(self) -> str:
        return self.display or self.quote


class ClaimCheck(BaseModel):
    """How one sentence of an answer was judged against the quotes it cites."""

    sentence: str = Field(description="As the model wrote it, with its [n] markers.")
    support: float | None = Field(None, description="P(yes) its own quotes state it.")
    numbers_ok: bool = Field(True, description="Every number it states is in its quotes.")
    names_ok: bool = Field(True, description="Its names are in its quotes or their titles.")
    repointed_to: Citation | None = Field(None, description="The sentence of a cited passage "
                                          "that states it best, when its quotes do not.")
    repointed_support: float | None = None
    headings_only: bool = False  # its quotes are all headings that do not hold its words
    kept: bool = True
    reason: str = ""


class Answer(BaseModel):
    question: str
    answer: str
    insufficient_evidence: bool
    citations: list[Citation] = Field(default_factory=list)
    standalone_question: str = Field("", description="The question as retrieved for.")
    reason: str = Field("", description="Why the answer was declined; empty when answered.")
    unanswered: list[str] = Field(
        default_factory=list, description="Parts of the question the documents do not state "
        "(a partial answer); empty when the answer is complete or declined.")
    claims: list[ClaimCheck] = Field(default_factory=list, description="Each sentence of the "
                                     "model's answer and how it was judged.")
    answers_question: float | None = Field(None, description="P(yes) that the kept quotes "
                                           "give what the question asks; None when not asked.")
    considered: list[Citation] = Field(default_factory=list, description="A declined "
                                       "answer's verified quotes, judged in `claims`.")
    validated: bool = Field(True, description="The model's reply validated against the answer "
                            "schema; False when it never did (the answer is then declined).")
    manifest: Manifest


class AnswerDraft(BaseModel):
    """What the model writes for a question (its evidence is verified afterwards)."""

    citations: list[Evidence] = Field(min_length=1, max_length=3)
    answer: str = Field(max_length=700)
    insufficient_evidence: bool
