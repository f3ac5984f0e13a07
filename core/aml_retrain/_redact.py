"""Scrub secrets (SAS signatures, keys, tokens) from URLs and free text before they are stored."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

REDACTED = "REDACTED"

# Query parameters that carry a credential; compared case-insensitively.
SECRET_QUERY_PARAMS = frozenset(
    {
        "sig",
        "signature",
        "key",
        "api_key",
        "apikey",
        "api-key",
        "code",
        "token",
        "access_token",
        "password",
        "secret",
        "client_secret",
        "subscription-key",
        "x-ms-signature",
    }
)

_PARAM_ALTERNATION = "|".join(re.escape(name) for name in sorted(SECRET_QUERY_PARAMS))
# Matches name=value inside free text (error bodies may echo a SAS URL back to us).
_TEXT_PARAM = re.compile(rf"(?i)(?<![\w-])({_PARAM_ALTERNATION})=([^&\s\"'<>;]+)")
_CONN_SECRET = re.compile(
    r"(?i)\b(AccountKey|SharedAccessSignature|SharedAccessKey|Password)=([^;\s\"']+)"
)
_BEARER = re.compile(r"(?i)\b(Bearer)\s+[A-Za-z0-9._~+/=-]+")
# user:password@ (or user@) after a URL scheme, in free text.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]+@")


def _redact_query(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, sep, _value = part.partition("=")
        if sep and name.lower() in SECRET_QUERY_PARAMS:
            part = f"{name}={REDACTED}"
        parts.append(part)
    return "&".join(parts)


def redact_url(url: str) -> str:
    """Return ``url`` with secret query values (``sig=`` …) and user info replaced by REDACTED."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    return urlunsplit(
        (parts.scheme, netloc, parts.path, _redact_query(parts.query), parts.fragment)
    )


def redact_sas(token: str) -> str:
    """Return a SAS token (``?sv=…&sig=…``) with its signature replaced by REDACTED."""
    if not token:
        return token
    prefix = "?" if token.startswith("?") else ""
    return prefix + _redact_query(token[len(prefix) :])


def redact_text(text: str) -> str:
    """Return free text with SAS signatures, account keys, URL passwords and bearer tokens replaced."""
    text = _TEXT_PARAM.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _CONN_SECRET.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
