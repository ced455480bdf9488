"""Chat with any OpenAI-compatible endpoint through the `openai` package; failures become LLMError."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import httpx
import openai

from rag.errors import LLMError


@dataclass(frozen=True)
class ChatConfig:
    base_url: str | None
    api_key: str
    model: str
    temperature: float = 0.0
    seed: int | None = 42  # with temperature 0, the same question gets the same answer (reproducible evaluations)
    max_tokens: int = 400
    timeout_s: float = 120.0
    connect_timeout_s: float = 5.0
    label: str = ""  # shown to users: which LLM is answering
    trust_env: bool = True  # False for loopback servers: an HTTP(S)_PROXY must not intercept them


class ChatClient:
    """Streams completions; turns every transport/auth/format failure into one clear LLMError line."""

    def __init__(self, config: ChatConfig) -> None:
        self.config = config
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            timeout=httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s),
            max_retries=0,
            http_client=httpx.Client(trust_env=config.trust_env),
        )

    @property
    def label(self) -> str:
        return self.config.label or f"{self.config.model} @ {self.config.base_url or 'api.openai.com'}"

    def stream(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> Iterator[str]:
        """Yield text deltas as they arrive. Raises LLMError (before or during the stream)."""
        try:
            stream = self._client.chat.completions.create(
                model=self.config.model,
                messages=messages,
                temperature=self.config.temperature,
                max_tokens=max_tokens or self.config.max_tokens,
                stream=True,
                **({"seed": self.config.seed} if self.config.seed is not None else {}),
            )
            received = False
            for event in stream:
                choices = getattr(event, "choices", None) or []
                if not choices:
                    continue
                delta = getattr(choices[0], "delta", None)
                text = getattr(delta, "content", None) if delta is not None else None
                if text:
                    received = True
                    yield text
            if not received:
                raise LLMError(f"the LLM ({self.label}) returned an empty reply")
        except LLMError:
            raise
        except Exception as exc:  # openai/httpx raise a wide family; all mean "no usable answer"
            raise LLMError(describe_failure(exc, self.label, self.config)) from exc

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens)).strip()

    def list_models(self) -> list[str]:
        """Model ids the endpoint serves; raises LLMError if it cannot be asked."""
        try:
            return [m.id for m in self._client.models.list()]
        except Exception as exc:
            raise LLMError(describe_failure(exc, self.label, self.config)) from exc


def describe_failure(exc: Exception, label: str, config: ChatConfig) -> str:
    where = config.base_url or "https://api.openai.com/v1"
    if isinstance(exc, openai.AuthenticationError):
        return f"the LLM endpoint {where} rejected the API key (set OPENAI_API_KEY in .env)"
    if isinstance(exc, openai.PermissionDeniedError):
        return f"the LLM endpoint {where} denied access for this API key"
    if isinstance(exc, openai.NotFoundError):
        return f"model '{config.model}' not found at {where} (set RAG_LLM_MODEL)"
    if isinstance(exc, openai.RateLimitError):
        return f"the LLM endpoint {where} is rate-limiting requests; try again shortly"
    if isinstance(exc, openai.APITimeoutError):
        return f"the LLM at {where} did not answer within {config.timeout_s:.0f} s (RAG_LLM_TIMEOUT)"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot reach the LLM endpoint {where} (is it running? check OPENAI_BASE_URL)"
    if isinstance(exc, openai.APIStatusError):
        return f"the LLM endpoint {where} answered HTTP {exc.status_code}"
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return f"the LLM at {where} stopped answering (timeout)"
    return f"the LLM at {where} failed: {exc.__class__.__name__}: {str(exc)[:200]}"
