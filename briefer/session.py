"""Build the ChatModel the settings ask for: an OpenAI-compatible server when ``llm.url`` is
set, else llama.cpp in-process."""

from __future__ import annotations

from .llm import ChatModel, LlamaCppModel, LlamaOptions, OpenAICompatModel
from .models import resolve
from .settings import Settings


def load_model(settings: Settings) -> ChatModel:
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
