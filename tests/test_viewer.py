"""The source viewer: a passage found on its PDF page from the PDF's character boxes, the page rendered
with the passage highlighted (and cached), and the paragraph in context for other formats.

Real excerpts of `shared/corpus/real/huaian-2024-gov-info-disclosure-annual-report.pdf` (a WPS-made
report: hard-wrapped lines, `- 1 -` page numbers, spaces around numbers in the text layer).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.embedders.hashing import HashingEmbedder
from rag.schema import Chunk, Origin, Passage
from rag.service import RagService
from rag.settings import Settings
from rag.viewer import (
    PAGES_DIR,
    ViewBuilder,
    line_rects,
    locate_in_pages,
    match_form,
    read_page_texts,
    render_page,
    source_path,
)

ROOT = Path(__file__).resolve().parents[1]
HUAIAN = ROOT.parent / "shared" / "corpus" / "real" / "huaian-2024-gov-info-disclosure-annual-report.pdf"
DEMO = ROOT / "data" / "changqing-2024-government-work-report.txt"
needs_pdf = pytest.mark.skipif(not HUAIAN.is_file(), reason=f"{HUAIAN} is not here")

# Page 1, as the index stores it: lines joined, spaces around numbers dropped.
PAGE1_PARA = (
    "2024年，我市坚持以习近平新时代中国特色社会主义思想为指导，认真学习宣传贯彻党的二十大和二十届二中、"
    "三中全会精神，按照党中央国务院、省委省政府决策部署和市委工作要求，严格落实《中华人民共和国政府信息公开条例》"
    "各项规定，圆满完成了各项任务。"
)
# Starts at the foot of page 1 and ends at the top of page 2 (the page number `- 2 -` is in between).
SPLIT_PARA_HEAD = "（一）主动公开情况。2024年，市政府网站主动公开各类政府信息5500余条，全年新增公开市政府规章1件"
SPLIT_PARA_TAIL = "等新闻发布会12场，努力传递政府声音、宣传政策法规、回应舆论关切。"
TABLE_ROW = ("第二十条 第（一）项 | 信息内容：行政规范性文件 | 本年制发件数：8 | 本年废止件数：26 | "
             "现行有效件数：66")


@pytest.fixture(scope="module")
def pages():
    return read_page_texts(HUAIAN)


def test_match_form_maps_back_to_the_source_characters():
    form, source = match_form("完成 30.24 亿元，\n增长２９.2%；合计 2,940.05")
    assert form == "完成30.24亿元,增长29.2%;合计2940.05"
    assert len(form) == len(source)
    text = "完成 30.24 亿元，\n增长２９.2%；合计 2,940.05"
    assert text[source[form.index("亿")]] == "亿" and text[source[form.index("9")]] == "９"


def test_line_rects_merge_characters_per_line():
    boxes = [(10, 100, 20, 112), (21, 100, 31, 112), (32, 101, 40, 111),  # line 1
             (10, 80, 20, 92), (21, 80, 31, 92)]  # line 2
    assert line_rects(boxes) == [(10, 100, 40, 112), (10, 80, 31, 92)]


@needs_pdf
def test_paragraph_is_found_exactly_on_its_page(pages):
    location = locate_in_pages(pages, 1, PAGE1_PARA)
    assert location is not None and location.exact and location.coverage == 1.0
    assert location.pages == [1]
    hit = location.hits[0]
    assert len(hit.lines) == 5  # the paragraph is five lines long on the page
    left, bottom, right, top = hit.region
    assert 60 < left < 100 and right < 530 and 200 < bottom < top < 400  # lower half of an A4 page


@needs_pdf
def test_paragraph_over_a_page_break_is_highlighted_on_both_pages_without_the_page_number(pages):
    text = SPLIT_PARA_HEAD + "、市政府及市政府办政策性文件11件，通过文字、图片等形式制作政策解读21个，制作《淮安市人民政府公报》6期。" \
        "紧紧围绕保障民生、深化改革、科技创新等工作主线，组织召开了“春节前后服务企业用工和促进返乡人员就业创业专项活动”" \
        "“建设‘四最’一流营商环境高质量推进产业发展”“加快建设长三角北部重要产业科技创新高地的若干政策”" + SPLIT_PARA_TAIL
    location = locate_in_pages(pages, 1, text)
    assert location is not None and location.pages == [1, 2] and location.coverage > 0.95
    page2 = location.hits[1]
    assert len(page2.lines) == 3
    assert page2.region[1] > 842 * 0.75  # the top of page 2 only: the `- 2 -` footer is not part of it


@needs_pdf
def test_a_passage_whose_text_differs_a_little_is_still_found(pages):
    changed = PAGE1_PARA.replace("二十大", "20大").replace("圆满完成了", "完成了")  # as a cleanup might leave it
    location = locate_in_pages(pages, 1, changed)
    assert location is not None and not location.exact and 0.9 < location.coverage < 1.0
    assert location.pages == [1] and len(location.hits[0].lines) == 5


@needs_pdf
def test_wrong_page_number_and_absent_text(pages):
    location = locate_in_pages(pages, 5, PAGE1_PARA)  # the stored page is off: the best page is searched
    assert location is not None and location.pages == [1]
    assert locate_in_pages(pages, 1, "这段文字不在这份文件里，它讲的是火星上的水稻种植技术和产量。") is None
    assert locate_in_pages(pages, None, PAGE1_PARA).pages == [1]


@needs_pdf
def test_emphasis_marks_the_clause_the_answer_uses(pages):
    location = locate_in_pages(pages, 1, PAGE1_PARA, emphasis=["严格落实《中华人民共和国政府信息公开条例》各项规定，"])
    hit = location.hits[0]
    assert 1 <= len(hit.emphasis) <= 2
    assert all(hit.region[1] <= r[1] and r[3] <= hit.region[3] for r in hit.emphasis)


@needs_pdf
def test_page_is_rendered_with_the_highlight_and_cached(tmp_path, pages):
    from PIL import Image

    location = locate_in_pages(pages, 1, PAGE1_PARA)
    image = render_page(HUAIAN, 1, tmp_path, location.hits[0])
    assert image.path.parent == tmp_path / PAGES_DIR and image.path.suffix == ".png"
    assert (image.width, image.height) == (1190, 1684)  # A4 at 144 dpi
    assert image.path.stat().st_size > 50_000
    assert len(image.boxes) == 5 and image.region is not None
    left, top, right, bottom = image.region
    assert 0 < left < right < 1 and 0.5 < top < bottom < 0.8
    with Image.open(image.path) as img:
        rgb = img.convert("RGB")
        # between the first two highlighted lines' text the background is yellow; above the paragraph, white
        l, t, r, b = image.boxes[0]
        x = int((l + 0.01) * image.width)
        ys = range(int(t * image.height), int(b * image.height))
        yellow = [rgb.getpixel((x, y)) for y in ys]
        assert any(px[0] > 200 and px[1] > 180 and px[2] < 170 for px in yellow), yellow[:5]
        assert rgb.getpixel((int(0.5 * image.width), int(0.05 * image.height))) == (255, 255, 255)
    mtime = image.path.stat().st_mtime_ns
    again = render_page(HUAIAN, 1, tmp_path, location.hits[0])
    assert again == image and again.path.stat().st_mtime_ns == mtime  # served from the cache
    plain = render_page(HUAIAN, 1, tmp_path)
    assert plain.path != image.path and plain.boxes == () and plain.region is None


@needs_pdf
def test_table_row_is_found_by_its_values(pages):
    from rag.viewer import _locatable_texts

    chunk = Chunk("t", TABLE_ROW, Origin(doc="x.pdf", page=3, kind="table"))
    assert _locatable_texts(chunk) == ["行政规范性文件82666"]
    location = locate_in_pages(pages, 3, _locatable_texts(chunk)[0])
    assert location is not None and location.exact and location.pages == [3]
    assert len(location.hits[0].lines) == 1  # one table row


# -- views built from a live index ------------------------------------------------------------------
@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> RagService:
    root = tmp_path_factory.mktemp("viewer")
    data = root / "data"
    data.mkdir()
    shutil.copyfile(DEMO, data / DEMO.name)
    if HUAIAN.is_file():
        shutil.copyfile(HUAIAN, data / HUAIAN.name)
    settings = Settings(_env_file=None, RAG_DATA_DIR=str(data), RAG_INDEX_DIR=str(root / "index"),
                        RAG_CACHE_DIR=str(root / "cache"), RAG_EMBEDDER="hashing-64", RAG_LLM="extractive")
    service = RagService(settings, HashingEmbedder())
    service.ensure_index()
    return service


def _passage(service: RagService, doc: str, needle: str) -> Passage:
    chunk = next(c for c in service.snapshot().chunks if c.origin.doc == doc and needle in c.text)
    return Passage(chunk=chunk, score=1.0)


def test_text_document_view_is_the_paragraph_in_context(indexed: RagService):
    builder = ViewBuilder(indexed)
    chunks = [c for c in indexed.snapshot().chunks if c.origin.doc == DEMO.name]
    middle = Passage(chunk=chunks[3], score=1.0)
    view = builder.view(middle)
    assert view.kind == "context" and view.pages == []
    assert view.before == chunks[2].text and view.after == chunks[4].text
    first = builder.view(Passage(chunk=chunks[0], score=1.0))
    assert first.before == "" and first.after == chunks[1].text
    assert builder.view(Passage(chunk=chunks[-1], score=1.0)).after == ""


@needs_pdf
def test_pdf_view_renders_the_page_with_the_passage_highlighted(indexed: RagService):
    builder = ViewBuilder(indexed)
    passage = _passage(indexed, HUAIAN.name, "5500余条")
    view = builder.view(passage, emphasis=["2024年，市政府网站主动公开各类政府信息5500余条，"])
    assert view.kind == "pdf" and view.located
    assert [p.page for p in view.pages][:1] == [passage.chunk.origin.page]
    first = view.pages[0]
    assert first.path.is_file() and first.path.parent == builder.pages_dir
    assert first.region is not None and first.boxes
    assert view.before or view.after  # context is there too
    views = builder.views([passage, _passage(indexed, DEMO.name, "30.24")])
    assert views[1].kind == "pdf" and views[2].kind == "context"


@needs_pdf
def test_pdf_view_falls_back_to_the_whole_page_and_then_to_context(indexed: RagService, tmp_path: Path):
    builder = ViewBuilder(indexed)
    real = _passage(indexed, HUAIAN.name, "5500余条")
    odd = Passage(chunk=Chunk(real.chunk.chunk_id, "这段文字在页面上找不到，说的是别的事情。", real.chunk.origin), score=1.0)
    view = builder.view(odd)
    assert view.kind == "pdf" and not view.located and len(view.pages) == 1
    assert view.pages[0].region is None and "未能在页面上定位" in view.note
    gone = Passage(chunk=Chunk("no-such-id", "文字", Origin(doc="missing.pdf", page=1)), score=1.0)
    assert builder.view(gone).kind == "context"


def test_source_path_resolves_manifest_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    monkeypatch.chdir(tmp_path)
    assert source_path("a.pdf") == tmp_path / "a.pdf"
    assert source_path(str(tmp_path / "a.pdf")) == tmp_path / "a.pdf"
    assert source_path("gone.pdf") is None


def test_broken_pdf_gives_a_context_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings = Settings(_env_file=None, RAG_DATA_DIR=str(tmp_path / "d"), RAG_INDEX_DIR=str(tmp_path / "i"),
                        RAG_CACHE_DIR=str(tmp_path / "c"), RAG_EMBEDDER="hashing-64", RAG_LLM="extractive")
    (tmp_path / "d").mkdir()
    shutil.copyfile(DEMO, tmp_path / "d" / DEMO.name)
    service = RagService(settings, HashingEmbedder())
    service.ensure_index()
    builder = ViewBuilder(service)
    chunk = service.snapshot().chunks[2]
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    monkeypatch.setattr("rag.viewer.source_path", lambda key: bad)  # the document's file is now a broken PDF
    view = builder.view(Passage(chunk=chunk, score=1.0))
    assert view.kind == "context" and view.pages == [] and view.note == "无法显示原文页面。"


@needs_pdf
def test_table_row_under_merged_label_cells_is_found_from_its_own_label(pages):
    from rag.viewer import _locatable_texts

    row = ("三、收到和处理政府信息公开申请情况 | 三、本年度办理结果 | （三）不予公开 | 3.危及“三安全一稳定” | "
           "申请人情况 自然人：0 | 商业企业：0 | 科研机构：0 | 社会公益组织：0 | 法律服务机构：0 | 其他：0 | 总计：0")
    texts = _locatable_texts(Chunk("t", row, Origin(doc="x.pdf", page=4, kind="table")))
    assert texts[-1].startswith("3.危及“三安全一稳定”0")
    found = [locate_in_pages(pages, 4, t) for t in texts]
    assert found[-1] is not None and found[-1].pages == [4] and len(found[-1].hits[0].lines) <= 2
