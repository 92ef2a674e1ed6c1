"""Our exception types. Only the edges (CLI, HTTP, bots) turn them into exit codes,
status codes or chat replies.

Each error carries a stable English ``code`` for the API and a message that names the bad
value and what would be accepted.
"""

from __future__ import annotations


class HoidapError(Exception):
    """Base of every error this project raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class IngestError(HoidapError):
    """A file could not be read or ingested (bad extension, empty, corrupt, not UTF-8, too big)."""

    code = "ingest_failed"


class UnsupportedFormat(IngestError):
    code = "unsupported_format"


class EmptyDocument(IngestError):
    code = "empty_document"


class CorruptDocument(IngestError):
    code = "corrupt_document"


class EncodingError(IngestError):
    code = "bad_encoding"


class FileTooLarge(IngestError):
    code = "file_too_large"


class NotFound(HoidapError):
    """A document, unit or answer id that is not stored."""

    code = "not_found"


class InvalidQuery(HoidapError):
    """A question or filter the service cannot accept (empty, too long, unknown filter value)."""

    code = "invalid_query"


class IndexMissing(HoidapError):
    """No index has been built yet."""

    code = "index_missing"


class IndexMismatch(HoidapError):
    """The index on disk was built with another model or dimension than the settings name."""

    code = "index_mismatch"


class ModelUnavailable(HoidapError):
    """The embedding model cannot be loaded (not prepared, or a hub download attempted offline)."""

    code = "model_unavailable"
