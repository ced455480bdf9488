"""The asker's everyday words stand for the library's words nearest in meaning (供暖 → 供热), with the real
static word vectors distilled from the offline e5 model, over the demo document (长清区2024年政府工作报告)."""
from __future__ import annotations

import pytest

from rag.answerability import extractive_answer, gate
from rag.constraints import parse_constraints
from rag.paraphrase import load_word_vectors, own_words, stand_ins
from rag.settings import Settings

HEATING = "全力保障群众温暖过冬，新增供热能力30万平方米，全区供热面积达930万平方米。"
WATER = "实施农村供水保障项目，解决287个村21万群众供水问题，规模化覆盖人口91%以上。"


@pytest.fixture(scope="module")
def vectors():
    """Built once in the default cache (about half a minute the first time), like the e5 model itself."""
    loaded = load_word_vectors(Settings(_env_file=None).models_dir)
    assert loaded is not None
    return loaded


def test_an_everyday_word_stands_for_the_reports_word_nearest_in_meaning(vectors):
    c = parse_constraints("长清区现在冬天集中供暖一共覆盖了多大面积？")
    near = dict(stand_ins(c, {}, [HEATING], vectors, 0.6))
    assert "供热" in near["供暖"]
    assert "面积" not in near  # an asked indicator stands for nothing: it is written, or not stated


def test_a_broader_or_sibling_word_never_stands_for_the_asked_one(vectors):
    """人口 is written, 常住人口 is asked: the share of the population a water project covers is no answer;
    a minimum wage is no average wage. Both share two characters with the asked word."""
    c = parse_constraints("长清区常住人口有多少？")
    assert "人口" not in dict(stand_ins(c, {}, [WATER], vectors, 0.6)).get("常住人口", ())
    c = parse_constraints("2023年全国城镇单位就业人员年平均工资是多少？")
    assert "平均工资" in own_words(c, {})  # …工资 is not an indicator head: the shared 工资 protects it
    near = dict(stand_ins(c, {}, ["各省份月最低工资标准最高为2690元，基本工资按月发放。"], vectors, 0.6))
    assert not {"最低工资", "基本工资", "工资"} & set(near.get("平均工资", ()))


def test_a_word_the_library_writes_is_checked_as_written(vectors):
    c = parse_constraints("长清区现在冬天集中供暖一共覆盖了多大面积？")
    assert "供暖" not in dict(stand_ins(c, {"供暖": 3}, [HEATING], vectors, 0.6))
    assert stand_ins(c, {}, [HEATING], vectors, 0.0) == ()


def test_a_name_is_never_said_in_other_words(vectors):
    """王爱爱 is nobody's paraphrase of 溺爱: a word outside jieba's dictionary (a person's name) stands for
    nothing, so a text about someone else is not taken for the one asked about."""
    c = parse_constraints("王爱爱主演过什么剧目？")
    assert "王爱爱" not in own_words(c, {})
    assert "王爱爱" not in dict(stand_ins(c, {}, ["她从小被父母溺爱，后来主演了爱情喜剧电影。"], vectors, 0.6))


# 长清区2024年政府工作报告, three paragraphs as written
REPORT = ("# 长清区2024年政府工作报告\n\n## 2023年工作回顾\n\n"
          "提升养老服务水平，社区养老服务设施配建达标率100%，城市、农村特困供养标准提高至每人每月1492元、1356元。"
          "全力保障群众温暖过冬，新增供热能力30万平方米，全区供热面积达930万平方米。"
          "深化与甘肃广河县的东西部协作工作，谱写了新时代“山海情”。\n\n"
          "## 2024年工作安排\n\n二是让乡村环境更美丽。深入开展农村人居环境整治行动，巩固城乡环卫一体化成果，"
          "完成万归路等农村公路改造提升。实施农村供水保障项目，解决287个村21万群众供水问题，规模化覆盖人口91%以上。\n\n"
          "社会事业加快发展。新开通、调整公交线路10条，建设公交候车亭50个。\n")


def test_the_gate_answers_a_question_in_everyday_words_and_still_refuses_an_unstated_indicator(tmp_settings, vectors):
    from rag.embedders.hashing import HashingEmbedder
    from rag.service import RagService

    (tmp_settings.data_dir / "长清区2024年政府工作报告.md").write_text(REPORT, encoding="utf-8")
    service = RagService(tmp_settings, HashingEmbedder())
    service.ensure_index()
    retriever = service.retriever()
    question = "长清区现在冬天集中供暖一共覆盖了多大面积？"
    passages = retriever.search(question, 5)
    assert gate(question, passages, retriever.index).refusal  # by written words alone: 冬天, 供暖 are nowhere
    checked = gate(question, passages, retriever.index, vectors, 0.6)
    assert not checked.refusal and "930万平方米" in extractive_answer(checked)
    question = "村里吃水难，今年准备解决多少个村子的用水问题？"
    checked = gate(question, retriever.search(question, 5), retriever.index, vectors, 0.6)
    assert not checked.refusal and "287个村" in extractive_answer(checked)
    for trap in ("长清区常住人口有多少？", "长清区城镇登记失业率是多少？"):
        checked = gate(trap, retriever.search(trap, 5), retriever.index, vectors, 0.6)
        assert checked.refusal or not extractive_answer(checked), trap


# 重庆市禁止非法增加企业负担条例 (laws corpus), articles 16–19 as written
CHONGQING = ("# 重庆市禁止非法增加企业负担条例\n\n## 第二章 禁止行为\n\n"
             "第十六条 行政机关无法律、法规和规章规定或者未经市人民政府批准，不得对企业进行考核、评比、达标、升级等活动。\n\n"
             "## 第三章 监督措施\n\n"
             "第十七条 除法律、行政法规或者国务院有关规定、国务院财政部门与计划部门共同发布的规章或规定外，本市涉及企业的行政事业性"
             "收费、公用事业性收费的项目和标准的确定，应当通过公开听证程序。\n\n"
             "有关收取行政事业性费用的规范性文件及附件应当公开发布。未经公示的，企业可以拒缴。\n\n"
             "第十八条 收费单位在实施收费行为时，未出示收费许可证，或未开具市以上财政部门统一制发的收费票据的，企业可以拒缴。\n\n"
             "第十九条 企业负担监督机构和监察、审计、财政、物价、计划等部门应当设立企业负担监督举报电话、举报信箱。\n")


def test_a_story_in_the_askers_words_is_answered_by_the_article_that_names_its_nouns(tmp_settings, vectors):
    """"这钱我能不交吗？" asks with no noun; the story's nouns the library writes (单位, 收费, 许可证, 财政部门,
    票据) are all in 第十八条, its other words (上门来, 收钱, 正规) are how no statute writes it. 拿出 (a verb
    with its complement) qualifies no 收费: 实施收费 is no sibling indicator."""
    from rag.answering import Answerer
    from rag.embedders.hashing import HashingEmbedder
    from rag.service import RagService

    (tmp_settings.data_dir / "重庆市禁止非法增加企业负担条例.md").write_text(CHONGQING, encoding="utf-8")
    settings = tmp_settings.model_copy(update={"paraphrase_similarity": 0.6})
    service = RagService(settings, HashingEmbedder())
    service.ensure_index()
    question = "我在重庆开了家厂，有个单位上门来收钱，既不拿出收费的许可证，也不给开财政部门的正规票据，这钱我能不交吗？"
    retriever = service.retriever()
    checked = gate(question, retriever.search(question, 5), retriever.index, vectors, 0.6)
    assert not checked.refusal and checked.told
    answer = Answerer(service).ask(question)
    assert not answer.refused and "企业可以拒缴" in answer.text and "收费许可证" in answer.text
    # a question that names its noun is no story: a 罚款 no article states is still refused
    trap = "收费单位不出示收费许可证的，罚款多少？"
    assert Answerer(service).ask(trap).refused


def test_a_word_of_the_same_meaning_is_no_sign_the_figure_is_given_only_for_another_year(vectors):
    """stated_elsewhere refuses when only another year's passage writes the asked words; a passage of the asked
    year that writes 补助 for 补贴 states it, while a sibling (养老金 for 失业保险金) does not."""
    from rag.paraphrase import means_the_same

    subsidy = "城乡居民医保财政补助标准由每人每年610元提高到640元。"
    assert means_the_same(["补贴"], subsidy, vectors)
    assert not means_the_same(["失业保险金"], "月人均养老金水平提高到3000元。", vectors)
