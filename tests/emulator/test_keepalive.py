"""HTTP/1.1 keep-alive: every answer is delimited, so one TLS connection serves many requests."""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Iterator

import pytest

from aml_emulator import EmulatorServer

from .conftest import PREDICTIVE_ID, TOKEN, TRAINING_ID, Api

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def connection(api: Api, server: EmulatorServer) -> Iterator[http.client.HTTPSConnection]:
    context = ssl.create_default_context(cafile=api.ca)
    port = int(api.url.rsplit(":", 1)[1])
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    conn.connect()
    yield conn
    conn.close()


def _exchange(conn: http.client.HTTPSConnection, method: str, path: str,
              body: bytes | None = None, headers: dict[str, str] | None = None
              ) -> tuple[int, dict[str, str], bytes]:
    socket_before = conn.sock
    conn.request(method, path, body=body, headers={**AUTH, **(headers or {})})
    answer = conn.getresponse()
    data = answer.read()
    assert answer.version == 11 and not answer.will_close, (method, path, answer.status)
    assert conn.sock is socket_before and conn.sock is not None  # the same TLS connection
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, data


def test_one_connection_serves_every_kind_of_answer(api: Api,
                                                    connection: http.client.HTTPSConnection
                                                    ) -> None:
    endpoints = api.ws()
    ep = f"{endpoints}/{PREDICTIVE_ID}/endpoints/keep"
    status, headers, data = _exchange(connection, "GET", "/_emulator/health")
    assert status == 200 and headers["content-length"] == str(len(data))
    status, headers, data = _exchange(connection, "PUT", ep, b'{"Description": "k"}',
                                      {"Content-Type": "application/json"})
    assert status == 200 and json.loads(data)["Name"] == "keep"
    assert headers["content-length"] == str(len(data))
    status, headers, data = _exchange(connection, "GET", ep + "-missing")  # an error
    assert status == 404 and json.loads(data)["error"]["code"] == "EndpointNotFound"
    assert headers["content-length"] == str(len(data))
    status, headers, data = _exchange(connection, "POST", ep + "/refresh",
                                      b'{"OverwriteResources": "False"}')
    assert (status, data) == (304, b"") and "content-length" not in headers  # RFC 9110
    training = f"{endpoints}/{TRAINING_ID}/endpoints/default"
    assert _exchange(connection, "DELETE", training)[0] == 200
    status, headers, data = _exchange(connection, "GET", f"{endpoints}/{TRAINING_ID}/endpoints")
    assert (status, data) == (204, b"") and "content-length" not in headers
    status, headers, data = _exchange(connection, "HEAD", ep)  # 405, length of the GET body
    assert status == 405 and data == b"" and int(headers["content-length"]) > 0
    status, _headers, data = _exchange(connection, "PUT", api.ep("not-json"), b"{nope")
    assert status == 400 and json.loads(data)["error"]["code"] == "RequestBodyInvalid"
    status, _headers, data = _exchange(connection, "GET", "/no/such/route")
    assert status == 404 and json.loads(data)["error"]["code"] == "NotFound"


def test_chunked_request_body_keeps_the_connection_in_step(
        api: Api, connection: http.client.HTTPSConnection) -> None:
    chunks = iter([b'{"Descrip', b'tion": "chunked"}'])
    connection.request("PUT", api.ep("chunky"), body=chunks, encode_chunked=True,
                       headers={**AUTH, "Transfer-Encoding": "chunked"})
    answer = connection.getresponse()
    assert answer.status == 200, answer.read()
    assert json.loads(answer.read())["Description"] == "chunked"
    status, _headers, data = _exchange(connection, "GET", api.ep("chunky"))
    assert status == 200 and json.loads(data)["Description"] == "chunked"
