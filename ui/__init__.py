"""The Gradio web chat over `RagService`: streaming answers, linked sources, and a document library."""
from __future__ import annotations

import os

# The server often runs without internet access: no usage analytics calls from Gradio.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from ui.app import build_app, launch, serve  # noqa: E402

__all__ = ["build_app", "launch", "serve"]
