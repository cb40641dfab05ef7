"""The OpenAI-compatible client against an httpx MockTransport: payloads, retries, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from briefer.core.errors import ModelError
from briefer.llm.openai_compat import OpenAICompatModel

MSGS: list[Any] = [{"role": "user", "content": "hi"}]


def model(handler: Any, **kw: Any) -> OpenAICompatModel:
    return OpenAICompatModel("http://server/v1", "m", transport=httpx.MockTransport(handler),
                             **kw)


def ok(text: str) -> httpx.Response:
    return httpx.Response(200, json={"choices": [{"message": {"content": text},
                                                  "finish_reason": "stop"}],
                                     "usage": {"prompt_tokens": 5, "completion_tokens": 2}})


def test_schema_is_sent_as_json_object_or_json_schema() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return ok('{"a": 1}')

    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    c = model(handler).complete(MSGS, schema=schema)
    assert c.text == '{"a": 1}' and c.prompt_tokens == 5 and c.completion_tokens == 2
    assert seen[0]["response_format"] == {"type": "json_object", "schema": schema}
    model(handler, schema_format="json_schema").complete(MSGS, schema=schema)
    assert seen[1]["response_format"]["json_schema"]["schema"] == schema
    assert seen[0]["temperature"] == 0.0 and seen[0]["model"] == "m"


def test_5xx_is_retried_then_succeeds() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, text="busy") if len(calls) < 2 else ok("fine")

    assert model(handler, retries=2).complete(MSGS).text == "fine"
    assert len(calls) == 2


def test_garbage_and_4xx_are_one_line_model_errors() -> None:
    with pytest.raises(ModelError, match="not an OpenAI chat completion"):
        model(lambda r: httpx.Response(200, text="<html>hello</html>")).complete(MSGS)
    with pytest.raises(ModelError, match="HTTP 400"):
        model(lambda r: httpx.Response(400, text="bad\nrequest")).complete(MSGS)


def test_unreachable_server_is_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(ModelError, match="cannot reach the inference server"):
        model(handler, retries=0).complete(MSGS)


def test_streaming_feeds_tokens() -> None:
    chunks = [{"choices": [{"delta": {"content": p}, "finish_reason": None}]}
              for p in ["Hel", "lo"]]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    got: list[str] = []
    c = model(lambda r: httpx.Response(200, text=body)).complete(MSGS, on_token=got.append)
    assert c.text == "Hello" and got == ["Hel", "lo"]


def test_yes_probability_from_top_logprobs() -> None:
    import math

    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        top = [{"token": "Yes", "logprob": math.log(0.6)}, {"token": " no", "logprob":
               math.log(0.2)}, {"token": "The", "logprob": math.log(0.1)}]
        return httpx.Response(200, json={"choices": [{"message": {"content": "Yes"},
                                                      "logprobs": {"content": [
                                                          {"token": "Yes", "top_logprobs": top}
                                                      ]}}]})

    p = model(handler).yes_probability(MSGS)
    assert abs(p - 0.75) < 1e-9  # 0.6 against 0.2; "The" does not count
    assert seen[0]["logprobs"] is True and seen[0]["max_tokens"] == 1


def test_yes_probability_without_logprobs_is_the_hard_answer() -> None:
    assert model(lambda r: ok("yes, they do")).yes_probability(MSGS) == 1.0
    assert model(lambda r: ok("No.")).yes_probability(MSGS) == 0.0
    with pytest.raises(ModelError, match="HTTP 400"):
        model(lambda r: httpx.Response(400, text="no logprobs")).yes_probability(MSGS)
