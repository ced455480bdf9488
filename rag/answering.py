"""Question → (follow-up rewrite) → retrieval → relevance gate → LLM or extractive answer → checked citations.

`stream()` yields events as work progresses (passages first, then answer tokens, then the final
`Answer` with resolved citations), so the CLI and the web chat can show progress while the model
is still writing.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Generator, Iterator, Literal

from rag.citations import check_answer
from rag.errors import LLMError, QueryError, RagError
from rag.extractive import best_sentences, format_extract
from rag.answerability import (
    TOPIC_MIN,
    Gate,
    answer_states_kind,
    asked_title,
    articles_by_doc,
    asks_for_figure,
    asks_list,
    asks_sanction,
    best_clause,
    clause_sentence,
    enumeration,
    extractive_answer,
    figure_attached,
    gate,
    list_clause,
    names_holder,
    question_figures,
    restates_question,
    source_mentions_topic,
)
from rag.constraints import DATE_KINDS, DURATION_KINDS, extract_numbers_of_kind, figure_kinds, normalize, topic_coverage
from rag.llm.client import ChatClient
from rag.llm.factory import make_chat_client
from rag.prompting import REFUSAL, answer_messages, condense_messages, is_refusal
from rag.relevance import MIN_COVERAGE, question_coverage
from rag.retrieval import Mode, check_query
from rag.schema import Answer, Passage
from rag.service import RagService
from rag.textnorm import figures_as_written, normalize_for_match
from rag.tokenizer import question_words

TOLD_MIN = 0.2  # least share of a told story's words an extracted clause must write (best_sentences)

MAX_QUESTION_CHARS = 1000
QUOTED_LABEL = "摘录原文（答案句直接引自文件，不经大模型）"
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
            self.service.word_vectors()
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

        standalone = question
        client: ChatClient | None = None  # started after the passages are shown (the first start takes seconds)
        if history and looks_like_follow_up(question):
            client = self.chat_client()
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
        index = retriever.index
        checked = gate(standalone, passages, index, self.service.word_vectors(), self.settings.paraphrase_similarity)
        coverage = (question_coverage(standalone, checked.pool, index, checked.constraints.stand_ins)
                    if checked.pool else 0.0)
        if checked.told:  # the gate found every noun of the asker's story; its other words are how they say it
            coverage = max(coverage, MIN_COVERAGE)
        if checked.refusal or coverage < MIN_COVERAGE:
            timings["total"] = _ms(started)
            notice = checked.refusal or checked.set_aside or "检索到的段落与问题不相关"
            yield AnswerEvent("done", answer=Answer(text=REFUSAL, refused=True, llm=self.llm_label,
                                                   notice=notice, **base))
            return

        # a figure is quoted from the clause that states it: exact, and at once (RAG_QUOTE_FIGURES)
        # and so is a sanction: a law's fine is quoted as the law writes it, never paraphrased (a 0.5B model
        # wrote "五百元以上二百元以下" for 二百元以上五百元以下)
        c = checked.constraints
        quoting = self._use_llm and self.settings.quotes_figures()
        found = extractive_answer(checked) if quoting else None  # the stating sentences, read once
        quoted = quoting and (
            asks_for_figure(c) or asks_sanction(c)
            # a name, a list or a measure the sources state in one sentence is quoted too: the 0.5B model
            # shortens or mixes such sentences more often than it improves them (README)
            or (self.settings.quote_scope == "found" and bool(found)))
        title = asked_title(c)
        if quoting and not found and title and not c.parts:
            # "首席代表是谁" when no sentence names one: a model would name whoever its passages name
            timings["total"] = _ms(started)
            yield AnswerEvent("done", answer=Answer(text=REFUSAL, refused=True, llm=self.llm_label,
                                                   notice=f"文件中没有写明{title}是谁", **base))
            return
        if not quoted and client is None:
            client = self.chat_client()
        t0 = time.perf_counter()
        raw, llm, notice = yield from self._generate(None if quoted else client, standalone, checked, timings,
                                                     started, quoted, found)
        timings["generation"] = _ms(t0)

        cited_pool = checked.pool if llm == "extractive" else checked.pool[: self.settings.llm_passages]
        answer = self._finish(raw, llm, notice, base, cited_pool, checked)
        if quoted:
            answer.llm = QUOTED_LABEL
        answer.model_reply = raw if llm != "extractive" else ""
        timings["total"] = _ms(started)
        yield AnswerEvent("done", answer=answer)

    def _generate(
        self, client: ChatClient | None, question: str, checked: Gate, timings: dict[str, float], started: float,
        quoted: bool = False, found: str | None = None,
    ) -> Generator[AnswerEvent, None, tuple[str, str, str]]:
        """Stream the LLM's reply; on any LLM failure fall back to an extractive answer that says so
        (`quoted`: the extractive answer was chosen, not a fallback; `found`: its sentences, when already read).

        Returns (raw reply, who answered, notice for the user)."""
        notice = ""
        passages = checked.pool
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
        elif self._use_llm and not quoted:
            notice = f"大模型不可用（{self._client_error}），以下答案直接摘录自文件原文。"
        raw = found if found is not None else extractive_answer(checked)
        title = asked_title(checked.constraints)
        if not raw and (asks_for_figure(checked.constraints) or title) and not checked.constraints.parts:
            raw = REFUSAL  # no sentence states the asked figure (or names the asked title's holder): another would
            if title:
                notice = _join(notice, f"文件中没有写明{title}是谁")
        elif not raw:
            # a story in the asker's words shares fewer words with the article that answers it (上门来收钱…不交
            # ← 未出示收费许可证…企业可以拒缴): its clause is found at the share the gate found it at
            extracts = best_sentences(question, passages, min_coverage=TOLD_MIN if checked.told else 0.5)
            raw = format_extract(extracts) if extracts else REFUSAL
        timings["first_token"] = _ms(started)
        yield AnswerEvent("token", text=raw)
        return raw, "extractive", notice

    def _finish(self, raw: str, llm: str, notice: str, base: dict, pool: list[Passage], checked: Gate) -> Answer:
        """Resolve markers and check numbers, the quantity and the figure's kind, and every part of the
        question; an answer with no supported claim left becomes the refusal, with the reason."""
        c = checked.constraints
        if is_refusal(raw):
            return Answer(text=REFUSAL, refused=True, llm=llm, notice=notice, **base)
        answer = check_answer(raw, pool, question=base["standalone_question"])
        articles = articles_by_doc(pool)  # what the pool's articles say, for passages that cite them by number
        for sentence in answer.sentences:
            if sentence.is_claim and sentence.supported:
                cited = [pool[m - 1] for m in sentence.markers]
                mentions = [(True, []) if p.passage_id in checked.told else source_mentions_topic(c, p, checked.idf, articles)
                            for p in cited]
                if not any(ok for ok, _ in mentions):
                    sentence.missing_topic = mentions[0][1] or ["问题所问的指标"]
                elif c.expects and not c.parts and c.expects not in (DATE_KINDS, DURATION_KINDS):  # a date belongs
                    # to an event, often named only by a cover line or heading ("——2024年1月17日在…会议上"); a
                    # time limit to the act the clause after it names ("三十日内…未完成修理的，应当…退货")
                    figures = extract_numbers_of_kind(c, sentence.text)
                    if figures and not any(figure_attached(c, n, cited, checked.idf) for n in figures):
                        sentence.missing_topic = [f"与「{figures[0]}」对应的指标"]
        claims = [s for s in answer.sentences if s.is_claim]
        supported = [s for s in claims if s.supported]
        text = answer.text
        title = asked_title(c)
        if title and not c.parts and supported and not any(
                names_holder(pool[m - 1].text, title, c.question) for s in supported for m in s.markers):
            # "总领事叫什么名字" answered with the 副总领事 its source names: no cited passage names the holder
            return Answer(text=REFUSAL, refused=True, llm=llm, notice=_join(notice, f"文件中没有写明{title}是谁"), **base)
        stating: list = []

        def stating_clause():
            """The clause that states the asked quantity, found once for all the checks below."""
            if not stating:
                stating.append(best_clause(c, pool, checked.idf, home_of=checked.card_of))
            return stating[0]

        if not c.parts and supported and asks_for_figure(c):
            # A small model often takes a neighbouring figure of the same passage (the fund's 30亿 for
            # its 10亿, another count for this one), or gives none ("哪天启动的？" → "首次登陆巴西…"). The
            # sentence that states the asked quantity is the authority: when the answer shares no figure
            # with it, or has none, the answer quotes that sentence.
            clause = stating_clause()
            said = {n for s in supported for n, _ in figure_kinds(s.text)} - question_figures(c)
            if clause is not None and not said & {n for n, _ in figure_kinds(clause.focus or clause.text)}:
                return self._rebuilt(clause_sentence(clause), llm, notice, base, pool, "回答改为直接引用原文中对应的句子。")
        if not c.parts and supported and not answer_states_kind(c, " ".join(s.text for s in supported)):
            # The model quoted another figure of the right passage (the amount for a rate, the target
            # for the result): answer with the sentence that states the asked quantity, if there is one.
            clause = stating_clause()
            if clause is not None:
                return self._rebuilt(clause_sentence(clause), llm, notice, base, pool, "回答改为直接引用原文中对应的句子。")
            supported = []
        if not c.parts and supported and restates_question(c.question, " ".join(s.text for s in supported)):
            # "结对的是哪个县？" → "结对的是甘肃。": nothing asked is answered; quote the stating sentence.
            clause = stating_clause()
            if clause is not None and not restates_question(c.question, clause.text):
                return self._rebuilt(clause_sentence(clause), llm, notice, base, pool, "回答改为直接引用原文中对应的句子。")
            supported = []  # nothing asked was answered, and no source sentence states it
        if not c.parts and supported and asks_list(c):
            # "和哪几家机构签了协议？" answered with one of the three: the enumeration is quoted instead (an
            # answer that lists as many items of its own is kept: it may list them from another passage)
            clause = stating_clause()
            # the list in the comma clause that names the asked thing (a sentence may hold several, or a run of
            # actions "讲话精神、积极主动融入…" that lists nothing asked)
            items = enumeration(clause.focus or clause.text) if clause is not None else []
            answered = " ".join(s.text for s in supported)
            named = sum(normalize(item) in normalize(answered) for item in items)
            # the answer's own list counts when it speaks of the asked thing as well as the stating clause does
            # (巴西、乌拉圭、阿根廷 of "南美站活动将在…举行"), not when it lists something else (长清茶… 种植面积)
            own = enumeration(answered) if clause is not None and (
                topic_coverage(c, normalize(answered), checked.idf)[0]
                >= topic_coverage(c, normalize(clause.text), checked.idf)[0] - 0.1) else []
            if len(items) >= 2 and named * 2 < len(items) and len(own) < len(items):
                # a long sentence with several lists is quoted by the clause that holds the asked one
                quoted = list_clause(clause, pool[clause.marker - 1].text)
                return self._rebuilt(clause_sentence(quoted), llm, notice, base, pool, "回答改为直接引用原文中列出的各项。")
        if c.parts and supported and asks_for_figure(c):
            # "A和B分别是多少？" answered "分别是21.63万元和55.34万元" with A's figure taken from another row:
            # when a part's stating clause shares no figure with the answer, each part is quoted instead.
            quotes = self._part_quotes(c, supported, pool, checked)
            if quotes:
                return self._rebuilt(quotes, llm, notice, base, pool, "回答改为直接引用原文中对应的句子。")
        if c.parts:
            text, supported = self._complete_parts(c, text, supported, pool, checked)
        if not supported:
            reasons = "；".join(dict.fromkeys(s.flag_reason for s in claims if s.flag_reason)) or "所引资料没有给出所问的数据"
            fallback = extractive_answer(checked) if llm != "extractive" and asks_for_figure(c) else ""
            new_figures = {n for n, _ in figure_kinds(fallback)} - question_figures(c)
            if fallback and new_figures and not is_refusal(fallback):
                # A figure was asked and the gate found a clause that states it with a figure of its own;
                # the model's reply could not be verified (a wrong marker, an invented figure): quote the
                # clause instead of refusing. Other questions are refused: measured, a quote there answered
                # traps (a 首席代表 nobody names) more often than it rescued answers.
                quoted = self._finish(fallback, "extractive", "", base, checked.pool, checked)
                if not quoted.refused:
                    quoted.llm = llm
                    quoted.notice = _join(notice, f"大模型的回答无法在文件中核实（{reasons}），改为直接引用原文中对应的句子。")
                    return quoted
            return Answer(text=REFUSAL, refused=True, llm=llm, notice=_join(notice, f"回答无法在文件中核实（{reasons}），已改为拒答。"), **base)
        if text != answer.text:
            answer = check_answer(text, pool, question=base["standalone_question"], repair=False)
        flagged = [s.text for s in answer.flagged]
        cited = [citation.passage.text for citation in answer.citations]
        for citation in answer.citations:
            citation.sentences = [figures_as_written(x, cited) for x in citation.sentences]
        return Answer(text=figures_as_written(answer.text, cited), refused=False, citations=answer.citations,
                      flagged_sentences=flagged, llm=llm, notice=notice, **base)

    def _part_quotes(self, c, supported: list, pool: list[Passage], checked: Gate) -> str:
        """The stating clause of every part, joined, when the answer's clause about some figure part does
        not carry that part's figure ("A增长12.2%，B增长29.2%" with the two swapped); "" when it agrees."""
        asked = question_figures(c)
        pieces = [p for s in supported for p in re.split(r"[，,；;。]", re.sub(r"\[\d+\]", "", s.text)) if p.strip()]
        clauses = []
        disagrees = False
        for pc in checked.parts():
            clause = best_clause(pc, pool, checked.idf, checked.card_of, checked.card_of) if pc.terms else None
            if clause is None:
                return ""  # a part no clause states: quoting the others would drop what the answer says of it
            clauses.append(clause_sentence(clause))
            stated = {n for n, _ in figure_kinds(clause.focus or clause.text)} - asked
            if not (asks_for_figure(pc) and stated and pieces):
                continue
            coverage = [topic_coverage(pc, normalize(p), checked.idf)[0] for p in pieces]
            about = pieces[max(range(len(pieces)), key=coverage.__getitem__)]
            if max(coverage) > 0 and not stated & ({n for n, _ in figure_kinds(about)} - asked):
                disagrees = True  # the answer speaks of this part with another figure
        return "".join(dict.fromkeys(clauses)) if disagrees else ""

    def _complete_parts(self, c, text: str, supported: list, pool: list[Passage], checked: Gate) -> tuple[str, list]:
        """Each part of "X是多少？Y呢？" must be answered: from the passages when the model skipped it,
        otherwise the answer says the documents do not give it."""
        additions: list[str] = []
        for pc in checked.parts():
            said = " ".join(s.text for s in supported)
            covered = pc.terms and topic_coverage(pc, normalize(said), checked.idf)[0] >= TOPIC_MIN
            if covered and answer_states_kind(pc, said) and not pc.has_time:
                continue
            if not pc.terms:
                continue
            clause = best_clause(pc, pool, checked.idf, checked.card_of, checked.card_of)
            if clause is not None:
                quoted = normalize_for_match(re.sub(r"\[\d+\]", "", clause_sentence(clause)))
                if quoted not in normalize_for_match(re.sub(r"\[\d+\]", "", text)) and clause_sentence(clause) not in additions:
                    additions.append(clause_sentence(clause))
            elif not covered:
                additions.append(f"文件中没有给出「{'、'.join(t.word for t in pc.terms[:3])}」的数据。")
        if not additions:
            return text, supported
        joined = text.rstrip() + "\n" + "".join(additions) if supported else "".join(additions)
        rechecked = check_answer(joined, pool, repair=False)
        return joined, [s for s in rechecked.sentences if s.is_claim and s.supported]

    def _rebuilt(self, text: str, llm: str, notice: str, base: dict, pool: list[Passage], why: str) -> Answer:
        answer = check_answer(text, pool, question=base["standalone_question"], repair=False)
        return Answer(text=answer.text, refused=False, citations=answer.citations,
                      flagged_sentences=[s.text for s in answer.flagged], llm=llm, notice=_join(notice, why), **base)

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


# "这份报告是谁作的？", "本条例自何时施行？": the pronoun points at the document, not at the conversation
_THE_DOCUMENT = re.compile(r"^(?:这份|这篇|这部|本|该)[^，,？?]{0,12}?(?:报告|公报|决算|预算|文件|通知|条例|办法|规定|法|报道|文章|新闻)")


def looks_like_follow_up(question: str) -> bool:
    """Short or pronoun-led questions ("那2024年的目标呢？") lean on the conversation."""
    if _THE_DOCUMENT.match(question) and not question.rstrip("？? ").endswith("呢"):
        return False
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
