"""The Cloud Run v2 production deployments render into the job Cloud Run would receive.

Renders each `*-cloud-run` deployment of prefect.yaml the way the worker does: the checked-in
base job template + the deployment's job variables (after the deploy-time `{{ $VAR }}`
substitution) through prefect-gcp's `CloudRunWorkerJobV2Configuration`, then
`prepare_for_flow_run`. What Cloud Run itself accepts (quotas, IAM, limits) is not proven here.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.gcp_fixtures import write_service_account

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deployments" / "cloud-run-v2-job-template.json"
DEPLOY_SCRIPT = REPO / "deployments" / "deploy-cloud-run.sh"
DEPLOY_ENV = {
    "NBA_PROPS_IMAGE": "europe-west1-docker.pkg.dev/nba-prod/nba/nba-props:0.1.0-0123456789ab",
    "NBA_PROPS_GCP_REGION": "europe-west1",
    "NBA_PROPS_RUN_SERVICE_ACCOUNT": "nba-props-runner@nba-prod.iam.gserviceaccount.com",
    "NBA_PROPS_WAREHOUSE_URL": "bigquery://nba-prod/nba_props",
    "NBA_PROPS_RAW_STORE_URL": "gs://nba-prod-raw/raw",
    "NBA_PROPS_EXPORTS_URL": "gs://nba-prod-site/exports",
    "NBA_PROPS_MLFLOW_TRACKING_URI": "https://mlflow.example.test",
    "NBA_PROPS_CODE_VERSION": "0.1.0+0123456789ab",
    "NBA_PROPS_REPO_DIR": "/work/checkout",
}
ODDS_SECRET = {"secretKeyRef": {"secret": "odds-api-key", "version": "latest"}}


def _deployments() -> list[dict[str, Any]]:
    return list(yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"])


def _cloud_run() -> list[dict[str, Any]]:
    return [d for d in _deployments() if d["work_pool"]["name"] == "cloud-run"]


def _template() -> dict[str, Any]:
    return dict(json.loads(TEMPLATE.read_text()))


def _deployed_job_variables(deployment: dict[str, Any]) -> dict[str, Any]:
    """Job variables as `prefect deploy` stores them ({{ $VAR }} read from the environment)."""
    from prefect.utilities.templating import apply_values

    deployed = apply_values(deployment["work_pool"]["job_variables"], {}, remove_notset=False)
    assert isinstance(deployed, dict)
    return deployed


class NoApi:
    """Stands in for the Prefect client: rendering must not need the API."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"rendering called the Prefect API ({name})")


def _render(deployment: dict[str, Any]) -> Any:
    """The Cloud Run job body the worker would submit for one flow run of `deployment`."""
    from prefect.client.schemas.objects import FlowRun
    from prefect_gcp.workers.cloud_run_v2 import CloudRunWorkerJobV2Configuration

    config = asyncio.run(
        CloudRunWorkerJobV2Configuration.from_template_and_values(
            _template(), _deployed_job_variables(deployment), client=NoApi()
        )
    )
    config.prepare_for_flow_run(FlowRun(id=uuid.uuid4(), flow_id=uuid.uuid4(), name="run"))
    return config


@pytest.fixture
def deploy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment of whoever runs deployments/deploy-cloud-run.sh."""
    for name, value in DEPLOY_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def adc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Application-default credentials (a service-account file) as the worker has them."""
    key = write_service_account(tmp_path / "sa.json", "http://127.0.0.1:9/token", "nba-prod")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))


def test_checked_in_template_is_what_the_installed_prefect_gcp_prints() -> None:
    from prefect.workers.utilities import get_default_base_job_template_for_infrastructure_type

    printed = asyncio.run(get_default_base_job_template_for_infrastructure_type("cloud-run-v2"))
    assert printed == _template(), (
        "prefect-gcp's cloud-run-v2 template changed: regenerate it with `.venv/bin/prefect "
        "work-pool get-default-base-job-template --type cloud-run-v2 "
        "--file deployments/cloud-run-v2-job-template.json` and review prefect.yaml's job variables"
    )


def test_every_production_flow_has_a_cloud_run_deployment_and_local_ones_stay() -> None:
    local = {d["entrypoint"] for d in _deployments() if d["work_pool"]["name"] == "local-process"}
    cloud = {d["entrypoint"] for d in _cloud_run()}
    assert cloud == local and len(cloud) == 5
    for d in _deployments():
        if d["work_pool"]["name"] == "local-process":
            assert "pull" not in d  # the top-level pull: this checkout, as `make serve` needs
            assert set(d["work_pool"]["job_variables"]) == {"env"}


def test_every_job_variable_is_a_variable_of_the_template() -> None:
    known = set(_template()["variables"]["properties"])
    for d in _cloud_run():
        unknown = set(d["work_pool"]["job_variables"]) - known
        assert not unknown, f"{d['name']}: {sorted(unknown)} are not cloud-run-v2 variables"


@pytest.mark.usefixtures("deploy_env")
def test_every_deploy_time_placeholder_is_required_by_the_deploy_script() -> None:
    script = DEPLOY_SCRIPT.read_text()
    required = set(re.search(r"required=\(([^)]*)\)", script, re.S)[1].split())  # type: ignore[index]
    text = json.dumps([d["work_pool"] for d in _cloud_run()])
    placeholders = set(re.findall(r"\{\{ \$(\w+) \}\}", text))
    assert placeholders and placeholders <= required
    assert "{{" not in json.dumps([_deployed_job_variables(d) for d in _cloud_run()])


@pytest.mark.usefixtures("adc", "deploy_env")
@pytest.mark.parametrize(
    ("name", "cpu", "memory", "timeout"),
    [
        ("daily-cloud-run", "2000m", "4Gi", 3600),
        ("pre-tip-cloud-run", "2000m", "4Gi", 3600),
        ("backfill-cloud-run", "2000m", "8Gi", 21600),
        ("backfill-fanout-cloud-run", "1000m", "1Gi", 86400),
        ("heal-cloud-run", "2000m", "4Gi", 7200),
        ("live-cloud-run", "1000m", "2Gi", 600),
    ],
)
def test_rendered_job(name: str, cpu: str, memory: str, timeout: int) -> None:
    (deployment,) = [d for d in _cloud_run() if d["name"] == name]
    config = _render(deployment)
    job = config.job_body["template"]["template"]
    (container,) = job["containers"]

    assert container["image"] == DEPLOY_ENV["NBA_PROPS_IMAGE"]
    assert container["resources"]["limits"] == {"cpu": cpu, "memory": memory}
    assert container["command"] == ["prefect", "flow-run", "execute"]
    assert job["timeout"] == f"{timeout}s"
    assert job["serviceAccount"] == DEPLOY_ENV["NBA_PROPS_RUN_SERVICE_ACCOUNT"]
    assert job["maxRetries"] == 0
    assert "vpcAccess" not in job
    assert config.region == "europe-west1"
    env = {e["name"]: e.get("value", e.get("valueSource")) for e in container["env"]}
    assert env["NBA_PROPS_ODDS_API_KEY"] == ODDS_SECRET  # from Secret Manager, never plain text
    for setting in (
        "NBA_PROPS_WAREHOUSE_URL",
        "NBA_PROPS_RAW_STORE_URL",
        "NBA_PROPS_EXPORTS_URL",
        "NBA_PROPS_MLFLOW_TRACKING_URI",
    ):
        assert env[setting] == DEPLOY_ENV[setting]
    assert env["NBA_PROPS_SOURCE"] == "live"
    assert env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"
    assert deployment["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "/app"}}
    ]
    assert "WORKDIR /app" in (REPO / "Dockerfile").read_text()  # where the image keeps the code


def test_backfill_may_run_longer_than_cloud_run_s_default() -> None:
    default = _template()["variables"]["properties"]["timeout"]["default"]
    (backfill,) = [d for d in _cloud_run() if d["name"] == "backfill-cloud-run"]
    assert backfill["work_pool"]["job_variables"]["timeout"] > default == 600


def test_backfill_fanout_on_cloud_run_fans_out_to_the_cloud_run_backfill() -> None:
    (fanout,) = [d for d in _cloud_run() if d["name"] == "backfill-fanout-cloud-run"]
    (backfill,) = [d for d in _cloud_run() if d["name"] == "backfill-cloud-run"]
    parallel = int(fanout["work_pool"]["job_variables"]["env"]["NBA_PROPS_BACKFILL_PARALLEL_RUNS"])
    assert fanout["parameters"]["deployment"] == "backfill/backfill-cloud-run"
    assert 1 < parallel <= backfill["concurrency_limit"]["limit"]  # the chunk runs are not queued
