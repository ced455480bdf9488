"""The embedded llama.cpp server: environment hygiene (fast) and one real start/chat/stop cycle (slow)."""
from __future__ import annotations

import os
import time

import httpx
import pytest

from rag.llm import local_server
from rag.llm.local_model import ensure_local_model
from rag.llm.local_server import get_local_server
from rag.settings import Settings


def test_child_env_drops_variables_llama_cpp_server_would_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9999")
    monkeypatch.setenv("API_KEY", "secret")
    monkeypatch.setenv("Chat_Format", "llama-2")
    monkeypatch.setenv("RAG_KEEP_ME", "1")
    env = local_server._child_env()
    assert {"PORT", "API_KEY", "Chat_Format"}.isdisjoint(env)
    assert env["RAG_KEEP_ME"] == "1" and env["OMP_WAIT_POLICY"] == "PASSIVE"


def test_env_names_cover_installed_server_settings() -> None:
    import llama_cpp.server.settings as settings
    fields = set(settings.Settings.model_fields) | set(settings.ConfigFileSettings.model_fields)
    assert fields <= local_server._SERVER_ENV_NAMES


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.llm
def test_real_server_streams_a_chat_completion_and_stops() -> None:
    import openai

    # the configured local model, threads and context; the assembled model is cached under .cache/models
    settings = Settings().model_copy(update={"local_start_timeout_s": 180.0})
    ensure_local_model(settings.local_model, settings.models_dir)  # a missing part package fails the test

    server = get_local_server(settings)
    pid = server.pid
    assert pid is not None
    try:
        assert get_local_server(settings) is server  # reused, not restarted
        assert server.base_url.startswith("http://127.0.0.1:")
        http = httpx.Client(trust_env=False, timeout=120)  # a loopback server must never go via HTTP_PROXY
        client = openai.OpenAI(base_url=server.base_url, api_key="local", max_retries=0, http_client=http)
        stream = client.chat.completions.create(
            model=server.model_alias,
            messages=[
                {"role": "system", "content": "你是一个简洁的助手。"},
                {"role": "user", "content": "用一句话回答：中国的首都是哪里？"},
            ],
            max_tokens=32,
            temperature=0,
            stream=True,
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        assert text.strip()
        assert "<|im_end|>" not in text
    finally:
        server.close()
    assert not server.is_running()
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(pid)
