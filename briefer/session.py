"""Build the ChatModel the settings ask for (in-process llama.cpp today)."""

from __future__ import annotations

from .llm import ChatModel, LlamaCppModel, LlamaOptions
from .models import resolve
from .settings import Settings


def load_model(settings: Settings) -> ChatModel:
    m = settings.model
    path = resolve(m.path)
    return LlamaCppModel(path, LlamaOptions(n_ctx=m.n_ctx, n_threads=m.n_threads,
                                            n_gpu_layers=m.n_gpu_layers,
                                            temperature=m.temperature,
                                            repeat_penalty=m.repeat_penalty, seed=m.seed))
