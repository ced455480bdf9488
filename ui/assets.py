"""Look and behaviour of the page: theme, CSS, and the small script that links [n] markers to sources.

Colours use Gradio's CSS variables where possible so the light and dark themes both work. Fonts are
system fonts: the server may run with no internet access, so nothing is fetched from a font CDN.
"""
from __future__ import annotations

import gradio as gr

from ui.icons import ICON_CSS

FONTS = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="blue", secondary_hue="amber", neutral_hue="slate", font=FONTS, font_mono=MONO)


CSS = ICON_CSS + """
.gradio-container { width: 100% !important; max-width: 1440px !important; margin: 0 auto !important; }
#rag-header { display: flex; align-items: baseline; gap: 14px; padding: 6px 4px 10px;
  border-bottom: 3px solid #b91c1c; margin-bottom: 6px; }
#rag-header h1 { font-size: 1.45rem; margin: 0; font-weight: 700; letter-spacing: .04em; }
#rag-header .sub { color: var(--body-text-color-subdued); font-size: .92rem; }

/* chat bubbles */
.rag-question { white-space: normal; }
.rag-answer { line-height: 1.75; }
.rag-answer .rag-text { font-size: 1.02rem; }
.rag-cite { display: inline-block; margin: 0 2px; padding: 0 5px; border-radius: 6px; font-size: .78em;
  line-height: 1.5; vertical-align: super; text-decoration: none !important; font-weight: 600;
  background: var(--color-accent-soft); color: var(--color-accent) !important;
  border: 1px solid var(--color-accent); cursor: pointer; }
.rag-cite:hover, .rag-cite:focus { background: var(--color-accent); color: white !important; }
.rag-cite-demo { font-weight: 600; color: var(--color-accent); }
.rag-flag { background: rgba(245, 158, 11, .18); border-bottom: 2px dashed #d97706; }
.rag-flagged { margin-top: 8px; padding: 6px 10px; border-radius: 8px; font-size: .9rem;
  background: rgba(245, 158, 11, .10); border-left: 3px solid #d97706; }
.rag-flagged ul { margin: 4px 0 0 1.2em; padding: 0; }
.rag-notice { margin-bottom: 8px; padding: 6px 10px; border-radius: 8px; font-size: .9rem;
  background: rgba(59, 130, 246, .10); border-left: 3px solid #3b82f6; }
.rag-foot { margin-top: 8px; font-size: .78rem; color: var(--body-text-color-subdued); }
.rag-status { color: var(--body-text-color-subdued); font-size: .9rem; }
.rag-status::before { content: ""; display: inline-block; width: .8em; height: .8em; margin-right: .45em;
  vertical-align: -0.08em; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%;
  animation: rag-spin .9s linear infinite; }
@keyframes rag-spin { to { transform: rotate(360deg); } }
.rag-cursor { display: inline-block; width: .5em; height: 1.05em; margin-left: 2px; vertical-align: -0.18em;
  background: var(--color-accent); animation: rag-blink 1s steps(2, start) infinite; }
@keyframes rag-blink { to { visibility: hidden; } }
.rag-refused .rag-refusal-title { font-weight: 600; color: #475569; margin-bottom: 2px; }
.rag-refused .rag-text { color: var(--body-text-color); }
.rag-refused { border-left: 3px solid #94a3b8; padding-left: 10px; }
.rag-hint, .rag-reason { font-size: .85rem; color: var(--body-text-color-subdued); margin-top: 4px; }
.rag-error { border-left: 3px solid #dc2626; padding-left: 10px; }
.rag-error .rag-error-title { font-weight: 600; color: #b91c1c; }

/* sources panel */
#rag-sources { position: sticky; top: 8px; }
.rag-panel { max-height: calc(100vh - 150px); overflow-y: auto; padding-right: 4px; }
.rag-panel-title { font-weight: 700; font-size: 1.05rem; margin: 2px 0 8px; }
.rag-panel-note { color: var(--body-text-color-subdued); font-size: .9rem; margin: 6px 0; line-height: 1.7; }
.rag-turn { margin-bottom: 10px; border: 1px solid var(--border-color-primary); border-radius: 10px;
  background: var(--background-fill-primary); }
.rag-turn > summary { cursor: pointer; padding: 8px 10px; display: flex; gap: 8px; align-items: baseline;
  list-style-position: inside; }
.rag-turn-no { font-size: .8rem; color: var(--body-text-color-subdued); white-space: nowrap; }
.rag-turn-q { font-weight: 600; flex: 1; }
.rag-turn-count { font-size: .78rem; color: var(--color-accent); white-space: nowrap; }
.rag-turn-body { padding: 0 10px 8px; }
.rag-src { margin: 8px 0; padding: 8px 10px; border-radius: 8px; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); transition: box-shadow .2s, border-color .2s; scroll-margin: 12px; }
.rag-src-ok { border-left: 4px solid #16a34a; }
.rag-src-warn { border-left: 4px solid #d97706; }
.rag-src-uncited { opacity: .85; }
.rag-src.rag-hover, .rag-src.rag-flash { border-color: var(--color-accent); box-shadow: 0 0 0 3px var(--color-accent-soft); }
.rag-src.rag-flash { animation: rag-pulse 1.2s ease-out; }
@keyframes rag-pulse { from { box-shadow: 0 0 0 6px var(--color-accent-soft); } to { box-shadow: 0 0 0 0 transparent; } }
.rag-src-head { display: flex; gap: 8px; align-items: center; }
.rag-src-num { font-weight: 700; color: var(--color-accent); }
.rag-badge { font-size: .76rem; padding: 1px 8px; border-radius: 999px; font-weight: 600; }
.rag-badge-ok { background: rgba(22, 163, 74, .14); color: #15803d; }
.rag-badge-warn { background: rgba(217, 119, 6, .16); color: #b45309; }
.rag-badge-none { background: var(--background-fill-primary); color: var(--body-text-color-subdued); font-weight: 400; }
.rag-src-meta { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: .8rem; color: var(--body-text-color-subdued);
  margin: 4px 0; }
.rag-src-meta .rag-doc { color: var(--body-text-color); font-weight: 600; }
.rag-src-meta .rag-suspicious { color: #b45309; font-weight: 600; }
.rag-doc-card .rag-card-title { font-weight: 600; }
.rag-doc-card .rag-card-sum { font-size: .8rem; color: var(--body-text-color-subdued); }
.rag-src-text { margin: 4px 0 !important; padding: 0 0 0 10px !important; border-left: 2px solid var(--border-color-primary) !important;
  font-size: .92rem; line-height: 1.8; color: var(--body-text-color); font-style: normal; }
mark.rag-hl { background: rgba(250, 204, 21, .38); color: inherit; padding: 1px 0; border-radius: 2px; }
b.rag-num { font-weight: 700; text-decoration: underline; text-decoration-color: #ca8a04; text-underline-offset: 3px; }
.rag-src-used { font-size: .8rem; color: var(--body-text-color-subdued); }
.rag-src-used ul { margin: 2px 0 0 1.2em; padding: 0; }
.rag-src-text mark.rag-hl { scroll-margin: 40px; }

/* a table row passage, shown as a small table */
.rag-row-table { width: auto !important; max-width: 100%; margin: 6px 0 4px !important; border-collapse: collapse;
  font-size: .86rem; display: table; }
.rag-row-table caption { caption-side: top; text-align: left; font-weight: 600; font-size: .82rem; padding: 0 0 4px;
  color: var(--body-text-color-subdued); }
.rag-row-table th, .rag-row-table td { border: 1px solid var(--border-color-primary) !important; padding: 3px 8px !important;
  text-align: left; vertical-align: top; }
.rag-row-table th { background: var(--background-fill-primary); font-weight: 500; color: var(--body-text-color-subdued);
  white-space: nowrap; }
.rag-row-table td { font-variant-numeric: tabular-nums; }
.rag-row-grid th { white-space: normal; }

/* the page or context view under a source card ([n] opens it) */
.rag-view { margin-top: 6px; border-top: 1px dashed var(--border-color-primary); padding-top: 4px; }
.rag-view > summary { cursor: pointer; font-size: .84rem; color: var(--color-accent); font-weight: 600;
  list-style-position: inside; padding: 2px 0; }
.rag-view-hint { font-weight: 400; color: var(--body-text-color-subdued); margin-left: 8px; font-size: .78rem; }
.rag-view-note { font-size: .8rem; color: #b45309; margin: 4px 0; }
.rag-page-frame { position: relative; max-height: 480px; overflow: auto; border: 1px solid var(--border-color-primary); border-radius: 6px;
  background: #e5e7eb; padding: 6px; margin-top: 4px; }
.rag-page { margin: 0 0 6px !important; padding: 0; }
.rag-page-box { position: relative; }
.rag-page-frame.rag-zoom .rag-page { width: 200%; }
.rag-page-img { cursor: zoom-in; }
.rag-page-frame.rag-zoom .rag-page-img { cursor: zoom-out; }
.rag-page:last-child { margin-bottom: 0 !important; }
.rag-page-img { display: block; width: 100%; height: auto; background: white; box-shadow: 0 1px 3px rgba(0, 0, 0, .25); }
.rag-page-hl { position: absolute; box-sizing: content-box; border: 2px solid rgba(185, 28, 28, .85); border-radius: 3px;
  padding: 3px 5px; margin: -5px 0 0 -7px; pointer-events: none; }
.rag-view.rag-view-flash .rag-page-hl { animation: rag-hl-pulse 1.4s ease-out 2; }
@keyframes rag-hl-pulse { 0% { box-shadow: 0 0 0 6px rgba(185, 28, 28, .35); } 100% { box-shadow: 0 0 0 0 transparent; } }
.rag-page figcaption { font-size: .76rem; text-align: right; padding: 2px 2px 0; }
.rag-page figcaption a { color: var(--body-text-color-subdued); }
.rag-ctx { font-size: .88rem; line-height: 1.75; margin-top: 4px; }
.rag-ctx-before, .rag-ctx-after, .rag-ctx-edge { color: var(--body-text-color-subdued); padding: 2px 0 2px 10px;
  border-left: 2px solid transparent; }
.rag-ctx-edge { font-size: .78rem; }
.rag-ctx-this { padding: 4px 0 4px 10px; border-left: 3px solid #b91c1c; background: rgba(250, 204, 21, .16); margin: 2px 0; }
.rag-uncited > summary { cursor: pointer; font-size: .85rem; color: var(--body-text-color-subdued); margin-top: 6px; }

/* documents and status */
.rag-docs table, .rag-status-table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.rag-docs table, .rag-status-table { border: none !important; margin: 0 !important; }
.rag-docs tr, .rag-docs thead, .rag-status-table tr { border: none !important; }
.rag-docs th, .rag-docs td, .rag-status-table th, .rag-status-table td { padding: 6px 8px !important;
  border: none !important; border-bottom: 1px solid var(--border-color-primary) !important; text-align: left; }
.rag-docs .num { text-align: right; font-variant-numeric: tabular-nums; }
.rag-docs-sum { font-size: .85rem; color: var(--body-text-color-subdued); margin-bottom: 4px; }
.rag-docs-empty, .rag-docs-none { color: var(--body-text-color-subdued); padding: 10px 0; }
.rag-doc-time { color: var(--body-text-color-subdued); white-space: nowrap; }
.rag-status-table th { width: 9em; color: var(--body-text-color-subdued); font-weight: 500; }
.rag-report { padding: 8px 12px; border-radius: 8px; border-left: 4px solid #16a34a; background: var(--background-fill-secondary); }
.rag-report-fail { border-left-color: #dc2626; }
.rag-report-title { font-weight: 600; }
.rag-report ul { margin: 4px 0 4px 1.2em; padding: 0; }
.rag-rep-fail { color: #b91c1c; }
.rag-rep-same { color: var(--body-text-color-subdued); }
.rag-embed { font-size: .9em; margin: 4px 0; color: var(--body-text-color-subdued); }
.rag-embed-run { color: #2563eb; }
.rag-embed-fail { color: #b91c1c; }
.rag-log { font-family: var(--font-mono); font-size: .8rem; white-space: pre-wrap; }
.rag-statusline { font-size: .8rem; color: var(--body-text-color-subdued); padding: 2px 4px; }
"""

# Runs once per page (document-level listeners survive Gradio re-rendering the chat).
HEAD = """
<script>
(() => {
  if (window.__ragCitations) return;
  window.__ragCitations = true;
  const cite = (e) => e.target && e.target.closest ? e.target.closest("a.rag-cite") : null;
  const target = (a) => document.getElementById(a.dataset.src || (a.getAttribute("href") || "").slice(1));
  function reveal(el) {
    for (let p = el.parentElement; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
    el.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }
  // Scroll a page frame so that the highlighted passage sits near its top.
  function focusPage(img) {
    const frame = img.closest(".rag-page-frame");
    const hl = (img.dataset.hl || "").split(",").map(Number);
    if (!frame || hl.length !== 4 || !img.clientHeight) return;
    const fig = img.closest(".rag-page");
    frame.scrollTop = Math.max(0, fig.offsetTop + hl[1] * img.clientHeight - 40);  // the frame is positioned
    frame.scrollLeft = frame.classList.contains("rag-zoom") ? Math.max(0, hl[0] * img.clientWidth - 20) : 0;
  }
  function openView(card) {
    const view = card.querySelector("details.rag-view");
    if (!view) return;
    view.open = true;
    view.classList.remove("rag-view-flash");
    void view.offsetWidth;
    view.classList.add("rag-view-flash");
    const img = view.querySelector("img.rag-page-img[data-hl]");
    if (img) {
      if (img.complete && img.naturalWidth) focusPage(img); else img.addEventListener("load", () => focusPage(img), { once: true });
    }
    setTimeout(() => card.scrollIntoView({ behavior: "smooth", block: "start" }), 50);
  }
  // A [n] clicked before its view arrived (views follow the answer): open it when the panel updates.
  let pendingView = null;
  new MutationObserver(() => {
    if (!pendingView) return;
    const card = document.getElementById(pendingView);
    if (card && card.querySelector("details.rag-view")) { pendingView = null; openView(card); }
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("toggle", (e) => {
    const view = e.target;
    if (!view.matches || !view.matches("details.rag-view") || !view.open) return;
    const img = view.querySelector("img.rag-page-img[data-hl]");
    if (img && img.complete && img.naturalWidth) focusPage(img);
    else if (img) img.addEventListener("load", () => focusPage(img), { once: true });
  }, true);
  document.addEventListener("click", (e) => {
    const img = e.target && e.target.closest ? e.target.closest("img.rag-page-img") : null;
    if (img) {  // a click on the page image toggles a 2x zoom, keeping the highlight in view
      img.closest(".rag-page-frame").classList.toggle("rag-zoom");
      focusPage(img);
      return;
    }
    const a = cite(e);
    if (!a) return;
    e.preventDefault();
    e.stopPropagation();
    const el = target(a);
    if (!el) return;
    reveal(el);
    el.classList.remove("rag-flash");
    void el.offsetWidth;
    el.classList.add("rag-flash");
    if (el.querySelector("details.rag-view")) openView(el); else pendingView = el.id;
  }, true);
  document.addEventListener("mouseover", (e) => {
    const a = cite(e);
    const el = a && target(a);
    if (!el) return;
    el.classList.add("rag-hover");
    reveal(el);
  });
  document.addEventListener("mouseout", (e) => {
    const a = cite(e);
    const el = a && target(a);
    if (el) el.classList.remove("rag-hover");
  });
})();
</script>
"""
