"""Retrieval-augmented question answering over Chinese government documents, with checked citations."""

__version__ = "0.1.0"
