"""The IO layer: everything that talks to the outside world (no Prefect tasks here)."""
