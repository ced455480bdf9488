"""HTML rendering of answers and sources: linked markers, highlighted evidence, refusals, flags, escaping."""
from __future__ import annotations

import re

from rag.errors import IndexStateError, LLMError, QueryError
from rag.index_store import DocumentEntry
from rag.indexing import IndexReport
from rag.schema import Answer, Chunk, Citation, Origin, Passage
from ui.chat import ChatState, Turn
from ui.highlight import highlight_spans, split_clauses, supporting_clauses
from ui.library import documents_html, report_html
from ui.render import (
    TurnSources,
    answer_html,
    error_html,
    passage_text_html,
    sources_panel_html,
    streaming_html,
)

BUDGET = (
    "全年地区生产总值有望突破400亿元；完成一般公共预算收入30.24亿元、增长29.2%；"
    "规模以上工业增加值增长12.2%；城镇和农村居民人均可支配收入达到51484元和25194元。"
)
PIPES = "雨污分流工程加快推进，完成20条主干道、142个小区的改造任务，新建改造雨污管网91公里。文昌片区安置房实现交付。"


def passage(text: str, doc: str = "report.txt", section: tuple[str, ...] = ("一、2023年工作回顾",), page: int | None = 1,
            cid: str = "c1") -> Passage:
    return Passage(chunk=Chunk(chunk_id=cid, text=text, origin=Origin(doc=doc, section=section, page=page)), score=1.0)


def budget_answer(**overrides) -> Answer:
    cited, spare = passage(BUDGET, cid="a"), passage(PIPES, cid="b", page=4)
    sentence = "2023年完成一般公共预算收入30.24亿元，增长29.2%。"
    fields = dict(
        question="2023年一般公共预算收入是多少？",
        text=f"{sentence}[1]",
        refused=False,
        citations=[Citation(marker=1, passage=cited, supported=True, sentences=[sentence])],
        passages=[cited, spare],
        llm="stub-model",
        timings_ms={"total": 1234.0},
    )
    fields.update(overrides)
    return Answer(**fields)


def test_markers_link_to_their_source_cards():
    answer = budget_answer()
    chat = answer_html(answer, turn=3)
    assert '<a class="rag-cite" href="#src-3-1"' in chat
    assert ">[1]</a>" in chat
    panel = sources_panel_html([TurnSources(turn=3, question=answer.question, passages=answer.passages, answer=answer)])
    assert 'id="src-3-1"' in panel  # the link target exists
    assert 'id="src-3-2"' in panel  # uncited passages keep their number too


def test_marker_without_citation_is_not_linked():
    answer = budget_answer(text="收入30.24亿元[1]，另见[7]。")
    chat = answer_html(answer, turn=1)
    assert chat.count('class="rag-cite"') == 1
    assert "[7]" in chat and "#src-1-7" not in chat


def test_chat_html_has_no_blank_line():
    """Markdown ends an HTML block at a blank line: the bubble must stay one block."""
    answer = budget_answer(text="第一段。[1]\n\n第二段。[1]")
    assert "\n" not in answer_html(answer, 1)


def test_supporting_clause_is_highlighted_and_numbers_emphasised():
    answer = budget_answer()
    html = passage_text_html(answer.citations[0].passage, answer.citations[0].sentences)
    marks = re.findall(r'<mark class="rag-hl">(.*?)</mark>', html)
    assert len(marks) == 1
    assert "完成一般公共预算收入" in marks[0]
    assert '<b class="rag-num">30.24</b>' in marks[0] and '<b class="rag-num">29.2%</b>' in marks[0]
    assert "400" not in marks[0] and "51484" not in marks[0]  # neighbouring clauses stay plain
    # the full text is still there, in order
    assert re.sub(r"<[^>]+>", "", html) == BUDGET


def test_clause_choice_uses_bigram_overlap_and_numbers():
    clauses = [BUDGET[s:e] for s, e in split_clauses(BUDGET)]
    assert "".join(clauses) == BUDGET
    chosen = supporting_clauses(BUDGET, ["规上工业增加值增长12.2%。"])
    assert [clauses[i] for i in chosen] == ["规模以上工业增加值增长12.2%；"]
    pipe_clauses = [PIPES[s:e] for s, e in split_clauses(PIPES)]
    chosen = supporting_clauses(PIPES, ["新建改造雨污管网91公里。"])
    assert [pipe_clauses[i] for i in chosen] == [pipe_clauses[0]] and "91公里" in pipe_clauses[0]


def test_highlight_spans_cover_text_exactly():
    spans = highlight_spans(PIPES, ["去年新建改造雨污管网91公里"])
    assert "".join(s.text for s in spans) == PIPES
    assert any(s.number and s.text == "91" for s in spans)
    assert not any(s.highlight for s in spans if "文昌" in s.text)


def test_verification_badges():
    ok = budget_answer()
    panel = sources_panel_html([TurnSources(1, ok.question, ok.passages, ok)])
    assert "✓ 已核实" in panel and "⚠ 数字未核实" not in panel
    bad = budget_answer()
    bad.citations[0].supported = False
    panel = sources_panel_html([TurnSources(1, bad.question, bad.passages, bad)])
    assert "⚠ 数字未核实" in panel


def test_source_card_shows_document_section_page_and_collapses_uncited():
    answer = budget_answer()
    panel = sources_panel_html([TurnSources(1, answer.question, answer.passages, answer)])
    assert "report.txt" in panel and "一、2023年工作回顾" in panel and "第 1 页" in panel
    cited_at, details_at = panel.index('id="src-1-1"'), panel.index('<details class="rag-uncited">')
    assert cited_at < details_at < panel.index('id="src-1-2"')
    assert "另外检索到 1 段未被引用的资料" in panel


def test_refusal_looks_like_a_refusal_not_an_error():
    answer = Answer(question="火星上有多少人？", text="根据现有文件，无法回答这个问题。", refused=True,
                    notice="检索到的段落与问题不相关")
    html = answer_html(answer, 1)
    assert "rag-refused" in html and "rag-error" not in html
    assert "文件中没有找到答案" in html
    assert "检索到的段落与问题不相关" in html
    assert "⚠" not in html


def test_flagged_sentences_are_marked_and_listed():
    flagged = "财政收入增长88.88%。"
    answer = budget_answer(text=f"2023年完成一般公共预算收入30.24亿元，增长29.2%。[1]{flagged}",
                           flagged_sentences=[flagged])
    html = answer_html(answer, 2)
    assert f'<span class="rag-flag" title="未能在所引文件中核实">{flagged}</span>' in html
    assert "以下 1 句未能在所引文件中核实" in html
    assert html.count(flagged) == 2  # in the text and in the list


def test_notice_is_shown():
    answer = budget_answer(notice="大模型不可用（HTTP 500），以下答案直接摘录自文件原文。")
    html = answer_html(answer, 1)
    assert 'class="rag-notice"' in html and "大模型不可用" in html


def test_document_text_cannot_inject_markup():
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>收入30.24亿元。'
    cited = passage(evil, doc='<b>doc</b>.txt', section=("<i>章</i>",))
    sentence = "<script>收入30.24亿元</script>"
    answer = Answer(question="<q>", text=f"{sentence}[1]", refused=False, passages=[cited],
                    citations=[Citation(1, cited, True, [sentence])], flagged_sentences=[sentence],
                    notice="<u>note</u>", llm="<em>m</em>")
    chat = answer_html(answer, 1)
    panel = sources_panel_html([TurnSources(1, "<q>", [cited], answer)])
    for html in (chat, panel):
        assert "<script" not in html and "<img" not in html and "<b>doc" not in html and "<i>" not in html
        assert "<u>" not in html and "<em>" not in html and "<q>" not in html
    assert "&lt;script&gt;" in panel and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in panel
    assert "&lt;b&gt;doc&lt;/b&gt;.txt" in panel


def test_question_and_stream_are_escaped():
    state = ChatState(turns=[Turn(question="<b>问</b>", reply_html="x")])
    assert state.messages()[0]["content"] == '<div class="rag-question">&lt;b&gt;问&lt;/b&gt;</div>'
    assert "&lt;i&gt;" in streaming_html("<i>tok")


def test_errors_are_messages_not_tracebacks():
    assert "请先输入一个问题" in error_html(QueryError("the question is empty or only punctuation; please type a question"))
    html = error_html(IndexStateError("no index in /x; build it with: python -m rag index"))
    assert "索引还不可用" in html and "文件管理" in html
    assert "大模型出错" in error_html(LLMError("cannot reach the LLM endpoint"))
    assert "Traceback" not in error_html(RuntimeError("boom"))


def test_documents_table_and_report():
    docs = {"data/a.txt": DocumentEntry(name="a.txt", content_hash="h", chunk_ids=["1", "2"], paragraphs=7,
                                        indexed_at="2024-01-01T10:00:00"),
            "data/<b>.txt": DocumentEntry(name="<b>.txt", content_hash="h", chunk_ids=["3"], paragraphs=1,
                                          indexed_at="2024-01-01T10:00:00")}
    html = documents_html(docs)
    assert "a.txt" in html and ">7<" in html and "共 2 个文件、8 个段落" in html and "<b>.txt" not in html
    filtered = documents_html(docs, "<b")
    assert "a.txt" not in filtered and "&lt;b&gt;.txt" in filtered
    assert "没有文件名包含「zzz」的文件" in documents_html(docs, "zzz")
    assert "还没有文件" in documents_html({})
    report = IndexReport(added=["new.txt"], failed={"/tmp/x/bad.pdf": "no text layer (scanned PDF?)"}, documents=2, chunks=9)
    html = report_html(report, "添加")
    assert "已添加：new.txt" in html and "bad.pdf" in html and "no text layer" in html
    assert "2 documents, 9 passages" in html  # the raw summary_lines() are kept, folded
