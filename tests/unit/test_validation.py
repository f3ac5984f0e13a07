from __future__ import annotations

from datetime import datetime, timezone

import pytest

from aml_retrain._blobs import BlobLocation, parse_model_url
from aml_retrain.classic.validation import (
    check_not_default,
    select_resource,
    validate_endpoint_name,
)
from aml_retrain.errors import ValidationError

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
SAS = "sv=2019-02-02&sr=b&sig=abc%3D&se=2025-06-01T13%3A00%3A00Z&sp=r"


@pytest.mark.parametrize("name", ["ep01", "a", "retrained-01", "a" * 24, "0-1"])
def test_valid_endpoint_names(name: str) -> None:
    assert validate_endpoint_name(name) == name


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("My_Endpoint", "'my-endpoint'"),
        ("-ep", "'ep'"),
        ("ep-", "'ep'"),
        ("a" * 25, "'" + "a" * 24 + "'"),
        ("", "'retrained01'"),
        ("ep.01", "'ep-01'"),
    ],
)
def test_invalid_endpoint_names_say_the_rule_and_suggest(name: str, suggestion: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_endpoint_name(name)
    text = str(info.value)
    rule = "at most 24 characters, lowercase letters, digits and hyphens (not first or last)"
    assert rule in text
    assert f"e.g. {suggestion}" in text


def test_parse_azure_blob_url() -> None:
    url = f"https://acct.blob.core.windows.net/experimentoutput/run1/model.ilearner?{SAS}"
    loc = parse_model_url(url, now=NOW)
    assert loc == BlobLocation(
        "https://acct.blob.core.windows.net/", "experimentoutput/run1/model.ilearner", f"?{SAS}"
    )
    assert loc.to_api() == {
        "BaseLocation": "https://acct.blob.core.windows.net/",
        "RelativeLocation": "experimentoutput/run1/model.ilearner",
        "SasBlobToken": f"?{SAS}",
    }
    assert "abc%3D" not in repr(loc)


def test_parse_url_without_sas() -> None:
    loc = parse_model_url("https://acct.blob.core.windows.net/c/m.ilearner", now=NOW)
    assert loc.sas_token == ""
    assert loc.url_without_sas == "https://acct.blob.core.windows.net/c/m.ilearner"


@pytest.mark.parametrize("host", ["127.0.0.1:10000", "localhost:10000"])
def test_loopback_path_style_keeps_account_in_base(host: str) -> None:
    loc = parse_model_url(f"http://{host}/devstoreaccount1/models/v2/m.ilearner?{SAS}", now=NOW)
    assert loc.base_location == f"http://{host}/devstoreaccount1/"
    assert loc.relative_location == "models/v2/m.ilearner"


def test_http_rejected_for_real_hosts() -> None:
    with pytest.raises(ValidationError, match="must start with https://"):
        parse_model_url("http://acct.blob.core.windows.net/c/m.ilearner", now=NOW)


@pytest.mark.parametrize(
    "url",
    [
        "https://acct.blob.core.windows.net/c/data.csv",
        "https://acct.blob.core.windows.net/c/",
        "https://acct.blob.core.windows.net/c/m.ilearner.bak?sig=x",
    ],
)
def test_must_be_an_ilearner(url: str) -> None:
    with pytest.raises(ValidationError, match=r"must point to a \.ilearner blob"):
        parse_model_url(url, now=NOW)


def test_container_required() -> None:
    with pytest.raises(ValidationError, match="must name a container and a blob"):
        parse_model_url("https://acct.blob.core.windows.net/m.ilearner", now=NOW)
    with pytest.raises(ValidationError, match="must name a container and a blob"):
        parse_model_url("http://127.0.0.1:10000/devstoreaccount1/m.ilearner", now=NOW)


def test_trailing_dot_rejected() -> None:
    with pytest.raises(ValidationError, match=r"remove the trailing '\.'"):
        parse_model_url(f"https://a.blob.core.windows.net/c/m.ilearner?{SAS}.", now=NOW)


@pytest.mark.parametrize("url", [" https://a.blob.core.windows.net/c/m.ilearner",
                                 "https://a.blob.core.windows.net/c/m.ilearner\n",
                                 "https://a.blob.core.windows.net/c/m y.ilearner"])
def test_whitespace_rejected(url: str) -> None:
    with pytest.raises(ValidationError, match="contains whitespace"):
        parse_model_url(url, now=NOW)


def test_expired_sas_says_when_and_what_to_do() -> None:
    url = "https://a.blob.core.windows.net/c/m.ilearner?sv=1&se=2025-06-01T11%3A59%3A00Z&sig=s"
    with pytest.raises(ValidationError) as info:
        parse_model_url(url, now=NOW)
    text = str(info.value)
    assert "the SAS token expired at 2025-06-01T11:59:00Z" in text
    assert "mint a new one" in text and "GET the BES job status again" in text
    assert "sig=s" not in text


def test_sas_with_date_only_expiry() -> None:
    url = "https://a.blob.core.windows.net/c/m.ilearner?se=2025-05-31&sig=s"
    with pytest.raises(ValidationError, match="expired at 2025-05-31T00:00:00Z"):
        parse_model_url(url, now=NOW)
    assert parse_model_url(url.replace("05-31", "06-02"), now=NOW).sas_token.startswith("?se=")


ENDPOINT = {
    "Name": "ep1",
    "Resources": [
        {"Name": "Census Model [trained model]", "Kind": "TrainedModel", "Location": {}},
    ],
}
TWO = {
    "Name": "ep1",
    "Resources": [{"Name": "A [trained model]"}, {"Name": "B [trained model]"}],
}


def test_select_single_resource() -> None:
    assert select_resource(ENDPOINT)["Name"] == "Census Model [trained model]"
    assert select_resource(ENDPOINT, "Census Model [trained model]")["Kind"] == "TrainedModel"


@pytest.mark.parametrize("resources", [None, [], [{"Name": "{}"}], [{"Name": ""}]])
def test_no_resources_explains_training_service(resources: object) -> None:
    with pytest.raises(ValidationError) as info:
        select_resource({"Name": "ep1", "Resources": resources})
    text = str(info.value)
    assert "has no updatable resources" in text
    assert "training web service" in text
    assert "patch a non-default endpoint of the predictive web service" in text


def test_unknown_resource_lists_valid_names() -> None:
    with pytest.raises(ValidationError, match=r"no resource named 'census model \[trained model\]'"
                       r".*valid names are 'Census Model \[trained model\]'"):
        select_resource(ENDPOINT, "census model [trained model]")


def test_several_resources_ask_for_resource_name() -> None:
    with pytest.raises(ValidationError, match=r"has 2 trained-model resources: pass --resource-name"
                       r" with one of 'A \[trained model\]', 'B \[trained model\]'"):
        select_resource(TWO)
    assert select_resource(TWO, "B [trained model]") == {"Name": "B [trained model]"}


def test_check_not_default() -> None:
    check_not_default({"DefaultEndpointName": "default"}, "ep1")
    check_not_default("main", "default")
    with pytest.raises(ValidationError,
                       match="create a non-default endpoint first: aml-retrain classic endpoints"
                             " create"):
        check_not_default({"Id": "x", "DefaultEndpointName": "default"}, "default")
    with pytest.raises(ValidationError, match="'main' is the default endpoint"):
        check_not_default("main", "main")
    with pytest.raises(ValidationError):
        check_not_default({}, "default")  # missing DefaultEndpointName falls back to "default"
