"""A chat model behind an OpenAI-compatible server, spoken to over HTTP with httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from briefer.core.errors import ModelError
from briefer.llm.base import NO_WORDS, YES_WORDS, Completion, Message, OnToken, two_way, yes_no_word
from briefer.llm.schema_subset import plain

_T = TypeVar("_T")


class _ServerBusy(Exception):
    """A 5xx answer: worth another try, like a refused connection."""


class OpenAICompatModel:
    """A chat model behind an OpenAI-compatible server (llama-server, llama-cpp-python, vLLM).

    Structured output goes through the server's JSON-schema support; the same parsing,
    validation, quote verification and re-ask loop run on the reply as in-process. Connection
    failures and 5xx answers are retried with backoff, then become one-line ModelErrors.
    """

    def __init__(self, base_url: str, model: str = "default", *, api_key: str | None = None,
                 timeout_s: float = 300.0, retries: int = 2, schema_format: str = "json_object",
                 temperature: float = 0.0, seed: int = 1234, transport: Any = None) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model}@{self.base_url}"
        self.retries = retries
        self.schema_format = schema_format
        self.temperature = temperature
        self.seed = seed
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers,
                                    timeout=httpx.Timeout(timeout_s, connect=10.0),
                                    transport=transport)

    def describe(self) -> dict[str, str]:
        return {"file": f"{self.model} via {self.base_url}", "sha256": "unknown (remote server)"}

    def _payload(self, messages: Sequence[Message], schema: dict[str, Any] | None,
                 max_tokens: int, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": list(messages),
                                "max_tokens": max_tokens, "temperature": self.temperature,
                                "seed": self.seed, "stream": stream}
        if schema is not None:
            schema = plain(schema)
            if self.schema_format == "json_schema":
                body["response_format"] = {"type": "json_schema", "json_schema": {
                    "name": "briefer", "schema": schema, "strict": True}}
            else:
                body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    def complete(self, messages: Sequence[Message], *, schema: dict[str, Any] | None = None,
                 max_tokens: int = 512, on_token: OnToken | None = None,
                 extractive: bool = False) -> Completion:
        body = self._payload(messages, schema, max_tokens, stream=on_token is not None)

        def attempt() -> Completion:
            started = time.perf_counter()
            if on_token is None:
                return self._parse(self._post(body), started)
            return self._stream(body, on_token, started)

        return self._retrying(attempt)

    def _retrying(self, attempt: Callable[[], _T]) -> _T:
        """``attempt()``, tried again with backoff after a connection failure or a 5xx answer
        (:class:`_ServerBusy`); a read timeout, or the last failure, becomes a ModelError."""
        import httpx

        last = ""
        for n in range(self.retries + 1):
            if n:
                time.sleep(min(8.0, 0.5 * 2 ** n))
            try:
                return attempt()
            except _ServerBusy as exc:
                last = str(exc)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            except httpx.ReadTimeout:
                raise ModelError(f"the inference server at {self.base_url} did not answer "
                                 f"within {self._client.timeout.read} s") from None
        raise ModelError(f"cannot reach the inference server at {self.base_url} after "
                         f"{self.retries + 1} tries ({last})")

    def _post(self, body: dict[str, Any]) -> Any:
        """One non-streamed POST of a chat completion; a 5xx answer raises _ServerBusy."""
        response = self._client.post("/chat/completions", json=body)
        if response.status_code >= 500:
            raise _ServerBusy(f"HTTP {response.status_code}")
        return response

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P("yes") against P("no") from the first reply token's ``top_logprobs`` (Judge).

        A server that returns no logprobs gives a hard answer instead: 1.0 for a reply that
        starts with "yes", 0.0 for anything else.
        """
        body = {**self._payload(messages, None, 1, stream=False), "logprobs": True,
                "top_logprobs": 10}
        data = self._post_json(body)
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
            top = ((choice.get("logprobs") or {}).get("content") or [{}])[0].get(
                "top_logprobs") or []
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ModelError(f"the inference server at {self.base_url} answered something that "
                             "is not an OpenAI chat completion") from None
        yes = [float(t["logprob"]) for t in top if yes_no_word(str(t.get("token"))) in YES_WORDS]
        no = [float(t["logprob"]) for t in top if yes_no_word(str(t.get("token"))) in NO_WORDS]
        if not yes and not no:
            return 1.0 if yes_no_word(text.split(" ", 1)[0] if text else "") in YES_WORDS else 0.0
        if not yes or not no:  # the other word is below the top: bound it by the smallest
            floor = min(float(t["logprob"]) for t in top)
            yes, no = yes or [floor], no or [floor]
        return two_way(yes, no)

    def _post_json(self, body: dict[str, Any]) -> Any:
        """POST a non-streamed chat completion, retried like ``complete``; the parsed JSON."""
        response = self._retrying(lambda: self._post(body))
        if response.status_code != 200:
            raise self._error(response)
        try:
            return response.json()
        except ValueError:
            raise ModelError(f"the inference server at {self.base_url} answered something "
                             "that is not an OpenAI chat completion") from None

    def _error(self, response: Any) -> ModelError:
        detail = " ".join(response.text.split())[:200]
        return ModelError(f"the inference server at {self.base_url} answered HTTP "
                          f"{response.status_code}: {detail}")

    def _parse(self, response: Any, started: float) -> Completion:
        if response.status_code != 200:
            raise self._error(response)
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"] or ""
            usage = data.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelError(f"the inference server at {self.base_url} answered something that "
                             "is not an OpenAI chat completion") from None
        elapsed = time.perf_counter() - started
        prompt = int(usage.get("prompt_tokens", 0))
        return Completion(text=text, prompt_tokens=prompt, prompt_tokens_evaluated=prompt,
                          completion_tokens=int(usage.get("completion_tokens", 0)),
                          decode_s=elapsed, seconds=elapsed,
                          finish_reason=str(data["choices"][0].get("finish_reason") or "stop"))

    def _stream(self, body: dict[str, Any], on_token: OnToken, started: float) -> Completion:
        parts: list[str] = []
        first: float | None = None
        finish = "stop"
        usage: dict[str, Any] = {}
        with self._client.stream("POST", "/chat/completions", json=body) as response:
            if response.status_code != 200:
                response.read()
                raise self._error(response)
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                try:
                    event = json.loads(payload)
                    choice = (event.get("choices") or [{}])[0]
                except (ValueError, AttributeError, IndexError):
                    raise ModelError(f"the inference server at {self.base_url} streamed "
                                     "something that is not an OpenAI chunk") from None
                usage = event.get("usage") or usage
                piece = (choice.get("delta") or {}).get("content") or ""
                if piece:
                    first = first or time.perf_counter()
                    parts.append(piece)
                    on_token(piece)
                finish = choice.get("finish_reason") or finish
        ended = time.perf_counter()
        first = first or ended
        prompt = int(usage.get("prompt_tokens", 0))
        return Completion(text="".join(parts), prompt_tokens=prompt,
                          prompt_tokens_evaluated=prompt,
                          completion_tokens=int(usage.get("completion_tokens", len(parts))),
                          prefill_s=first - started, decode_s=ended - first,
                          seconds=ended - started, finish_reason=finish)
