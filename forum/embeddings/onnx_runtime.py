"""A faster forward pass for short queries: the model's transformer exported to ONNX, run by ONNX Runtime.

For one short sentence, PyTorch spends most of a small model's forward pass dispatching
operators one by one; ONNX Runtime runs the same graph as one optimised plan (all-MiniLM-L6-v2,
one thread, one subject line: 18.6 ms with torch, 8.0 ms with ONNX Runtime; bench/embeddings.py).
The suggestions endpoint encodes one or two sentences per keystroke pause, so this is its latency.

It is only used where it gives the very same vectors:
  - the sentence-transformers pipeline is Transformer -> Pooling (mean or CLS) -> optional
    Normalize, so tokenising (the model's own tokenizer), pooling and normalising here match it;
  - after the export, a probe set is encoded both ways and every pair must agree (cosine >= 0.9999).
Anything else (another pipeline, onnx/onnxruntime missing, an export that fails) keeps torch, with
a warning. The export is made once per model and library versions and cached on disk.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_PROBE = [
    "How do I bootstrap feature flags on first page load?",
    "Session recordings are blank for Safari users",
    "a",
    "Why does my funnel show fewer conversions than the trends insight, even though both use the same events and date range?",
]
_MIN_AGREEMENT = 0.9999
_POOLING = {"mean", "cls"}


class OnnxEncoder:
    """Encodes like the SentenceTransformer it was exported from, for inputs of a few sentences."""

    def __init__(self, model, session, pooling: str) -> None:  # noqa: ANN001 - SentenceTransformer, InferenceSession
        self._model = model
        self._session = session
        self._pooling = pooling
        self._input_names = [i.name for i in session.get_inputs()]

    def encode(self, texts: list[str]) -> np.ndarray:
        features = _tokenize(self._model, texts)
        feed = {name: features[name].numpy().astype(np.int64) for name in self._input_names}
        tokens = self._session.run(None, feed)[0]
        if self._pooling == "cls":
            pooled = tokens[:, 0]
        else:
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _tokenize(model, texts: list[str]) -> dict:  # noqa: ANN001 - SentenceTransformer
    # sentence-transformers 6 renamed tokenize() to preprocess(); both return the model's own features.
    return model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)


def _pipeline_pooling(model) -> str | None:  # noqa: ANN001 - SentenceTransformer
    """The pooling mode when the pipeline is one this module reproduces exactly, else None."""
    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling, Transformer

    modules = list(model)
    if len(modules) not in (2, 3) or not isinstance(modules[0], Transformer) or not isinstance(modules[1], Pooling):
        return None
    if len(modules) == 3 and not isinstance(modules[2], Normalize):
        return None
    pooling = modules[1]
    mode = pooling.get_pooling_mode_str() if hasattr(pooling, "get_pooling_mode_str") else getattr(pooling, "pooling_mode", None)
    return mode if isinstance(mode, str) and mode in _POOLING else None


def _cache_file(cache_dir: Path, model_name: str) -> Path:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        usable = os.access(cache_dir, os.W_OK)
    except OSError:
        usable = False
    if not usable:  # a read-only install: the export is made again per boot, in the temp folder
        cache_dir = Path(tempfile.gettempdir()) / "forum-models"
    versions = "|".join(metadata.version(p) for p in ("torch", "transformers", "sentence-transformers"))
    key = hashlib.sha256(f"{model_name}|{versions}".encode()).hexdigest()[:16]
    return cache_dir / f"{key}.onnx"


def _export(model, path: Path) -> None:  # noqa: ANN001 - SentenceTransformer
    import torch

    transformer = model[0].auto_model
    features = _tokenize(model, ["export probe"])
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in features]

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs):  # noqa: ANN002, ANN202
            return self.transformer(**dict(zip(names, inputs))).last_hidden_state

    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: two processes exporting at once never read a half-written file.
    fd, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    os.close(fd)
    try:
        # The tracer warns about every Python-level branch of the model code; none matter at inference.
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                TokenEmbeddings().eval(), tuple(features[n] for n in names), partial,
                input_names=names, output_names=["token_embeddings"],
                dynamic_axes={**axes, "token_embeddings": {0: "batch", 1: "tokens"}},
                opset_version=17, dynamo=False,
            )
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def load_onnx_encoder(model, model_name: str, cache_dir: Path, threads: int) -> OnnxEncoder | None:  # noqa: ANN001
    """An OnnxEncoder that agrees with `model` on the probe set, or None (torch stays in use)."""
    pooling = _pipeline_pooling(model)
    if pooling is None:
        log.info("%s: not a Transformer -> Pooling (mean/CLS) pipeline; queries are encoded with torch", model_name)
        return None
    try:
        import onnxruntime
    except ImportError:
        log.warning("onnxruntime is not installed; queries are encoded with torch")
        return None
    try:
        path = _cache_file(cache_dir, model_name)
        if not path.exists():
            _export(model, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        encoder = OnnxEncoder(model, session, pooling)
        reference = model.encode(_PROBE, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        agreement = float(np.min(np.sum(encoder.encode(_PROBE) * reference, axis=1)))
    except Exception:  # noqa: BLE001 - any failure here only means the slower path
        log.warning("%s: ONNX export or check failed; queries are encoded with torch", model_name, exc_info=True)
        return None
    if agreement < _MIN_AGREEMENT:
        log.warning("%s: ONNX vectors differ from torch's (cosine %.5f); queries are encoded with torch", model_name, agreement)
        return None
    return encoder
