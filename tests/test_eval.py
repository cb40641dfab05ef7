"""`brief eval` on the development set with the schema-valid fake model (CI smoke) + metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from briefer.cli import app
from briefer.evaluate import BriefItem, Expected, QuestionItem, _recall, includes, read_jsonl

EVALSET = Path(__file__).resolve().parent.parent / "evalset"


def test_includes_ignores_case_and_thousands_separators() -> None:
    assert includes("Storage was 1,250,000 tonnes", "1250000")
    assert includes("storage was 1250000 tonnes", "1,250,000")
    assert includes("The K-9 Howitzer", "k-9 howitzer")
    assert not includes("12,500", "125000")


def test_recall_counts_an_item_when_any_keyword_matches() -> None:
    expected = [Expected(label="a", match_any=["monitoring team", "monitor"]),
                Expected(label="b", match_any=["ICBM"])]
    assert _recall(expected, ["They will monitor troops"]) == 0.5
    assert _recall([], ["x"]) is None


def test_devset_files_parse() -> None:
    qs = read_jsonl(EVALSET / "questions.jsonl", QuestionItem)
    bs = read_jsonl(EVALSET / "briefs.jsonl", BriefItem)
    assert len(qs) >= 30 and {q.kind for q in qs} == {"fact", "numeric", "conflict",
                                                      "multi-hop", "unanswerable"}
    assert any(b.topic == "South Korea response" for b in bs)


def test_eval_runs_on_devset_with_fake_model_and_baseline(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "eval", "--questions", str(EVALSET / "questions.jsonl"), "--briefs",
        str(EVALSET / "briefs.jsonl"), "--ingest", str(EVALSET / "docs"), "--store",
        str(tmp_path / "s"), "--fake-model", "--baseline", "naive", "--json"])
    assert result.exit_code == 0, result.output
    briefer, naive = json.loads(result.stdout)
    m = briefer["metrics"]
    assert m["hit@6"] >= 0.9 and m["recall@6"] >= 0.8
    assert m["schema_valid"] == 1.0
    assert m["citation_validity"] == 1.0  # every citation Briefer shows verifies
    assert naive["metrics"]["citation_validity"] == 0.0  # the fake's free text cites nothing real
    for key in ("must_include", "abstention_accuracy", "false_abstention", "option_recall",
                "red_line_recall", "latency_p50_s", "latency_p95_s", "tokens_per_s"):
        assert key in m


def test_bad_question_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "x", "question": "q", "kind": "weird"}\n')
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("Some words about a subject for the store to hold.")
    result = CliRunner().invoke(app, ["eval", "--questions", str(bad), "--ingest",
                                      str(tmp_path / "d"), "--store", str(tmp_path / "s"),
                                      "--retrieval-only"])
    assert result.exit_code != 0
    assert "q.jsonl:1" in str(result.exception) or "q.jsonl:1" in result.output


def test_answer_that_never_validates_is_a_decline_and_not_schema_valid(
        tmp_path: Path, make_workspace: Any) -> None:
    from briefer.evaluate import evaluate
    from briefer.llm import FakeModel

    docs = tmp_path / "d"
    docs.mkdir()
    (docs / "a.txt").write_text("The ministry will send an observer mission to the border.")
    ws = make_workspace()
    ws.ingest([docs])
    qs = [QuestionItem(id="u1", question="How many observers will the ministry send?",
                       answer="", kind="unanswerable"),
          QuestionItem(id="a1", question="Where will the observer mission go?",
                       answer="the border", must_include=["border"], kind="fact")]
    out = evaluate(qs, [], workspace=ws, model=FakeModel(respond=lambda m, s: "{broken"), k=3)
    m = out["metrics"]
    assert m["schema_valid"] == 0.0 and m["abstention_accuracy"] == 1.0
    assert m["false_abstention"] == 1.0
    assert all(r["reason"].startswith("the model's reply never validated")
               for r in out["items"])
