"""The one settings object, built once at the edge (CLI, API, bot, eval) and passed down.

Every value can be set with an environment variable ``HOIDAP_<NAME>`` or a ``.env`` file.
Nothing below the edge reads ``os.environ``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration of Hỏi đáp CCHC.

    Example:
        >>> s = Settings(data_dir=Path("/tmp/hd"))
        >>> s.db_path.name
        'hoidap.sqlite3'
    """

    model_config = SettingsConfigDict(env_prefix="HOIDAP_", env_file=".env", extra="ignore")

    # corpus and storage
    data_dir: Path = Path("data")
    corpus_dir: Path = PROJECT_ROOT / "corpus" / "documents"
    max_file_mb: float = Field(20.0, gt=0)
    max_unit_chars: int = Field(1200, ge=200, le=2000)
    max_unzipped_mb: float = Field(100.0, gt=0)  # .docx: all parts together, uncompressed (zip bombs stop here)
    trash_days: int = Field(30, ge=0)  # deleted and replaced documents stay restorable this long
    admin_timeout_seconds: float = Field(60.0, gt=0)  # longest an uploaded file may take to be read
    admin_wait_seconds: float = Field(2.0, ge=0)  # an admin change waits this long for another, then "busy"
    # units one upload may make: each is embedded before the request ends (~15 ms a unit on 2 cores)
    max_upload_units: int = Field(3000, ge=1)
    ingest_jobs: int = Field(0, ge=0)  # worker processes parsing files in `hoidap ingest`; 0 = one per core

    # embedding model: any sentence-transformers name or local folder
    model: str = str(PROJECT_ROOT / "models" / "multilingual-e5-small")
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    embed_batch_size: int = Field(32, ge=1)
    # questions only: passages (and so the index) stay on the torch fp32 path whatever this says;
    # onnx-int8 chosen by eval/bench_encoder.py (each variant timed in a torch-free process): faster
    # than onnx-fp32, same dev Recall@5; where the export refuses int8 it is onnx-fp32 (docs/benchmarks.md "Question encoder")
    query_encoder: Literal["torch", "onnx-fp32", "onnx-int8"] = "onnx-int8"

    # retrieval
    ann_threshold: int = Field(50_000, ge=1)  # exact dense search below, the approximate index at or above
    # the approximate index, chosen by eval/bench_retrieval.py (docs/benchmarks.md "Retrieval at scale"): IVF with
    # float16 vectors, recall@10 0.99 at a million units; HNSW kept for comparison
    dense_index: Literal["ivf", "hnsw"] = "ivf"
    ivf_probes: int = Field(0, ge=0)  # IVF lists searched per question; 0: 1/16 of the lists, at least 16
    hnsw_ef_search: int = Field(512, ge=16)  # HNSW's search breadth (also Milvus's ef)
    # fusion: tuned on eval/gold/dev.jsonl with `hoidap eval --tune`
    rrf_k: int = Field(3, ge=1)
    weight_bm25: float = Field(0.25, ge=0)
    weight_bm25_folded: float = Field(2.0, ge=0)
    weight_dense: float = Field(0.5, ge=0)
    weight_doc_match: float = Field(2.0, ge=0)
    abstain_threshold: float = 0.75  # lowest dense similarity still answered (diacritic-free questions score low)
    abstain_min_coverage: float = Field(0.35, ge=0, le=1)  # lowest share of the question's rare words in the top unit
    # the answerability and rerank model copied into each index version; "none": the hand thresholds above
    answerability_model: str = str(PROJECT_ROOT / "index" / "answerability.json")
    # the semantic verifier's head (index/verify.py), its passage tokens built into each version; "none": no verifier
    verifier_model: str = str(PROJECT_ROOT / "index" / "verifier.json")
    top_k: int = Field(5, ge=1, le=50)

    # where the index is served from: "embedded" (the version folders) or "milvus" (a Milvus server or Milvus Lite)
    backend: Literal["embedded", "milvus"] = "embedded"
    milvus_uri: str = "http://127.0.0.1:19530"  # a server (http://host:19530) or a local Milvus Lite file (*.db)
    milvus_token: SecretStr | None = None  # "user:password" or an API key; none: no authentication
    milvus_db: str = "default"  # the Milvus database holding the collections (made at the first build)

    # HTTP API
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # list settings: NoDecode hands the raw "a,b" string to _split_csv instead of JSON-decoding it first
    admin_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])  # the widget's public routes
    admin_cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)  # /api/admin/*: none by default
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)  # IPs/CIDRs for X-Forwarded-For
    rate_limit_per_minute: int = Field(60, ge=1)
    rate_limit_max_clients: int = Field(10_000, ge=1)  # buckets remembered; the least recently seen is dropped
    max_question_chars: int = Field(500, ge=10)
    max_json_kb: int = Field(64, ge=1)  # largest body of every route but uploads (JSON, webhooks); 413 past it
    answer_concurrency: int = Field(0, ge=0)  # answers computed at once (per worker); 0 = one per CPU core
    workers: int = Field(1, ge=1)  # API processes (hoidap serve --workers); metrics shared through metrics_dir
    torch_threads: int = Field(0, ge=0)  # threads per embedding in the API; 0 = torch's default
    # ONNX Runtime's question threads spin-wait between questions: off, by eval/bench_api.py (docs/benchmarks.md "HTTP
    # API under load"): more answers a second on 2 cores, and workers' threads do not steal each other's cores
    query_spin: bool = False
    # the question encoder's lean files when the export has them (index/model/lean.py): the word table read row by
    # row from one file in the page cache, shared by every worker, and the tokenizer's Latin/Vietnamese pieces only
    query_lean: bool = True
    query_cache: int = Field(256, ge=0)  # recent questions whose vectors are kept (asked again: not encoded); 0: none
    # the admin console (/admin): sign-in sessions and failed sign-ins
    admin_session_hours: float = Field(8.0, gt=0, le=24 * 30)
    admin_signin_failures: int = Field(5, ge=1)  # failed sign-ins per client address before a lockout
    admin_signin_lockout_minutes: float = Field(15.0, gt=0)
    # links in bot messages and the expert queue
    public_base_url: str = ""  # where users reach /vanban: "https://hoidap.example.gov.vn"; empty: no links in bots
    expert_poll_seconds: float = Field(1.0, gt=0, le=60)  # how often a channel looks for expert replies to send

    # query log privacy
    log_key: SecretStr | None = None  # HMAC key for chat ids in the query log; unset: a random key in data_dir
    log_retention_days: int = Field(180, ge=1)

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: SecretStr | None = None
    telegram_rate_limit_per_minute: int = Field(20, ge=1)

    # Zalo Official Account
    zalo_event_window_minutes: float = Field(24 * 60, gt=0)  # msg_ids remembered this long; older events refused
    zalo_app_id: str = ""
    zalo_oa_secret: SecretStr | None = None
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_app_secret: SecretStr | None = None  # app secret key sent when refreshing tokens; the OA secret when unset
    zalo_timeout_seconds: float = Field(10.0, gt=0)
    zalo_rate_limit_per_minute: int = Field(20, ge=1)

    # knowledge checks
    quiz_items_per_check: int = Field(10, ge=1, le=50)  # items in a check when the taker does not say
    # when subscribed chats get a check: "" (never), "every 30m" / "every 6h" / "every 2d", "daily 08:00",
    # "mon 08:00" (mon … sun, the server's local time)
    quiz_schedule: str = ""

    @field_validator("quiz_schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        value = " ".join(value.strip().lower().split())
        if value and not re.fullmatch(r"every \d+[smhd]|(?:daily|mon|tue|wed|thu|fri|sat|sun) \d{1,2}:\d{2}", value):
            raise ValueError(f"quiz_schedule {value!r} is not understood; write 'every 30m' (s, m, h or d), "
                             "'daily 08:00', 'mon 08:00' (mon … sun), or leave it empty to send no periodic check")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not a web address; write https://host[:port] (or leave it empty)")
        return value

    @field_validator("admin_keys", "cors_origins", "admin_cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        """A list from the environment: ``a,b,c`` or a JSON list ``["a", "b"]``."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a JSON list; write a,b,c or [\"a\", \"b\"]") from exc
        return [part.strip() for part in value.split(",") if part.strip()]

    @property
    def db_path(self) -> Path:
        """The SQLite file holding documents, units, the query log and feedback."""
        return self.data_dir / "hoidap.sqlite3"

    @property
    def metrics_dir(self) -> Path:
        """Where API workers keep their Prometheus counters (emptied by ``hoidap serve`` at start)."""
        return self.data_dir / "metrics"

    @property
    def querylog_path(self) -> Path:
        """The SQLite file holding the query log and feedback (questions masked, chat ids hashed)."""
        return self.data_dir / "querylog.sqlite3"

    @property
    def quiz_path(self) -> Path:
        """The SQLite file holding quiz items, checks taken, answers (persons hashed) and subscriptions."""
        return self.data_dir / "quiz.sqlite3"

    @property
    def sessions_path(self) -> Path:
        """The SQLite file holding admin console sessions (token hashes) and failed sign-ins, shared by workers."""
        return self.data_dir / "sessions.sqlite3"

    @property
    def experts_path(self) -> Path:
        """The SQLite file holding the expert queue, its replies and the FAQ (private: reply addresses)."""
        return self.data_dir / "experts.sqlite3"

    @property
    def index_dir(self) -> Path:
        """The folder holding index versions and the ``CURRENT`` pointer."""
        return self.data_dir / "index"

    @property
    def max_file_bytes(self) -> int:
        """Largest accepted upload or corpus file, in bytes."""
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_unzipped_bytes(self) -> int:
        """Largest total uncompressed size of a zip container (.docx), in bytes."""
        return int(self.max_unzipped_mb * 1024 * 1024)
