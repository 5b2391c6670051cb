"""Alerts through a Prefect notification block, deduplicated per signature with a rate limit.

The rate-limit state is a small JSON file under the state directory (`alerts/sent.json`), so an
alert about an unreachable warehouse can still be rate limited. No block configured: log only.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from resources.clock import now_utc
from resources.settings import Settings

logger = logging.getLogger("nba_props.alerts")


def alert_state_path(settings: Settings) -> Path:
    """Where the last-sent time per signature is kept."""
    return settings.home_dir / "alerts" / "sent.json"


def _read_state(path: Path) -> dict[str, str]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def _write_state(path: Path, state: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sent-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, sort_keys=True, indent=1)
    os.replace(tmp, path)


def should_send(last_sent: str | None, now: pd.Timestamp, min_interval_minutes: int) -> bool:
    """True when the signature was never sent or was last sent at least the interval ago."""
    if last_sent is None:
        return True
    return now - pd.Timestamp(last_sent) >= pd.Timedelta(minutes=min_interval_minutes)


def load_alert_block(name: str) -> Any:
    """The notification block named 'block-type-slug/block-name' (e.g. 'slack-webhook/ops')."""
    from prefect.blocks.core import Block

    block = Block.load(name)
    if not hasattr(block, "notify"):
        raise TypeError(f"block {name!r} ({type(block).__name__}) has no notify(); not a notifier")
    return block


def send_alert(settings: Settings, signature: str, message: str) -> str:
    """Send `message` unless `signature` was sent within the rate limit.

    Returns 'sent', 'suppressed' (rate limited), 'logged' (no block configured) or 'failed'
    (the block could not be loaded or refused the message: logged as an error, never raised).
    """
    now = now_utc(settings)
    path = alert_state_path(settings)
    state = _read_state(path)
    if not should_send(state.get(signature), now, settings.alert_min_interval_minutes):
        logger.info("alert %s suppressed (last sent %s)", signature, state[signature])
        return "suppressed"
    state[signature] = now.isoformat()
    _write_state(path, state)
    if not settings.alert_block:
        logger.warning("ALERT %s: %s", signature, message)
        return "logged"
    try:
        block = load_alert_block(settings.alert_block)
        block.notify(body=message, subject=f"nba-props: {signature}")
    except Exception as exc:  # an alert channel failure must not mask the original problem
        logger.error(
            "alert %s could not be sent through %s: %s", signature, settings.alert_block, exc
        )
        return "failed"
    logger.warning("ALERT sent %s: %s", signature, message)
    return "sent"


def flow_failure_hook(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect on_failure / on_crashed hook: alert once per flow, state and error type."""
    from resources.settings import get_settings

    error = "unknown"
    try:
        state.result()
    except BaseException as exc:  # the run's own exception, re-raised by result()
        error = type(exc).__name__
        detail = str(exc)[:500]
    else:
        detail = state.message or ""
    params = getattr(flow_run, "parameters", {}) or {}
    signature = f"flow-{state.type.value.lower()}:{flow.name}:{error}"
    message = (
        f"{flow.name} run {flow_run.name} ({flow_run.id}) ended {state.name} "
        f"with parameters {params}: {error}: {detail}"
    )
    send_alert(get_settings(), signature, message)
