"""The environment variables that keep Prefect, MLflow and Google clients from phoning home."""

from __future__ import annotations

import os
import sys
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


def drop_empty_prefect_api_url(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Unset PREFECT_API_URL when it is set to an empty string; True when it was.

    An empty value does not mean "no server" to Prefect 3.9: the flow runs on a temporary API, but
    its events worker reads the empty URL, fails, and logs an error for every event (dozens of
    `Service 'EventsWorker' failed` lines in a demo). Unset, Prefect starts the temporary API and
    every client, the events worker included, uses it. Call before Prefect reads its settings;
    when Prefect is already imported its global settings are refreshed.
    """
    if environ.get("PREFECT_API_URL") != "":
        return False
    del environ["PREFECT_API_URL"]
    if environ is os.environ and "prefect.context" in sys.modules:
        sys.modules["prefect.context"].refresh_global_settings_context()
    return True
