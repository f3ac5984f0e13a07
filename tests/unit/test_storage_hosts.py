"""A SAS is signed, and the account key used, only for the configured account's own blob endpoint."""

from __future__ import annotations

import pytest

from aml_retrain import storage
from aml_retrain.errors import ValidationError

KEY = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5=="
CLOUD = f"DefaultEndpointsProtocol=https;AccountName=mlstore;AccountKey={KEY};EndpointSuffix=core.windows.net"
AZURITE = (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={KEY};"
           "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")


@pytest.mark.parametrize(("conn", "url"), [
    (CLOUD, "https://mlstore.blob.core.windows.net/models/m.ilearner"),
    (CLOUD, "https://MLSTORE.blob.core.windows.net:443/models/m.ilearner"),
    (AZURITE, "http://127.0.0.1:10000/devstoreaccount1/models/m.ilearner"),
])
def test_the_accounts_own_endpoint_is_signed(conn: str, url: str) -> None:
    assert storage.in_account(conn, url)
    assert "sig=" in storage.make_read_sas_url(conn, url)


@pytest.mark.parametrize(("conn", "url"), [
    (CLOUD, "https://other.example/models/m.ilearner"),
    (CLOUD, "https://mlstore.blob.core.windows.net.evil.example/models/m.ilearner"),
    (CLOUD, "http://mlstore.blob.core.windows.net/models/m.ilearner"),  # the SAS in clear text
    (CLOUD, "https://mlstore.blob.core.windows.net:8443/models/m.ilearner"),
    (AZURITE, "http://127.0.0.1:9999/devstoreaccount1/models/m.ilearner"),  # another loopback port
    (AZURITE, "http://localhost:10000/devstoreaccount1/models/m.ilearner"),
])
def test_another_host_gets_no_sas_and_no_key(conn: str, url: str) -> None:
    assert not storage.in_account(conn, url)
    with pytest.raises(ValidationError, match="not on the blob endpoint of the configured"):
        storage.make_read_sas_url(conn, url)
    with pytest.raises(ValidationError, match="nothing is signed or sent for another host"):
        storage.blob_path(conn, url)  # retrain --data URL takes the same path


def test_backups_keep_no_signature(tmp_path: object) -> None:
    from pathlib import Path

    from aml_retrain.arm.results import write_arm_backup

    definition = {"properties": {"assets": {"asset3": {"locationInfo": {
        "uri": "https://mlstore.blob.core.windows.net/m/a.ilearner?sv=1&sig=SECRETSIG",
        "credentials": "?sv=1&sr=b&sig=SECRETSIG&se=2030-01-01"}}}}}
    path = write_arm_backup(Path(str(tmp_path)), "sub", "rg", "ws", definition)
    text = path.read_text(encoding="utf-8")
    assert "SECRETSIG" not in text and "https://mlstore.blob.core.windows.net/m/a.ilearner" in text


@pytest.mark.parametrize("url", ["https://bob:hunter2@mlstore.blob.core.windows.net/m/a.ilearner",
                                 "http://bob:hunter2@127.0.0.1:10000/devstoreaccount1/m.ilearner"])
def test_a_password_in_a_url_never_reaches_an_error(url: str) -> None:
    from typer.testing import CliRunner

    from aml_retrain.errors import ConfigError, ServiceError, ValidationError
    from aml_retrain_cli.main import app

    for error in (ValidationError(f"bad {url}"), ConfigError(f"x {url}"),
                  ServiceError(f"y {url}", status_code=400, url=url)):
        assert "hunter2" not in str(error) and "REDACTED@" in str(error)
    result = CliRunner().invoke(app, ["classic", "endpoints", "set-model", "0" * 32, "ep1",
                                      "--model-url", url, "--dry-run"],
                                env={"AML_RETRAIN_STORAGE_CONNECTION_STRING": AZURITE})
    assert result.exit_code != 0 and "hunter2" not in result.output


def test_plain_http_is_refused_for_every_url_that_carries_a_credential() -> None:
    from aml_retrain._scoring import ScoringClient
    from aml_retrain.classic.bes import BatchExecutionClient
    from aml_retrain.config import Settings
    from aml_retrain.errors import ConfigError

    with pytest.raises(ConfigError, match="must start with https://"):
        Settings.resolve(management_url="http://management.azureml.net", workspace_id="ws",
                         workspace_token="t")
    for client in (BatchExecutionClient, ScoringClient):
        with pytest.raises(ValidationError, match="must start with https://"):
            client("http://ussouthcentral.services.azureml.net/workspaces/w/services/s", "key")
