"""Hybrid retrieval over the demo corpus: BM25 words, fusion, year scope, bad queries."""
from __future__ import annotations

import pytest

from rag.errors import QueryError
from rag.retrieval import FusionWeights, HybridRetriever
from rag.schema import Chunk, Origin
from rag.time_scope import OUT_OF_SCOPE_FACTOR, parse_time_scope, scope_factors
from rag.tokenizer import tokenize


def _service_over(tmp_settings, documents: dict[str, str]):
    """A service over these documents (name → text) in the data folder; hashing embedder: plumbing, not quality."""
    from rag.embedders.hashing import HashingEmbedder
    from rag.service import RagService

    for name, text in documents.items():
        (tmp_settings.data_dir / name).write_text(text, encoding="utf-8")
    service = RagService(tmp_settings, HashingEmbedder())
    service.ensure_index()
    return service


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
    # how long is asked, not a word the law must write (行政处罚法: "违法行为在二年内未被发现的")
    assert "多长时间" not in question_words("行政违法行为多长时间没被发现就不再处罚？")


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


# Excerpts of laws-cn.tar.xz for the answer-shape, multi-part and phrase re-weighings.
PROPERTY_DECIDES = ("第十一条 下列事项由业主共同决定：\n(一)制定和修改业主大会议事规则；\n(二)制定和修改管理规约；\n"
                    "(三)选举业主委员会或者更换业主委员会成员；\n(四)选聘和解聘物业服务企业；\n(五)筹集和使用专项维修资金；\n"
                    "(六)改建、重建建筑物及其附属设施；\n(七)有关共有和共同管理权利的其他重大事项。")
PROPERTY_MAJORITY = ("第十二条 业主大会会议可以采用集体讨论的形式，也可以采用书面征求意见的形式；但是，应当有物业管理区域内"
                     "专有部分占建筑物总面积过半数的业主且占总人数过半数的业主参加。\n\n业主可以委托代理人参加业主大会会议。\n"
                     "业主大会决定本条例第十一条第(五)项和第(六)项规定的事项，应当经专有部分占建筑物总面积2/3以上的业主且占"
                     "总人数2/3以上的业主同意；决定本条例第十一条规定的其他事项，应当经专有部分占建筑物总面积过半数的业主且占"
                     "总人数过半数的业主同意。")


def test_a_question_asking_a_number_gets_the_passage_stating_it_first(tmp_settings):
    # 物业管理条例: the article that lists what the owners decide names every word of the question; the
    # one that answers it cites that article by number, so its score is lent to just below it
    service = _service_over(tmp_settings, {
        "物业管理条例(2018-03-19).md": f"# 物业管理条例\n\n{PROPERTY_DECIDES}\n\n{PROPERTY_MAJORITY}\n"})
    question = "依照国务院《物业管理条例》，业主大会决定筹集和使用专项维修资金，需要多少业主同意？"
    assert "2/3以上" in service.search(question, k=1)[0].chunk.text
    plain = HybridRetriever(service.snapshot(), service.embedder, FusionWeights(shape=False))
    assert plain.search(question, k=1)[0].chunk.text.startswith("第十一条")


# 职工带薪年休假条例(2007-12-14).md, articles 2-5, and two articles of 企业职工带薪年休假实施办法(2008-07-17).md
LEAVE_RULE = (
    "第二条 机关、团体、企业、事业单位、民办非企业单位、有雇工的个体工商户等单位的职工连续工作1年以上的，享受带薪"
    "年休假(以下简称年休假)。单位应当保证职工享受年休假。\n\n职工在年休假期间享受与正常工作期间相同的工资收入。\n\n"
    "第三条 职工累计工作已满1年不满10年的，年休假5天；已满10年不满20年的，年休假10天；已满20年的，年休假15天。\n\n"
    "国家法定休假日、休息日不计入年休假的假期。\n\n第四条 职工有下列情形之一的，不享受当年的年休假：\n\n"
    "(一)职工依法享受寒暑假，其休假天数多于年休假天数的；\n\n(二)职工请事假累计20天以上且单位按照规定不扣工资的；\n\n"
    "(三)累计工作满1年不满10年的职工，请病假累计2个月以上的；\n\n第五条 单位根据生产、工作的具体情况，并考虑职工本人"
    "意愿，统筹安排职工年休假。\n\n单位确因工作需要不能安排职工休年休假的，经职工本人同意，可以不安排职工休年休假。"
    "对职工应休未休的年休假天数，单位应当按照该职工日工资收入的300%支付年休假工资报酬。")
LEAVE_MEASURES = (
    "第十条 用人单位经职工同意不安排年休假或者安排职工年休假天数少于应休年休假天数，应当在本年度内对职工应休未休年休假"
    "天数，按照其日工资收入的300%支付未休年休假工资报酬，其中包含用人单位支付职工正常工作期间的工资收入。\n\n"
    "第十二条 用人单位与职工解除或者终止劳动合同时，当年度未安排职工休满应休年休假的，应当按照职工当年已工作时间折算"
    "应休未休年休假天数并支付未休年休假工资报酬，但折算后不足1整天的部分不支付未休年休假工资报酬。")


def test_each_part_of_a_two_part_question_reaches_the_top(tmp_settings):
    service = _service_over(tmp_settings, {
        "职工带薪年休假条例(2007-12-14).md": f"# 职工带薪年休假条例\n\n{LEAVE_RULE}\n",
        "企业职工带薪年休假实施办法(2008-07-17).md": f"# 企业职工带薪年休假实施办法\n\n{LEAVE_MEASURES}\n"})
    question = "我累计工作了12年，每年能休几天年假？如果单位安排不了让我休，应休未休的天数怎么补偿？"
    evidence = ("已满10年不满20年的，年休假10天", "按照该职工日工资收入的300%支付年休假工资报酬")

    def found(weights: FusionWeights) -> set[str]:
        retriever = HybridRetriever(service.snapshot(), service.embedder, weights)
        texts = [p.chunk.text for p in retriever.search(question, k=3)]
        return {e for e in evidence if any(e in t for t in texts)}

    assert found(FusionWeights()) == set(evidence)
    assert found(FusionWeights(parts=False)) != set(evidence)  # the compensation articles fill the top


def test_the_passage_that_writes_the_questions_phrases_leads_among_close_candidates(tmp_settings):
    # 道路交通安全违法行为记分管理办法(2021-12-17).md: fused ranks put the article on further points a hair
    # ahead of the one that states the case asked ("累积记分满12分的，应当参加为期七天的…学习")
    service = _service_over(tmp_settings, {"道路交通安全违法行为记分管理办法(2021-12-17).md": (
        "# 道路交通安全违法行为记分管理办法\n\n第十八条 机动车驾驶人在一个记分周期内累积记分满12分的，应当参加为期七天的"
        "道路交通安全法律、法规和相关知识学习。\n\n机动车驾驶人在一个记分周期内参加满分教育的次数每增加一次或者累积记分"
        "每增加12分，道路交通安全法律、法规和相关知识的学习时间增加七天，每次满分学习的天数最多六十天。\n")})
    retriever = service.retriever()
    rows = {c.text.startswith("第十八条"): row for row, c in enumerate(retriever.index.chunks)}
    fused = {rows[False]: 0.1057, rows[True]: 0.1037}
    retriever._weigh_phrases(fused, "驾驶人在一个记分周期内累积记分满12分，需要参加多少天的道路交通安全法律法规学习？")
    assert fused[rows[True]] > fused[rows[False]]


def test_a_spoken_time_of_day_finds_the_article_that_writes_it_in_24_hours(tmp_settings):
    # 未成年人保护法(2020-10-17).md: "晚上十点" is written 二十二时 in the article
    service = _service_over(tmp_settings, {"未成年人保护法(2020-10-17).md": (
        "# 中华人民共和国未成年人保护法\n\n第七十五条 网络游戏经依法审批后方可运营。\n\n国家建立统一的未成年人网络游戏"
        "电子身份认证系统。网络游戏服务提供者应当要求未成年人以真实身份信息注册并登录网络游戏。\n\n"
        "网络游戏服务提供者不得在每日二十二时至次日八时向未成年人提供网络游戏服务。\n")})
    top = service.search("孩子晚上十点以后还能玩网络游戏吗？", k=1)[0]
    assert "二十二时" in top.chunk.text


# 道路交通安全法(2021-04-29), 第一百一十条, and a neighbour that shares the question's everyday words
DETAINED_LICENCE = ("第一百一十条 执行职务的交通警察认为应当对道路交通违法行为人给予暂扣或者吊销机动车驾驶证处罚的，"
                    "可以先予扣留机动车驾驶证，并在二十四小时内将案件移交公安机关交通管理部门处理。")
NEIGHBOUR = "第一百零七条 对道路交通违法行为人予以警告、二百元以下罚款，交通警察可以当场作出行政处罚决定，并出具行政处罚决定书。"


def test_everyday_words_also_search_what_the_statute_writes(tmp_settings):
    """"驾照被扣了" is written 扣留机动车驾驶证 in the law: BM25 adds the statute's words to the question."""
    from rag.embedders.hashing import HashingEmbedder
    from rag.service import RagService
    from rag.everyday_words import formal_expansion

    question = "驾照被扣了怎么办？"
    assert "驾驶证" in formal_expansion(question) and formal_expansion("机动车驾驶证被扣留") == []
    (tmp_settings.data_dir / "道路交通安全法.md").write_text(
        f"# 中华人民共和国道路交通安全法\n\n{NEIGHBOUR}\n\n{DETAINED_LICENCE}\n", encoding="utf-8")
    service = RagService(tmp_settings, HashingEmbedder())
    service.ensure_index()
    assert "扣留机动车驾驶证" in service.search(question, k=1, mode="bm25")[0].text
    plain = HybridRetriever(service.retriever().index, service.embedder, FusionWeights(everyday=False))
    assert not plain.search(question, k=1, mode="bm25")  # the question's own words are in no article


# laws-cn.tar.xz: two cities' rules on the same everyday matter
NANYANG_FIRE = ("第三十三条 任何单位和个人不得在居民住宅区实施下列行为：\n（三）在建筑的公共走道、楼梯间、门厅、安全出口及居住场所内"
                "停放电动车或者对其充电；\n\n违反本条例第三十三条第三项规定的，由消防救援机构或者公安机关责令改正；拒不改正的，处以二百元罚款。")
XINYANG_CIVIL = "第十二条 公民应当文明出行，遵守以下规定：\n（二）摩托车、电动车骑乘人应当按照规定佩戴安全头盔。"


def test_a_question_naming_a_place_is_also_ranked_among_that_places_documents(tmp_settings):
    """In an archive of many places, "在南阳…" is ranked a second time inside 南阳's own rules, so its article
    competes even when other places' passages fill the library-wide candidates."""
    service = _service_over(tmp_settings, {
        "南阳市居民住宅区消防安全管理条例(2021-11-09).md": f"# 南阳市居民住宅区消防安全管理条例\n\n{NANYANG_FIRE}\n",
        "信阳市文明行为促进条例(2020-10-20).md": f"# 信阳市文明行为促进条例\n\n{XINYANG_CIVIL}\n"})
    retriever = service.retriever()
    rows = retriever._place_rows("在南阳，把电动车停在楼道里充电会被罚多少钱？", None)
    start, end = retriever.index.doc_rows[next(k for k in retriever.index.doc_rows if "南阳" in k)]
    assert rows is not None and rows[start:end].all() and rows.sum() == end - start
    assert retriever._place_rows("把电动车停在楼道里充电会被罚多少钱？", None) is None  # no place named
    assert retriever._place_rows("在郑州，电动车可以停在楼道里吗？", None) is None  # no document of that place
    _, _, _, ranks = retriever._rank("在南阳，把电动车停在楼道里充电会被罚多少钱？", "hybrid", 100, None)
    inside = [r for r in ranks if start <= r < end]
    assert inside and all(any(name.startswith("place:") for name in ranks[r]) for r in inside)
