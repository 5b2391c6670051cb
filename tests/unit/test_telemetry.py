"""The environment variables the commands set before Prefect, MLflow or Google clients start."""

from __future__ import annotations

from resources.telemetry import TELEMETRY_OFF, drop_empty_prefect_api_url, turn_off_telemetry


def test_telemetry_off_keeps_what_the_user_set() -> None:
    environ = {"DO_NOT_TRACK": "false"}
    turn_off_telemetry(environ)
    assert environ["DO_NOT_TRACK"] == "false"
    assert {k: environ[k] for k in TELEMETRY_OFF if k != "DO_NOT_TRACK"} == {
        k: v for k, v in TELEMETRY_OFF.items() if k != "DO_NOT_TRACK"
    }


def test_an_empty_prefect_api_url_is_unset() -> None:
    environ = {"PREFECT_API_URL": "", "PREFECT_HOME": "/tmp/p"}
    assert drop_empty_prefect_api_url(environ) is True
    assert environ == {"PREFECT_HOME": "/tmp/p"}


def test_a_server_url_or_no_url_is_left_alone() -> None:
    server = {"PREFECT_API_URL": "http://127.0.0.1:4200/api"}
    assert drop_empty_prefect_api_url(server) is False
    assert server == {"PREFECT_API_URL": "http://127.0.0.1:4200/api"}
    nothing: dict[str, str] = {}
    assert drop_empty_prefect_api_url(nothing) is False
    assert nothing == {}
