from __future__ import annotations

import pytest
import requests

from aml_retrain import errors
from aml_retrain._redact import redact_sas, redact_text, redact_url
from aml_retrain.errors import (
    AmlRetrainError,
    AuthError,
    ConflictError,
    NotFoundError,
    ServiceError,
)


def make_response(status: int, body: bytes, *, url: str, method: str = "GET",
                  headers: dict[str, str] | None = None) -> requests.Response:
    prepared = requests.Request(method, url).prepare()
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    response.request = prepared
    response.url = url
    response.reason = "Reason"
    return response


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("AmlRetrainError", 1),
        ("ConfigError", 2),
        ("ValidationError", 2),
        ("ConnectionFailedError", 1),
        ("OperationTimeoutError", 4),
        ("VerificationError", 1),
        ("ServiceError", 1),
        ("AuthError", 5),
        ("NotFoundError", 3),
        ("ConflictError", 6),
    ],
)
def test_exit_codes_match_the_architecture_table(name: str, code: int) -> None:
    cls = getattr(errors, name)
    assert cls.exit_code == code
    assert issubclass(cls, AmlRetrainError)


def test_tree_is_drawn_in_the_docstring() -> None:
    for name in errors.__all__:
        assert name in (errors.__doc__ or "")
    assert issubclass(AuthError, ServiceError)
    assert issubclass(NotFoundError, ServiceError)
    assert issubclass(ConflictError, ServiceError)


def test_401_becomes_auth_error_with_request_id_and_next_step() -> None:
    body = b'{"error": {"code": "ManagementRequestUnauthorized", "message": "Unauthorized"}}'
    resp = make_response(401, body, url="https://m.test/workspaces/ws/webservices",
                         headers={"x-ms-request-id": "req-42"})
    err = ServiceError.from_response(resp)
    assert type(err) is AuthError
    assert err.status_code == 401
    assert err.error_code == "ManagementRequestUnauthorized"
    assert err.request_id == "req-42"
    assert "workspace token" in err.message
    assert "workspace id" in err.message
    assert str(err) == (
        f"{err.message} (HTTP 401 ManagementRequestUnauthorized, request id req-42, "
        "GET https://m.test/workspaces/ws/webservices)"
    )


def test_403_is_auth_error() -> None:
    resp = make_response(403, b"", url="https://m.test/x")
    assert type(ServiceError.from_response(resp)) is AuthError


def test_404_becomes_not_found_with_hint() -> None:
    body = b'{"error": {"code": "WebServiceNotFound", "message": "Web service not found."}}'
    err = ServiceError.from_response(make_response(404, body, url="https://m.test/x"))
    assert type(err) is NotFoundError
    assert err.exit_code == 3
    assert "Check the workspace id, web service id and endpoint name" in str(err)
    assert "(HTTP 404 WebServiceNotFound, GET https://m.test/x)" in str(err)


def test_409_is_conflict_and_500_plain_service_error() -> None:
    assert type(ServiceError.from_response(make_response(409, b"", url="https://m/x"))) is (
        ConflictError
    )
    err = ServiceError.from_response(make_response(500, b"", url="https://m/x"))
    assert type(err) is ServiceError
    assert "retry later" in err.message


def test_non_json_body_is_tolerated() -> None:
    resp = make_response(502, b"<html>Bad Gateway</html>", url="https://m.test/x", method="PATCH")
    err = ServiceError.from_response(resp)
    assert err.error_code is None
    assert err.message.startswith("Reason")
    assert str(err).endswith("(HTTP 502, PATCH https://m.test/x)")


def test_details_add_the_specific_cause() -> None:
    body = (b'{"error": {"code": "BadArgument", "message": "Invalid argument.", "details": '
            b'[{"code": "BlobNotFound", "message": "The blob was not found."}]}}')
    err = ServiceError.from_response(make_response(400, body, url="https://m/x"))
    assert "Invalid argument: The blob was not found." in err.message
    assert err.details[0]["code"] == "BlobNotFound"


def test_secrets_never_reach_str_or_repr() -> None:
    url = ("https://m.test/x?sv=2020&sig=SIGSECRET&se=2030-01-01&api-key=KEYSECRET"
           "&code=CODESECRET")
    body = (b'{"error": {"code": "BadArgument", "message": "bad url https://a.blob/x?sig=INBODY'
            b' AccountKey=ACCTKEY; Bearer TOKSECRET\\nsecond line"}}')
    err = ServiceError.from_response(make_response(400, body, url=url))
    for text in (str(err), repr(err), err.url or ""):
        for secret in ("SIGSECRET", "KEYSECRET", "CODESECRET", "INBODY", "ACCTKEY", "TOKSECRET"):
            assert secret not in text
    assert "sig=REDACTED" in str(err)
    assert "\n" not in str(err)


def test_redact_url_keeps_everything_but_secrets() -> None:
    url = "https://acct.blob.core.windows.net/c/m.ilearner?sv=2019&sr=b&SIG=abc%3D&se=2030&sp=r"
    assert redact_url(url) == (
        "https://acct.blob.core.windows.net/c/m.ilearner?sv=2019&sr=b&SIG=REDACTED&se=2030&sp=r"
    )
    assert redact_url("https://user:pw@h/p") == "https://REDACTED@h/p"
    assert redact_url("https://h/p") == "https://h/p"


def test_redact_sas_and_text() -> None:
    assert redact_sas("?sv=1&sig=abc") == "?sv=1&sig=REDACTED"
    assert redact_sas("") == ""
    assert redact_text("AccountName=a;AccountKey=k+/=;Foo=1") == (
        "AccountName=a;AccountKey=REDACTED;Foo=1"
    )


def test_job_failed_error_redacts_details_and_exits_1() -> None:
    from aml_retrain.errors import JobFailedError

    err = JobFailedError(
        "job j1 failed: AccountKey=TOPSECRET;x", job_id="j1", status="Failed",
        details="blob https://a.blob.core.windows.net/c/x.csv?sig=SIGSECRET unreadable",
    )
    assert err.exit_code == 1 and err.job_id == "j1" and err.status == "Failed"
    assert "TOPSECRET" not in str(err) and "SIGSECRET" not in (err.details or "")
    assert "unreadable" in (err.details or "")


def test_sas_expired_is_a_validation_error() -> None:
    from aml_retrain.errors import SasExpiredError, ValidationError

    assert issubclass(SasExpiredError, ValidationError) and SasExpiredError.exit_code == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 503])
def test_classic_arm_and_storage_map_a_status_to_the_same_class(status: int) -> None:
    from azure.core.exceptions import HttpResponseError

    from aml_retrain.arm._errors import error_from_response
    from aml_retrain.storage import storage_errors

    url = "https://x.test/a"
    classic = ServiceError.from_response(make_response(status, b"", url=url))
    arm = error_from_response(status, {}, b"", method="GET", url=url)
    sdk_error = HttpResponseError(message="blob call failed")
    sdk_error.status_code = status
    with pytest.raises(ServiceError) as storage, storage_errors(url):
        raise sdk_error
    assert type(classic) is type(arm) is type(storage.value) is errors.class_for_status(status)
