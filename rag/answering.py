"""Question → (follow-up rewrite) → retrieval → relevance gate → LLM or extractive answer → checked citations.

`stream()` yields events as work progresses (passages first, then answer tokens, then the final
`Answer` with resolved citations), so the CLI and the web chat can show progress while the model
is still writing.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Generator, Iterator, Literal

from rag.citations import check_answer
from rag.errors import LLMError, QueryError, RagError
from rag.extractive import best_sentences, format_extract
from rag.grounding import ungrounded_words
from rag.llm.client import ChatClient
from rag.llm.factory import make_chat_client
from rag.prompting import REFUSAL, answer_messages, condense_messages, is_refusal
from rag.relevance import MIN_COVERAGE, question_coverage
from rag.retrieval import Mode, check_query
from rag.schema import Answer, Passage
from rag.service import RagService
from rag.textnorm import normalize_for_match
from rag.tokenizer import question_words

MAX_QUESTION_CHARS = 1000
_FOLLOW_UP_STARTS = ("那", "还有", "另外", "其中", "它", "其", "这", "该", "同样", "再", "and ", "what about")

History = list[tuple[str, str]]


@dataclass
class AnswerEvent:
    kind: Literal["status", "passages", "token", "done"]
    text: str = ""
    passages: list[Passage] = field(default_factory=list)
    answer: Answer | None = None


class Answerer:
    """Owns the chat client (started lazily, once) and runs the answering pipeline."""

    def __init__(self, service: RagService, client: ChatClient | None = None, use_llm: bool | None = None) -> None:
        self.service = service
        self.settings = service.settings
        self._client = client
        self._client_error: str = ""
        self._use_llm = self.settings.resolved_llm() != "extractive" if use_llm is None else use_llm
        self._lock = threading.Lock()

    # -- LLM lifecycle ------------------------------------------------------------------------------
    def chat_client(self) -> ChatClient | None:
        """The client, created on first use; None in extractive mode or when it could not start."""
        if not self._use_llm:
            return None
        with self._lock:
            if self._client is None and not self._client_error:
                try:
                    self._client = make_chat_client(self.settings)
                except LLMError as exc:
                    self._client_error = str(exc)
            return self._client

    @property
    def llm_label(self) -> str:
        if not self._use_llm:
            return "extractive（不使用大模型，摘录原文句子）"
        if self._client is not None:
            return self._client.label
        return f"不可用：{self._client_error}" if self._client_error else "未启动（首次提问时启动）"

    def warm_up(self) -> None:
        """Start the LLM and load the index in the background, so the first question is not the slow one."""

        def work() -> None:
            self.chat_client()
            try:
                self.service.retriever()
            except RagError:
                pass  # no index yet: the first question will say so

        threading.Thread(target=work, name="warm-up", daemon=True).start()

    def reset_client(self) -> None:
        with self._lock:
            self._client, self._client_error = None, ""

    # -- pipeline -----------------------------------------------------------------------------------
    def ask(self, question: str, history: History | None = None, k: int | None = None, mode: Mode = "hybrid") -> Answer:
        answer = None
        for event in self.stream(question, history, k, mode):
            if event.kind == "done":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(
        self, question: str, history: History | None = None, k: int | None = None, mode: Mode = "hybrid"
    ) -> Iterator[AnswerEvent]:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        question = (question or "").strip()
        if len(question) > MAX_QUESTION_CHARS:
            raise QueryError(f"问题太长（{len(question)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内 / question too long")
        check_query(question)
        client = self.chat_client()

        standalone = question
        if history and looks_like_follow_up(question):
            t0 = time.perf_counter()
            yield AnswerEvent("status", text="正在结合上下文理解问题…")
            standalone = self._condense(question, history, client)
            timings["condense"] = _ms(t0)

        retriever = self.service.retriever()  # loads the index once; not part of the per-query time
        t0 = time.perf_counter()
        passages = retriever.search(standalone, k or self.settings.top_k, mode)
        timings["retrieval"] = _ms(t0)
        yield AnswerEvent("passages", passages=passages)

        base = dict(question=question, standalone_question=standalone, passages=passages, timings_ms=timings)
        coverage = question_coverage(standalone, passages, retriever.index)
        if not passages or coverage < MIN_COVERAGE:
            timings["total"] = _ms(started)
            yield AnswerEvent("done", answer=Answer(text=REFUSAL, refused=True, llm=self.llm_label,
                                                   notice="检索到的段落与问题不相关", **base))
            return

        t0 = time.perf_counter()
        raw, llm, notice = yield from self._generate(client, standalone, passages, timings, started)
        timings["generation"] = _ms(t0)

        cited_pool = passages if llm == "extractive" else passages[: self.settings.llm_passages]
        answer = self._finish(raw, llm, notice, base, cited_pool)
        timings["total"] = _ms(started)
        yield AnswerEvent("done", answer=answer)

    def _generate(
        self, client: ChatClient | None, question: str, passages: list[Passage], timings: dict[str, float], started: float
    ) -> Generator[AnswerEvent, None, tuple[str, str, str]]:
        """Stream the LLM's reply; on any LLM failure fall back to an extractive answer that says so.

        Returns (raw reply, who answered, notice for the user)."""
        notice = ""
        if client is not None:
            try:
                pieces: list[str] = []
                given = passages[: self.settings.llm_passages]
                for delta in client.stream(answer_messages(question, given, self.settings.llm_passage_chars)):
                    if not pieces:
                        timings["first_token"] = _ms(started)
                    pieces.append(delta)
                    yield AnswerEvent("token", text=delta)
                return "".join(pieces).strip(), client.label, notice
            except LLMError as exc:
                notice = f"大模型不可用（{exc}），以下答案直接摘录自文件原文。"
                yield AnswerEvent("status", text=notice)
        elif self._use_llm:
            notice = f"大模型不可用（{self._client_error}），以下答案直接摘录自文件原文。"
        extracts = best_sentences(question, passages)
        raw = format_extract(extracts) if extracts else REFUSAL
        timings["first_token"] = _ms(started)
        yield AnswerEvent("token", text=raw)
        return raw, "extractive", notice

    def _finish(self, raw: str, llm: str, notice: str, base: dict, cited_pool: list[Passage]) -> Answer:
        """Resolve markers, check numbers; a refusal or an answer with no supported claim becomes the refusal."""
        if is_refusal(raw):
            return Answer(text=REFUSAL, refused=True, llm=llm, notice=notice, **base)
        question = base["standalone_question"]
        checked = check_answer(raw, cited_pool, question=question)
        claims = [s for s in checked.sentences if s.is_claim]
        if claims and not any(s.supported for s in claims):
            reasons = "；".join(dict.fromkeys(s.flag_reason for s in claims))
            return Answer(text=REFUSAL, refused=True, llm=llm, notice=_join(notice, f"回答无法在文件中核实（{reasons}），已改为拒答。"), **base)
        missing = ungrounded_words(question, [c.passage for c in checked.citations], self.service.snapshot())
        if missing:
            words = "、".join(f"「{w}」" for w in missing)
            return Answer(text=REFUSAL, refused=True, llm=llm, notice=_join(notice, f"所引资料没有提到{words}，无法确认答案，已改为拒答。"), **base)
        flagged = [s.text for s in checked.flagged]
        return Answer(text=checked.text, refused=False, citations=checked.citations, flagged_sentences=flagged,
                      llm=llm, notice=notice, **base)

    def _condense(self, question: str, history: History, client: ChatClient | None) -> str:
        """Rewrite a follow-up into a standalone question; falls back to a rule when the LLM can't."""
        if client is not None:
            try:
                rewritten = client.complete(condense_messages(history, question), max_tokens=80)
                rewritten = rewritten.strip().strip("\"“”'").splitlines()[0].strip() if rewritten.strip() else ""
                if keeps_the_thread(rewritten, question, history[-1][0]):
                    return rewritten
            except LLMError:
                pass
        return condense_by_rule(question, history)


def keeps_the_thread(rewritten: str, question: str, previous: str) -> bool:
    """A rewrite is usable only if it keeps every distinctive word of the follow-up and at least one of
    the previous question (small models drop the subject: "那2024年的目标呢？" → "2024年目标是多少？")."""
    if not (2 <= len(rewritten) <= 3 * len(question) + 60) or is_refusal(rewritten):
        return False
    target = normalize_for_match(rewritten)
    if not all(w in target for w in question_words(question)):
        return False
    earlier = question_words(previous)
    return not earlier or any(w in target for w in earlier)


def looks_like_follow_up(question: str) -> bool:
    """Short or pronoun-led questions ("那2024年的目标呢？") lean on the conversation."""
    return len(question) <= 6 or question.lower().startswith(_FOLLOW_UP_STARTS) or question.rstrip("？? ").endswith("呢")


_YEAR = re.compile(r"(?:19|20)\d{2}年")


def condense_by_rule(question: str, history: History) -> str:
    """Previous question + this one; a year in the follow-up replaces the year of the previous question."""
    previous = history[-1][0] if history else ""
    years = _YEAR.findall(question)
    if years:
        previous = _YEAR.sub(years[0], previous)
    return f"{previous} {question}".strip()


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)
