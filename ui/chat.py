"""One chat turn: run `Answerer.stream` and turn its events into chat messages and the sources panel.

Kept free of Gradio layout so it can be tested directly; every session owns its `ChatState`
(held in `gr.State`), so concurrent users never share per-request data.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterator

from rag.answering import Answerer, History
from rag.errors import IndexStateError, QueryError, RagError
from rag.retrieval import check_query
from rag.schema import Answer
from rag.service import RagService
from rag.viewer import SourceView, ViewBuilder
from ui.highlight import split_clauses, supporting_clauses
from ui.render import (
    TurnSources,
    answer_html,
    error_html,
    question_html,
    sources_panel_html,
    streaming_html,
)

log = logging.getLogger(__name__)
MAX_HISTORY_TURNS = 6  # follow-up rewriting needs the recent conversation, not all of it
Message = dict[str, str]


@dataclass
class Turn:
    """A finished question/answer pair; `answer_text` (plain, checked) is what follow-ups see."""

    question: str
    reply_html: str
    answer_text: str = ""
    sources: TurnSources | None = None


@dataclass
class ChatState:
    turns: list[Turn] = field(default_factory=list)
    counter: int = 0  # turn numbers keep growing after "clear", so source ids never repeat in a page

    def history(self) -> History:
        answered = [(t.question, t.answer_text) for t in self.turns if t.answer_text]
        return answered[-MAX_HISTORY_TURNS:]

    def messages(self) -> list[Message]:
        out: list[Message] = []
        for turn in self.turns:
            out.append({"role": "user", "content": question_html(turn.question)})
            out.append({"role": "assistant", "content": turn.reply_html})
        return out

    def panel(self, pending: TurnSources | None = None) -> str:
        items = [t.sources for t in self.turns if t.sources is not None]
        return sources_panel_html(items + ([pending] if pending else []))


Update = tuple[list[Message] | None, str | None, ChatState]


def respond(answerer: Answerer, question: str, state: ChatState, k: int | None,
            viewer: ViewBuilder | None = None) -> Iterator[Update]:
    """Yield (chat messages, sources panel, state) as the answer streams; errors become chat messages.

    The panel is None while it is unchanged (during token streaming), so it is not re-sent per token.
    With a `viewer`, a last update (messages None: unchanged) adds each source's page or context view
    after the finished answer is shown, so rendering PDF pages never delays the answer.
    """
    question = (question or "").strip()
    try:
        check_query(question)
    except QueryError as exc:  # empty or punctuation only: shown once, not kept in the conversation
        yield state.messages() + [{"role": "assistant", "content": error_html(exc)}], state.panel(), state
        return
    turn_no = state.counter + 1
    pending = TurnSources(turn=turn_no, question=question)
    base = state.messages() + [{"role": "user", "content": question_html(question)}]
    tokens: list[str] = []
    status = "正在检索相关文件…"
    yield base + [{"role": "assistant", "content": streaming_html("", status)}], state.panel(pending), state
    try:
        _require_documents(answerer.service)
        for event in answerer.stream(question, state.history(), k):
            panel = None
            if event.kind == "status":  # e.g. the LLM failed mid-answer: its partial text is dropped
                status, tokens = event.text, []
            elif event.kind == "passages":
                pending.passages = list(event.passages)
                status = f"已找到 {len(event.passages)} 段相关资料，正在生成答案…"
                panel = state.panel(pending)
            elif event.kind == "token":
                tokens.append(event.text)
            elif event.kind == "done" and event.answer is not None:
                answer = event.answer
                pending.answer = answer
                pending.passages = list(answer.passages)
                reply = answer_html(answer, turn_no)
                state.turns.append(Turn(question, reply, answer.text, pending))
                state.counter = turn_no
                yield state.messages(), state.panel(), state
                if viewer is not None and answer.passages:
                    pending.views = source_views(viewer, answer)
                    if pending.views:
                        yield None, state.panel(), state
                return
            shown = "".join(tokens)
            yield base + [{"role": "assistant", "content": streaming_html(shown, "" if shown else status)}], panel, state
        raise RagError("回答流程意外结束，没有给出答案")
    except Exception as exc:  # RagError and anything unexpected: a message in the chat, never a traceback
        if not isinstance(exc, RagError):
            log.exception("answering failed")
        pending.error = "这个问题没有得到答案，见左侧说明。"
        state.turns.append(Turn(question, error_html(exc), "", pending))
        state.counter = turn_no
        yield state.messages(), state.panel(), state


def source_views(viewer: ViewBuilder, answer: Answer) -> dict[int, SourceView]:
    """The page/context view of every passage of an answer; cited passages stress their supporting clauses."""
    emphasis: dict[int, list[str]] = {}
    for citation in answer.citations:
        text = citation.passage.text
        spans = split_clauses(text)
        emphasis[citation.marker] = [text[spans[i][0]:spans[i][1]]
                                     for i in sorted(supporting_clauses(text, citation.sentences))]
    try:
        return viewer.views(answer.passages, emphasis)
    except Exception:  # the views are a convenience: never lose the answer over them
        log.exception("source views failed")
        return {}


def _require_documents(service: RagService) -> None:
    """An index with no documents gets the same clear message as a missing one."""
    if not service.index_exists() or not service.snapshot().chunks:  # the snapshot is loaded once and cached
        raise IndexStateError("索引中还没有任何文件。")
