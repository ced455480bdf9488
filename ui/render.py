"""HTML for chat answers and the sources panel: every [n] links to a source card with the evidence highlighted.

All document and model text goes through `html.escape` here, so a file cannot inject markup into the
page. Chat HTML is emitted on one line: the chatbot runs it through Markdown, where a blank line
would end the HTML block.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from rag.errors import IndexStateError, LLMError, QueryError
from rag.schema import Answer, Citation, Passage
from rag.viewer import SourceView, table_rows
from ui.highlight import cited_numbers, highlight_spans, number_tokens
from ui.icons import icon

_MARKER = re.compile(r"\[(\d{1,2})\]")
MAX_PANEL_TURNS = 10  # the sources panel keeps the evidence of this many recent questions


def source_id(turn: int, marker: int) -> str:
    """DOM id of a source card; the turn number keeps ids unique across questions in one chat."""
    return f"src-{turn}-{marker}"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text_html(text: str) -> str:
    return esc(text).replace("\r\n", "\n").replace("\n", "<br>")


# -- chat bubbles ---------------------------------------------------------------------------------
def question_html(question: str) -> str:
    """The user's question, escaped (a <div> so Markdown leaves it alone)."""
    return f'<div class="rag-question">{_text_html(question)}</div>'


def link_markers(escaped: str, turn: int, linked: set[int]) -> str:
    """Turn [n] in already-escaped text into links to the source card `#src-<turn>-<n>`."""

    def repl(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in linked:
            return match.group(0)
        sid = source_id(turn, n)
        return f'<a class="rag-cite" href="#{sid}" data-src="{sid}" title="查看出处 {n}">[{n}]</a>'

    return _MARKER.sub(repl, escaped)


def _answer_body(text: str, turn: int, linked: set[int], flagged: list[str]) -> str:
    """Answer text with markers linked and flagged sentences wrapped in a warning span."""
    ranges: list[tuple[int, int]] = []
    for sentence in flagged:
        start = text.find(sentence) if sentence else -1
        while start >= 0 and any(s < start + len(sentence) and start < e for s, e in ranges):
            start = text.find(sentence, start + 1)
        if start >= 0:
            ranges.append((start, start + len(sentence)))
    ranges.sort()
    parts, last = [], 0
    for start, end in ranges:
        parts.append(link_markers(_text_html(text[last:start]), turn, linked))
        parts.append(f'<span class="rag-flag" title="未能在所引文件中核实">{_text_html(text[start:end])}</span>')
        last = end
    parts.append(link_markers(_text_html(text[last:]), turn, linked))
    return "".join(parts)


def answer_html(answer: Answer, turn: int) -> str:
    """The finished answer: checked text with linked markers, notice, flagged sentences, and a footer."""
    notice = ""
    if answer.refused:
        body = (
            f'<div class="rag-refusal-title">{icon("search")}文件中没有找到答案</div>'
            f'<div class="rag-text">{_text_html(answer.text)}</div>'
            '<div class="rag-hint">可以换个问法、说得更具体些，或到「文件管理」添加相关文件后再问。</div>'
        )
        if answer.notice:
            notice = f'<div class="rag-reason">原因：{_text_html(answer.notice)}</div>'
        return f'<div class="rag-answer rag-done rag-refused">{body}{notice}{_footer(answer)}</div>'
    if answer.notice:
        notice = f'<div class="rag-notice">{icon("info")}{_text_html(answer.notice)}</div>'
    linked = {c.marker for c in answer.citations}
    body = f'<div class="rag-text">{_answer_body(answer.text, turn, linked, answer.flagged_sentences)}</div>'
    flagged = ""
    if answer.flagged_sentences:
        items = "".join(f"<li>{_text_html(s)}</li>" for s in answer.flagged_sentences)
        flagged = (
            f'<div class="rag-flagged">{icon("warn")}以下 {len(answer.flagged_sentences)} 句未能在所引文件中核实，请谨慎参考：'
            f"<ul>{items}</ul></div>"
        )
    return f'<div class="rag-answer rag-done">{notice}{body}{flagged}{_footer(answer)}</div>'


def _footer(answer: Answer) -> str:
    bits = []
    if answer.citations:
        bits.append(f"引用 {len(answer.citations)} 处出处")
    elif answer.passages:
        bits.append(f"检索 {len(answer.passages)} 段资料")
    if answer.llm:
        bits.append(f"回答：{esc(answer.llm)}")
    total = answer.timings_ms.get("total")
    if total is not None:
        bits.append(f"用时 {total / 1000:.1f} 秒")
    if answer.standalone_question and answer.standalone_question != answer.question:
        bits.append(f"理解为：{esc(answer.standalone_question)}")
    return f'<div class="rag-foot">{" · ".join(bits)}</div>' if bits else ""


def streaming_html(text: str, status: str = "") -> str:
    """The answer while the model writes it: raw tokens plus a cursor and the current step."""
    status_html = f'<div class="rag-status">{_text_html(status)}</div>' if status else ""
    body = f'<div class="rag-text">{_text_html(text)}<span class="rag-cursor"></span></div>' if text or not status else ""
    return f'<div class="rag-answer rag-streaming">{status_html}{body}</div>'


@dataclass(frozen=True)
class ErrorView:
    title: str
    detail: str
    hint: str = ""


def describe_error(exc: BaseException) -> ErrorView:
    """A user-facing headline for each error family; the one-line message from rag/ stays as detail."""
    detail = str(exc).strip() or exc.__class__.__name__
    if isinstance(exc, QueryError):
        if "empty" in detail or "punctuation" in detail:
            return ErrorView("请先输入一个问题", "问题为空或只有标点符号。", "例如：2023年一般公共预算收入是多少？")
        return ErrorView("这个问题无法检索", detail)
    if isinstance(exc, IndexStateError):
        return ErrorView("索引还不可用", detail, "请到「文件管理」上传文件，或在命令行运行 python -m rag index 建立索引。")
    if isinstance(exc, LLMError):
        return ErrorView("大模型出错", detail, "可以稍后再试，或到「系统状态」重新连接大模型。")
    return ErrorView("出现了意外错误", f"{exc.__class__.__name__}: {detail}", "请重试；如果反复出现，请联系管理员查看服务日志。")


def error_html(exc: BaseException) -> str:
    view = describe_error(exc)
    hint = f'<div class="rag-hint">{_text_html(view.hint)}</div>' if view.hint else ""
    return (
        f'<div class="rag-answer rag-done rag-error"><div class="rag-error-title">{icon("warn")}{esc(view.title)}</div>'
        f'<div class="rag-text">{_text_html(view.detail)}</div>{hint}</div>'
    )


# -- sources panel --------------------------------------------------------------------------------
def passage_text_html(passage: Passage, sentences: list[str]) -> str:
    """Passage text, escaped, with the clauses that support `sentences` in <mark> and cited numbers bold."""
    if not sentences:
        return _text_html(passage.text)
    out, in_mark = [], False
    for span in highlight_spans(passage.text, sentences):
        if span.highlight and not in_mark:
            out.append('<mark class="rag-hl">')
            in_mark = True
        elif not span.highlight and in_mark:
            out.append("</mark>")
            in_mark = False
        piece = _text_html(span.text)
        out.append(f'<b class="rag-num">{piece}</b>' if span.number else piece)
    if in_mark:
        out.append("</mark>")
    return "".join(out)


def _meta_html(passage: Passage) -> str:
    origin = passage.chunk.origin
    bits = [f'<span class="rag-doc" title="文件">{icon("doc")}{esc(origin.doc)}</span>']
    if origin.section_path:
        bits.append(f'<span class="rag-sec" title="章节">§ {esc(origin.section_path)}</span>')
    if origin.page is not None:
        bits.append(f'<span class="rag-page">第 {esc(origin.page)} 页</span>')
    if passage.chunk.context:  # the document card: place, year, title
        bits.append(f'<span class="rag-card" title="文件卡片（地区 · 年份 · 标题）">{icon("info")}{esc(passage.chunk.context)}</span>')
    if passage.suspicious:
        bits.append('<span class="rag-suspicious" title="这段文字在向模型下达指令，只作为资料展示，不作为答案依据">'
                    f'{icon("warn")}疑似指令文本，未用作答案依据</span>')
    return f'<div class="rag-src-meta">{"".join(bits)}</div>'


def _passage_body_html(passage: Passage, sentences: list[str]) -> str:
    """A table row as a small table; any other passage as quoted text with its evidence highlighted."""
    if passage.chunk.origin.kind == "table":
        table = table_html(passage.text, sentences)
        if table:
            return table
    body = passage_text_html(passage, sentences) if sentences else _text_html(passage.text)
    return f'<blockquote class="rag-src-text">{body}</blockquote>'


def table_html(text: str, sentences: list[str] | None = None) -> str:
    """A table passage as a small table: one row is shown as header/value pairs, several rows with the
    same headers as a grid; cells holding a number the answer cites are highlighted. "" if not a row."""
    caption, rows = table_rows(text)
    if not rows:
        return ""
    wanted = cited_numbers(sentences or [])

    def cell(value: str) -> str:
        shown = esc(value)
        if wanted and number_tokens(value) & wanted:
            return f'<mark class="rag-hl"><b class="rag-num">{shown}</b></mark>'
        return shown

    cap = f"<caption>{icon('table')}{esc(caption)}</caption>" if caption else ""
    headers = [k for k, _ in rows[0]]
    if len(rows) > 1 and all([k for k, _ in row] == headers for row in rows) and any(headers):
        head = "".join(f"<th>{esc(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for _, v in row) + "</tr>" for row in rows)
        return f'<table class="rag-row-table rag-row-grid">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    body = "".join(
        f'<tr><th scope="row">{esc(k) if k else "—"}</th><td>{cell(v)}</td></tr>' for row in rows for k, v in row
    )
    return f'<table class="rag-row-table">{cap}<tbody>{body}</tbody></table>'


def page_url(path: Path) -> str:
    """Where the browser fetches a rendered page: Gradio serves the page cache as a static path."""
    return "gradio_api/file=" + quote(str(path), safe="/")


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%"


def view_html(view: SourceView | None, passage: Passage) -> str:
    """The foldable view under a source card: the PDF page with the passage highlighted, or the passage
    between its neighbours. Clicking the passage's [n] in the answer opens it."""
    if view is None:
        return ""
    if view.kind == "pdf" and view.pages:
        numbers = [p.page for p in view.pages]
        label = f"第 {numbers[0]} 页" if len(numbers) == 1 else f"第 {numbers[0]}–{numbers[-1]} 页"
        hint = "黄色高亮处即引用的段落" if view.located else "未定位到段落"
        figures = []
        for image in view.pages:
            url = esc(page_url(image.path))
            overlay, data = "", ""
            if image.region is not None:
                l, t, r, b = image.region
                data = f' data-hl="{l:.4f},{t:.4f},{r:.4f},{b:.4f}" data-hl-lines="{len(image.boxes)}"'
                overlay = (f'<span class="rag-page-hl" style="left:{_pct(l)};top:{_pct(t)};'
                           f'width:{_pct(r - l)};height:{_pct(b - t)}"></span>')
            figures.append(
                f'<figure class="rag-page" data-page="{image.page}"><div class="rag-page-box">'
                f'<img class="rag-page-img" src="{url}" width="{image.width}" height="{image.height}" loading="lazy" '
                f'alt="{esc(view.doc)} 第 {image.page} 页" title="点击放大或缩小"{data}>{overlay}</div>'
                f'<figcaption><a href="{url}" target="_blank" rel="noopener" title="在新标签页中打开整页">'
                f'{icon("open")}第 {image.page} 页原图</a></figcaption></figure>'
            )
        note = f'<div class="rag-view-note">{esc(view.note)}</div>' if view.note else ""
        return (
            f'<details class="rag-view rag-view-pdf" data-view="pdf"><summary>{icon("page")}查看原文{label}'
            f'<span class="rag-view-hint">{hint}</span></summary>{note}'
            f'<div class="rag-page-frame">{"".join(figures)}</div></details>'
        )
    if not (view.before or view.after):
        return f'<div class="rag-view-note">{esc(view.note)}</div>' if view.note else ""
    before = _clip(view.before, tail=True)
    after = _clip(view.after, tail=False)
    note = f'<div class="rag-view-note">{esc(view.note)}</div>' if view.note else ""
    parts = [f'<div class="rag-ctx-before">{_text_html(before)}</div>' if before else
             '<div class="rag-ctx-edge">（文件开头）</div>',
             f'<div class="rag-ctx-this">{_text_html(passage.text)}</div>',
             f'<div class="rag-ctx-after">{_text_html(after)}</div>' if after else
             '<div class="rag-ctx-edge">（文件结尾）</div>']
    return (
        f'<details class="rag-view rag-view-ctx" data-view="context"><summary>{icon("context")}查看上下文'
        f'<span class="rag-view-hint">前后各一段</span></summary>{note}<div class="rag-ctx">{"".join(parts)}</div></details>'
    )


CONTEXT_CHARS = 180


def _clip(text: str, tail: bool) -> str:
    """The end of the passage before (or the start of the one after): enough to read on."""
    text = text.strip()
    if len(text) <= CONTEXT_CHARS:
        return text
    return "…" + text[-CONTEXT_CHARS:] if tail else text[:CONTEXT_CHARS] + "…"


def source_card_html(passage: Passage, marker: int, turn: int, citation: Citation | None = None,
                     view: SourceView | None = None) -> str:
    """One retrieved passage; a cited one carries its verification badge and highlighted evidence."""
    sid = source_id(turn, marker)
    if citation is None:
        head = f'<span class="rag-src-num">[{marker}]</span><span class="rag-badge rag-badge-none">未引用</span>'
        return (
            f'<article class="rag-src rag-src-uncited" id="{sid}"><div class="rag-src-head">{head}</div>'
            f'{_meta_html(passage)}{_passage_body_html(passage, [])}{view_html(view, passage)}</article>'
        )
    if citation.supported:
        badge = f'<span class="rag-badge rag-badge-ok" title="答案中的数字都能在这段原文中找到">{icon("check")}已核实</span>'
    else:
        badge = f'<span class="rag-badge rag-badge-warn" title="答案中有数字在这段原文中找不到">{icon("warn")}数字未核实</span>'
    used = "".join(f"<li>{_text_html(s)}</li>" for s in citation.sentences)
    used_html = f'<div class="rag-src-used">答案中引用它的句子：<ul>{used}</ul></div>' if used else ""
    state = "rag-src-ok" if citation.supported else "rag-src-warn"
    return (
        f'<article class="rag-src rag-src-cited {state}" id="{sid}">'
        f'<div class="rag-src-head"><span class="rag-src-num">[{marker}]</span>{badge}</div>'
        f"{_meta_html(passage)}{_passage_body_html(passage, citation.sentences)}"
        f"{used_html}{view_html(view, passage)}</article>"
    )


@dataclass
class TurnSources:
    """What the panel shows for one question: its passages, and the answer once it is done."""

    turn: int
    question: str
    passages: list[Passage] = field(default_factory=list)
    answer: Answer | None = None
    error: str = ""
    views: dict[int, SourceView] = field(default_factory=dict)  # by marker, once the answer is done


def turn_sources_html(item: TurnSources, open_: bool) -> str:
    cited: dict[int, Citation] = {c.marker: c for c in item.answer.citations} if item.answer else {}
    cards, spare = [], []
    for marker, passage in enumerate(item.passages, start=1):
        if marker in cited:
            cards.append(source_card_html(passage, marker, item.turn, cited[marker], item.views.get(marker)))
        else:
            spare.append(source_card_html(passage, marker, item.turn, view=item.views.get(marker)))
    if item.answer is None and not item.error:
        intro = f'<div class="rag-panel-note">正在根据检索到的 {len(item.passages)} 段资料作答…</div>' if item.passages else (
            '<div class="rag-panel-note">正在检索…</div>')
        body = intro + "".join(spare)
    elif item.error:
        body = f'<div class="rag-panel-note">{_text_html(item.error)}</div>'
    else:
        if not cards:
            note = "答案没有引用任何段落。" if item.answer and not item.answer.refused else "没有找到能回答这个问题的段落。"
            cards.append(f'<div class="rag-panel-note">{note}</div>')
        body = "".join(cards)
        if spare:
            body += (
                f'<details class="rag-uncited"><summary>另外检索到 {len(spare)} 段未被引用的资料</summary>'
                f'{"".join(spare)}</details>'
            )
    count = f'<span class="rag-turn-count">{len(cited)} 处引用</span>' if cited else ""
    return (
        f'<details class="rag-turn" id="turn-{item.turn}"{" open" if open_ else ""}>'
        f'<summary><span class="rag-turn-no">第 {item.turn} 问</span><span class="rag-turn-q">{esc(item.question)}</span>{count}</summary>'
        f'<div class="rag-turn-body">{body}</div></details>'
    )


def sources_panel_html(items: list[TurnSources]) -> str:
    """Newest question first and open; older ones folded, so their [n] links still resolve."""
    if not items:
        return (
            f'<div class="rag-panel rag-panel-empty"><div class="rag-panel-title">{icon("sources")}出处</div>'
            '<div class="rag-panel-note">提问后，这里显示答案所依据的原文段落：文件、章节、页码，支持答案的句子会高亮。'
            "点击答案中的 <span class=\"rag-cite-demo\">[1]</span> 可以打开对应出处：PDF 显示原文页面并高亮该段，"
            "其他文件显示该段的上下文。</div></div>"
        )
    recent = items[-MAX_PANEL_TURNS:][::-1]
    sections = "".join(turn_sources_html(item, open_=i == 0) for i, item in enumerate(recent))
    return f'<div class="rag-panel"><div class="rag-panel-title">{icon("sources")}出处</div>{sections}</div>'
