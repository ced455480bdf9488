"""Offline evaluation of the RAG pipeline: load gold questions, score per-question results, report.

Scoring is kept apart from running the pipeline so that gold answers and evidence never reach it:
only `eval.metrics` looks at them, and only after the pipeline has answered.
"""
