"""Filters inside retrieval (--doc/--under/--year) and near-duplicate passages shown once (同见于)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.dedup import collapse, normalise
from rag.errors import QueryError
from rag.filters import make_filter, parse_years
from rag.schema import Chunk, Origin
from rag.retrieval import FusionWeights, HybridRetriever
from rag.service import RagService

from test_cli import _run

ARTICLE = "用人单位应当自用工之日起三十日内为其职工向社会保险经办机构申请办理社会保险登记，未办理的由社会保险行政部门责令限期改正。"


def _law(folder: Path, name: str, title: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def laws(tmp_settings, demo_service) -> RagService:
    data = tmp_settings.data_dir
    _law(data / "社会法", "社会保险法(2010-10-28).md", "中华人民共和国社会保险法（2010年）", f"第五十七条 {ARTICLE}")
    _law(data / "社会法", "社会保险法(2018-12-29).md", "中华人民共和国社会保险法（2018年修正）", f"第五十八条 {ARTICLE}")
    _law(data / "地方法规", "某市社会保险条例(2021-03-01).md", "某市社会保险条例（2021年）",
         "第九条 本市用人单位应当按月足额缴纳社会保险费，不得拖欠。")
    demo_service.index([data])
    return demo_service


def test_a_passage_repeated_in_several_laws_is_shown_once_with_the_others_listed(laws):
    passages = laws.search("用人单位多少日内要办理社会保险登记", k=3)
    copies = [p for p in passages if "社会保险登记" in p.text]
    assert len(copies) == 1
    assert copies[0].also_in  # the other version is listed, not shown again
    assert {copies[0].chunk.origin.doc, *copies[0].also_in} == {"社会保险法(2010-10-28).md", "社会保险法(2018-12-29).md"}
    assert copies[0].chunk.origin.doc == "社会保险法(2018-12-29).md"  # the most recent version first
    assert len(passages) == 3  # the freed slot goes to the next passage


def test_dedup_keeps_different_passages_and_same_document_repeats():
    chunks = {
        0: Chunk("a", "第一条 " + ARTICLE, Origin("甲.md")),
        1: Chunk("b", "第九十条 " + ARTICLE.replace("三十日", "三十日"), Origin("乙.md")),
        2: Chunk("c", ARTICLE, Origin("甲.md")),  # same document: not collapsed
        3: Chunk("d", "森林抚育7000亩，完成荒山造林1200亩，新增绿地300公顷。", Origin("乙.md")),
    }
    shown = collapse([0, 1, 2, 3], chunks.__getitem__, k=5)
    assert shown == [(0, ["乙.md"]), (2, []), (3, [])]
    assert normalise("第十二条　预算，收入。") == "预算收入"


def test_filters_restrict_the_candidates_before_ranking(laws):
    all_hits = laws.search("社会保险", k=5)
    assert any(p.chunk.origin.doc.endswith(".txt") or "社会保险" in p.text for p in all_hits)
    local = laws.search("用人单位社会保险", k=5, filters=make_filter(under="地方法规"))
    assert [p.chunk.origin.doc for p in local] == ["某市社会保险条例(2021-03-01).md"]
    one = laws.search("用人单位社会保险登记", k=5, filters=make_filter(doc="社会保险法(2010-10-28)"))
    assert {p.chunk.origin.doc for p in one} == {"社会保险法(2010-10-28).md"} and not one[0].also_in
    # the demo report is a 2024 document: a year filter finds its passages, and a far-away year finds nothing
    demo = laws.search("一般公共预算收入", k=3, filters=make_filter(year="2024"))
    assert demo and all(p.chunk.origin.doc.endswith(".txt") for p in demo)


@pytest.mark.parametrize("bad", ["abc", "2024-2020", "20x4"])
def test_bad_year_ranges_are_refused_with_a_clear_message(bad):
    with pytest.raises(QueryError, match="year range"):
        parse_years(bad)


def test_years_are_parsed_as_ranges():
    assert parse_years("2021") == (2021, 2021)
    assert parse_years("2019-2021") == (2019, 2021)
    assert parse_years("2019-") == (2019, 9999) and parse_years("-2021") == (0, 2021)


def test_a_filter_that_matches_nothing_says_so(laws):
    with pytest.raises(QueryError, match="no indexed document"):
        laws.search("社会保险", filters=make_filter(doc="不存在的文件"))


def test_cli_search_with_filters_and_also_in(tmp_path: Path):
    data = tmp_path / "data"
    _law(data / "社会法", "社会保险法(2010-10-28).md", "中华人民共和国社会保险法（2010年）", f"第五十七条 {ARTICLE}")
    _law(data / "社会法", "社会保险法(2018-12-29).md", "中华人民共和国社会保险法（2018年修正）", f"第五十八条 {ARTICLE}")
    result = _run(["search", "社会保险登记", "--json", "--under", "社会法"], tmp_path)
    assert result.returncode == 0, result.stderr
    top = json.loads(result.stdout)["passages"][0]
    assert top["also_in"] and top["doc"] != top["also_in"][0]
    text = _run(["search", "社会保险登记"], tmp_path)
    assert "同见于：" in text.stdout
    bad = _run(["search", "社会保险登记", "--year", "abc"], tmp_path)
    assert bad.returncode == 2 and "year range" in bad.stderr and "Traceback" not in bad.stderr


def test_the_version_in_force_ranks_before_the_one_it_replaced(tmp_settings, demo_service):
    """Two versions of one law word an article differently: a question naming no year gets the newer
    text first; one naming a year is left to the year checks."""
    data = tmp_settings.data_dir
    _law(data / "行政法", "行政复议法(2017-09-01).md", "中华人民共和国行政复议法",
         "第九条 公民认为具体行政行为侵犯其合法权益的，可以自知道该具体行政行为之日起六十日内提出行政复议申请。")
    _law(data / "行政法", "行政复议法(2023-09-01).md", "中华人民共和国行政复议法",
         "第二十条 公民认为行政行为侵犯其合法权益的，可以自知道或者应当知道该行政行为之日起六十日内提出行政复议申请。")
    demo_service.index([data])
    cards = {d.name: d.card for d in demo_service.documents().values() if d.name.startswith("行政复议法")}
    assert {c["title"] for c in cards.values()} == {"中华人民共和国行政复议法"} and all(c["kind"] == "法律法规" for c in cards.values())
    top = demo_service.search("认为行政行为侵犯合法权益，多少日内可以申请行政复议？", k=2)
    assert [p.chunk.origin.doc for p in top] == ["行政复议法(2023-09-01).md", "行政复议法(2017-09-01).md"]
    plain = HybridRetriever(demo_service.retriever().index, demo_service.embedder,
                            FusionWeights(versions=False))
    old_first = plain.search("认为具体行政行为侵犯合法权益，多少日内可以申请行政复议？", k=1)
    assert old_first[0].chunk.origin.doc == "行政复议法(2017-09-01).md"  # its own words favour the old text …
    assert demo_service.search("认为具体行政行为侵犯合法权益，多少日内可以申请行政复议？",
                               k=1)[0].chunk.origin.doc == "行政复议法(2023-09-01).md"  # … the version in force goes first
