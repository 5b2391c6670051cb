"""Who ran: the package version, the git commit and the model versions, as run tags."""

from __future__ import annotations

import logging
import os
import subprocess
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from resources.settings import REPO_ROOT

PACKAGE = "nba-props"
CODE_VERSION_ENV = "NBA_PROPS_CODE_VERSION"  # set by the Dockerfile at build time


def _git(*args: str) -> str:
    """Stdout of a git command in the repository (raises on failure or timeout)."""
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=True
    ).stdout.strip()


@lru_cache(maxsize=1)
def git_commit() -> str:
    """The short git commit of the code (with '-dirty' for local changes), or 'unknown'.

    Without a .git (inside the container image) the commit comes from the version baked in at
    build time (`NBA_PROPS_CODE_VERSION`, '{package}+{commit}').
    """
    if not (REPO_ROOT / ".git").exists():
        baked = os.environ.get(CODE_VERSION_ENV, "")
        return baked.partition("+")[2] or "unknown"
    try:
        sha = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha}-dirty" if dirty else sha or "unknown"


def package_version() -> str:
    """The installed package version, or 'unknown'."""
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "unknown"


def code_version() -> str:
    """'{package version}+{git commit}': what deployments and run tags carry."""
    return f"{package_version()}+{git_commit()}"


def identity_tags(model_versions: dict[str, str] | None = None) -> list[str]:
    """Prefect tags naming the code and (when known) the model versions a run used.

    A version whose `champion` alias was moved by hand (in the MLflow UI, not by the promotion
    gate) also gets `champion-by-hand:{name}:v{version}:gate-{verdict}`.
    """
    tags = [f"version:{package_version()}", f"commit:{git_commit()}"]
    for name, ver in sorted((model_versions or {}).items()):
        tags.append(f"model:{name}:v{ver}")
    return tags + (_champion_by_hand(model_versions) if model_versions else [])


def _champion_by_hand(model_versions: dict[str, str]) -> list[str]:
    """The registry's champion-by-hand tags; none (with a warning) when the registry cannot say."""
    from mlflow.exceptions import MlflowException

    from resources import model_registry
    from resources.settings import get_settings

    settings = get_settings()
    try:
        model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
        return model_registry.champion_by_hand_tags(model_versions)
    except MlflowException as exc:
        logging.getLogger(__name__).warning("champion provenance unknown: %s", exc)
        return []


def tag_current_flow_run(tags: list[str]) -> bool:
    """Add tags to the running flow run (Prefect UI filters on them); False outside a flow run."""
    from prefect.client.orchestration import get_client
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        return False
    merged = sorted(set(ctx.flow_run.tags) | set(tags))
    with get_client(sync_client=True) as client:
        client.update_flow_run(ctx.flow_run.id, tags=merged)
    ctx.flow_run.tags = merged
    return True
