"""The web chat: layout and event wiring. `python -m rag serve` calls `launch`; tests call `build_app` + `serve`.

Per-user data lives in `gr.State` (one `ChatState` per browser session); the service and the answerer
are shared, read-mostly objects. Chat requests run concurrently through Gradio's queue; index writes
run one at a time.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from rag.answering import Answerer
from rag.errors import RagError
from rag.service import RagService
from rag.viewer import ViewBuilder
from ui.assets import CSS, HEAD, theme
from ui.chat import ChatState, respond
from ui.library import (
    add_files,
    chinese_progress,
    document_choices,
    documents_html,
    embedding_html,
    error_report_html,
    remove_document,
    report_html,
    status_html,
    status_line_html,
)
from ui.render import sources_panel_html

log = logging.getLogger(__name__)

# Chat turns run at once (each holds one worker thread while it streams). Retrieval runs inside the
# turn, so a turn waiting in Gradio's queue would also wait for its passages: the limit is set well
# above what the LLM serves at once (RAG_LOCAL_PARALLEL), whose own server queues the generation,
# and below the 40 worker threads Gradio starts, so document uploads and page loads still get one.
CHAT_CONCURRENCY = 32
EXAMPLES = [
    "2023年一般公共预算收入是多少？",
    "2024年地区生产总值的增长目标是多少？",
    "去年新建改造了多少公里雨污管网？",
]
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm"]
HEADER = (
    '<div id="rag-header"><h1>政府文件问答</h1>'
    '<span class="sub">答案只来自已收录的文件；每句结论标注出处 [n]，数字逐一与原文核对。</span></div>'
)
PLACEHOLDER = (
    "### 向政府文件提问\n"
    "我会在已收录的文件中查找答案，并标出每句话的出处。可以直接提问，也可以点下面的示例。"
)


def build_app(service: RagService, answerer: Answerer | None = None) -> gr.Blocks:
    """The complete UI bound to one service; queue configured, not yet launched."""
    answerer = answerer or Answerer(service)
    viewer = ViewBuilder(service)
    viewer.pages_dir.mkdir(parents=True, exist_ok=True)
    gr.set_static_paths([viewer.pages_dir])  # rendered PDF pages, shown in the sources panel
    top_k = max(1, min(10, service.settings.top_k))

    with gr.Blocks(title="政府文件问答", analytics_enabled=False, fill_width=True) as demo:
        gr.HTML(HEADER, js_on_load=None)
        state = gr.State(ChatState())
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        chatbot = gr.Chatbot(
                            value=[],
                            elem_id="rag-chat",
                            show_label=False,
                            height="62vh",
                            min_height=420,
                            layout="bubble",
                            placeholder=PLACEHOLDER,
                            examples=[{"text": q} for q in EXAMPLES],
                            latex_delimiters=[],
                            feedback_options=None,
                            buttons=["copy"],
                            sanitize_html=True,
                            group_consecutive_messages=False,
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                placeholder="输入问题，按回车发送；可以接着追问，如「那2024年呢？」",
                                show_label=False,
                                lines=1,
                                max_lines=4,
                                scale=6,
                                autofocus=True,
                                elem_id="rag-input",
                            )
                            send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                            clear = gr.Button("清空对话", variant="secondary", scale=1, min_width=130,
                                              elem_id="rag-clear")
                        with gr.Accordion("回答设置", open=True, elem_id="rag-settings"):
                            k = gr.Slider(1, 10, value=top_k, step=1, label="每个问题查阅的段落数 k",
                                          info="越大查得越全，但回答稍慢；默认值来自配置 RAG_TOP_K", elem_id="rag-k")
                        statusline = gr.HTML(status_line_html(service, answerer.llm_label), js_on_load=None)
                    with gr.Column(scale=2, min_width=340):
                        sources = gr.HTML(sources_panel_html([]), elem_id="rag-sources", js_on_load=None)

            with gr.Tab("文件管理", id="docs"):
                gr.Markdown("上传 .txt / .md / .pdf / .docx / .html 文件，索引完成后即可在「问答」中提问。"
                            "同名文件再次上传会更新原有版本。")
                with gr.Row(equal_height=True):
                    files = gr.File(label="选择文件（可多选）", file_count="multiple", file_types=UPLOAD_TYPES,
                                    height=150, scale=4, elem_id="rag-upload")
                    add_btn = gr.Button("添加到索引", variant="primary", scale=1, min_width=120, elem_id="rag-add")
                report = gr.HTML("", elem_id="rag-report", js_on_load=None)
                embedding = gr.HTML(embedding_html(service), elem_id="rag-embedding", js_on_load=None)
                gr.Timer(2.0).tick(lambda: embedding_html(service), None, embedding, queue=False,
                                   show_progress="hidden")
                gr.Markdown("#### 已索引的文件")
                with gr.Row(equal_height=True):
                    doc_filter = gr.Textbox(placeholder="按文件名筛选…", show_label=False, scale=4, elem_id="rag-doc-filter")
                    refresh_docs = gr.Button("刷新", size="sm", scale=1, min_width=90)
                docs = gr.HTML(documents_html(service.documents()), elem_id="rag-docs", js_on_load=None)
                with gr.Row(equal_height=True):
                    remove_choice = gr.Dropdown(choices=document_choices(service.documents()), value=None,
                                                label="从索引中删除文件", scale=4, elem_id="rag-remove-choice")
                    remove_btn = gr.Button("删除所选文件", variant="stop", scale=1, min_width=120, elem_id="rag-remove")

            with gr.Tab("系统状态", id="status"):
                status = gr.HTML(status_html(service, answerer.llm_label), elem_id="rag-status", js_on_load=None)
                with gr.Row():
                    refresh_status = gr.Button("刷新状态", size="sm")
                    reconnect = gr.Button("重新连接大模型", size="sm")
                gr.Markdown("回答模型在第一次提问时启动；如果它不可用，系统会直接摘录原文作答并在答案上方说明。"
                            "修复后点「重新连接大模型」即可。")

        # -- chat -------------------------------------------------------------------------------
        def ask(text: str, chat: ChatState, k_value: float) -> Iterator[tuple[Any, ...]]:
            first = True
            for messages, panel, updated in respond(answerer, text, chat, int(k_value), viewer):
                yield (gr.skip() if messages is None else messages, gr.skip() if panel is None else panel, updated,
                       "" if first else gr.skip(),
                       gr.update(interactive=False), gr.skip())
                first = False
            yield (gr.skip(), gr.skip(), chat, gr.skip(), gr.update(interactive=True),
                   status_line_html(service, answerer.llm_label))

        chat_outputs = [chatbot, sources, state, question, send, statusline]
        # `/ask` is the endpoint the load benchmark (python -m eval.load) calls, like the browser does
        question.submit(ask, [question, state, k], chat_outputs, api_name="ask",
                        concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        send.click(ask, [question, state, k], chat_outputs, concurrency_id="chat")

        def pick_example(evt: gr.SelectData) -> str:
            value = evt.value
            return value.get("text", "") if isinstance(value, dict) else str(value or "")

        chatbot.example_select(pick_example, None, question, queue=False).then(
            ask, [question, state, k], chat_outputs, concurrency_id="chat")

        def clear_chat(chat: ChatState) -> tuple[Any, ...]:
            fresh = ChatState(counter=chat.counter)
            return [], sources_panel_html([]), fresh, ""

        clear.click(clear_chat, [state], [chatbot, sources, state, question], queue=False)
        chatbot.clear(clear_chat, [state], [chatbot, sources, state, question], queue=False)  # its bin icon

        # -- documents ----------------------------------------------------------------------------
        def library_views(query: str | None = "") -> tuple[Any, ...]:
            documents = service.documents()
            return (documents_html(documents, query), gr.update(choices=document_choices(documents), value=None),
                    status_line_html(service, answerer.llm_label), status_html(service, answerer.llm_label))

        library_outputs = [docs, remove_choice, statusline, status]

        def add(paths: list[str] | None, query: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            if not paths:
                return (error_report_html("添加", "请先在上方选择要上传的文件。"), gr.skip(), *library_views(query))
            progress(0.0, desc="正在读取文件…")
            try:
                result = add_files(service, [Path(p) for p in paths],
                                   progress=lambda frac, desc: progress(frac, desc=chinese_progress(desc)))
                shown = report_html(result, "添加")
            except RagError as exc:
                shown = error_report_html("添加", str(exc))
            except Exception as exc:  # never a traceback in the page
                log.exception("indexing uploads failed")
                shown = error_report_html("添加", f"{exc.__class__.__name__}: {exc}")
            return (shown, None, *library_views(query))

        add_btn.click(add, [files, doc_filter], [report, files, *library_outputs],
                      concurrency_limit=1, concurrency_id="index-write")

        def remove(key: str | None, query: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            if not key:
                return (error_report_html("删除", "请先在下拉框中选择要删除的文件。"), *library_views(query))
            progress(0.0, desc="正在更新索引…")
            try:
                shown = report_html(remove_document(service, key), "删除")
            except RagError as exc:
                shown = error_report_html("删除", str(exc))
            except Exception as exc:
                log.exception("removing %s failed", key)
                shown = error_report_html("删除", f"{exc.__class__.__name__}: {exc}")
            return (shown, *library_views(query))

        remove_btn.click(remove, [remove_choice, doc_filter], [report, *library_outputs],
                         concurrency_limit=1, concurrency_id="index-write")

        doc_filter.change(lambda q: documents_html(service.documents(), q), [doc_filter], [docs], queue=False)
        refresh_docs.click(library_views, [doc_filter], library_outputs, queue=False)

        # -- status -------------------------------------------------------------------------------
        refresh_status.click(library_views, [doc_filter], library_outputs, queue=False)

        def reconnect_llm(query: str) -> tuple[Any, ...]:
            answerer.reset_client()
            return library_views(query)

        reconnect.click(reconnect_llm, [doc_filter], library_outputs, queue=False)
        demo.load(library_views, [doc_filter], library_outputs, queue=False)

    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return demo


def serve(demo: gr.Blocks, host: str, port: int, *, block: bool = True) -> None:
    """Start the server; `block=False` returns once it is listening (tests run it in the background)."""
    demo.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        theme=theme(),
        css=CSS,
        head=HEAD,
        show_error=False,
        ssr_mode=False,
        quiet=not block,
        footer_links=["settings"],
        max_file_size="200mb",
    )


def launch(service: RagService, host: str, port: int) -> None:
    """Entry point of `python -m rag serve`: blocks until the server is stopped."""
    answerer = Answerer(service)
    answerer.warm_up()  # start the local LLM while the page loads, not on the first question
    print(f"政府文件问答 · http://{host}:{port}  (LLM: {service.settings.resolved_llm()}; Ctrl+C to stop)")
    serve(build_app(service, answerer), host, port, block=True)
