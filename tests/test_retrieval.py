"""Hybrid retrieval over the demo corpus: BM25 words, fusion, year scope, bad queries."""
from __future__ import annotations

import pytest

from rag.errors import QueryError
from rag.retrieval import FusionWeights, HybridRetriever
from rag.schema import Chunk, Origin
from rag.time_scope import OUT_OF_SCOPE_FACTOR, parse_time_scope, scope_factors
from rag.tokenizer import tokenize


def test_tokens_keep_numbers_whole_and_drop_question_words():
    tokens = tokenize("2023年一般公共预算收入是多少？完成30.24亿元、增长29.2%")
    assert {"2023", "预算", "收入", "30.24", "29.2%"} <= set(tokens)
    assert "多少" not in tokens and "？" not in tokens and "?" not in tokens


def test_budget_question_finds_the_revenue_paragraph_first(demo_service):
    top = demo_service.search("2023年一般公共预算收入是多少", k=5, mode="bm25")
    assert "30.24亿元" in top[0].text
    assert top[0].chunk.origin.page == 1 and top[0].rank == 1


def test_year_in_the_question_picks_the_section_of_that_year(demo_service):
    plan = demo_service.search("2024年计划新建多少条市政道路？", k=3, mode="bm25")
    review = demo_service.search("2023年新建多少条市政道路？", k=3, mode="bm25")
    assert "新建中川街等6条市政道路" in plan[0].text
    assert "王府东街等22条市政道路" in review[0].text


def test_relative_years_resolve_against_the_document_year():
    chunks = [Chunk("a", "一年来…", Origin("r.txt", ("一、2023年工作回顾",))),
              Chunk("b", "今年…", Origin("r.txt", ("三、2024年重点工作安排",))),
              Chunk("c", "各位代表", Origin("r.txt", ()))]
    assert scope_factors(parse_time_scope("去年新建了多少公园？"), chunks) == [1.0, OUT_OF_SCOPE_FACTOR, 1.0]
    assert scope_factors(parse_time_scope("今年计划新建多少公园？"), chunks) == [OUT_OF_SCOPE_FACTOR, 1.0, 1.0]
    assert scope_factors(parse_time_scope("新建了多少公园？"), chunks) == [1.0, 1.0, 1.0]
    # a year the document has no section for changes nothing
    assert scope_factors(parse_time_scope("2019年新建了多少公园？"), chunks) == [1.0, 1.0, 1.0]


def test_fusion_weights_decide_between_retrievers(demo_service):
    index = demo_service.snapshot()
    embedder = demo_service.embedder
    only_bm25 = HybridRetriever(index, embedder, FusionWeights(bm25=1.0, dense=0.0)).search("雨污管网改造", 5)
    assert only_bm25 and all("dense" in p.component_ranks for p in only_bm25)  # dense ran, but weighs nothing
    ranked = [p.passage_id for p in only_bm25]
    assert ranked == [p.passage_id for p in demo_service.search("雨污管网改造", 5, mode="bm25")]


@pytest.mark.parametrize("query", ["", "   ", "？？！", "……"])
def test_empty_or_punctuation_queries_get_a_clear_message(demo_service, query):
    with pytest.raises(QueryError, match="empty or only punctuation"):
        demo_service.search(query)


def test_question_words_name_the_subject_not_the_scaffolding():
    from rag.tokenizer import question_words

    assert question_words("2024年长清区教育支出预算是多少？") == ("长清区", "教育", "支出", "预算")
    assert question_words("今年计划的目标是什么？") == ()


def test_the_passage_that_names_what_is_asked_leads_among_close_candidates(tmp_settings):
    # Two paragraphs of one news article (the Shanxi HTML page of shared/corpus/real): fused ranks put
    # the lead, which repeats the event's name, a hair ahead of the paragraph that states its theme.
    from rag.embedders.hashing import HashingEmbedder
    from rag.service import RagService

    (tmp_settings.data_dir / "news.txt").write_text(
        "山西品牌丝路行（南美站）正式启动\n\n"
        "山西品牌丝路行首次登陆巴西。2019年山西品牌丝路行（南美站）活动在巴西圣保罗正式启动。\n\n"
        "山西品牌丝路行主题为“走丝绸之路，促合作共赢”。南美站活动将先后在巴西、乌拉圭、阿根廷举行。\n",
        encoding="utf-8")
    service = RagService(tmp_settings, HashingEmbedder())
    service.ensure_index()
    assert service.weights.coverage == 0.5  # the default (RAG_COVERAGE_WEIGHT)
    retriever = service.retriever()
    rows = {("主题为" in c.text): row for row, c in enumerate(retriever.index.chunks)}
    fused = {rows[False]: 0.1109, rows[True]: 0.1064}
    retriever._weigh_coverage(fused, "山西品牌丝路行的主题是什么？")
    assert fused[rows[True]] > fused[rows[False]]


# Excerpts of laws-cn.tar.xz: a national law and a province's regulation on the same pension rule.
PENSION_NATIONAL = (
    "第十六条 参加基本养老保险的个人，达到法定退休年龄时累计缴费满十五年的，按月领取基本养老金。\n\n"
    "参加基本养老保险的个人，达到法定退休年龄时累计缴费不足十五年的，可以缴费至满十五年，按月领取基本养老金；"
    "也可以转入新型农村社会养老保险或者城镇居民社会养老保险，按照国务院规定享受相应的养老保险待遇。")
PENSION_ZHEJIANG = (
    "第三十三条 本条例第三十一条第（三）项规定的参保人员退休后，其月基本养老金由基础养老金和个人账户养老金组成。\n\n"
    "第三十四条 参保人员达到法定退休年龄时，缴费年限不符合按月领取基本养老金规定的，参保人员个人可以按照当地"
    "城镇个体劳动者的缴费标准延缴。延缴后符合本条例第三十一条规定条件的，按月领取基本养老金。")


def test_a_question_that_names_no_place_gets_the_national_rule_first(demo_service):
    data = demo_service.settings.data_dir
    (data / "社会保险法(2018-12-29).md").write_text(f"# 中华人民共和国社会保险法\n\n{PENSION_NATIONAL}\n", encoding="utf-8")
    (data / "浙江省职工基本养老保险条例(2008-05-30).md").write_text(
        f"# 浙江省职工基本养老保险条例\n\n{PENSION_ZHEJIANG}\n", encoding="utf-8")
    demo_service.index([data])
    index = demo_service.snapshot()
    assert index.is_local_rule("浙江省职工基本养老保险条例(2008-05-30).md")
    assert not index.is_local_rule("社会保险法(2018-12-29).md")
    question = "参保人员达到法定退休年龄时，缴费年限满多少年才能按月领取基本养老金？"
    assert demo_service.search(question, k=1)[0].chunk.origin.doc.startswith("社会保险法")
    # naming the province asks for its own rule
    local = demo_service.search("浙江省" + question, k=1)[0]
    assert local.chunk.origin.doc.startswith("浙江省")
