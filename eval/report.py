"""Turn a `Summary` into a terminal table, a Markdown report with a per-type table, and a headline chart."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from eval.metrics import Metrics, Summary

LABELS = {
    "mrr": "MRR",
    "answer_accuracy": "answer accuracy",
    "refusal_accuracy": "refusal accuracy",
    "wrong_refusal_rate": "wrong refusals",
    "citation_precision": "citation precision",
    "flagged_share": "flagged sentences",
}
NA = "n/a"


def _label(key: str) -> str:
    return LABELS.get(key, key)


def _fmt(key: str, value: float | None) -> str:
    """Rates as percentages, MRR as a 0–1 number, missing figures as n/a (never as 0)."""
    if value is None:
        return NA
    return f"{value:.3f}" if key == "mrr" else f"{100 * value:.1f}%"


def _fmt_ms(value: float | None) -> str:
    return NA if value is None else f"{value:.0f}"


def _groups(summary: Summary) -> list[tuple[str, Metrics]]:
    return [("all", summary.overall), *summary.by_type.items()]


def _overview(summary: Summary) -> str:
    m = summary.overall
    mode = "retrieval only" if summary.retrieval_only else "answers"
    text = f"{m.n_questions} questions ({m.n_answerable} answerable, {m.n_unanswerable} unanswerable); mode: {mode}"
    if summary.n_missing:
        text += f"; {summary.n_missing} without a result (scored as failures)"
    return text


def _text_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(rows: Sequence[Sequence[str]], align: str = "l") -> str:
    """Markdown table; `align` gives l/r for the first columns (labels left), later columns are figures (right)."""
    header, *body = rows
    sep = [":--" if i < len(align) and align[i] == "l" else "--:" for i in range(len(header))]
    lines = [header, sep, *body]
    return "\n".join("| " + " | ".join(_md_cell(c) for c in line) + " |" for line in lines)


def _latency_line(metrics: Metrics) -> str:
    if not metrics.latency_ms:
        return "latency: none recorded"
    parts = [f"{stage} {_fmt_ms(s['p50'])}/{_fmt_ms(s['p95'])}" for stage, s in metrics.latency_ms.items()]
    return "latency p50/p95 ms: " + ", ".join(parts)


# ---------------------------------------------------------------- terminal


def format_summary(summary: Summary, title: str) -> str:
    """Compact plain-text table for the terminal: one row per metric, one column per question type."""
    groups = _groups(summary)
    rows = [["metric", *(name for name, _ in groups)], ["n", *(str(m.n_questions) for _, m in groups)]]
    for key in summary.overall.figures():
        rows.append([_label(key), *(_fmt(key, m.figures()[key]) for _, m in groups)])
    return "\n".join([f"== {title} ==", _overview(summary), "", _text_table(rows), "", _latency_line(summary.overall)])


# ---------------------------------------------------------------- comparison


def format_comparison(named_summaries: Mapping[str, Summary]) -> str:
    """Markdown table with one column per run (e.g. BM25-only / dense-only / hybrid); readable in a terminal too."""
    names = list(named_summaries)
    if not names:
        return ""
    metrics = [named_summaries[n].overall for n in names]
    keys: list[str] = []
    for m in metrics:
        keys += [k for k in m.figures() if k not in keys]
    rows = [["metric", *names]]
    for key in keys:
        rows.append([_label(key), *(_fmt(key, m.figures().get(key)) for m in metrics)])
    stages: list[str] = []
    for m in metrics:
        stages += [s for s in m.latency_ms if s not in stages]
    for stage in stages:
        rows.append(
            [f"{stage} p50 ms", *(_fmt_ms(m.latency_ms[stage]["p50"]) if stage in m.latency_ms else NA for m in metrics)]
        )
    return _md_table(rows)


# ---------------------------------------------------------------- chart


def plot_headline(summary: Summary, png_path: str | Path, title: str | None = None) -> Path:
    """Bar chart of the headline figures (None skipped); Agg canvas, so it works without a display."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figures = {k: v for k, v in summary.headline().items() if v is not None}
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)

    fig = Figure(figsize=(max(4.0, 1.1 * len(figures) + 1.5), 3.6), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = [_label(k).replace(" ", "\n") for k in figures]
    values = list(figures.values())
    bars = ax.bar(range(len(values)), values, color="#4C72B0")
    for bar, value in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, value + 0.02, f"{value:.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(values)), labels, fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("score (0-1)")
    ax.set_title(title or "Headline figures", fontsize=10)
    if not values:
        ax.text(0.5, 0.5, "no figures to show", ha="center", va="center", transform=ax.transAxes)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(png_path, format="png")
    return png_path


# ---------------------------------------------------------------- Markdown


def _type_table(summary: Summary) -> str:
    keys = list(summary.overall.figures())
    rows = [["type", "n", *(_label(k) for k in keys)]]
    for name, m in _groups(summary):
        figs = m.figures()
        rows.append([name, str(m.n_questions), *(_fmt(k, figs[k]) for k in keys)])
    return _md_table(rows)


def _latency_table(summary: Summary) -> str:
    rows = [["stage", "p50 ms", "p95 ms", "n"]]
    for stage, s in summary.overall.latency_ms.items():
        rows.append([stage, _fmt_ms(s["p50"]), _fmt_ms(s["p95"]), str(s["n"])])
    return _md_table(rows) if len(rows) > 1 else "_No timings recorded._"


def _question_table(summary: Summary) -> str:
    rows = [["id", "type", "evidence rank", "refused", "answer", "missing facts"]]
    for q in summary.questions:
        if q.missing_result:
            rows.append([q.id, q.type, NA, NA, "no result", ""])
            continue
        rank = str(q.evidence_rank) if q.evidence_rank is not None else ("not found" if q.has_evidence else "-")
        refused = NA if q.refused is None else ("yes" if q.refused else "no")
        if q.refused is None:
            verdict = NA
        elif not q.answerable:  # the right answer to an unanswerable question is a refusal
            verdict = "right" if q.refused else "wrong (answered)"
        else:
            verdict = "-" if q.answer_correct is None else ("right" if q.answer_correct else "wrong")
        rows.append([q.id, q.type, rank, refused, verdict, "、".join(q.missing_facts)])
    return _md_table(rows, align="llrrrl")


def write_markdown(
    summary: Summary,
    path: str | Path,
    title: str,
    extra_sections: Sequence[str] = (),
    png_path: str | Path | None = None,
) -> Path:
    """Write the report (headline chart, per-type table, latency, per-question table, then `extra_sections`).

    The chart goes next to the report (`<stem>_headline.png` unless `png_path` is given) and is linked
    relatively, so the report folder can be moved or committed as a whole.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    png = Path(png_path) if png_path is not None else path.with_name(f"{path.stem}_headline.png")
    plot_headline(summary, png, title=title)
    link = Path(os.path.relpath(png.resolve(), path.parent.resolve())).as_posix()

    parts = [
        f"# {title}",
        _overview(summary) + ".",
        f"![Headline figures]({link})",
        "## By question type",
        "Rates are shares of the questions each figure applies to; n/a means none applied "
        "(e.g. answer figures in a retrieval-only run).",
        _type_table(summary),
        "## Latency",
        _latency_table(summary),
        "## Per question",
        _question_table(summary),
        *extra_sections,
    ]
    path.write_text("\n\n".join(p.strip() for p in parts if p and p.strip()) + "\n", encoding="utf-8")
    return path
