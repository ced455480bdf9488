"""Answer generation back-ends; the embedded local model lives in `local_model` / `local_server`."""
