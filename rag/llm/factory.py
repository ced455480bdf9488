"""Settings → the chat client that answers: the embedded local model, a configured endpoint, or none."""
from __future__ import annotations

from rag.errors import LLMError
from rag.llm.client import ChatClient, ChatConfig
from rag.settings import Settings

OPENAI_DEFAULT_MODEL = "gpt-4o-mini"


def make_chat_client(settings: Settings) -> ChatClient | None:
    """None means extractive answers. Raises LLMError with a one-line reason when nothing can start."""
    mode = settings.resolved_llm()
    if mode == "extractive":
        return None
    if mode == "local":
        return _local_client(settings)
    return _remote_client(settings)


def _common(settings: Settings) -> dict:
    return dict(
        temperature=settings.llm_temperature,
        seed=settings.llm_seed,
        max_tokens=settings.llm_max_tokens,
        timeout_s=settings.llm_timeout_s,
        connect_timeout_s=settings.llm_connect_timeout_s,
    )


def _local_client(settings: Settings) -> ChatClient:
    from rag.llm.local_model import LOCAL_MODELS, LocalModelError
    from rag.llm.local_server import LocalLLMError, get_local_server

    try:
        server = get_local_server(settings)
    except (LocalModelError, LocalLLMError) as exc:
        raise LLMError(f"the embedded local LLM could not start: {exc}") from exc
    spec = LOCAL_MODELS.get(settings.local_model)
    name = spec.display_name if spec else server.model_alias
    if spec and settings.local_weights == "q8_0":
        name = name.replace("GGUF Q4_K_M", "GGUF Q4_K_M→Q8_0")
    return ChatClient(
        ChatConfig(
            base_url=server.base_url,
            api_key="local",
            model=server.model_alias,
            label=f"{name}（本地 llama.cpp）",
            trust_env=False,
            **_common(settings),
        )
    )


def _remote_client(settings: Settings) -> ChatClient:
    base_url = settings.openai_base_url
    api_key = settings.openai_api_key
    if not base_url and not api_key:
        raise LLMError("RAG_LLM=openai needs OPENAI_API_KEY (and OPENAI_BASE_URL for non-OpenAI endpoints) in .env")
    model = settings.llm_model or (OPENAI_DEFAULT_MODEL if not base_url else None)
    config = ChatConfig(base_url=base_url, api_key=api_key or "not-needed", model=model or "", **_common(settings))
    if not model:
        model = _first_served_model(ChatClient(config))
        config = ChatConfig(base_url=base_url, api_key=api_key or "not-needed", model=model, **_common(settings))
    return ChatClient(config)


def _first_served_model(client: ChatClient) -> str:
    """Local servers (Ollama, vLLM, llama.cpp) usually serve one model: use it when none is named."""
    models = client.list_models()
    if not models:
        raise LLMError(f"{client.config.base_url} serves no models; set RAG_LLM_MODEL")
    return models[0]
