"""The classic endpoint flow through the CLI against the real emulator and Azurite."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aml_retrain_cli.main import app
from tests.emulator_support import Emulator, sas_url

pytestmark = pytest.mark.integration
NAME = "retrained01"


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input, env=env)


def ok_json(*args: str, input: str | None = None) -> Any:
    result = run("-o", "json", *args, input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def predictive(emulator: Emulator) -> str:
    services = ok_json("classic", "services", "list")
    return next(s["Id"] for s in services if "[Predictive Exp.]" in s["Name"])


def training(emulator: Emulator) -> str:
    services = ok_json("classic", "services", "list")
    return next(s["Id"] for s in services if "[Training Exp.]" in s["Name"])


def upload_model(tmp_path: Path, name: str = "census-v2.ilearner") -> str:
    model = tmp_path / name
    model.write_bytes(b"retrained model bytes")
    return str(ok_json("storage", "upload", str(model), "--container", "models",
                       "--blob", f"retrain/{name}")["url"])


def resource_location(emulator: Emulator, service: str, name: str) -> Any:
    shown = ok_json("classic", "endpoints", "show", service, name)
    return shown["Resources"][0]["Location"]


def test_full_flow_create_patch_url_set_model(emulator: Emulator, tmp_path: Path) -> None:
    svc = predictive(emulator)
    created = ok_json("classic", "endpoints", "create", svc, NAME, "--description", "retrained")
    assert created["Name"] == NAME and "PrimaryKey" not in created
    info = ok_json("classic", "endpoints", "patch-url", svc, NAME)
    assert info["patch_url"].endswith(f"/webservices/{svc}/endpoints/{NAME}")
    assert "primary_key" not in info
    keys = ok_json("classic", "endpoints", "patch-url", svc, NAME, "--show-keys")
    assert keys["primary_key"]

    url = upload_model(tmp_path)
    result = ok_json("classic", "endpoints", "set-model", svc, NAME, "--model-url", url)
    assert Path(result["backup_path"]).exists()
    after = resource_location(emulator, svc, NAME)
    assert after["RelativeLocation"] == "models/retrain/census-v2.ilearner"
    assert "REDACTED" in after["SasBlobToken"]
    assert [w["method"] for w in emulator.writes()] == ["PUT", "PATCH"]


def test_create_is_idempotent_with_exist_ok(emulator: Emulator) -> None:
    svc = predictive(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME, "--description", "live",
            "--throttle-level", "High", "--max-concurrent-calls", "50")
    again = ok_json("classic", "endpoints", "create", svc, NAME, "--exist-ok")
    assert again["Name"] == NAME
    # The emulator's PUT replaces an existing endpoint's settings (as a real PUT may): the
    # refusal must come from the GET before it, with nothing sent.
    dup = run("classic", "endpoints", "create", svc, NAME, "--description", "other")
    assert dup.exit_code == 6, dup.output
    assert dup.stderr.startswith("AlreadyExistsError: ") and "--exist-ok" in dup.stderr
    assert [w["method"] for w in emulator.writes()] == ["PUT"]
    live = ok_json("classic", "endpoints", "show", svc, NAME)
    assert (live["Description"], live["ThrottleLevel"], live["MaxConcurrentCalls"]) == (
        "live", "High", 50)


def test_max_concurrent_calls_above_four_needs_throttle_high(emulator: Emulator) -> None:
    svc = predictive(emulator)
    refused = run("classic", "endpoints", "create", svc, NAME, "--max-concurrent-calls", "10")
    assert refused.exit_code == 2, refused.output
    assert "needs throttle level High" in refused.stderr and emulator.writes() == []
    low = run("-o", "json", "classic", "endpoints", "create", svc, NAME,
              "--max-concurrent-calls", "3")
    assert low.exit_code == 0, low.output
    assert json.loads(low.stdout)["MaxConcurrentCalls"] == 3
    assert "in effect: ThrottleLevel Low, MaxConcurrentCalls 3" in low.stderr
    high = run("classic", "endpoints", "create", svc, "busy", "--throttle-level", "High",
               "--max-concurrent-calls", "120")
    assert high.exit_code == 0, high.output
    assert "in effect: ThrottleLevel High, MaxConcurrentCalls 120" in high.stderr


def test_delete_backs_up_then_removes(emulator: Emulator) -> None:
    svc = predictive(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME)
    deleted = ok_json("classic", "endpoints", "delete", svc, NAME)
    assert json.loads(Path(deleted["backup_path"]).read_text())["Name"] == NAME
    assert run("classic", "endpoints", "show", svc, NAME).exit_code == 3


BAD_INPUTS = [
    # (case, argv builder, stdin builder, exit code, stderr fragment)
    ("invalid endpoint name", lambda s, u: ["classic", "endpoints", "create", s, "Bad_Name"],
     None, 2, "ValidationError: "),
    ("unknown service", lambda s, u: ["classic", "endpoints", "list", "f" * 32], None, 3,
     "NotFoundError: "),
    ("unknown endpoint", lambda s, u: ["classic", "endpoints", "show", s, "nope"], None, 3,
     "NotFoundError: "),
    ("default endpoint", lambda s, u: ["classic", "endpoints", "set-model", s, "default",
                                       "--model-url", u], None, 2, "non-default endpoint"),
    ("unknown resource", lambda s, u: ["classic", "endpoints", "set-model", s, NAME, "--model-url",
                                       u, "--resource-name", "Nope [trained model]"], None, 2,
     "Census Model [trained model]"),
    ("not an ilearner", lambda s, u: ["classic", "endpoints", "set-model", s, NAME, "--model-url",
                                      u.replace(".ilearner", ".csv")], None, 2, ".ilearner"),
]


@pytest.mark.parametrize(("case", "argv", "stdin", "code", "fragment"), BAD_INPUTS,
                         ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_one_line_and_changes_nothing(
    emulator: Emulator, tmp_path: Path, case: str, argv: Any, stdin: Any, code: int, fragment: str
) -> None:
    svc = predictive(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME)
    url = upload_model(tmp_path)
    before = emulator.state()
    writes_before = len(emulator.writes())
    result = run(*argv(svc, url))
    assert result.exit_code == code, result.output
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert emulator.state() == before
    assert len(emulator.writes()) == writes_before


def test_expired_sas_is_refused_before_any_request(emulator: Emulator, tmp_path: Path) -> None:
    svc = predictive(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME)
    expired = sas_url(emulator, upload_model(tmp_path), datetime.now(timezone.utc) - timedelta(hours=1))
    served = len(emulator.requests())
    result = run("classic", "endpoints", "set-model", svc, NAME, "--model-url", "-", input=expired)
    assert result.exit_code == 2
    assert "expired" in result.stderr and "sig=" not in result.stderr.replace("sig=REDACTED", "")
    assert len(emulator.requests()) == served


def test_missing_blob_is_refused_by_the_service(emulator: Emulator, tmp_path: Path) -> None:
    svc = predictive(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME)
    before = resource_location(emulator, svc, NAME)
    url = upload_model(tmp_path).replace("census-v2", "does-not-exist")
    result = run("classic", "endpoints", "set-model", svc, NAME, "--model-url", url)
    assert result.exit_code == 1, result.output
    assert "BlobNotFound" in result.stderr
    assert resource_location(emulator, svc, NAME) == before


def test_training_service_has_no_updatable_resources(emulator: Emulator, tmp_path: Path) -> None:
    svc = training(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME)
    result = run("classic", "endpoints", "set-model", svc, NAME, "--model-url", upload_model(tmp_path))
    assert result.exit_code == 2
    assert "training" in result.stderr


def test_wrong_token_exits_5(emulator: Emulator) -> None:
    result = run("classic", "services", "list", env={"AML_RETRAIN_WORKSPACE_TOKEN": "wrong"})
    assert result.exit_code == 5, result.output
    assert "ManagementRequestUnauthorized" in result.stderr
    assert "wrong" not in result.stderr


def test_retries_503_honouring_retry_after_then_succeeds(emulator: Emulator) -> None:
    emulator.fault("GET", r"/webservices$", count=2, status=503, retry_after=0)
    services = ok_json("classic", "services", "list")
    assert len(services) == 2
    served = [r["status"] for r in emulator.requests() if r["path"].endswith("/webservices")]
    assert served == [503, 503, 200]


def test_5xx_after_retries_are_exhausted_exits_1(emulator: Emulator) -> None:
    emulator.fault("GET", r"/webservices$", count=10, status=503, retry_after=0)
    result = run("classic", "services", "list")
    assert result.exit_code == 1, result.output
    assert "503" in result.stderr
    served = [r for r in emulator.requests() if r["path"].endswith("/webservices")]
    assert len(served) == 4  # the first try and three retries


def test_patch_is_sent_again_only_when_it_was_not_processed(
        emulator: Emulator, tmp_path: Path) -> None:
    svc = predictive(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME)
    url = upload_model(tmp_path)
    # A 500 may come after the change was made: reported, not repeated.
    emulator.fault("PATCH", r"/endpoints/", count=1, status=500)
    result = run("classic", "endpoints", "set-model", svc, NAME, "--model-url", url)
    assert result.exit_code == 1
    assert [w["method"] for w in emulator.writes()] == ["PUT", "PATCH"]
    # A 503 (Retry-After) says it was not processed: sent again, and the command succeeds.
    emulator.fault("PATCH", r"/endpoints/", count=1, status=503, retry_after=0)
    ok_json("classic", "endpoints", "set-model", svc, NAME, "--model-url", url)
    assert [w["method"] for w in emulator.writes()] == ["PUT", "PATCH", "PATCH", "PATCH"]


def test_dropped_connection_on_get_is_retried(emulator: Emulator) -> None:
    emulator.fault("GET", r"/webservices$", count=1, drop=True)
    assert len(ok_json("classic", "services", "list")) == 2


def _key_only_profile(emulator: Emulator, tmp_path: Path) -> Path:
    profile = {k: v for k, v in emulator.profile.items() if k != "workspace_token"}
    path = tmp_path / "key-only-profile.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    return path


def test_set_model_with_only_the_endpoint_key(emulator: Emulator, tmp_path: Path) -> None:
    svc = predictive(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME)
    key = ok_json("classic", "endpoints", "patch-url", svc, NAME, "--show-keys")["primary_key"]
    key_file = tmp_path / "endpoint.key"
    key_file.write_text(key + "\n", encoding="utf-8")
    url = upload_model(tmp_path)
    served = len(emulator.requests())
    result = run("-o", "json", "--profile", str(_key_only_profile(emulator, tmp_path)),
                 "classic", "endpoints", "set-model", svc, NAME, "--model-url", url,
                 "--endpoint-key-file", str(key_file),
                 env={"AML_RETRAIN_PROFILE": "", "AML_RETRAIN_WORKSPACE_TOKEN": ""})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verified"] is True
    assert "signed in with the endpoint key" in result.stderr and key not in result.output
    calls = [(r["method"], r["path"].rsplit("/", 2)[-2]) for r in emulator.requests()[served:]]
    assert calls == [("GET", "endpoints"), ("PATCH", "endpoints"), ("GET", "endpoints")]
    assert resource_location(emulator, svc, NAME)["RelativeLocation"].endswith("census-v2.ilearner")


def test_another_endpoints_key_is_refused_and_nothing_changes(
        emulator: Emulator, tmp_path: Path) -> None:
    svc = predictive(emulator)
    ok_json("classic", "endpoints", "create", svc, NAME)
    ok_json("classic", "endpoints", "create", svc, "other")
    other_key = ok_json("classic", "endpoints", "patch-url", svc, "other", "--show-keys")["primary_key"]
    before = resource_location(emulator, svc, NAME)
    result = run("--profile", str(_key_only_profile(emulator, tmp_path)), "classic", "endpoints",
                 "set-model", svc, NAME, "--model-url", upload_model(tmp_path),
                 env={"AML_RETRAIN_PROFILE": "", "AML_RETRAIN_ENDPOINT_KEY": other_key})
    assert result.exit_code == 5, result.output
    assert "ManagementRequestUnauthorized" in result.stderr and other_key not in result.stderr
    assert resource_location(emulator, svc, NAME) == before
