"""`brief eval` on the development set with the schema-valid fake model (CI smoke), and the
metrics on hand-made results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefer.cli.app import app
from briefer.evaluation.scoring import (
    BriefItem,
    BriefResult,
    Expected,
    Metrics,
    QuestionItem,
    QuestionResult,
    Retrieval,
    Side,
    includes,
    precision,
    read_jsonl,
    recall,
)

EVALSET = Path(__file__).resolve().parent.parent / "evalset"


def test_includes_ignores_case_and_thousands_separators() -> None:
    assert includes("Storage was 1,250,000 tonnes", "1250000")
    assert includes("storage was 1250000 tonnes", "1,250,000")
    assert includes("The K-9 Howitzer", "k-9 howitzer")
    # a share written either way (real-dev's README: documents mix "10%" and "10 percent")
    assert includes("68% of the deaths", "68 percent")
    assert includes("a 20 per cent duty", "20%") and includes("a 20 % duty", "20 percent")
    assert not includes("a 20 percent duty", "120%") and not includes("68 percentile", "68%")
    assert not includes("12,500", "125000")


def test_recall_counts_an_item_when_any_keyword_matches() -> None:
    expected = [Expected(label="a", match_any=["monitoring team", "monitor"]),
                Expected(label="b", match_any=["ICBM"])]
    assert recall(expected, ["They will monitor troops"]) == 0.5
    assert recall([], ["x"]) is None


def test_precision_is_the_share_of_listed_items_matching_no_must_not_entry() -> None:
    must_not = [Expected(label="a worry", match_any=["concerned", "relations with Russia"]),
                Expected(label="a fact", match_any=["prepare for deployment"])]
    listed = ["Send a monitoring team", "Analysts are CONCERNED about ties",
              "Expand sanctions", "Troops prepare for deployment"]
    assert precision(must_not, listed) == 0.5
    assert precision(must_not, ["Expand sanctions"]) == 1.0
    assert precision(must_not, []) is None  # nothing listed: nothing to judge
    assert precision([], listed) is None  # no must_not entries: not measured


def test_devset_files_parse() -> None:
    qs = read_jsonl(EVALSET / "questions.jsonl", QuestionItem)
    bs = read_jsonl(EVALSET / "briefs.jsonl", BriefItem)
    assert len(qs) >= 50 and {q.kind for q in qs} == {"fact", "numeric", "conflict",
                                                      "multi-hop", "partial", "unanswerable"}
    assert sum(q.kind == "unanswerable" for q in qs) >= 18
    assert all(len(q.conflict) >= 2 for q in qs if q.kind == "conflict")
    assert all(q.unanswered for q in qs if q.kind == "partial")
    assert any(b.topic == "South Korea response" for b in bs)
    for b in bs:
        assert 2 <= len(b.must_not_options) <= 4 and 2 <= len(b.must_not_red_lines) <= 4
        for expected, must_not in ((b.expected_options, b.must_not_options),
                                   (b.expected_red_lines, b.must_not_red_lines)):
            labels = [e.label for e in expected]
            assert precision(must_not, labels) == 1.0, b.id  # no expected item counts as wrong


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
                "red_line_recall", "option_precision", "red_line_precision", "latency_p50_s",
                "latency_p95_s", "tokens_per_s"):
        assert key in m
    assert naive["metrics"]["option_precision"] is None  # free text: no items to judge


def test_unknown_baseline_is_a_config_error() -> None:
    from briefer.core.errors import ConfigError
    from briefer.evaluation.evaluate import pipeline_names

    assert pipeline_names(None) == ["briefer"] and pipeline_names("naive") == ["briefer", "naive"]
    with pytest.raises(ConfigError, match="available: naive"):
        pipeline_names("briefer")


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
    from briefer.evaluation.evaluate import evaluate
    from briefer.llm.testing import FakeModel

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


def _metrics_on_hand_made_results() -> Metrics:
    metrics = Metrics(k=6)
    fact = QuestionItem(id="f", question="q", must_include=["Seoul", "K-9"], doc_ids=["a.txt"],
                        kind="fact")
    unanswerable = QuestionItem(id="u", question="q", kind="unanswerable")
    metrics.add_question(fact, Retrieval(hit=True, recall=1.0), QuestionResult(
        text="Seoul may send the K-9", declined=False, checks=[True, False], tokens=30,
        generation_s=1.0, latency_s=1.0))
    metrics.add_question(fact, Retrieval(hit=False, recall=0.0), QuestionResult(
        text="not in the documents", declined=True, latency_s=2.0))
    metrics.add_question(unanswerable, None, QuestionResult(
        text="", declined=True, validated=False, reason="the model's reply never validated",
        latency_s=3.0))
    metrics.add_question(unanswerable, None, QuestionResult(
        text="It is 12", declined=False, latency_s=4.0))
    brief = BriefItem(
        id="b", topic="t",
        expected_options=[Expected(label="monitor", match_any=["monitoring team"]),
                          Expected(label="sanctions", match_any=["sanction"])],
        expected_red_lines=[Expected(label="nuclear", match_any=["nuclear"])],
        must_not_options=[Expected(label="worry", match_any=["concerned"]),
                          Expected(label="fact", match_any=["prepare for deployment"])],
        must_not_red_lines=[Expected(label="fact", match_any=["prepare for deployment"])])
    metrics.add_brief(brief, BriefResult(
        option_texts=["send a monitoring team", "analysts are concerned", "troops prepare for "
                      "deployment", "buy time"],
        red_line_texts=["nuclear cooperation -> weapons"], checks=[True, True], tokens=70,
        generation_s=1.0, latency_s=10.0))
    metrics.add_brief(brief, BriefResult(option_texts=[], red_line_texts=[], validated=False,
                                         error="the model server is down", latency_s=5.0))
    return metrics


def test_metrics_accumulate_one_result_per_item() -> None:
    metrics = _metrics_on_hand_made_results()
    m = metrics.summary()
    assert m["questions"] == 4 and m["briefs"] == 2
    assert m["hit@6"] == 0.5 and m["recall@6"] == 0.5
    assert m["must_include"] == 0.5  # a declined answerable question scores 0
    assert m["false_abstention"] == 0.5 and m["abstention_accuracy"] == 0.5
    assert m["citations"] == 4 and m["citation_validity"] == 0.75
    assert m["option_recall"] == 0.25  # 1 of 2, then 0 of 2 for the brief that failed
    assert m["option_precision"] == 0.5  # the failed brief lists nothing: left out
    assert m["red_line_recall"] == 0.5 and m["red_line_precision"] == 1.0
    assert m["schema_valid"] == 0.667  # the never-validated answer and the failed brief
    assert m["latency_p50_s"] == 4.0 and m["latency_p95_s"] == 10.0  # of 1 2 3 4 5 10 s
    assert m["tokens_per_s"] == 50.0
    drafted, failed = metrics.rows[4:]
    assert drafted["option_precision"] == 0.5 and drafted["option_recall"] == 0.5
    assert drafted["wrong_options"] == ["analysts are concerned", "troops prepare for deployment"]
    assert failed["error"] == "the model server is down" and failed["option_precision"] is None


def test_metrics_without_results_are_none() -> None:
    m = Metrics(k=3).summary()
    assert m["questions"] == 0 and m["citations"] == 0
    assert all(m[key] is None for key in ("hit@3", "option_precision", "schema_valid",
                                          "latency_p50_s", "tokens_per_s"))


def test_answer_support_counts_facts_the_answers_own_verified_quotes_state() -> None:
    metrics = Metrics(k=6)
    item = QuestionItem(id="n", question="q", must_include=["40,000", "Kursk", "K-9"],
                        doc_ids=["a.txt"], kind="fact")
    metrics.add_question(item, None, QuestionResult(
        text="40000 troops near Kursk", declined=False, checks=[True, False],
        quotes=["an estimated 40,000 troops", "stationed in the Kursk region"]))
    m = metrics.summary()
    assert m["must_include"] == 0.667
    assert m["answer_support"] == 0.5  # Kursk is stated only by a quote that did not verify
    assert metrics.rows[0]["unbacked"] == ["Kursk"]


def test_conflict_both_sides_needs_both_values_and_both_sources_cited() -> None:
    item = QuestionItem(id="c", question="q", must_include=["40,000", "65,000"],
                        doc_ids=["a.md", "b.html"], kind="conflict",
                        conflict=[Side(doc_id="a.md", match_any=["40,000"]),
                                  Side(doc_id="b.html", match_any=["65,000"])])
    metrics = Metrics(k=6)
    both = QuestionResult(text="40,000 [1] or 65,000 [2]", declined=False,
                          sources=["docs/a.md", "b.html"])
    one_source = QuestionResult(text="40,000 or 65,000 [1]", declined=False, sources=["a.md"])
    one_value = QuestionResult(text="65,000 [2]", declined=False, sources=["a.md", "b.html"])
    for r in (both, one_source, one_value):
        metrics.add_question(item, None, r)
    assert metrics.summary()["conflict_both_sides"] == 0.333


def test_two_documents_with_the_same_figure_are_one_side() -> None:
    """"$180 million" in two press calls is one side: citing either attributes it."""
    item = QuestionItem(id="c", question="q", must_include=["$100 million", "$180 million"],
                        doc_ids=["a.md", "b.md", "c.md"], kind="conflict",
                        conflict=[Side(doc_id="a.md", match_any=["$100 million"]),
                                  Side(doc_id="b.md", match_any=["$180 million"]),
                                  Side(doc_id="c.md", match_any=["$180 million"])])
    metrics = Metrics(k=6)
    for sources in (["a.md", "c.md"], ["a.md", "b.md"], ["b.md", "c.md"]):
        metrics.add_question(item, None, QuestionResult(
            text="$100 million [1]; another gives $180 million [2]", declined=False,
            sources=sources))
    assert metrics.summary()["conflict_both_sides"] == 0.667


def test_unanswered_stated_only_where_the_pipeline_reports_it() -> None:
    item = QuestionItem(id="p", question="q", must_include=["47"], doc_ids=["a.txt"],
                        kind="partial", unanswered=["deaths"])
    metrics = Metrics(k=6)
    metrics.add_question(item, None, QuestionResult(text="47 cases", declined=False,
                                                    unanswered=["how many deaths"]))
    metrics.add_question(item, None, QuestionResult(text="47 cases", declined=False,
                                                    unanswered=[]))
    metrics.add_question(item, None, QuestionResult(text="47 cases", declined=False))
    m = metrics.summary()
    assert m["unanswered_stated"] == 0.5  # the third reports no list: not counted
    assert m["false_abstention"] == 0.0 and m["must_include"] == 1.0


def test_briefer_and_the_baseline_take_each_brief_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both pipelines meet the same machine: each brief is run by Briefer, then by the
    baseline, before the next brief (a laptop's speed drifts within minutes)."""
    from briefer.evaluation import evaluate as ev

    calls: list[tuple[str, str]] = []

    def recording(name: str) -> Any:
        class Recorder:
            def __init__(self, *args: object) -> None:
                pass

            def brief(self, item: BriefItem) -> BriefResult:
                calls.append((name, item.id))
                return BriefResult(option_texts=[], red_line_texts=[], latency_s=1.0)

        return Recorder

    monkeypatch.setattr(ev, "PIPELINES", {"briefer": recording("briefer"),
                                          "naive": recording("naive")})
    model: Any = type("M", (), {"describe": lambda self: {"file": "m.gguf"}})()
    briefs = [BriefItem(id="b1", topic="t"), BriefItem(id="b2", topic="t")]
    runs = ev.compare([], briefs, workspace=None, model=model, k=3,  # type: ignore[arg-type]
                      baseline="naive")
    assert calls == [("briefer", "b1"), ("naive", "b1"), ("briefer", "b2"), ("naive", "b2")]
    assert [r["pipeline"] for r in runs] == ["briefer", "naive"]
    assert [r["metrics"]["briefs"] for r in runs] == [2, 2]
