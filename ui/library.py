"""The document library: add and remove files, and the HTML that reports what the index holds.

UI-triggered index writes go through one process-wide lock (on top of the service's file lock),
so two people uploading at once queue instead of racing to switch the index version.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Callable

from rag.card import DocumentCard
from rag.index_store import DocumentEntry
from rag.indexing import IndexReport
from rag.ingest.loaders import SUPPORTED_SUFFIXES
from rag.service import RagService
from ui.icons import icon
from ui.render import esc

WRITE_LOCK = threading.Lock()
ProgressFn = Callable[[float, str], None]
_EMBEDDING = re.compile(r"embedding (\d+)/(\d+) passages")


def chinese_progress(desc: str) -> str:
    """The service reports progress in English; users of this UI read Chinese."""
    match = _EMBEDDING.fullmatch(desc.strip())
    return f"正在计算段落向量 {match.group(1)}/{match.group(2)}" if match else desc


def add_files(service: RagService, paths: list[Path], progress: ProgressFn | None = None) -> IndexReport:
    """Index uploaded files; unsupported types are reported as failures instead of reaching the indexer."""
    supported = [p for p in paths if p.suffix.lower() in SUPPORTED_SUFFIXES]
    with WRITE_LOCK:
        # searchable by keyword as soon as the text is in; vectors follow in the background (embedding_html)
        report = service.add_files(supported, progress=progress, background=True) if supported else IndexReport()
    for path in paths:
        if path not in supported:
            report.failed[path.name] = f"不支持的文件类型 {path.suffix or '（无扩展名）'}（支持：{' '.join(SUPPORTED_SUFFIXES)}）"
    if not supported:
        stats = service.stats()
        report.documents, report.chunks = int(stats.get("documents", 0)), int(stats.get("passages", 0))
    return report


def embedding_html(service: RagService) -> str:
    """How far dense retrieval covers the library: a new upload is found by keyword at once and by
    meaning once its vectors are computed in the background."""
    state = service.embedding_progress()
    embedded, passages = int(state.get("embedded", 0)), int(state.get("passages", 0))
    if state.get("error"):
        return (f'<div class="rag-embed rag-embed-fail">{icon("cross")}段落向量计算出错：{esc(state["error"])}'
                "（关键词检索不受影响；重新添加文件或运行 <code>python -m rag index</code> 可继续）</div>")
    if state.get("running"):
        left = state.get("seconds_left")
        eta = f"，约剩 {int(left) + 1} 秒" if isinstance(left, (int, float)) else ""
        if state.get("upgrade"):
            return (f'<div class="rag-embed rag-embed-run">{icon("stack")}正在后台用 {esc(str(state["upgrade"]))} '
                    f'计算更准的段落向量：{state.get("done", 0)}/{state.get("total", 0)}{eta}。'
                    "完成前检索照常使用现有向量。</div>")
        return (f'<div class="rag-embed rag-embed-run">{icon("stack")}正在后台计算段落向量：'
                f'{state.get("done", 0)}/{state.get("total", 0)}{eta}。新文件已可按关键词检索。</div>')
    if embedded < passages:
        return (f'<div class="rag-embed rag-embed-run">{icon("stack")}{passages - embedded} 个段落尚无向量'
                "（关键词检索可找到它们）。</div>")
    return f'<div class="rag-embed rag-embed-ok">{icon("check")}全部 {passages} 个段落已有向量。</div>'


def remove_document(service: RagService, key: str) -> IndexReport:
    with WRITE_LOCK:
        return service.remove_document(key)


def report_html(report: IndexReport, action: str) -> str:
    """A Chinese summary of an index run, failed files with their reasons, and the raw log folded below."""
    rows = []
    for label, names, cls in (("已添加", report.added, "ok"), ("已更新", report.updated, "ok"),
                              ("已删除", report.removed, "ok")):
        if names:
            rows.append(f'<li class="rag-rep-{cls}">{icon("check")}{label}：{esc("、".join(names))}</li>')
    if report.unchanged:
        rows.append(f'<li class="rag-rep-same">{icon("equal")}内容未变化，已跳过：{esc("、".join(report.unchanged))}</li>')
    for key, reason in report.failed.items():
        rows.append(f'<li class="rag-rep-fail">{icon("cross")}未能索引 <b>{esc(Path(key).name)}</b>：{esc(reason)}</li>')
    if report.pending:
        rows.append(f'<li class="rag-rep-same">{icon("stack")}新内容已可按关键词检索；{report.pending} 个段落的向量'
                    "正在后台计算（进度见下方）。</li>")
    if not rows:
        rows.append('<li class="rag-rep-same">没有变化。</li>')
    log = "".join(f"<div>{esc(line)}</div>" for line in report.summary_lines())
    failed = bool(report.failed) and not report.changed
    state, title, mark = ("rag-report-fail", f"{action}未成功", "cross") if failed else ("rag-report-ok", f"{action}完成", "check")
    return (
        f'<div class="rag-report {state}"><div class="rag-report-title">{icon(mark)}{esc(title)} · 索引中共 '
        f"{report.documents} 个文件、{report.chunks} 个段落（用时 {report.seconds:.1f} 秒）</div>"
        f'<ul>{"".join(rows)}</ul><details><summary>详细日志</summary><div class="rag-log">{log}</div></details></div>'
    )


def error_report_html(action: str, message: str) -> str:
    return f'<div class="rag-report rag-report-fail"><div class="rag-report-title">{icon("cross")}{esc(action)}失败</div><div>{esc(message)}</div></div>'


def documents_html(documents: dict[str, DocumentEntry], query: str | None = "") -> str:
    """The indexed documents as a table (name, paragraphs, passages, time), filtered by `query`."""
    if not documents:
        return (
            '<div class="rag-docs-empty">索引里还没有文件。在上方选择 .txt / .md / .pdf / .docx / .html 文件，'
            "点击「添加到索引」，或在命令行运行 <code>python -m rag index</code>。</div>"
        )
    query = (query or "").strip()
    needle = query.lower()
    shown = {k: d for k, d in documents.items() if not needle or needle in d.name.lower() or needle in k.lower()}
    rows = "".join(
        f'<tr><td class="rag-doc-name" title="{esc(key)}">{icon("doc")}{esc(d.name)}</td><td class="rag-doc-card">{_card_html(d)}</td>'
        f'<td class="num">{d.paragraphs}</td>'
        f'<td class="num">{len(d.chunk_ids)}</td><td class="rag-doc-time">{esc(d.indexed_at.replace("T", " "))}</td></tr>'
        for key, d in sorted(shown.items(), key=lambda kv: kv[1].name)
    )
    if not rows:
        rows = f'<tr><td colspan="5" class="rag-docs-none">没有文件名包含「{esc(query)}」的文件</td></tr>'
    total_paragraphs = sum(d.paragraphs for d in documents.values())
    return (
        f'<div class="rag-docs"><div class="rag-docs-sum">共 {len(documents)} 个文件、{total_paragraphs} 个段落</div>'
        '<table><thead><tr><th>文件</th><th>文件卡片</th><th class="num">段落</th><th class="num">检索单元</th><th>索引时间</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _card_html(entry: DocumentEntry) -> str:
    """Title, then place · years · kind · issuer, as read at indexing (rag.card)."""
    card = DocumentCard.from_dict(entry.card)
    if card is None:
        return ""
    return f'<div class="rag-card-title">《{esc(card.title)}》</div><div class="rag-card-sum">{esc(card.summary())}</div>'


def document_choices(documents: dict[str, DocumentEntry]) -> list[tuple[str, str]]:
    """(label, key) pairs for the removal dropdown; the label shows the key when names collide."""
    names = [d.name for d in documents.values()]
    return [
        (d.name if names.count(d.name) == 1 else f"{d.name}（{key}）", key)
        for key, d in sorted(documents.items(), key=lambda kv: kv[1].name)
    ]


def status_html(service: RagService, llm_label: str) -> str:
    """Which LLM answers and what the index holds: the facts that explain the answers users see."""
    stats = service.stats()
    rows = [("回答模型", llm_label), ("文件数", stats.get("documents", 0)), ("段落数", stats.get("passages", 0))]
    if "embedder" in stats:
        rows += [("向量模型", stats["embedder"]), ("已有向量的段落", f'{stats.get("embedded", 0)}/{stats.get("passages", 0)}'),
                 ("向量索引", stats.get("vector_index", "")),
                 ("索引更新时间", stats.get("built", ""))]
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="rag-status-table">{cells}</table>'


def status_line_html(service: RagService, llm_label: str) -> str:
    stats = service.stats()
    return (
        f'<div class="rag-statusline">{icon("chip")}{esc(llm_label)} · {icon("stack")}{stats.get("documents", 0)} 个文件 / '
        f'{stats.get("passages", 0)} 个段落</div>'
    )
