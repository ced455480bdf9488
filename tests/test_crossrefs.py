"""A law's penalty clause names the duty it enforces by number ("违反本条例第三十三条规定"): the
article a question's words match lends part of its score to the passages of its law that cite it."""
from __future__ import annotations

from rag.crossrefs import Citations, cited_articles, defined_articles
from rag.embedders.hashing import HashingEmbedder
from rag.service import RagService

# Excerpts of 北京市生活垃圾管理条例(2020-09-25).md in laws-cn.tar.xz
DUTY = ("第三十三条 产生生活垃圾的单位和个人是生活垃圾分类投放的责任主体，应当按照下列规定分类投放生活垃圾：\n"
        "（一）按照厨余垃圾、可回收物、有害垃圾、其他垃圾的分类，分别投入相应标识的收集容器；")
OTHER = "第四十条 单位和个人应当按照生活垃圾分类管理责任人公示的时间、地点投放生活垃圾，不得随意丢弃、抛撒生活垃圾。"
PENALTY = ("个人违反本条例第三十三条规定，由生活垃圾分类管理责任人进行劝阻；对拒不听从劝阻的，生活垃圾分类管理责任人"
           "应当向城市管理综合执法部门报告，由城市管理综合执法部门给予书面警告；再次违反规定的，处50元以上200元以下罚款。")


def test_citations_of_the_own_law_are_read_and_other_laws_are_not():
    assert cited_articles(PENALTY) == {"三十三"}
    assert cited_articles("除劳动者有本法第三十九条和第四十条第一项、第二项规定的情形外") == {"三十九", "四十"}
    assert cited_articles("业主大会决定本条例第十一条第（五）项和第（六）项规定的事项") == {"十一"}
    assert cited_articles("男女双方依据民法典第一千零四十九条规定补办结婚登记的") == set()  # another law
    assert defined_articles("代位继承人一般只能继承。\n第一千一百二十九条 丧偶儿媳对公婆") == ["一千一百二十九"]


def test_a_passage_without_its_own_header_belongs_to_the_article_before_it():
    texts = [DUTY, OTHER, "第六十七条 单位违反本条例第三十三条规定，由城市管理综合执法部门责令立即改正，处1000元罚款。", PENALTY]
    citations = Citations.build(range(4), texts.__getitem__)
    assert citations.article_of == {0: "三十三", 1: "四十", 2: "六十七", 3: "六十七"}
    assert citations.citing == {"三十三": [2, 3]}


def test_the_penalty_for_a_duty_rises_to_just_below_the_duty(tmp_settings):
    (tmp_settings.data_dir / "北京市生活垃圾管理条例(2020-09-25).md").write_text(
        f"# 北京市生活垃圾管理条例\n\n{DUTY}\n\n{OTHER}\n\n第六十七条 单位违反本条例第三十三条规定，由城市管理综合执法部门"
        f"责令立即改正，处1000元罚款；再次违反规定的，处1万元以上5万元以下罚款。\n\n{PENALTY}\n", encoding="utf-8")
    service = RagService(tmp_settings, HashingEmbedder())
    service.ensure_index()
    retriever = service.retriever()
    row = {key: next(r for r, c in enumerate(retriever.index.chunks) if c.text.startswith(key))
           for key in ("第三十三条", "第四十条", "个人违反")}
    fused = {row["第三十三条"]: 0.2, row["第四十条"]: 0.15, row["个人违反"]: 0.05}
    ranks = {r: {"bm25": 1} for r in fused}
    retriever._lend_to_citing(fused, ranks)
    assert fused[row["第三十三条"]] > fused[row["个人违反"]] > fused[row["第四十条"]]
    assert fused[row["第三十三条"]] == 0.2  # the cited article itself keeps its score
