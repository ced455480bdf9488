"""A question that names a document by title searches that document first; a 《name》 the library
does not hold is a constraint no passage satisfies."""
from __future__ import annotations

from pathlib import Path

from rag.answering import Answerer
from rag.service import RagService
from rag.titles import TitleIndex, bracketed_names, similar_name, version_fits, version_phrases

LABOUR = "第三十六条 国家实行劳动者每日工作时间不超过八小时、平均每周工作时间不超过四十四小时的工时制度。"
CONTRACT = "第十九条 劳动合同期限三个月以上不满一年的，试用期不得超过一个月；劳动者每日工作时间按照国家规定执行。"
DOGS = "第四十四条 携带犬只进入禁止进入的场所且不听劝阻的，由公安部门责令改正，可以处二十元以上二百元以下罚款。"
SMOKING = "第九条 公共场所、工作场所的室内区域以及公共交通工具内禁止吸烟。第三十二条 个人在禁止吸烟场所吸烟且不听劝阻的，处五十元罚款。"


def _law(folder: Path, name: str, title: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"# {title}\n\n{body}\n", encoding="utf-8")


def _library(service: RagService) -> RagService:
    data = service.settings.data_dir
    _law(data / "laws", "劳动法(2018-12-29).md", "中华人民共和国劳动法", LABOUR)
    _law(data / "laws", "劳动合同法(2012-12-28).md", "中华人民共和国劳动合同法", CONTRACT)
    _law(data / "laws", "北京市控制吸烟条例(2021-09-24).md", "北京市控制吸烟条例", SMOKING)
    _law(data / "laws", "上海市养犬管理条例.md", "上海市养犬管理条例", DOGS)
    service.index([data])
    return service


TITLES = TitleIndex([("a", "中华人民共和国劳动法"), ("b", "中华人民共和国劳动合同法"),
                     ("c", "中华人民共和国道路交通安全法"), ("d", "中华人民共和国道路交通安全法实施条例"),
                     ("e", "全国年节及纪念日放假办法（2013年修订）")])


def test_a_title_is_found_with_or_without_its_state_prefix():
    assert TITLES.named("劳动法规定每日工作时间是多少？") == {"a"}
    assert TITLES.named("《中华人民共和国劳动合同法》规定的试用期") == {"b"}


def test_a_title_inside_a_longer_title_or_a_word_is_not_named():
    assert TITLES.named("道路交通安全法实施条例规定") == {"d"}
    assert TITLES.named("需要学习道路交通安全法律法规多少天？") == set()


def test_bracketed_names_drop_version_notes_and_near_spellings_count():
    assert bracketed_names("按《全国年节及纪念日放假办法（2013年版）》") == ["全国年节及纪念日放假办法"]
    assert TITLES.knows("全国年节和纪念日放假办法")
    assert not TITLES.knows("上海市公共场所控制吸烟条例")
    assert similar_name("长清区十四五规划", "《长清区十四五规划》提出") and not similar_name("某市条例", "本法")


def test_the_named_law_outranks_another_law_with_the_same_words(demo_service):
    service = _library(demo_service)
    top = service.search("劳动法规定劳动者每日工作时间不超过多少小时？", k=1)[0]
    assert top.chunk.origin.doc.startswith("劳动法") and "八小时" in top.text


def test_a_regulation_the_library_lacks_is_refused_not_answered_from_another_one(demo_service):
    # Shanghai is covered (its dog regulation fines 不听劝阻 too), its smoking regulation is not
    service = _library(demo_service)
    answer = Answerer(service).ask("《上海市公共场所控制吸烟条例》对在禁止吸烟场所吸烟且不听劝阻的个人罚款多少？")
    assert answer.refused and "上海市公共场所控制吸烟条例" in answer.notice
    held = Answerer(service).ask("《北京市控制吸烟条例》对在禁止吸烟场所吸烟且不听劝阻的个人罚款多少？")
    assert not held.refused and "五十元" in held.text


# Excerpts of laws-cn.tar.xz: two versions of one regulation, each opening with its revision history.
HOLIDAYS_2013 = (
    "1949年12月23日 政务院发布\n\n"
    "2007年12月14日 《国务院关于修改〈全国年节及纪念日放假办法〉的决定》第二次修订\n\n"
    "第一条 为统一全国年节及纪念日的假期，制定本办法。\n\n"
    "第二条 全体公民放假的节日：\n(一)新年，放假1天(1月1日)；\n(二)春节，放假3天(农历正月初一、初二、初三)；\n\n"
    "第四条 少数民族习惯的节日，由各少数民族聚居地区的地方人民政府，按照各该民族习惯，规定放假日期。")
HOLIDAYS_2024 = (
    "1949年12月23日 政务院发布\n\n"
    "2013年12月11日 《国务院关于修改〈全国年节及纪念日放假办法〉的决定》第三次修订\n\n"
    "2024年11月10日 《国务院关于修改〈全国年节及纪念日放假办法〉的决定》第四次修订）\n\n"
    "第一条 为统一全国年节及纪念日的假期，制定本办法。\n\n"
    "第二条 全体公民放假的节日：\n（一）元旦，放假1天（1月1日）；\n（二）春节，放假4天（农历除夕、正月初一至初三）；\n\n"
    "第四条 少数民族习惯的节日，由各少数民族聚居地区的地方人民政府，按照各该民族习惯，规定放假日期。")
WOMEN_2022 = (
    "1992年4月3日 第七届全国人民代表大会第五次会议通过\n\n"
    "2022年10月30日 第十三届全国人民代表大会常务委员会第三十七次会议修订）\n\n"
    "第一条 为了保障妇女的合法权益，促进男女平等和妇女全面发展，根据宪法，制定本法。\n\n"
    "第二十二条 禁止拐卖、绑架妇女；禁止收买被拐卖、绑架的妇女；禁止阻碍解救被拐卖、绑架的妇女。\n\n"
    "第八十六条 本法自2023年1月1日起施行。")


def test_version_phrases_say_which_version_is_meant():
    assert [(y, r) for y, r, _ in version_phrases("2024年11月修订后的全国年节及纪念日放假办法规定春节放假几天？")] == [(2024, ">=")]
    assert [(y, r) for y, r, _ in version_phrases("按2024年修订前（2013年版）的《全国年节及纪念日放假办法》")] == [(2024, "<"), (2013, "=")]
    assert [(y, r) for y, r, _ in version_phrases("2007年通过的劳动合同法规定")] == [(2007, "=")]
    assert version_phrases("2023年一般公共预算收入是多少？") == [] and version_phrases("2023年通过验收的项目有几个？") == []
    asked = version_phrases("按2020年修正前的上海市住宅物业管理规定（2010年修订版）")
    assert version_fits(2010, asked) and not version_fits(2020, asked) and not version_fits(None, asked)


def test_inside_a_named_law_the_title_and_version_phrase_are_left_out():
    titles = TitleIndex([("w", "中华人民共和国妇女权益保障法")])
    assert titles.without_titles("2022年修订的妇女权益保障法自什么时候起施行？") == "自什么时候起施行?"
    assert titles.without_titles("男女平等是什么原则？") == "男女平等是什么原则？"  # names no title: unchanged


def test_citing_a_code_names_each_of_its_parts():
    titles = TitleIndex([("m", "中华人民共和国民法典婚姻家庭编"), ("i", "中华人民共和国民法典继承编"),
                         ("j", "最高人民法院关于适用《中华人民共和国民法典》婚姻家庭编的解释（一）")])
    assert titles.named("按照民法典，男女法定结婚年龄分别是多少岁？") == {"m", "i"}
    assert titles.named("民法典婚姻家庭编规定的结婚年龄") == {"m"}


def test_the_version_asked_for_answers_and_the_article_beats_the_revision_history(demo_service):
    data = demo_service.settings.data_dir
    _law(data / "laws", "全国年节及纪念日放假办法(2013-12-11).md", "全国年节及纪念日放假办法", HOLIDAYS_2013)
    _law(data / "laws", "全国年节及纪念日放假办法(2024-11-10).md", "全国年节及纪念日放假办法", HOLIDAYS_2024)
    _law(data / "laws", "妇女权益保障法(2022-10-30).md", "中华人民共和国妇女权益保障法", WOMEN_2022)
    demo_service.index([data])
    old = demo_service.search("按2024年修订前（2013年版）的《全国年节及纪念日放假办法》，春节放假几天？", k=1)[0]
    assert "春节，放假3天" in old.text
    new = demo_service.search("2024年11月修订后的全国年节及纪念日放假办法规定春节放假几天？", k=1)[0]
    assert "春节，放假4天" in new.text
    # the year of the version is not a year the article must name; the cover line names it, not the answer
    start = demo_service.search("2022年修订的妇女权益保障法自什么时候起施行？", k=1)[0]
    assert "本法自2023年1月1日起施行" in start.text


def test_a_version_the_library_lacks_is_refused_and_the_version_held_is_answered(demo_service):
    data = demo_service.settings.data_dir
    _law(data / "laws", "妇女权益保障法(2022-10-30).md", "中华人民共和国妇女权益保障法", WOMEN_2022)
    demo_service.index([data])
    answerer = Answerer(demo_service, use_llm=False)
    missing = answerer.ask("2018年修正的妇女权益保障法自什么时候起施行？")
    assert missing.refused and "2018年修正" in missing.notice and "妇女权益保障法" in missing.notice
    held = answerer.ask("2022年修订的妇女权益保障法自什么时候起施行？")
    # the version year is not a year the article must name, and the law's title is where to look, not
    # a word of the answer: the cover lines name the title and the year, the article gives the date
    assert not held.refused and "2023年1月1日" in held.text and "第八十六条" in held.citations[0].passage.text


def test_an_untitled_text_is_titled_by_the_subject_its_first_sentence_defines(tmp_settings):
    """An encyclopedic text names its subject once ("蓝线裸顶鲷，又称…"): it is the card's title, so a later
    paragraph that never repeats it is found, and answered, for a question naming the subject."""
    from rag.answering import Answerer
    from rag.card import _subject
    from rag.embedders.hashing import HashingEmbedder
    from rag.service import RagService

    assert _subject("夜来香（学名：）是萝藦科夜来香属的植物。") == "夜来香"
    assert _subject("高英（），北魏宣武帝元恪的第二任皇后。") == "高英"
    assert _subject("2023年，全区上下坚持稳中求进。") == "" and _subject("今年是全面贯彻落实的开局之年。") == ""

    filler = "本鱼分布于印度太平洋区，包括东非、马达加斯加、红海、斯里兰卡、印度、日本、台湾、中国、泰国、越南等海域。" * 3
    (tmp_settings.data_dir / "TRIAL_7.txt").write_text(
        "蓝线裸顶鲷，又称蓝线白𫚭，为辐鳍鱼纲鲈形目龙占鱼科的其中一个种。" + filler + "\n\n"
        "体呈淡蓝色，头部有网状斑点。体长可达80公分。栖息在较深的水域，以其他鱼类为食。\n", encoding="utf-8")
    (tmp_settings.data_dir / "TRIAL_8.txt").write_text(
        "斯氏腔吻鳕为辐鳍鱼纲鳕形目鼠尾鳕科的其中一种。" + filler + "\n\n"
        "体为浅棕色，腹部白色。体长可达32公分。生活在混浊的泥沙底质上。\n", encoding="utf-8")
    service = RagService(tmp_settings, HashingEmbedder())
    service.ensure_index()
    cards = {e.name: e.card["title"] for e in service.store.documents().values()}
    assert cards == {"TRIAL_7.txt": "蓝线裸顶鲷", "TRIAL_8.txt": "斯氏腔吻鳕"}
    answer = Answerer(service).ask("蓝线裸顶鲷的体长约是多少公分？")
    assert "80公分" in answer.text and "32公分" not in answer.text and not answer.refused
    # A question naming one subject is not answered from another subject's text that does not name it
    # (the 泥沙底质 is said of 斯氏腔吻鳕, in a passage that never writes 蓝线裸顶鲷).
    assert "泥沙底质" in Answerer(service).ask("斯氏腔吻鳕生活在什么样的底质上？").text
    assert "泥沙底质" not in Answerer(service).ask("蓝线裸顶鲷生活在什么样的底质上？").text
