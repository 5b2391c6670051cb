"""`nba-props doctor`: start-up checks that find missing credentials before an alert must go out."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from resources.run_tags import code_version
from resources.settings import REPO_ROOT, Settings

ODDS_API_SECRET_BLOCK = "odds-api-key"


@dataclass(frozen=True)
class Check:
    """One check's outcome: ok, and why (or what was found)."""

    name: str
    ok: bool
    detail: str


def _guard(name: str, probe: Callable[[], str]) -> Check:
    """Run a probe; its return is the detail of a passing check, an exception the reason it failed."""
    try:
        return Check(name, True, probe())
    except Exception as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def check_warehouse(settings: Settings) -> str:
    """The warehouse answers a query."""
    from resources import warehouse

    warehouse.read_sql(settings.resolved_warehouse_url, "SELECT 1 AS ok")
    return settings.resolved_warehouse_url


def check_writable(target: str, credentials_block: str | None) -> str:
    """A probe object can be written to and deleted from a local folder or gs:// prefix."""
    probe = f".doctor-probe-{uuid.uuid4().hex}"
    if target.startswith("gs://"):
        from resources.export_store import gcs_bucket as _gcs_bucket

        bucket = _gcs_bucket(target, credentials_block)
        # write_path puts the key under bucket_folder (which GcsBucket ends with "/"): delete that key.
        written = bucket.write_path(probe, b"ok")
        bucket.get_bucket().blob(written).delete()
        return target
    root = Path(target)
    root.mkdir(parents=True, exist_ok=True)
    path = root / probe
    path.write_bytes(b"ok")
    path.unlink()
    return target


def check_mlflow(settings: Settings) -> str:
    """MLflow is reachable and every market has a version under the champion alias."""
    from resources import model_registry

    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    found: list[str] = []
    missing: list[str] = []
    for market in settings.markets:
        name = model_registry.model_name(settings.model_name_prefix, market)
        ver = model_registry.version_with_alias(name, settings.champion_alias)
        (found if ver else missing).append(f"{name}" + (f" v{ver}" if ver else ""))
    if missing:
        raise LookupError(
            f"no '{settings.champion_alias}' for {', '.join(missing)} (run `nba-props train`)"
        )
    return ", ".join(found)


def check_odds_key(settings: Settings) -> str:
    """With source=live, The Odds API key is set (setting or Prefect Secret block)."""
    if settings.source != "live":
        return f"not needed (source={settings.source})"
    if settings.odds_api_key:
        return "set by NBA_PROPS_ODDS_API_KEY"
    from prefect.blocks.system import Secret

    try:
        secret: Any = Secret.load(ODDS_API_SECRET_BLOCK)
    except ValueError as exc:
        raise LookupError(
            f"source=live needs NBA_PROPS_ODDS_API_KEY or a Secret block '{ODDS_API_SECRET_BLOCK}'"
        ) from exc
    if secret.get():
        return f"set by Secret block '{ODDS_API_SECRET_BLOCK}'"
    raise LookupError(f"Secret block '{ODDS_API_SECRET_BLOCK}' is empty")


def check_alert_block(settings: Settings) -> str:
    """The configured notification block loads (none configured: alerts are logged only)."""
    if not settings.alert_block:
        return "none configured: alerts are only logged (set NBA_PROPS_ALERT_BLOCK)"
    from resources.alerts import load_alert_block

    block = load_alert_block(settings.alert_block)
    return f"{settings.alert_block} ({type(block).__name__})"


def expected_deployments(path: Path = REPO_ROOT / "prefect.yaml") -> dict[str, str]:
    """Deployment name -> entrypoint, as prefect.yaml declares them."""
    spec: dict[str, Any] = yaml.safe_load(path.read_text())
    return {str(d["name"]): str(d["entrypoint"]) for d in spec.get("deployments", [])}


def compare_deployments(
    expected: dict[str, str], deployed: list[dict[str, Any]], version: str
) -> list[str]:
    """Problems: a deployment missing, pointing at another entrypoint, or carrying another version."""
    problems: list[str] = []
    by_name = {str(d["name"]): d for d in deployed}
    for name, entrypoint in sorted(expected.items()):
        got = by_name.get(name)
        if got is None:
            problems.append(f"{name}: not deployed (run `prefect deploy --all`)")
            continue
        if got.get("entrypoint") != entrypoint:
            problems.append(
                f"{name}: entrypoint {got.get('entrypoint')!r}, code has {entrypoint!r}"
            )
        if got.get("version") != version:
            problems.append(f"{name}: version {got.get('version')!r}, code is {version!r}")
    return problems


def check_deployments(api_url: str | None) -> str:
    """The Prefect server's deployments match prefect.yaml's entrypoints and the code's version.

    Skipped only when no server is configured; a configured server that does not answer fails.
    """
    if not api_url:
        return "skipped: PREFECT_API_URL not set (no Prefect server to compare with)"
    import httpx

    try:
        httpx.get(f"{api_url.rstrip('/')}/health", timeout=3).raise_for_status()
    except httpx.HTTPError as exc:
        raise ConnectionError(
            f"Prefect server at {api_url} (PREFECT_API_URL) not reachable: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        deployed = [
            {"name": d.name, "entrypoint": d.entrypoint, "version": d.version}
            for d in client.read_deployments()
        ]
    version = code_version()
    problems = compare_deployments(expected_deployments(), deployed, version)
    if problems:
        raise ValueError("; ".join(problems))
    return f"{len(expected_deployments())} deployments at {version}"


def run_checks(settings: Settings, api_url: str | None = None) -> list[Check]:
    """Every start-up check, in order; none raises."""
    api = api_url if api_url is not None else os.environ.get("PREFECT_API_URL") or None
    return [
        _guard("warehouse", lambda: check_warehouse(settings)),
        _guard(
            "raw store",
            lambda: check_writable(settings.resolved_raw_store, settings.gcp_credentials_block),
        ),
        _guard(
            "exports",
            lambda: check_writable(settings.resolved_exports, settings.gcp_credentials_block),
        ),
        _guard("mlflow", lambda: check_mlflow(settings)),
        _guard("odds api key", lambda: check_odds_key(settings)),
        _guard("alert block", lambda: check_alert_block(settings)),
        _guard("deployments", lambda: check_deployments(api)),
    ]
