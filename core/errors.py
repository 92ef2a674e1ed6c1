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


class ParseTimeout(IngestError):
    """Reading a file took longer than the time limit (``HOIDAP_ADMIN_TIMEOUT_SECONDS``)."""

    code = "parse_timeout"


class InvalidDocId(HoidapError):
    """A document id outside ``[a-z0-9-]{1,80}``."""

    code = "invalid_doc_id"


class DocumentConflict(HoidapError):
    """A change that would clash with the stored document ``doc_id``."""

    code = "conflict"

    def __init__(self, message: str, *, doc_id: str) -> None:
        super().__init__(message)
        self.doc_id = doc_id


class DocumentExists(DocumentConflict):
    """An upload would replace a stored document without saying so."""

    code = "document_exists"


class DuplicateDocument(DocumentConflict):
    """An upload whose content is already stored, under ``doc_id``."""

    code = "duplicate_document"


class InvalidMetadata(HoidapError):
    """A metadata correction with an unknown field or a bad value (number, date, in_force, replaced_by)."""

    code = "invalid_metadata"


class Busy(HoidapError):
    """Another change to the document library is running; try again after ``retry_after`` seconds."""

    code = "busy"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(HoidapError):
    """A document, unit or answer id that is not stored."""

    code = "not_found"


class InvalidQuery(HoidapError):
    """A question or filter the service cannot accept (empty, too long, unknown filter value)."""

    code = "invalid_query"


class IndexMissing(HoidapError):
    """No index has been built yet."""

    code = "index_missing"


class IndexUnavailable(HoidapError):
    """The index server (Milvus) cannot be reached or refused the request."""

    code = "index_unavailable"


class IndexMismatch(HoidapError):
    """The index on disk was built with another model or dimension than the settings name."""

    code = "index_mismatch"


class ModelUnavailable(HoidapError):
    """The embedding model cannot be loaded (not prepared, or a hub download attempted offline)."""

    code = "model_unavailable"


class QuizError(HoidapError):
    """A quiz item edit or an answer the quiz cannot accept (options, answer index, choice, status)."""

    code = "invalid_quiz_item"


class QuizEmpty(HoidapError):
    """No published quiz item to draw a check from."""

    code = "no_published_items"
