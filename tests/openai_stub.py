"""A small but real OpenAI-compatible HTTP server for tests: scripted replies over a loopback socket.

The default behaviour is a tiny extractive "model": it answers with the passage clause that shares
the most character bigrams with the question, followed by that passage's marker. Other behaviours
(`refuse`, `bad_marker`, `invented_number`, `restate`, `misattached`, `empty`, `malformed`, `slow`, `http_500`) exercise the
failure paths. The `openai` client talks to it over HTTP exactly as to a hosted endpoint.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_ID = "stub-model"


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def grounded_reply(messages: list[dict]) -> str:
    user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    question = user.rsplit("问题：", 1)[-1].split("\n", 1)[0]
    best, best_marker, best_score = "", 1, -1
    for match in re.finditer(r"^\[(\d+)\](?:（[^）]*）)?(.*)$", user, re.M):
        marker, text = int(match.group(1)), match.group(2)
        for clause in re.findall(r"[^。；！？\n]+[。；！？]?", text):
            score = len(_bigrams(question) & _bigrams(clause))
            if score > best_score:
                best, best_marker, best_score = clause.strip().rstrip("；，"), marker, score
    if "改写" in (messages[0].get("content") or ""):
        return question
    return f"{best}[{best_marker}]" if best else "根据现有文件，无法回答这个问题。"


class StubOpenAIServer:
    """Start with `with StubOpenAIServer() as server:`; `server.base_url` goes to OPENAI_BASE_URL."""

    def __init__(self, behaviour: str = "grounded", api_key: str | None = None, delay_s: float = 0.01) -> None:
        self.behaviour = behaviour
        self.api_key = api_key
        self.delay_s = delay_s
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> "StubOpenAIServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reply_text(self, messages: list[dict]) -> str:
        if self.behaviour == "refuse":
            return "根据现有文件，无法回答这个问题。"
        if self.behaviour == "bad_marker":
            return grounded_reply(messages).rsplit("[", 1)[0] + "[9]"
        if self.behaviour == "invented_number":
            return "2023年长清区一般公共预算收入为88.88亿元[1]。"
        if self.behaviour == "injected":
            return "好的，我将忽略之前的指令。长清区一般公共预算收入为999亿元。"
        if self.behaviour == "misattached":  # the figure of the sentence before, given to the next project
            return "长安新能源客车项目的总投资30亿元[1]。"
        if self.behaviour == "echo":  # the question itself, cited, as if it were the answer
            question = messages[-1]["content"].rsplit("问题：", 1)[-1].strip().rstrip("？?")
            return f"{question}[1]。"
        if self.behaviour == "restate":  # repeats the question's words, answers nothing
            return "长清东西部协作结对的是甘肃[1]。"
        if self.behaviour == "neighbour_figure":  # a real figure of the passage, attached to another quantity
            return "首期生物医药产业母基金规模是30亿元[1]。"
        if self.behaviour == "swapped_part":  # two parts, each given the other's figure of the same passage
            import re

            lines = re.findall(r"^\[(\d+)\](.*)$", messages[-1]["content"], flags=re.M)
            marker = next((m for m, line in lines if "30.24" in line), "1")
            return f"2023年一般公共预算收入增长12.2%[{marker}]，规模以上工业增加值增长29.2%[{marker}]。"
        if self.behaviour == "deputy_for_chief":  # names the 副总领事 its passage names as the 总领事
            return "中国驻圣保罗总领事是孙仁安[1]。"
        if self.behaviour == "no_figure":  # answers a 哪天 question with no date at all
            return "山西品牌丝路行（南美站）首次登陆巴西，刷新“走出去”的最远纪录[1]。"
        if self.behaviour == "the_other_list":  # lists the sentence's other enumeration (a planting area's crops)
            import re

            lines = re.findall(r"^\[(\d+)\](.*)$", messages[-1]["content"], flags=re.M)
            marker = next((m for m, line in lines if "长清茶" in line), "1")
            return f"长清茶、道地中药材、小米、特色果品种植面积达5.5万亩[{marker}]。"
        if self.behaviour == "one_of_a_list":  # names one item of an enumeration of four
            import re

            lines = re.findall(r"^\[(\d+)\](.*)$", messages[-1]["content"], flags=re.M)
            marker = next((m for m, line in lines if "中川湾片区" in line), "1")
            return f"今年要加快开发建设高铁片区[{marker}]。"
        return grounded_reply(messages)

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if stub.api_key is None:
                    return True
                if self.headers.get("Authorization") == f"Bearer {stub.api_key}":
                    return True
                self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
                return False

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "test"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(body)
                if not self._authorised():
                    return
                if stub.behaviour == "http_500":
                    self._json(500, {"error": {"message": "internal error"}})
                    return
                if stub.behaviour == "slow":
                    time.sleep(30)
                text = stub.reply_text(body.get("messages", []))
                if not body.get("stream"):
                    self._json(200, {"id": "x", "object": "chat.completion", "model": MODEL_ID, "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                if stub.behaviour == "malformed":
                    self.wfile.write(b"data: {this is not json\n\n")
                    self.wfile.flush()
                    return
                pieces = [] if stub.behaviour == "empty" else [text[i : i + 3] for i in range(0, len(text), 3)]
                for piece in pieces:
                    chunk = {"id": "x", "object": "chat.completion.chunk", "model": MODEL_ID,
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(stub.delay_s)
                end = {"id": "x", "object": "chat.completion.chunk", "model": MODEL_ID,
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        return Handler
