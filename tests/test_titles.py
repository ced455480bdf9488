"""A question that names a document by title searches that document first; a 《name》 the library
does not hold is a constraint no passage satisfies."""
from __future__ import annotations

from pathlib import Path

from rag.answering import Answerer
from rag.service import RagService
from rag.titles import TitleIndex, bracketed_names, similar_name

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
