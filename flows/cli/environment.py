"""What every command does first (settings, telemetry off, Prefect home) and how it reports failure."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NoReturn

import typer

from resources.telemetry import EPHEMERAL_API_STARTUP, turn_off_telemetry

if TYPE_CHECKING:
    from resources.settings import Settings


def environment() -> Settings:
    """Settings, with telemetry off and Prefect's home under the state directory."""
    from resources.settings import get_settings

    turn_off_telemetry()
    for key, value in EPHEMERAL_API_STARTUP.items():
        os.environ.setdefault(key, value)
    settings = get_settings()
    settings.home_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    return settings


def fail(message: str) -> NoReturn:
    """Print `error: message` in red on stderr and exit with code 1."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)
