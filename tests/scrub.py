"""Scrubbing of recorded HTTP interactions: nothing secret may reach a cassette."""

from __future__ import annotations

import json
import re
from typing import Any

REDACTED = "REDACTED"
SECRET_JSON_KEYS = {"PrimaryKey", "SecondaryKey", "ConnectionString", "workspace_token",
                    "access_token", "refresh_token", "primaryKey", "secondaryKey",
                    # ARM listKeys and the definition's `keys` (WebServiceKeys)
                    "primary", "secondary",
                    # Azure ML v2: an endpoint's token operation (AMLToken endpoints)
                    "accessToken"}
_SIG = re.compile(r"(?i)\b(sig|skoid|sktid)=[^&\"\s]*")
# A SAS's start and expiry are no secret but change on every recording; fixed, valid times keep
# cassettes stable and still pass the client's checks (a SAS's se= must be an ISO 8601 time).
_SAS_TIMES = re.compile(r"(?i)\b(se|st)=[^&\"\s]*")
FIXED_SAS_TIMES = {"se": "2099-12-31T23%3A59%3A59Z", "st": "2000-01-01T00%3A00%3A00Z"}
_ACCOUNT_KEY = re.compile(r"(?i)(AccountKey=)[^;\"\s]+")
_BEARER = re.compile(r"(?i)(Bearer\s+)[A-Za-z0-9._~+/=-]+")

# Patterns a cassette must never contain; the scan test uses them.
SECRET_PATTERNS = [
    re.compile(r"sig=(?!REDACTED)[A-Za-z0-9%+/=]{8,}"),
    re.compile(r"AccountKey=(?!REDACTED)[A-Za-z0-9+/=]{20,}"),
    re.compile(r"[Bb]earer (?!REDACTED)[A-Za-z0-9._-]{8,}"),
    re.compile(r"\"(Primary|Secondary)Key\": \"(?!REDACTED)[^\"]+\""),
    re.compile(r"\"(primary|secondary)\": \"(?!REDACTED)[^\"]+\""),
    # Azure ML v2 listKeys and token answers (primaryKey, secondaryKey, accessToken)
    re.compile(r"\"(primaryKey|secondaryKey|accessToken)\": \"(?!REDACTED)[^\"]+\""),
    re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
]


def scrub_text(text: str) -> str:
    """Replace SAS parameters, account keys and bearer tokens in free text."""
    text = _SIG.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _SAS_TIMES.sub(lambda m: f"{m.group(1)}={FIXED_SAS_TIMES[m.group(1).lower()]}", text)
    text = _ACCOUNT_KEY.sub(rf"\g<1>{REDACTED}", text)
    return _BEARER.sub(rf"\g<1>{REDACTED}", text)


def _scrub_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if k in SECRET_JSON_KEYS and isinstance(v, str) and v else _scrub_json(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def scrub_body(body: bytes | str | None) -> bytes | str | None:
    """Scrub a JSON (or text) body, keeping its type."""
    if not body:
        return body
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        text = json.dumps(_scrub_json(json.loads(raw)))
    except ValueError:
        text = scrub_text(raw)
    return text.encode("utf-8") if isinstance(body, bytes) else text


def scrub_request(request: Any) -> Any:
    """vcrpy before_record_request hook."""
    request.uri = scrub_text(request.uri)
    request.body = scrub_body(request.body)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy before_record_response hook."""
    response["body"]["string"] = scrub_body(response["body"]["string"])
    for name in ("Set-Cookie", "set-cookie"):
        response["headers"].pop(name, None)
    return response


def vcr_config() -> dict[str, Any]:
    """Shared vcrpy settings: scrub on record; match without the (random) port."""
    return {
        "filter_headers": ["authorization", "x-ms-client-request-id", ("user-agent", REDACTED)],
        "filter_query_parameters": ["sig"],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "match_on": ["method", "scheme", "host", "path", "query"],
        "decode_compressed_response": True,
    }
