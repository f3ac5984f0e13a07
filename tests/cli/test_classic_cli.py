"""CLI ring: CliRunner against the Typer app with the management client faked (no network)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain.errors import AuthError, NotFoundError, OperationTimeoutError
from aml_retrain_cli import context
from aml_retrain_cli.main import app

WS = "0" * 32
SVC = "a" * 32
SAS = "?sv=2024-01-01&se=2099-01-01T00%3A00%3A00Z&sp=r&sig=FAKESIGNATURE9"


def _endpoint(name: str) -> dict[str, Any]:
    return {
        "Name": name, "WorkspaceId": WS, "WebServiceId": SVC, "PrimaryKey": "pk-secret-" + name,
        "SecondaryKey": "sk-secret-" + name, "ApiLocation": f"https://x/workspaces/{WS}/services/1",
        "HelpLocation": "https://x/help", "ThrottleLevel": "Low", "MaxConcurrentCalls": 4,
        "Resources": [{"Name": "Census Model [trained model]", "Kind": "TrainedModel",
                       "Location": {"BaseLocation": "https://acct.blob.core.windows.net/",
                                    "RelativeLocation": "models/old.ilearner",
                                    "SasBlobToken": SAS}}],
    }


class FakeClient:
    """Records calls; holds one predictive service with a default and a non-default endpoint."""

    endpoint = "https://management.example"
    workspace_id = WS

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.endpoints = {"default": _endpoint("default"), "ep01": _endpoint("ep01")}
        self.fail: Exception | None = None
        self.built_with_endpoint_key: list[bool] = []

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if self.fail is not None:
            raise self.fail

    def list_web_services(self) -> list[dict[str, Any]]:
        self._record("list_web_services")
        return [{"Id": SVC, "Name": "Census Model [Predictive Exp.]", "DefaultEndpointName": "default"}]

    def get_web_service(self, service_id: str) -> dict[str, Any]:
        self._record("get_web_service", service_id)
        return {"Id": service_id, "Name": "Census", "DefaultEndpointName": "default"}

    def list_endpoints(self, service_id: str) -> list[dict[str, Any]]:
        self._record("list_endpoints", service_id)
        return [copy.deepcopy(e) for e in self.endpoints.values()]

    def get_endpoint(self, service_id: str, name: str) -> dict[str, Any]:
        self._record("get_endpoint", service_id, name)
        if name not in self.endpoints:
            raise NotFoundError("endpoint not found", status_code=404, error_code="NotFound",
                                request_id="rid-1", url="https://x/e")
        return copy.deepcopy(self.endpoints[name])

    def create_endpoint(self, service_id: str, name: str, **kw: Any) -> dict[str, Any]:
        self._record("create_endpoint", service_id, name)
        self.endpoints[name] = _endpoint(name)
        return copy.deepcopy(self.endpoints[name])

    def delete_endpoint(self, service_id: str, name: str) -> None:
        self._record("delete_endpoint", service_id, name)
        del self.endpoints[name]

    def patch_endpoint(self, service_id: str, name: str, body: dict[str, Any]) -> None:
        self._record("patch_endpoint", service_id, name)
        self.endpoints[name]["Resources"][0]["Location"] = body["Resources"][0]["Location"]

    def patch_url(self, service_id: str, name: str) -> str:
        return f"{self.endpoint}/workspaces/{WS}/webservices/{service_id}/endpoints/{name}"


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input)


def writes(fake: FakeClient) -> list[str]:
    return [c for c, _ in fake.calls if c in ("create_endpoint", "delete_endpoint", "patch_endpoint")]


def test_services_list_json_passes_service_objects_through(fake: FakeClient) -> None:
    result = run("-o", "json", "classic", "services", "list")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["Name"] == "Census Model [Predictive Exp.]"


def test_endpoints_list_hides_keys_and_signatures(fake: FakeClient) -> None:
    result = run("-o", "json", "classic", "endpoints", "list", SVC)
    assert result.exit_code == 0
    assert "secret" not in result.stdout and "FAKESIGNATURE9" not in result.stdout
    assert json.loads(result.stdout)[1]["Name"] == "ep01"


def test_show_keys_reveals_keys_only_when_asked(fake: FakeClient) -> None:
    result = run("-o", "json", "classic", "endpoints", "show", SVC, "ep01", "--show-keys")
    assert json.loads(result.stdout)["PrimaryKey"] == "pk-secret-ep01"


def test_table_output_lists_resources(fake: FakeClient) -> None:
    result = run("classic", "endpoints", "list", SVC)
    assert result.exit_code == 0
    assert "Census Model" in result.stdout and "ep01" in result.stdout


def test_invalid_endpoint_name_is_a_usage_error_and_sends_nothing(fake: FakeClient) -> None:
    result = run("classic", "endpoints", "create", SVC, "Bad_Name")
    assert result.exit_code == 2
    assert result.stderr.startswith("ValidationError: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert fake.calls == []


def test_not_found_exits_3_with_one_line(fake: FakeClient) -> None:
    result = run("classic", "endpoints", "show", SVC, "nope")
    assert result.exit_code == 3
    assert result.stderr.startswith("NotFoundError: endpoint not found")
    assert "rid-1" in result.stderr


def test_auth_error_exits_5(fake: FakeClient) -> None:
    fake.fail = AuthError("token refused", status_code=401, error_code="ManagementRequestUnauthorized",
                          request_id="rid-2", url="https://x")
    result = run("classic", "services", "list")
    assert result.exit_code == 5
    assert "ManagementRequestUnauthorized" in result.stderr


def test_timeout_exits_4(fake: FakeClient) -> None:
    fake.fail = OperationTimeoutError("the service did not answer within 30 s")
    assert run("classic", "services", "list").exit_code == 4


def test_debug_shows_the_traceback(fake: FakeClient) -> None:
    fake.fail = OperationTimeoutError("slow")
    result = run("--debug", "classic", "services", "list")
    assert result.exit_code == 4  # the traceback is added; the exit code stays the timeout's
    assert "Traceback (most recent call last)" in result.stderr


def test_set_model_on_default_endpoint_is_refused_before_any_write(fake: FakeClient) -> None:
    url = "https://acct.blob.core.windows.net/models/new.ilearner"
    result = run("classic", "endpoints", "set-model", SVC, "default", "--model-url", "-",
                 input=url + SAS + "\n")
    assert result.exit_code == 2
    assert "non-default endpoint" in result.stderr
    assert writes(fake) == []


def test_set_model_dry_run_writes_nothing(fake: FakeClient) -> None:
    url = "https://acct.blob.core.windows.net/models/new.ilearner"
    result = run("-o", "json", "classic", "endpoints", "set-model", SVC, "ep01", "--model-url", "-",
                 "--dry-run", input=url + SAS + "\n")
    assert result.exit_code == 0, result.output
    assert writes(fake) == []
    assert "FAKESIGNATURE9" not in result.stdout
    assert json.loads(result.stdout)["dry_run"] is True


def test_set_model_patches_and_reads_back(fake: FakeClient) -> None:
    url = "https://acct.blob.core.windows.net/models/new.ilearner"
    result = run("-o", "json", "classic", "endpoints", "set-model", SVC, "ep01", "--model-url", "-",
                 input=url + SAS + "\n")
    assert result.exit_code == 0, result.output
    assert writes(fake) == ["patch_endpoint"]
    new = fake.endpoints["ep01"]["Resources"][0]["Location"]["RelativeLocation"]
    assert new == "models/new.ilearner"


def test_set_model_table_shows_models_before_and_after_not_the_patch_body(
    fake: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    url = "https://acct.blob.core.windows.net/models/new.ilearner"
    result = run("classic", "endpoints", "set-model", SVC, "ep01", "--model-url", "-",
                 input=url + SAS + "\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    row = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in lines if line.count("│") == 3}
    assert row["model_before"] == "https://acct.blob.core.windows.net/models/old.ilearner"
    assert row["model_after"] == url
    assert row["verified"] == "True" and "body" not in row and "before" not in row
    assert "SasBlobToken" not in result.stdout and "sig=" not in result.stdout
    assert max(map(len, lines)) <= 100 and len(lines) <= 14


def test_non_ilearner_url_is_refused(fake: FakeClient) -> None:
    result = run("classic", "endpoints", "set-model", SVC, "ep01", "--model-url",
                 "https://acct.blob.core.windows.net/models/new.csv")
    assert result.exit_code == 2
    assert ".ilearner" in result.stderr
    assert fake.calls == []


def test_delete_default_endpoint_is_refused(fake: FakeClient) -> None:
    result = run("classic", "endpoints", "delete", SVC, "default")
    assert result.exit_code == 2
    assert writes(fake) == []


def test_delete_backs_up_first(fake: FakeClient, clean_environ: Any) -> None:
    result = run("-o", "json", "classic", "endpoints", "delete", SVC, "ep01")
    assert result.exit_code == 0, result.output
    backup = json.loads(result.stdout)["backup_path"]
    saved = json.loads(open(backup, encoding="utf-8").read())
    assert saved["Name"] == "ep01" and "PrimaryKey" not in saved


def test_missing_workspace_is_a_config_error() -> None:
    result = run("classic", "services", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith("ConfigError: ")
    assert "AML_RETRAIN_WORKSPACE_ID" in result.stderr


def test_missing_required_option_is_usage_exit_2() -> None:
    result = run("classic", "endpoints", "set-model", SVC, "ep01")
    assert result.exit_code == 2
    assert "--model-url" in result.output


def test_token_file_is_read_not_echoed(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    token = tmp_path / "token"
    token.write_text("tok-very-secret\n")
    seen: dict[str, Any] = {}

    def fake_client(self: context.State) -> FakeClient:
        seen["settings"] = self.settings()
        return FakeClient()

    monkeypatch.setattr(context.State, "classic_client", fake_client)
    result = run("--workspace", WS, "--token-file", str(token), "classic", "services", "list")
    assert result.exit_code == 0, result.output
    assert seen["settings"].workspace_token == "tok-very-secret"
    assert "tok-very-secret" not in repr(seen["settings"])


def test_table_shows_bracketed_names_verbatim(fake: FakeClient) -> None:
    # Rich would swallow "[trained model]" as markup if cells were not plain text.
    result = CliRunner().invoke(app, ["classic", "endpoints", "show", SVC, "ep01"],
                                env={"COLUMNS": "200"})
    assert "Census Model [trained model]" in result.stdout
    assert "models/old.ilearner" in result.stdout


def test_create_existing_endpoint_exits_6_without_writing(fake: FakeClient) -> None:
    result = run("classic", "endpoints", "create", SVC, "ep01")
    assert result.exit_code == 6, result.output
    assert result.stderr.startswith("AlreadyExistsError: endpoint 'ep01' already exists")
    assert "--exist-ok" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert writes(fake) == []


def test_create_existing_with_exist_ok_shows_it(fake: FakeClient) -> None:
    result = run("-o", "json", "classic", "endpoints", "create", SVC, "ep01", "--exist-ok")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["Name"] == "ep01" and writes(fake) == []


def test_create_over_four_calls_under_low_is_usage_error_nothing_sent(fake: FakeClient) -> None:
    result = run("classic", "endpoints", "create", SVC, "ep02", "--max-concurrent-calls", "10")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("ValidationError: max concurrent calls 10 needs throttle")
    assert len(result.stderr.strip().splitlines()) == 1 and fake.calls == []


def test_create_prints_the_concurrency_in_effect(fake: FakeClient) -> None:
    result = run("-o", "json", "classic", "endpoints", "create", SVC, "ep02",
                 "--max-concurrent-calls", "2")
    assert result.exit_code == 0, result.output
    # The fake service keeps 4 whatever was asked: the CLI says so on stderr.
    assert "in effect: ThrottleLevel Low, MaxConcurrentCalls 4" in result.stderr
    assert "not the requested 2" in result.stderr
    assert json.loads(result.stdout)["Name"] == "ep02"


NEW_MODEL = "https://acct.blob.core.windows.net/models/new.ilearner"


def test_set_model_with_endpoint_key_file_skips_the_web_service_get(
        fake: FakeClient, tmp_path: Any) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text("endpoint-api-key\n")
    result = run("-o", "json", "--workspace", WS, "classic", "endpoints", "set-model", SVC, "ep01",
                 "--model-url", "-", "--endpoint-key-file", str(key_file),
                 input=NEW_MODEL + SAS + "\n")
    assert result.exit_code == 0, result.output
    assert fake.built_with_endpoint_key == [True]
    assert "get_web_service" not in [c for c, _ in fake.calls] and writes(fake) == ["patch_endpoint"]
    assert "signed in with the endpoint key" in result.stderr
    assert json.loads(result.stdout)["warnings"][0].startswith("signed in with the endpoint key")
    assert "endpoint-api-key" not in result.output


def test_set_model_with_endpoint_key_env_refuses_default_by_name(
        fake: FakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AML_RETRAIN_ENDPOINT_KEY", "endpoint-api-key")
    result = run("--workspace", WS, "classic", "endpoints", "set-model", SVC, "default",
                 "--model-url", "-", input=NEW_MODEL + SAS + "\n")
    assert result.exit_code == 2, result.output
    assert "non-default endpoint" in result.stderr and fake.calls == []


def test_set_model_from_job_with_only_an_endpoint_key_is_a_usage_error(
        fake: FakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AML_RETRAIN_ENDPOINT_KEY", "endpoint-api-key")
    result = run("--workspace", WS, "classic", "endpoints", "set-model", SVC, "ep01",
                 "--from-job", "a" * 32)
    assert result.exit_code == 2, result.output
    assert "workspace token" in result.stderr and fake.calls == []


def test_unreadable_endpoint_key_file_is_a_config_error(fake: FakeClient, tmp_path: Any) -> None:
    result = run("--workspace", WS, "classic", "endpoints", "set-model", SVC, "ep01",
                 "--model-url", NEW_MODEL, "--endpoint-key-file", str(tmp_path / "missing"))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("ConfigError: cannot read --endpoint-key-file")
    assert fake.calls == []
