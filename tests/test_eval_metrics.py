"""Scoring worked through on a tiny hand-made set; the comments carry the arithmetic, so they double as docs."""
from __future__ import annotations

import json

import pytest

from eval.metrics import evidence_rank, missing_facts, normalize, split_sentences, summarize
from eval.questions import Question, load_questions
from eval.report import format_comparison, format_summary, plot_headline, write_markdown

# ---------------------------------------------------------------- the hand-made set
#
# id  type          evidence found at rank  answer                                  refused
# Q1  fact          3 (full-width digits)   right ("30.24 亿元" has a space)         no
# Q2  fact          1 (full-width ％)        right                                   no
# Q3  multi         2 (needs passages 1+2)  right (facts on separate lines)         no
# Q4  fact          never                   wrong (says 300亿, fact is 400亿)        no
# Q5  fact          1                       wrong: refused, although it names 96    yes
# Q6  unanswerable  -                       refusal (right)                         yes
# Q7  unanswerable  -                       invented figure (wrong)                 no

QUESTIONS = [
    Question("Q1", "营业收入多少？", answers=("30.24亿",), evidence=("营业收入30.24亿元",)),
    Question("Q2", "工业增加值增长多少？", answers=("12.2%",), evidence=("增长12.2%",)),
    Question(
        "Q3", "去年和今年各新建多少学校？", answers=("19处", "6所"),
        evidence=("中小学幼儿园19处", "中小学幼儿园6所"), type="multi",
    ),
    Question("Q4", "生产总值突破多少？", answers=("400亿",), evidence=("突破400亿元",)),
    Question("Q5", "多少家企业开展产学研合作？", answers=("96",), evidence=("96家企业",)),
    Question("Q6", "总面积多大？", type="unanswerable", unanswerable=True),
    Question("Q7", "进出口总额多少？", type="unanswerable", unanswerable=True),
]

OTHER = "全区上下团结奋斗，各项事业取得新进展。"
P_REVENUE = "全年营业收入３０.２４亿元，同比增长。"  # full-width digits: NFKC makes them "30.24"
P_GROWTH = "规模以上工业增加值增长１２.２％。"  # full-width digits and percent sign
P_SCHOOLS_2023 = "新建、续建、改扩建中小学幼儿园19处。"
P_SCHOOLS_2024 = "新建、续建、改扩建中小学幼儿园 6所。"  # a stray space inside the evidence
P_FIRMS = "96家企业与高校院所开展产学研合作项目220个。"


def passage(pid: str, text: str) -> dict:
    return {"passage_id": pid, "text": text, "doc": "report.txt", "section": "", "page": None, "score": 1.0}


def citation(marker: int, pid: str, text: str) -> dict:
    return {"marker": marker, "passage_id": pid, "text": text, "doc": "report.txt",
            "section": "", "page": None, "supported": True}


def result(qid, answer, refused, passages, citations=(), flagged=(), timings=None) -> dict:
    return {"id": qid, "question": "", "type": "", "unanswerable": False, "answer": answer,
            "refused": refused, "citations": list(citations), "flagged_sentences": list(flagged),
            "passages": list(passages), "timings_ms": timings or {}}


RESULTS = [
    result("Q1", "营业收入为30.24 亿元。", False,
           [passage("a", OTHER), passage("b", OTHER), passage("rev", P_REVENUE)],
           citations=[citation(1, "rev", P_REVENUE), citation(2, "a", OTHER)],  # 1 of 2 precise
           timings={"retrieval": 10, "generation": 100, "total": 110}),
    result("Q2", "增长了12.2%。同比提高明显！", False, [passage("g", P_GROWTH), passage("a", OTHER)],
           citations=[citation(1, "g", P_GROWTH)],  # 1 of 1 precise
           flagged=["同比提高明显"],  # 1 flagged of 2 sentences
           timings={"retrieval": 20, "generation": 200, "total": 220}),
    result("Q3", "2023年新建19处\n2024年计划新建6 所", False,
           [passage("s23", P_SCHOOLS_2023), passage("s24", P_SCHOOLS_2024), passage("a", OTHER)],
           citations=[citation(1, "s23", P_SCHOOLS_2023), citation(2, "s24", P_SCHOOLS_2024)],  # 2 of 2
           timings={"retrieval": 30, "generation": 300, "total": 330}),
    result("Q4", "生产总值约300亿元。", False, [passage("a", OTHER), passage("b", OTHER)],
           citations=[citation(1, "a", OTHER)],  # 0 of 1 precise
           flagged=["生产总值约300亿元"],
           timings={"retrieval": 40, "generation": 400, "total": 440}),
    result("Q5", "文档未明确说明，可能是96家。", True, [passage("f", P_FIRMS)],
           timings={"retrieval": 50, "generation": 500, "total": 550}),
    result("Q6", "文档中没有相关信息。", True, [passage("a", OTHER)], timings={"retrieval": 60, "total": 60}),
    result("Q7", "进出口总额为500亿元。", False, [passage("a", OTHER)],
           citations=[citation(1, "a", OTHER)],  # unanswerable: not part of citation precision
           flagged=["进出口总额为500亿元"], timings={"retrieval": 70, "total": 70}),
]


@pytest.fixture(scope="module")
def summary():
    return summarize(QUESTIONS, RESULTS)


# ---------------------------------------------------------------- string helpers


def test_normalize_folds_width_and_drops_whitespace_only():
    assert normalize("３０.２４") == "30.24"
    assert normalize("30.24 亿元") == "30.24亿元"
    assert normalize(" 12.2\u3000％\n") == "12.2%"  # ideographic space removed, ％ → %
    assert normalize("19处，6所") == "19处,6所"  # NFKC folds the full-width comma; nothing else is dropped


def test_a_key_fact_counts_however_its_figure_is_written():
    # a law writes 百分之二十 and 二年; an interpretation quoting it writes 20%, a model writes 2年
    assert missing_facts("超过主合同标的额20%的部分不予支持。", ["百分之二十"]) == []
    assert missing_facts("竞业限制期限不得超过2年。", ["二年", "竞业限制"]) == []
    assert missing_facts("不得超过百分之三十。", ["20%", "百分之二十"]) == ["20%", "百分之二十"]
    assert missing_facts("期限为十二个月。", ["2个月"]) == ["2个月"]  # 12个月 is not 2个月


def test_split_sentences_on_chinese_and_ascii_enders_and_newlines():
    assert split_sentences("增长了12.2%。同比提高明显！") == ["增长了12.2%", "同比提高明显"]
    assert split_sentences("第一行\n第二行? 第三行!\n\n") == ["第一行", "第二行", "第三行"]
    assert split_sentences("") == []


def test_evidence_rank_needs_every_evidence_string():
    texts = [P_SCHOOLS_2023, OTHER, P_SCHOOLS_2024]
    assert evidence_rank(texts, ["中小学幼儿园19处"]) == 1
    assert evidence_rank(texts, ["中小学幼儿园19处", "中小学幼儿园6所"]) == 3  # the later one decides
    assert evidence_rank(texts, ["突破400亿元"]) is None
    assert evidence_rank(texts, []) is None


# ---------------------------------------------------------------- per-question scores


def test_per_question_scores(summary):
    by_id = {q.id: q for q in summary.questions}
    assert [by_id[i].evidence_rank for i in ("Q1", "Q2", "Q3", "Q4", "Q5")] == [3, 1, 2, None, 1]
    assert by_id["Q1"].answer_correct is True  # "30.24 亿元" contains "30.24亿" once whitespace is gone
    assert by_id["Q4"].missing_facts == ["400亿"]
    assert by_id["Q5"].answer_correct is False and by_id["Q5"].missing_facts == []  # has "96", but refused
    assert by_id["Q6"].answer_correct is None  # unanswerable: judged by refusal, not key facts


# ---------------------------------------------------------------- overall figures


def test_retrieval_figures(summary):
    m = summary.overall
    # answerable with evidence: Q1..Q5; ranks 3, 1, 2, None, 1
    assert m.n_with_evidence == 5
    assert m.recall[1] == pytest.approx(2 / 5)  # Q2, Q5
    assert m.recall[3] == pytest.approx(4 / 5)  # + Q1 (rank 3), Q3 (rank 2)
    assert m.recall[5] == pytest.approx(4 / 5)  # Q4 never found
    # MRR = (1/3 + 1 + 1/2 + 0 + 1) / 5 = (17/6) / 5 = 17/30
    assert m.mrr == pytest.approx(17 / 30)


def test_answer_and_refusal_figures(summary):
    m = summary.overall
    assert m.answer_accuracy == pytest.approx(3 / 5)  # Q1, Q2, Q3 right; Q4 wrong fact; Q5 refused
    assert m.refusal_accuracy == pytest.approx(1 / 2)  # Q6 refused, Q7 invented a figure
    assert m.wrong_refusal_rate == pytest.approx(1 / 5)  # Q5 of 5 answerable


def test_citation_precision_and_flagged_share(summary):
    m = summary.overall
    # citations of answerable questions: Q1 1/2, Q2 1/1, Q3 2/2, Q4 0/1, Q5 none → 4 / 6; Q7's is not counted
    assert m.n_citations == 6
    assert m.citation_precision == pytest.approx(4 / 6)
    # non-refused answers: sentences Q1 1, Q2 2, Q3 2 (newline), Q4 1, Q7 1 = 7; flagged Q2, Q4, Q7 = 3
    assert m.n_answer_sentences == 7
    assert m.flagged_share == pytest.approx(3 / 7)


def test_latency_percentiles(summary):
    lat = summary.overall.latency_ms
    # retrieval 10..70 (7 values): p50 = 40; p95 at index 0.95*6 = 5.7 → 60 + 0.7*10 = 67
    assert lat["retrieval"]["p50"] == pytest.approx(40)
    assert lat["retrieval"]["p95"] == pytest.approx(67)
    # generation 100..500 (5 values, Q6/Q7 have none): p50 = 300; index 0.95*4 = 3.8 → 400 + 0.8*100 = 480
    assert lat["generation"]["n"] == 5
    assert lat["generation"]["p50"] == pytest.approx(300)
    assert lat["generation"]["p95"] == pytest.approx(480)


def test_breakdown_by_type(summary):
    assert list(summary.by_type) == ["fact", "multi", "unanswerable"]
    fact = summary.by_type["fact"]
    # fact: Q1, Q2, Q4, Q5 with ranks 3, 1, None, 1
    assert fact.recall[1] == pytest.approx(2 / 4)
    assert fact.recall[3] == pytest.approx(3 / 4)
    assert fact.mrr == pytest.approx((1 / 3 + 1 + 0 + 1) / 4)  # = 7/12
    assert fact.answer_accuracy == pytest.approx(2 / 4)  # Q1, Q2
    multi = summary.by_type["multi"]
    assert (multi.recall[1], multi.recall[3], multi.mrr, multi.answer_accuracy) == (0.0, 1.0, 0.5, 1.0)
    unans = summary.by_type["unanswerable"]
    assert unans.recall[1] is None and unans.mrr is None and unans.answer_accuracy is None  # nothing to measure
    assert unans.refusal_accuracy == pytest.approx(1 / 2)
    assert unans.citation_precision is None


def test_retrieval_only_run_has_no_answer_figures():
    retrieval_only = [{**r, "refused": None, "answer": ""} for r in RESULTS]
    m = summarize(QUESTIONS, retrieval_only).overall
    assert summarize(QUESTIONS, retrieval_only).retrieval_only
    assert m.recall[3] == pytest.approx(4 / 5)  # retrieval figures unchanged
    assert (m.answer_accuracy, m.refusal_accuracy, m.wrong_refusal_rate, m.flagged_share) == (None,) * 4


def test_missing_result_scores_as_failure_and_unknown_id_is_an_error():
    s = summarize(QUESTIONS, [r for r in RESULTS if r["id"] != "Q2"])
    assert s.n_missing == 1
    assert s.overall.recall[1] == pytest.approx(1 / 5)  # only Q5 left at rank 1
    assert s.overall.answer_accuracy == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="unknown question id 'Z9'"):
        summarize(QUESTIONS, [*RESULTS, result("Z9", "", False, [])])
    with pytest.raises(ValueError, match="more than one result"):
        summarize(QUESTIONS, [*RESULTS, RESULTS[0]])


def test_summary_to_dict_is_json_ready(summary):
    data = json.loads(json.dumps(summary.to_dict(), ensure_ascii=False))
    assert data["overall"]["recall"]["recall@3"] == pytest.approx(0.8)
    assert set(data["by_type"]) == {"fact", "multi", "unanswerable"}
    assert summary.headline() == {
        "recall@1": pytest.approx(0.4), "recall@3": pytest.approx(0.8), "recall@5": pytest.approx(0.8),
        "mrr": pytest.approx(17 / 30), "answer_accuracy": pytest.approx(0.6),
        "refusal_accuracy": pytest.approx(0.5), "citation_precision": pytest.approx(4 / 6),
    }


# ---------------------------------------------------------------- loading questions


def write_lines(tmp_path, *lines: str):
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_questions_reads_the_documented_format(tmp_path):
    path = write_lines(
        tmp_path,
        '{"id": "D01", "question": "增长多少？", "answers": ["12.2%"], "evidence": ["增长12.2%"], '
        '"reference": "12.2%", "type": "fact"}',
        "",  # blank lines are skipped
        '{"id": "DU1", "question": "总面积？", "answers": [], "evidence": [], "type": "unanswerable"}',
        '{"id": "DU2", "question": "预算？", "type": "fact", "unanswerable": true}',
    )
    d01, du1, du2 = load_questions(path)
    assert d01 == Question("D01", "增长多少？", ("12.2%",), ("增长12.2%",), "12.2%", "fact", False)
    assert du1.unanswerable  # defaults to type == "unanswerable"
    assert du2.unanswerable  # an explicit flag wins


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "A", "question": "q"}', '{"id": "B", "question": '], r"line 2: not valid JSON"),
        (['{"question": "q"}'], r"line 1: missing required field 'id'"),
        (['{"id": "A", "question": "q"}', "", '{"id": "B"}'], r"line 3: missing required field 'question'"),
        (['{"id": "A", "question": "q"}', '{"id": "A", "question": "r"}'], r"line 2: duplicate id 'A'.*line 1"),
        (['["A", "q"]'], r"line 1: expected a JSON object"),
        (['{"id": "A", "question": "q", "answers": "12.2%"}'], r"line 1: field 'answers' must be a list"),
    ],
)
def test_load_questions_errors_name_the_line(tmp_path, lines, message):
    with pytest.raises(ValueError, match=message):
        load_questions(write_lines(tmp_path, *lines))


# ---------------------------------------------------------------- reports


def test_plot_headline_writes_a_png(summary, tmp_path):
    png = plot_headline(summary, tmp_path / "headline.png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 1000


def test_markdown_report_has_chart_and_per_type_table(summary, tmp_path):
    md_path = write_markdown(summary, tmp_path / "report.md", "Dev set", extra_sections=["## Notes\n\nhybrid run"])
    text = md_path.read_text(encoding="utf-8")
    assert "![Headline figures](report_headline.png)" in text  # relative to the report
    assert (tmp_path / "report_headline.png").stat().st_size > 0
    assert "## By question type" in text
    assert "| multi | 1 | 0.0% | 100.0% | 100.0% | 0.500 |" in text  # n=1, recall@1/3/5, MRR
    assert "| unanswerable | 2 | n/a |" in text
    assert text.rstrip().endswith("hybrid run")


def test_terminal_summary_and_comparison(summary):
    text = format_summary(summary, "Dev set")
    assert text.startswith("== Dev set ==")
    assert "7 questions (5 answerable, 2 unanswerable)" in text
    assert "recall@3" in text and "80.0%" in text
    table = format_comparison({"bm25": summary, "hybrid": summary})
    assert table.splitlines()[0] == "| metric | bm25 | hybrid |"
    assert "| MRR | 0.567 | 0.567 |" in table
