"""Chunks: one per paragraph, long ones split at sentence ends, stable ids."""
from __future__ import annotations

from rag.chunking import chunk_document, chunk_id, merge_short_paragraphs, split_paragraph
from rag.ingest import read_document
from rag.schema import Document, Origin, Paragraph

from conftest import DEMO


def test_demo_chunks_respect_the_bound_and_keep_sentences_whole():
    chunks = chunk_document(read_document(DEMO), max_chars=300, min_chars=30)
    assert all(len(c.text) <= 300 for c in chunks)
    split = [c for c in chunks if c.origin.section and "社会事业加快发展" in c.origin.section_path]
    assert len(split) >= 2  # a 444-character paragraph became several chunks
    assert all(c.text.endswith(("。", "；", "！", "？")) for c in split)


def test_chunk_ids_are_stable_and_distinct():
    doc = read_document(DEMO)
    first = [c.chunk_id for c in chunk_document(doc)]
    second = [c.chunk_id for c in chunk_document(read_document(DEMO))]
    assert first == second
    assert len(set(first)) == len(first)
    revenue = next(c for c in chunk_document(doc) if "30.24亿元" in c.text)
    # the id is derived from document name, section and text only — not from the position
    assert revenue.chunk_id == chunk_id(doc.name, "一、2023年工作回顾", revenue.text)
    assert revenue.chunk_id != chunk_id("other.txt", "一、2023年工作回顾", revenue.text)


def test_index_text_prepends_headings_but_text_stays_the_paragraph():
    revenue = next(c for c in chunk_document(read_document(DEMO)) if "30.24亿元" in c.text)
    assert revenue.index_text.startswith("一、2023年工作回顾\n")
    assert revenue.text.startswith("全年地区生产总值有望突破400亿元")


def test_split_never_cuts_inside_a_number():
    text = "收入" + "增长很快" * 80 + "达到30.24亿元" + "持续" * 60
    parts = split_paragraph(text, max_chars=100)
    assert all(len(p) <= 100 for p in parts)
    assert any("30.24" in p for p in parts)


def test_short_fragments_merge_with_a_neighbour_in_the_same_section():
    origin = Origin("d.txt", ("一、总则",), 1)
    paras = [Paragraph("短句。", origin), Paragraph("这是一个足够长的段落，用来接住前面的短句，不需要再合并。", origin)]
    merged = merge_short_paragraphs(paras, max_chars=300, min_chars=10)
    assert len(merged) == 1 and merged[0].text.startswith("短句。\n")


def test_same_text_twice_gets_two_ids():
    origin = Origin("d.txt", (), None)
    doc = Document("d.txt", "h", (Paragraph("重复的段落内容足够长，超过下限。", origin),) * 2)
    ids = [c.chunk_id for c in chunk_document(doc, min_chars=5)]
    assert len(set(ids)) == 2


def test_a_law_article_keeps_its_numbered_items(tmp_path):
    """Real excerpt of 消费者权益保护法 (laws corpus, Markdown): the items are content, joined to their lead."""
    from rag.ingest import read_document

    law = tmp_path / "消费者权益保护法.md"
    law.write_text(
        "# 中华人民共和国消费者权益保护法\n\n## 第三章 经营者的义务\n\n"
        "第二十五条 经营者采用网络、电视、电话、邮购等方式销售商品，消费者有权自收到商品之日起七日内退货，"
        "且无需说明理由，但下列商品除外：\n\n（一）消费者定作的；\n\n（二）鲜活易腐的；\n\n"
        "（三）在线下载或者消费者拆封的音像制品、计算机软件等数字化商品；\n\n（四）交付的报纸、期刊。\n\n"
        "除前款所列商品外，其他根据商品性质并经消费者在购买时确认不宜退货的商品，不适用无理由退货。\n",
        encoding="utf-8",
    )
    chunks = chunk_document(read_document(law))
    article = next(c for c in chunks if c.text.startswith("第二十五条"))
    assert "（一）消费者定作的；" in article.text and "（四）交付的报纸、期刊。" in article.text
    assert all(not c.origin.section_path.endswith("期刊") for c in chunks)  # items are not headings
