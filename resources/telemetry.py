"""The environment variables that keep Prefect, MLflow and Google clients from phoning home."""

from __future__ import annotations

import os
from collections.abc import MutableMapping

TELEMETRY_OFF: dict[str, str] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "true",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    # google-auth otherwise probes the GCE metadata server when no credentials are configured.
    "NO_GCE_CHECK": "true",
}

# On a busy 2-core machine the ephemeral Prefect API can take longer than its default 20 s to start.
EPHEMERAL_API_STARTUP: dict[str, str] = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}


def turn_off_telemetry(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set TELEMETRY_OFF in `environ` wherever the variable is not already set."""
    for key, value in TELEMETRY_OFF.items():
        environ.setdefault(key, value)
