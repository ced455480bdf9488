"""Errors with messages meant for the user: one line that says what is wrong and what to do."""


class RagError(Exception):
    """Base class: the CLI and UI print these as they are, without a traceback."""


class IngestError(RagError):
    """A file could not be read into paragraphs (empty, binary, unknown encoding, no text layer)."""


class IndexStateError(RagError):
    """The index is missing, corrupt, or was built with another embedder."""


class QueryError(RagError):
    """The question cannot be searched (empty, punctuation only)."""


class LLMError(RagError):
    """The language model endpoint failed: down, slow, bad key, malformed reply."""
